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
            var q = p
            func put(_ s: StaticString) {
                q.update(from: s.utf8Start, count: s.utf8CodeUnitCount)
                q += s.utf8CodeUnitCount
            }
            if let a = head.baseAddress { q.update(from: a, count: head.count) }
            q += head.count
            q += JSONWriter.quoted(id, to: q)
            put(",\"sid\":"); q += JSONWriter.decimal(sid, to: q)
            put(",\"type\":"); q += JSONWriter.quoted(type.rawValue, to: q)
            put(",\"args\":{")
            for (k, (role, filler)) in args.enumerated() {
                if k > 0 { put(",") }
                q += JSONWriter.quoted(role, to: q)
                put(":")
                switch filler {
                case let .mention(m), let .literal(m): q += JSONWriter.quoted(m, to: q)
                case let .mentions(ms):
                    put("[")
                    for (j, m) in ms.enumerated() {
                        if j > 0 { put(",") }
                        q += JSONWriter.quoted(m, to: q)
                    }
                    put("]")
                }
            }
            put("},\"rule\":"); q += JSONWriter.quoted(rule, to: q)
            put("}\n")
            return q - p
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
                var q = p
                func put(_ s: StaticString) {
                    q.update(from: s.utf8Start, count: s.utf8CodeUnitCount)
                    q += s.utf8CodeUnitCount
                }
                if let a = head.baseAddress { q.update(from: a, count: head.count) }
                q += head.count
                q += JSONWriter.quoted(id, to: q)
                put(",\"type\":"); q += JSONWriter.quoted(type, to: q)
                put(",\"name\":"); q += JSONWriter.quoted(utf16: u, to: q)
                // "TYPE:name": the type's quoted form without its closing quote, then
                // the name's without its opening one.
                put(",\"key\":")
                q += JSONWriter.quoted(type, to: q) - 1
                put(":")
                // The name's opening quote lands on the ':' just written, which goes back.
                let n = JSONWriter.quoted(utf16: u, to: q - 1)
                (q - 1).pointee = UInt8(ascii: ":")
                q += n - 1
                put(",\"mentions\":[")
                for (j, m) in mentions.enumerated() {
                    if j > 0 { put(",") }
                    q += JSONWriter.quoted(m, to: q)
                }
                put("]}\n")
                return q - p
            }
        }
    }
}
