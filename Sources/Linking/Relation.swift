import LianluCore
import Extraction

/// The relation types of SPEC.md with their roles.
public enum RelationType: String, Sendable, CaseIterable {
    case investment, output, position
    case locatedIn = "located_in"
    case agreement, introduction, cooperation

    /// The roles a frame of this type may fill.
    public var roles: [String] {
        switch self {
        case .investment: return ["investor", "project", "amount", "location", "date"]
        case .output: return ["subject", "product", "quantity", "period", "kind"]
        case .position: return ["person", "title", "org"]
        case .locatedIn: return ["entity", "location"]
        case .agreement: return ["parties", "project", "date"]
        case .introduction: return ["introducer", "project", "origin", "date"]
        case .cooperation: return ["parties", "project"]
        }
    }

    /// Roles that hold a literal string rather than mention ids.
    public var literalRoles: Set<String> {
        self == .output ? ["period", "kind"] : []
    }
}

/// What fills a role: one mention, several mentions, or a literal (`period`, `kind`).
public enum RoleFiller: Sendable, Equatable {
    case mention(String)
    case mentions([String])
    case literal(String)
}

/// A relation frame (SPEC.md stage 4).
public struct Relation: Sendable, Equatable {
    public var id: String
    public var sid: Int
    public var type: RelationType
    /// Roles in the order of `type.roles`.
    public var args: [(role: String, filler: RoleFiller)]
    public var rule: String

    public init(id: String, sid: Int, type: RelationType, args: [(role: String, filler: RoleFiller)], rule: String) {
        self.id = id
        self.sid = sid
        self.type = type
        self.args = args
        self.rule = rule
    }

    /// `r<n>`.
    public static func id(_ n: Int) -> String { RecordID.make("r", n) }

    public static func == (a: Relation, b: Relation) -> Bool {
        a.id == b.id && a.sid == b.sid && a.type == b.type && a.rule == b.rule
            && a.args.count == b.args.count && zip(a.args, b.args).allSatisfy { $0.role == $1.role && $0.filler == $1.filler }
    }

    public func write(doc: String, to w: inout JSONWriter) {
        MentionRecordPieces.head(documentID: doc).withUnsafeBufferPointer { write(head: $0, to: &w) }
    }

    /// The record after `head` (`{"doc":"<id>","id":`, escaped once per document, as for
    /// mentions): the keys go out as fixed bytes, only ids and the rule are escaped.
    public func write(head: UnsafeBufferPointer<UInt8>, to w: inout JSONWriter) {
        // One write through a pointer (see `JSONWriter.appendRaw`).
        var capacity = head.count + JSONWriter.quotedCapacity(id) + JSONWriter.quotedCapacity(rule) + 96
        for (role, filler) in args {
            capacity += JSONWriter.quotedCapacity(role) + 4
            switch filler {
            case let .mention(m), let .literal(m): capacity += JSONWriter.quotedCapacity(m)
            case let .mentions(ms): for m in ms { capacity += JSONWriter.quotedCapacity(m) + 1 }
            }
        }
        w.appendRaw(capacity: capacity) { p in
            var c = RecordCursor(p)
            c.put(head)
            c.quoted(id)
            c.put(",\"sid\":"); c.decimal(sid)
            c.put(",\"type\":"); c.quoted(type.rawValue)
            c.put(",\"args\":{")
            for (k, (role, filler)) in args.enumerated() {
                if k > 0 { c.put(",") }
                c.quoted(role)
                c.put(":")
                switch filler {
                case let .mention(m), let .literal(m): c.quoted(m)
                case let .mentions(ms):
                    c.put("[")
                    for (j, m) in ms.enumerated() {
                        if j > 0 { c.put(",") }
                        c.quoted(m)
                    }
                    c.put("]")
                }
            }
            c.put("},\"rule\":"); c.quoted(rule)
            c.put("}\n")
            return c.written
        }
    }
}

/// Mentions of one thing within a document (SPEC.md stage 5), with a corpus-wide key.
public struct Entity: Sendable, Equatable {
    public var id: String
    public var type: String
    /// The canonical name as UTF-16 units: a run makes hundreds of thousands of entities,
    /// and writing them from units spares making a Swift string for each.
    public var nameUnits: [UInt16]
    public var mentions: [String]

    public init(id: String, type: String, name: String, mentions: [String]) {
        self.init(id: id, type: type, nameUnits: Array(name.utf16), mentions: mentions)
    }

    public init(id: String, type: String, nameUnits: [UInt16], mentions: [String]) {
        self.id = id
        self.type = type
        self.nameUnits = nameUnits
        self.mentions = mentions
    }

    public var name: String { String(decoding: nameUnits, as: UTF16.self) }

    /// `TYPE:canonical name`: the same thing gets the same key in every document and run.
    public var key: String { "\(type):\(name)" }

    public func write(doc: String, to w: inout JSONWriter) {
        MentionRecordPieces.head(documentID: doc).withUnsafeBufferPointer { write(head: $0, to: &w) }
    }

    /// The record after `head` (see `Relation.write(head:to:)`).
    public func write(head: UnsafeBufferPointer<UInt8>, to w: inout JSONWriter) {
        var capacity = head.count + JSONWriter.quotedCapacity(id) + 2 * JSONWriter.quotedCapacity(type)
            + 2 * JSONWriter.quotedCapacity(utf16: nameUnits.count) + 64
        for m in mentions { capacity += JSONWriter.quotedCapacity(m) + 1 }
        nameUnits.withUnsafeBufferPointer { u in
            w.appendRaw(capacity: capacity) { p in
                var c = RecordCursor(p)
                c.put(head)
                c.quoted(id)
                c.put(",\"type\":"); c.quoted(type)
                c.put(",\"name\":"); c.quoted(utf16: u)
                // "TYPE:name": the type quoted, its closing quote taken back.
                c.put(",\"key\":")
                c.quoted(type)
                c.at -= 1
                c.put(byte: UInt8(ascii: ":"))
                c.escaped(utf16: u)
                c.put(byte: UInt8(ascii: "\""))
                c.put(",\"mentions\":[")
                for (j, m) in mentions.enumerated() {
                    if j > 0 { c.put(",") }
                    c.quoted(m)
                }
                c.put("]}\n")
                return c.written
            }
        }
    }
}
