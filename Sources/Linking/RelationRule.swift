import Extraction
import LianluCore

/// One element of a relation pattern (Rules/relations/README section of Rules/README.md).
///
/// A pattern is a sequence over the sentence's text in which mentions are atoms:
/// `由 <investor:ORG> 投资 <amount:MONEY>? 建设 的? <project:PROJECT>`.
public enum PatternElement: Sendable, Equatable {
    /// One of these words, written as is (`投资|出资`).
    case words([[UInt16]], optional: Bool)
    /// A mention of one of `types` starting here, bound to `role` (nil: matched, not
    /// kept). `list`: several such mentions joined by 、/和/及/兼 (`<person:PER+>`).
    case mention(role: String?, types: TypeSet, list: Bool, optional: Bool)
    /// Any text up to `max` UTF-16 units that crosses none of `stops`.
    case gap(max: Int, stops: GapStops)
    /// First element only (`!从|自`): the match does not follow one of these words
    /// (上海 in 从上海引进 is the origin, not who brings the project in).
    case notAfter([[UInt16]])
    /// Last element only (`!建设|新建`): the match is not followed by one of these words
    /// (A投资3亿元建设B项目 is the investment of B, told by another rule).
    case notBefore([[UInt16]])

    var isOptional: Bool {
        switch self {
        case let .words(_, o): return o
        case let .mention(_, _, _, o): return o
        case .gap, .notAfter, .notBefore: return true
        }
    }
}

/// A set of mention types as bits (bit `code` of each type): tested in the matcher's
/// innermost loop, where a `Set` would hash on every test.
public struct TypeSet: Sendable, Equatable {
    public var bits: UInt16 = 0
    public init() {}
    public init(_ types: [MentionType]) { for t in types { insert(t) } }
    @inline(__always) public func contains(_ t: MentionType) -> Bool { bits & (1 << UInt16(t.code)) != 0 }
    public mutating func insert(_ t: MentionType) { bits |= 1 << UInt16(t.code) }
    public var isEmpty: Bool { bits == 0 }
}

/// What a gap cannot cross: `*` stays in a comma clause, `...` in the sentence (commas
/// may be crossed, not ；。), `~` crosses no punctuation at all.
public enum GapStops: Sendable, Equatable {
    case clause, sentence, punctuation

    private static func bits(_ s: String) -> [UInt64] {
        var b = [UInt64](repeating: 0, count: 1024)
        for u in s.utf16 { b[Int(u) >> 6] |= 1 << UInt64(u & 63) }
        return b
    }
    private static let clauseBits = bits("，,；;。！？!?：:")
    private static let sentenceBits = bits("；;。！？!?")
    private static let punctuationBits = bits("，,、；;：:。！？!?“”\"‘’《》()（）")

    @inline(__always) func contains(_ u: UInt16) -> Bool {
        let b: [UInt64]
        switch self {
        case .clause: b = GapStops.clauseBits
        case .sentence: b = GapStops.sentenceBits
        case .punctuation: b = GapStops.punctuationBits
        }
        return b[Int(u) >> 6] & (1 << UInt64(u & 63)) != 0
    }
}

/// How a role a pattern left empty is filled from around the match.
public struct Attachment: Sendable, Equatable {
    public enum Strategy: String, Sendable, CaseIterable {
        /// The smallest mention that contains the whole match (年产50万根车轴配件项目).
        case enclosing
        /// The nearest mention that ends before the match, in the same sentence
        /// (该项目/该公司 count, as the mention they stand for).
        case before
        /// The nearest mention before the match in the same clause (up to ；).
        case clause
        /// The nearest mention that starts after the match, in the same sentence.
        case after
        /// The nearest mention in the clause right after the match (up to the next comma):
        /// 在红梅镇,X公司... gives the company of the clause the place opens.
        case next
        /// The first mention of the sentence (the topic of a summary: 冠县...总投资).
        case first
        /// The role's filler in the previous frame of this type when the match follows it
        /// in a list (市委书记韩立成、市长吴晓峰: the second shares 宿迁).
        case previous
        /// The `location` of a located_in frame of the same sentence whose `entity` is the
        /// filler of the named role (the place of the project an investment builds).
        case locatedIn = "located_in"
    }
    public var strategy: Strategy
    /// Mention types accepted (enclosing, before, clause, after, first).
    public var types: TypeSet
    /// The role whose filler is looked up (located_in).
    public var ofRole: String?
    /// Words the mention must start with, if any (`first DATE 截至|截止`: a cumulative
    /// total takes the sentence's "as of" date, not the date of the event told).
    public var startsWith: [[UInt16]] = []
    /// Words the mention (or what an anaphor stands for) must end with, if any
    /// (`before ORG ending 公司|集团`: the nearest company, not the body it signed with).
    public var endsWith: [[UInt16]] = []
}

