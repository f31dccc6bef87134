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
        w.verbatim(head)
        w.string(id)  // at the top level: no comma bookkeeping
        w.verbatim(",\"sid\":"); w.verbatimInt(sid)
        w.verbatim(",\"type\":"); w.string(type.rawValue)
        w.verbatim(",\"args\":{")
        for (k, (role, filler)) in args.enumerated() {
            if k > 0 { w.verbatim(",") }
            w.string(role)
            w.verbatim(":")
            switch filler {
            case let .mention(m): w.string(m)
            case let .literal(l): w.string(l)
            case let .mentions(ms):
                w.verbatim("[")
                for (j, m) in ms.enumerated() {
                    if j > 0 { w.verbatim(",") }
                    w.string(m)
                }
                w.verbatim("]")
            }
        }
        w.verbatim("},\"rule\":"); w.string(rule)
        w.verbatim("}\n")
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
        w.verbatim(head)
        w.string(id)  // at the top level: no comma bookkeeping
        w.verbatim(",\"type\":"); w.string(type)
        nameUnits.withUnsafeBufferPointer { u in
            w.verbatim(",\"name\":"); w.string(utf16: u)
            w.verbatim(",\"key\":"); w.string(asciiPrefix: type, separator: UInt8(ascii: ":"), utf16: u)
        }
        w.verbatim(",\"mentions\":[")
        for (j, m) in mentions.enumerated() {
            if j > 0 { w.verbatim(",") }
            w.string(m)
        }
        w.verbatim("]}\n")
    }
}