/// Why a pattern or an attach way does not parse.
public struct PatternError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

/// A relation rule from Rules/relations/*.yaml.
/// A class, not a struct: the linker reads rules in its innermost loop, and a struct this
/// size was copied (and its arrays retained) on every read.
public final class RelationRule: @unchecked Sendable {
    public struct Example: Sendable {
        public var text: String
        /// Expected frames: role -> filler texts (one, or several for a list role) or a literal.
        public var frames: [[String: [String]]]
        public var line: Int
    }

    public let id: String
    public let file: String
    public let line: Int
    public let description: String
    public let type: RelationType
    public let pattern: [PatternElement]
    public let patternText: String
    /// role -> strategies, tried in order.
    public let attach: [(role: String, ways: [Attachment])]
    /// Literal roles set by the rule (`period: year`).
    public let literals: [(role: String, value: String)]
    /// Roles that must be filled, or the frame is dropped.
    public let requires: [String]
    /// List roles that give one frame per filler (a title shared by several people).
    public let distribute: [String]
    /// Named checks (see `RelationChecks`).
    public let checks: [String]
    public let examples: [Example]
    public let negatives: [(text: String, line: Int)]

    init(id: String, file: String, line: Int, description: String, type: RelationType, pattern: [PatternElement], patternText: String,
         attach: [(role: String, ways: [Attachment])], literals: [(role: String, value: String)], requires: [String],
         distribute: [String], checks: [String], examples: [Example], negatives: [(text: String, line: Int)]) {
        self.id = id
        self.file = file
        self.line = line
        self.description = description
        self.type = type
        self.pattern = pattern
        self.patternText = patternText
        self.attach = attach
        self.literals = literals
        self.requires = requires
        self.distribute = distribute
        self.checks = checks
        self.examples = examples
        self.negatives = negatives
        qualifiedID = "\(file)#\(id)"
    }

    /// `relations/investment.yaml#investment_by_builder`, as in every relation record.
    public let qualifiedID: String
}

/// Parses pattern strings. Tokens are separated by spaces:
/// - `<role:TYPE|TYPE>`: a mention; `<:TYPE>` matches without binding; `+` after the
///   types takes a list (`<person:PER+>`); `?` after `>` makes it optional.
/// - `*`: a gap of up to 15 units inside a clause (no ，；。 crossed); `...`: up to 60
///   units inside the sentence (commas may be crossed, not ；。); `~`: up to 4 units
///   without punctuation (可, 将, 已经).
/// - `!word|word`: first, the match does not follow these words; last, it is not
///   followed by them.
/// - anything else: literal words, alternatives joined by `|`, `?` at the end for optional.
public enum PatternParser {

    /// `lexicon` gives a lexicon's words by name: a word written `<name>` (no colon) in a
    /// `word|word` or `!word|word` element stands for all of them (`!<output_rate>`,
    /// `<investor_after_project>`), so a list several rules share is written once.
    public static func parse(_ pattern: String, lexicon: (String) -> [[UInt16]]? = { _ in nil }) -> Result<[PatternElement], PatternError> {
        var out: [PatternElement] = []
        /// The words of `word|<lexicon>|word`.
        func wordsOf(_ text: Substring) -> Result<[[UInt16]], PatternError> {
            var all: [[UInt16]] = []
            for part in text.split(separator: "|", omittingEmptySubsequences: false) {
                if part.hasPrefix("<") && part.hasSuffix(">") && part.count > 2 {
                    let name = String(part.dropFirst().dropLast())
                    guard let entries = lexicon(name) else { return .failure(PatternError("unknown lexicon \(name) in \(text) (no lexicons/\(name).txt)")) }
                    all += entries
                } else {
                    all.append(Array(String(part).utf16))
                }
            }
            return .success(all)
        }
        for token in pattern.split(separator: " ", omittingEmptySubsequences: true) {
            var t = String(token)
            switch t {
            case "*": out.append(.gap(max: 15, stops: .clause)); continue
            case "...": out.append(.gap(max: 60, stops: .sentence)); continue
            case "~": out.append(.gap(max: 4, stops: .punctuation)); continue
            default: break
            }
            if t.hasPrefix("!") {
                guard t.count > 1 else { return .failure(PatternError("empty !word element")) }
                let words: [[UInt16]]
                switch wordsOf(t.dropFirst()) {
                case let .success(w): words = w
                case let .failure(e): return .failure(e)
                }
                if out.isEmpty {
                    out.append(.notAfter(words))
                } else if token == pattern.split(separator: " ").last {
                    out.append(.notBefore(words))
                } else {
                    return .failure(PatternError("a !word element can only open or close a pattern: \(token)"))
                }
                continue
            }
            var optional = false
            if t.count > 1, t.hasSuffix("?") { optional = true; t.removeLast() }
            // <role:TYPE> is a mention; <name> (no colon), alone or among words, a lexicon's words.
            if t.hasPrefix("<"), t.contains(":") {
                guard t.hasSuffix(">"), let colon = t.firstIndex(of: ":") else { return .failure(PatternError("bad mention element \(token) (write <role:TYPE>)")) }
                let role = String(t[t.index(after: t.startIndex)..<colon])
                var typeText = String(t[t.index(after: colon)..<t.index(before: t.endIndex)])
                var list = false
                if typeText.hasSuffix("+") { list = true; typeText.removeLast() }
                var types = TypeSet()
                for name in typeText.split(separator: "|") {
                    guard let mt = MentionType(rawValue: String(name)) else {
                        return .failure(PatternError("unknown mention type \(name) in \(token) (known: \(MentionType.allCases.map(\.rawValue).joined(separator: ", ")))"))
                    }
                    types.insert(mt)
                }
                if types.isEmpty { return .failure(PatternError("no mention type in \(token)")) }
                if role.contains(where: { !($0.isASCII && ($0.isLetter || $0 == "_")) }) { return .failure(PatternError("bad role name in \(token)")) }
                out.append(.mention(role: role.isEmpty ? nil : role, types: types, list: list, optional: optional))
                continue
            }
            let list: [[UInt16]]
            switch wordsOf(Substring(t)) {
            case let .success(w): list = w
            case let .failure(e): return .failure(e)
            }
            if list.contains(where: { w in w.contains(0x3C) || w.contains(0x3E) }) { return .failure(PatternError("bad element \(token)")) }  // < >
            if list.isEmpty || list.contains(where: \.isEmpty) { return .failure(PatternError("empty word in \(token)")) }
            out.append(.words(list, optional: optional))
        }
        guard let first = out.first(where: { if case .notAfter = $0 { return false }; return true }) else { return .failure(PatternError("empty pattern")) }
        if first.isOptional { return .failure(PatternError("a pattern must start with a required word or mention, not \(pattern.split(separator: " ").first ?? "")")) }
        if let last = out.last(where: { if case .notBefore = $0 { return false }; return true }), case .gap = last {
            return .failure(PatternError("a pattern cannot end with a gap"))
        }
        return .success(out)
    }

    /// `before PROJECT|ORG`, `enclosing PROJECT`, `previous`, `located_in project`.
    public static func parseAttachment(_ s: String) -> Result<Attachment, PatternError> {
        let parts = s.split(separator: " ").map(String.init)
        guard let head = parts.first, let strategy = Attachment.Strategy(rawValue: head) else {
            return .failure(PatternError("unknown way \"\(s)\" (known: \(Attachment.Strategy.allCases.map(\.rawValue).joined(separator: ", ")))"))
        }
        switch strategy {
        case .previous:
            guard parts.count == 1 else { return .failure(PatternError("previous takes nothing after it")) }
            return .success(Attachment(strategy: strategy, types: TypeSet(), ofRole: nil))
        case .locatedIn:
            guard parts.count == 2 else { return .failure(PatternError("located_in takes one role: located_in project")) }
            return .success(Attachment(strategy: strategy, types: TypeSet(), ofRole: parts[1]))
        default:
            let ending = parts.count == 4 && parts[2] == "ending"
            guard parts.count == 2 || parts.count == 3 || ending else { return .failure(PatternError("\(head) takes mention types and optionally the words they start with, or `ending` and the words they end with: \(head) PROJECT|ORG, first DATE 截至|截止, before ORG ending 公司|集团")) }
            var types = TypeSet()
            for name in parts[1].split(separator: "|") {
                guard let mt = MentionType(rawValue: String(name)) else { return .failure(PatternError("unknown mention type \(name)")) }
                types.insert(mt)
            }
            let words = parts.count >= 3 ? parts[parts.count - 1].split(separator: "|").map { Array(String($0).utf16) } : []
            return .success(ending ? Attachment(strategy: strategy, types: types, ofRole: nil, endsWith: words)
                                   : Attachment(strategy: strategy, types: types, ofRole: nil, startsWith: words))
        }
    }
}
