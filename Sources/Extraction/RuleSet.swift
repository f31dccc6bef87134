import Foundation
import LianluCore
import Yams

/// A problem in a rule file or lexicon, as `file:line: message`.
public struct RuleDiagnostic: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { "\(file):\(line): \(message)" }
}

/// One element of a rule pattern.
public struct PatternElement: Sendable {
    public enum Kind: Sendable {
        /// The built-in `{number}`: Arabic or Chinese numerals, with their value.
        case number
        /// `{name}` from macros.yaml, or `/regex/` inline: index into `RuleSet.regexes`.
        case regex(Int)
        /// `<name>`: a lexicon.
        case lexicon(Lexicon)
        /// Literal text.
        case literal([UInt16])
        /// `!<name>`: matches nothing, and fails where a word of the lexicon straddles the
        /// position (`!<approx_words>` stops 约 in 签约12个 from reading as an approximator).
        case notInsideWord(Lexicon)
        /// `!{name}`: matches nothing, and fails where `{name}` would match (a negative
        /// look-ahead: 今年前两个月 holds 今年, not 今年前).
        case notFollowedBy(Int)
        /// `!{number}`.
        case notFollowedByNumber
        /// `!><name>`: matches nothing, and fails where an entry of the lexicon starts
        /// (an ORG ending in 党委 is no ORG when 书记 follows: 党委书记 is a post).
        case notFollowedByLexicon(Lexicon)
        /// `{stem:MIN-MAX/stops}`: the name stem that ends where the next element starts,
        /// found backwards from there (only as a pattern's first element). It runs over
        /// name characters (ideographs, Latin letters, digits, · ( ) “ ” & -) and stops
        /// after a word of the `stops` lexicon, at a non-name character, where Latin
        /// letters would join ideographs before them (美国|RTK公司), or at MAX units.
        case stem(min: Int, max: Int, lexicons: StemLexicons)
        /// `{before:N/lexicon}`: up to N words of the lexicon that end where the next
        /// element starts, longest first, found backwards (only as a pattern's first
        /// element): the bodies and modifiers before a post's head (党工委|第一|书记), so
        /// the rule is tried only where a head starts.
        case wordsBefore(max: Int, words: Lexicon)
        /// `{span:MIN-MAX/stops}`: name characters forwards from here, up to a word of
        /// `stops` or MAX units (the product in 年处理危险废物10万吨).
        case span(min: Int, max: Int, stops: Lexicon?)
    }

    public var kind: Kind
    public var optional: Bool
    /// What the value builder calls this element's match (`number`, `currency`, `max`...).
    public var role: String
    /// The token as written, for explanations.
    public var source: String
    /// `role` as the value builder knows it.
    public var known: CaptureRole? = nil
    /// The role's family by prefix (`approx_after` is an approximator, `unit_rest` a
    /// unit), decided once here rather than by string prefix per mention.
    public var family: RoleFamily = []
    /// Written inside `[ ]`: it must match, but the mention's span leaves it out (市民
    /// in `[<person_context_before>] <surname> {given_name}`).
    public var context = false
    /// The units a match of this element can start with; nil when unknown (an inline
    /// regex after the first element) or zero-width.
    var first: Set<UInt16>? = nil
    /// Consumes nothing forwards (a check, or the stem, which looks backwards).
    var isZeroWidth: Bool {
        switch kind {
        case .notInsideWord, .notFollowedBy, .notFollowedByNumber, .notFollowedByLexicon, .stem, .wordsBefore: return true
        default: return false
        }
    }
}

/// A rule, loaded from a YAML file under Rules/.
public struct Rule: Sendable {
    public struct Example: Sendable {
        /// The text with ⏩…⏪ around each expected span.
        public var marked: String
        /// Expected value (SPEC.md shape) of the marked span, when given.
        public var value: JSONValue?
        public var line: Int
        /// Reference date for relative dates (default `RuleSet.exampleDate`).
        public var date: CalendarDate? = nil
    }

    public var id: String
    public var file: String
    public var line: Int
    public var description: String
    /// The mention type it produces; nil for a blocker (a rule that only stops others,
    /// e.g. ordinals 第23届 and codes 5G).
    public var type: MentionType?
    public var pattern: String
    public var elements: [PatternElement]
    public var priority: Int
    /// Position of the rule in the rule set (file order, then rule order): the last
    /// tie-break of the conflict policy.
    public var order: Int
    /// Constant roles the value builder adds (`bound: on_or_after`).
    public var set: [String: String]
    public var examples: [Example]
    public var negatives: [Example]
    /// A repeat rule (`repeat: TYPE`): no pattern; recurrences of the document's names
    /// of its type become mentions (see `Extractor`).
    public var repeats = false
    /// A list rule (`list: TYPE`): no pattern; in a list joined by 、, when two items
    /// or more are mentions of its type, the other items are too (鲁西化工、信发集团、东阿阿胶).
    public var listMembers = false
    /// For a list rule, `stops:`: the lexicon after whose words the first item starts
    /// (以|中冶银河纸业、...).
    public var listStops: Lexicon?
    /// A short-name rule (`short: TYPE`, `drop_before:`, `drop_after:`): no pattern; a
    /// mention of its type that ends in a word of `drop_after` gives a short name, the
    /// mention without the words of `drop_before` at its start and of `drop_after` at its
    /// end (浙江温州|宏步鞋业|有限公司), and that short name is a mention wherever it
    /// recurs in the document, like a repeat rule's names.
    public var shortDrop: (before: Lexicon, after: Lexicon)?
    /// `needs:` units one of which every match holds (a code has a Latin letter): the
    /// rule is tried only in sentences that contain one, a test as cheap as the one for
    /// its required elements. A hint for speed; it must not change what the rule finds.
    public var needs: Set<UInt16>?
    /// `after:` lexicons (joined by +) one of whose words must end right where the
    /// mention starts: a building verb before a facility's name makes it a project
    /// (合作共建|钛产业技术研究院), where the same name alone is a body (ORG).
    public var after: Lexicon?

    /// `file#id`, what mentions carry in their `rule` field.
    public var qualifiedID: String { "\(file)#\(id)" }
}

/// A pattern element as the matcher walks it: plain data, so copying it costs no
/// reference counting (the matcher's hot loop touches elements millions of times).
struct FastElement {
    enum Kind: UInt8 { case number, regex, lexicon, literal, notInsideWord, notFollowedBy, notFollowedByNumber, notFollowedByLexicon, stem, span }
    var kind: Kind
    var optional: Bool
    /// Regex index, or index into `RuleSet.lexiconList` / `literalList` / `nameRuns`.
    var payload: Int32
    /// Outside the mention's span (`[ ]` in the pattern).
    var context = false
    /// The units the rest of the pattern (this element on) can start with, as an index
    /// into `RuleSet.unitSets`; -1 when any unit will do (the rest may match nothing, or
    /// starts with something whose first units are unknown). A walk whose next unit is
    /// outside the set is cut before any trie, number scan or regex runs.
    var follow: Int32 = -1
}

/// The lexicons of a `{stem:MIN-MAX/stops/generic/places/lead/keep/topic}` (see
/// `RuleMatcher.stemStart` and Rules/README.md for what each does).
public struct StemLexicons: @unchecked Sendable {
    public var stops: Lexicon?
    /// Words that belong to a name right before its head but make none alone (重点项目).
    public var generic: Lexicon?
    /// Places cut off before the rest of a name (冠县|新瑞集团).
    public var places: Lexicon?
    /// `lead`: with it, a place is cut off only before one of its words.
    public var placesBefore: Lexicon?
    /// A stop word that ends a longer word of `keep` does not stop the stem (德州).
    public var keep: Lexicon?
    /// A place and a `topic` word make a name of generic words (临清|轴承|产业园).
    public var topic: Lexicon?
}

/// What the matcher needs of a rule, as a class so walking it copies nothing.
final class CompiledRule: @unchecked Sendable {
    let elements: [PatternElement]
    let fast: [FastElement]
    let qualifiedID: String
    /// When the pattern starts with optional elements, the units its first required
    /// element can start with, and how far into the text that can be: a position whose
    /// window holds none of them cannot match, and the walk is skipped (不 starts 不到,
    /// an approximator, but 不断 is followed by no number).
    let anchorBits: [UInt64]?
    let anchorWindow: Int
    /// The nearest the anchor's element can start (it is searched in
    /// `start + anchorFrom ... start + anchorWindow`).
    var anchorFrom = 0
    /// When the anchor's element is a lexicon, its index in `lexiconList` (-1 otherwise):
    /// a unit of the anchor set must then also start one of its entries (市 starts 市长
    /// but 市场 holds no post).
    var anchorLexicon: Int32 = -1
    /// The rule's `after:` lexicon (an index into `lexiconList`, -1 for none).
    var afterLexicon: Int32 = -1
    /// `unitSets` indices, one per required element: a sentence holding no unit of one of
    /// them cannot hold a match (a range rule needs 至, 到 or -; a money rule a currency).
    let required: [Int32]
    /// The lead: the first required element, when it is a `{number}` or a regex and the
    /// elements before it can be told apart from it by their first units. Where the unit
    /// at a start position is not in `leadPrefix` (a unit set; -1: nothing comes before),
    /// the lead must match right there, and the unit after it must be in `leadFollow`
    /// (-1: any): two memoized look-ups instead of a walk (the 5 of 5个 starts a date
    /// rule's {month}, but no 月 follows).
    let leadIndex: Int
    let leadPrefix: Int32
    let leadFollow: Int32
    init(elements: [PatternElement], fast: [FastElement], qualifiedID: String, anchorBits: [UInt64]?, anchorWindow: Int, required: [Int32],
         leadIndex: Int = -1, leadPrefix: Int32 = -1, leadFollow: Int32 = -1) {
        self.leadIndex = leadIndex
        self.leadPrefix = leadPrefix
        self.leadFollow = leadFollow
        self.elements = elements
        self.fast = fast
        self.qualifiedID = qualifiedID
        self.anchorBits = anchorBits
        self.anchorWindow = anchorWindow
        self.required = required
    }
}

/// A named regex from macros.yaml.
public struct Macro: Sendable {
    public var name: String
    public var regex: String
    /// What a match can start with; nil for `triggers: "*"` (any: such a macro cannot
    /// lead a pattern, and the walk does not filter on it).
    public var triggers: Set<UInt16>?
    public var description: String
    public var line: Int
}

/// The whole rule set: rules, lexicons and macros from a Rules/ folder, validated and
/// compiled. Immutable and shared by all workers; each worker makes a `RuleMatcher`.
public final class RuleSet: @unchecked Sendable {
    public let directory: String
    public private(set) var rules: [Rule] = []
    public private(set) var lexicons: [String: Lexicon] = [:]
    public private(set) var macros: [String: Macro] = [:]
    /// Compiled regex prototypes (macros and inline), cloned per worker.
    public private(set) var regexes: [ICURegex] = []
    /// Rule indices by the UTF-16 unit a match can start with (65,536 slots).
    public private(set) var rulesByTrigger: [[Int]] = Array(repeating: [], count: 65536)
    /// The rules as the matcher walks them (reference types: no copies per position).
    var compiled: [CompiledRule] = []
    /// Lexicons and literals that `FastElement`s point at.
    var lexiconList: [Lexicon] = []
    var literalList: [[UInt16]] = []
    /// `{stem}` and `{span}` settings: length bounds and the stop lexicon (index into
    /// `lexiconList`, -1 for none).
    struct NameRun {
        var min: Int32; var max: Int32; var stops: Int32; var generic: Int32 = -1; var places: Int32 = -1
        /// `{stem:…/places/lead}`: a place is cut off only before a word of this lexicon.
        var placesBefore: Int32 = -1
        /// `{stem:…/lead/keep}`: a stop word that ends a word of this lexicon (and is
        /// shorter) does not stop the stem there (德州经济开发区: 州 ends 德州).
        var keep: Int32 = -1
        /// `{stem:…/keep/topic}`: a stem of generic words alone is still a name when a
        /// place starts it and a word of this lexicon follows (临清|轴承|产业园).
        var topic: Int32 = -1
        /// `{before:N/words}`: up to N words of `stops` (the lexicon) backwards, not a stem.
        var words = false
    }
    var nameRuns: [NameRun] = []
    /// Sets of units (first units of pattern elements) as bit sets over unit classes:
    /// `unitClass[u]` is u's class (0: in no set); units that every set treats alike share
    /// a class, so a set is a few words however many units it holds.
    var unitClass: [UInt16] = Array(repeating: 0, count: 65536)
    /// Words per set in `unitSetBits`.
    var classWords = 1
    /// Set i is `unitSetBits[i * classWords ..< (i + 1) * classWords]`.
    var unitSetBits: [UInt64] = []
    /// The reference date rule examples run with unless they give their own `date`.
    public static let exampleDate = CalendarDate(year: 2020, month: 3, day: 23)!
    /// ICU's work limit per match (see uregex_setTimeLimit).
    public static let regexTimeLimit: Int32 = 100

    private init(directory: String) { self.directory = directory }

    /// An independent copy for another worker thread (loaded again from the same files).
    /// Sharing one rule set made threads contend on the reference counts of the same
    /// objects: with a copy each, the second core adds instead of waiting.
    public func copyForWorker() -> RuleSet {
        let (copy, _) = RuleSet.load(directory: directory)
        return copy ?? self
    }

    /// Loads and validates every file; returns the rule set only when nothing is wrong.
    public static func load(directory: String) -> (RuleSet?, [RuleDiagnostic]) {
        let set = RuleSet(directory: directory)
        var problems: [RuleDiagnostic] = []
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            return (nil, [RuleDiagnostic(file: directory, line: 0, message: "rules folder not found")])
        }
        // Lexicons.
        let lexDir = directory + "/lexicons"
        for name in ((try? fm.contentsOfDirectory(atPath: lexDir)) ?? []).sorted() where name.hasSuffix(".txt") {
            let path = lexDir + "/" + name
            let rel = "lexicons/" + name
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                problems.append(RuleDiagnostic(file: rel, line: 0, message: "cannot read as UTF-8"))
                continue
            }
            let (lex, p) = Lexicon.parse(name: String(name.dropLast(4)), file: rel, text: text)
            problems += p
            if lex.entries.isEmpty { problems.append(RuleDiagnostic(file: rel, line: 1, message: "lexicon has no entries")) }
            set.lexicons[lex.name] = lex
        }
        // Macros.
        let macroPath = directory + "/macros.yaml"
        if fm.fileExists(atPath: macroPath) {
            problems += set.loadMacros(path: macroPath, file: "macros.yaml")
        }
        // Rule files, in name order.
        let files = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") && $0 != "macros.yaml" }.sorted()
        var ids: [String: (String, Int)] = [:]
        for f in files {
            problems += set.loadRules(path: directory + "/" + f, file: f, ids: &ids)
        }
        if set.rules.isEmpty && problems.isEmpty {
            problems.append(RuleDiagnostic(file: directory, line: 0, message: "no rule files (*.yaml) found"))
        }
        set.index()
        return (problems.isEmpty ? set : nil, problems)
    }

    // MARK: Loading

    private func yamlNode(path: String, file: String) -> (Node?, [RuleDiagnostic]) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return (nil, [RuleDiagnostic(file: file, line: 0, message: "cannot read as UTF-8")])
        }
        do {
            guard let node = try Yams.compose(yaml: text) else { return (nil, [RuleDiagnostic(file: file, line: 1, message: "empty file")]) }
            return (node, [])
        } catch let e as YamlError {
            return (nil, [RuleDiagnostic(file: file, line: RuleSet.line(of: e), message: "YAML syntax error: \(RuleSet.describe(e))")])
        } catch {
            return (nil, [RuleDiagnostic(file: file, line: 1, message: "YAML error: \(error)")])
        }
    }

    static func line(of e: YamlError) -> Int {
        switch e {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _): return mark.line
        default: return 1
        }
    }

    static func describe(_ e: YamlError) -> String {
        switch e {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let text = "\(problem)" + (context.map { " \($0)" } ?? "") + " (column \(mark.column))"
            return text.replacingOccurrences(of: "\n", with: " ")
        default: return "\(e)"
        }
    }

    private func loadMacros(path: String, file: String) -> [RuleDiagnostic] {
        let (node, p) = yamlNode(path: path, file: file)
        guard let root = node?.mapping else { return p.isEmpty ? [RuleDiagnostic(file: file, line: 1, message: "expected a mapping with key macros")] : p }
        var problems = p
        guard let list = root["macros"]?.mapping else {
            return [RuleDiagnostic(file: file, line: 1, message: "expected key macros: with a mapping of name -> {regex, triggers}")]
        }
        for (k, v) in list {
            guard let name = k.string else { continue }
            let line = k.mark?.line ?? 0
            guard let m = v.mapping, let regex = m["regex"]?.string, let triggers = m["triggers"]?.string else {
                problems.append(RuleDiagnostic(file: file, line: line, message: "macro \(name): needs regex and triggers"))
                continue
            }
            if name == "number" {
                problems.append(RuleDiagnostic(file: file, line: line, message: "macro number: the name is taken by the built-in number element"))
                continue
            }
            do {
                _ = try ICURegex(regex)
            } catch let e as ICURegex.SyntaxError {
                problems.append(RuleDiagnostic(file: file, line: m["regex"]?.mark?.line ?? line, message: "macro \(name): bad regex: \(e.icuError) at offset \(e.offset) in \(regex)"))
                continue
            } catch {
                problems.append(RuleDiagnostic(file: file, line: line, message: "macro \(name): \(error)"))
                continue
            }
            macros[name] = Macro(name: name, regex: regex, triggers: triggers == "*" ? nil : Set(triggers.utf16), description: m["description"]?.string ?? "", line: line)
        }
        return problems
    }

    static let ruleKeys: Set<String> = ["id", "description", "type", "pattern", "priority", "set", "examples", "negatives", "triggers", "repeat", "list", "stops",
                                        "short", "drop_before", "drop_after", "needs", "after"]

    private func loadRules(path: String, file: String, ids: inout [String: (String, Int)]) -> [RuleDiagnostic] {
        let (node, p) = yamlNode(path: path, file: file)
        guard let root = node?.mapping else {
            return p.isEmpty ? [RuleDiagnostic(file: file, line: 1, message: "expected a mapping with key rules")] : p
        }
        var problems = p
        guard let list = root["rules"]?.sequence else {
            return [RuleDiagnostic(file: file, line: 1, message: "expected key rules: with a list of rules")]
        }
        for item in list {
            let line = item.mark?.line ?? 0
            guard let m = item.mapping else {
                problems.append(RuleDiagnostic(file: file, line: line, message: "a rule must be a mapping"))
                continue
            }
            for (k, _) in m {
                if let key = k.string, !RuleSet.ruleKeys.contains(key) {
                    problems.append(RuleDiagnostic(file: file, line: k.mark?.line ?? line, message: "unknown key \(key) (known: \(RuleSet.ruleKeys.sorted().joined(separator: ", ")))"))
                }
            }
            guard let id = m["id"]?.string, !id.isEmpty else {
                problems.append(RuleDiagnostic(file: file, line: line, message: "rule without id"))
                continue
            }
            if id.unicodeScalars.contains(where: { !(CharacterSet.alphanumerics.contains($0) && $0.isASCII) && $0 != "_" }) {
                problems.append(RuleDiagnostic(file: file, line: line, message: "rule id \(id): use ASCII letters, digits and _"))
            }
            if let (f, l) = ids[id] {
                problems.append(RuleDiagnostic(file: file, line: line, message: "duplicate rule id \(id) (first in \(f):\(l))"))
                continue
            }
            ids[id] = (file, line)
            var type: MentionType?
            let typeName = m["type"]?.string ?? ""
            if typeName != "NONE" {
                guard let t = MentionType(rawValue: typeName) else {
                    problems.append(RuleDiagnostic(file: file, line: m["type"]?.mark?.line ?? line, message: "rule \(id): type must be one of \(MentionType.allCases.map(\.rawValue).joined(separator: ", ")) or NONE (a blocker), got \"\(typeName)\""))
                    continue
                }
                type = t
            }
            // A repeat rule has no pattern: a name the document already has (as a mention
            // of the same type, found by another rule) is a mention wherever it recurs.
            let isList = m["list"] != nil
            if isList, m["list"]?.string != typeName || type == nil || m["pattern"] != nil {
                problems.append(RuleDiagnostic(file: file, line: m["list"]?.mark?.line ?? line, message: "rule \(id): a list rule has no pattern and names its own type (list: \(typeName))"))
            }
            let isShort = m["short"] != nil
            var shortDrop: (before: Lexicon, after: Lexicon)?
            if isShort {
                func lexicons(_ key: String) -> Lexicon? {
                    guard let names = m[key]?.string, !names.isEmpty else {
                        problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(id): a short-name rule needs \(key): (lexicons joined by +)"))
                        return nil
                    }
                    return joinedLexicons(names) { n in
                        problems.append(RuleDiagnostic(file: file, line: m[key]?.mark?.line ?? line, message: "rule \(id): unknown lexicon \(n) in \(key): (no lexicons/\(n).txt)"))
                    }
                }
                if m["short"]?.string != typeName || type == nil || m["pattern"] != nil {
                    problems.append(RuleDiagnostic(file: file, line: m["short"]?.mark?.line ?? line, message: "rule \(id): a short-name rule has no pattern and names its own type (short: \(typeName))"))
                }
                if let b = lexicons("drop_before"), let a = lexicons("drop_after") { shortDrop = (b, a) } else { continue }
            } else if m["drop_before"] != nil || m["drop_after"] != nil {
                problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(id): drop_before: and drop_after: belong to short-name rules (short: TYPE)"))
            }
            let isRepeat = m["repeat"] != nil || isList || isShort
            if m["repeat"] != nil {
                if m["pattern"] != nil {
                    problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(id): a repeat rule has no pattern"))
                }
                if m["repeat"]?.string != typeName || type == nil {
                    problems.append(RuleDiagnostic(file: file, line: m["repeat"]?.mark?.line ?? line, message: "rule \(id): repeat: must name the rule's own type (repeat: \(typeName))"))
                }
            }
            guard let pattern = m["pattern"]?.string ?? (isRepeat ? "" : nil) else {
                problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(id): missing pattern"))
                continue
            }
            let patternLine = m["pattern"]?.mark?.line ?? line
            let ruleTriggers = m["triggers"]?.string.map { Set($0.utf16) }
            let (elements, triggers, ep): ([PatternElement], Set<UInt16>, [RuleDiagnostic]) = isRepeat ? ([], [], []) : compile(pattern: pattern, rule: id, file: file, line: patternLine, ruleTriggers: ruleTriggers)
            problems += ep
            var set: [String: String] = [:]
            if let s = m["set"]?.mapping {
                for (k, v) in s { if let k = k.string, let v = v.string { set[k] = v } }
            }
            func examples(_ key: String) -> [Rule.Example] {
                guard let seq = m[key]?.sequence else { return [] }
                var out: [Rule.Example] = []
                for e in seq {
                    let l = e.mark?.line ?? line
                    if let s = e.string {
                        out.append(Rule.Example(marked: s, value: nil, line: l))
                    } else if let em = e.mapping, let t = em["text"]?.string {
                        var ex = Rule.Example(marked: t, value: em["value"].map(RuleSet.json), line: l)
                        if let d = em["date"]?.string {
                            if let cd = CalendarDate(iso: d) { ex.date = cd } else {
                                problems.append(RuleDiagnostic(file: file, line: l, message: "rule \(id): example date must be YYYY-MM-DD"))
                            }
                        }
                        out.append(ex)
                    } else {
                        problems.append(RuleDiagnostic(file: file, line: l, message: "rule \(id): an example is a string or {text, value}"))
                    }
                }
                return out
            }
            let ex = examples("examples"), neg = examples("negatives")
            if type != nil && ex.isEmpty {
                problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(id): no examples (a rule earns its place by examples)"))
            }
            if type == nil && neg.isEmpty {
                problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(id): a blocker needs negatives (texts where it stops a mention)"))
            }
            for e in ex {
                switch MarkedText.parse(e.marked) {
                case let .failure(err): problems.append(RuleDiagnostic(file: file, line: e.line, message: "rule \(id): example \(e.marked): \(err)"))
                case let .success(mt) where mt.spans.isEmpty:
                    problems.append(RuleDiagnostic(file: file, line: e.line, message: "rule \(id): example has no ⏩…⏪ span: \(e.marked)"))
                default: break
                }
            }
            for e in neg where e.marked.contains("⏩") || e.marked.contains("⏪") {
                problems.append(RuleDiagnostic(file: file, line: e.line, message: "rule \(id): a negative example marks no span: \(e.marked)"))
            }
            guard !elements.isEmpty || isRepeat else { continue }
            var rule = Rule(id: id, file: file, line: line, description: m["description"]?.string ?? "", type: type, pattern: pattern,
                            elements: elements, priority: m["priority"]?.int ?? 0, order: rules.count, set: set, examples: ex, negatives: neg)
            rule.repeats = m["repeat"] != nil
            rule.listMembers = isList
            rule.shortDrop = shortDrop
            if let n = m["needs"] {
                if let units = n.string, !units.isEmpty, !isRepeat {
                    rule.needs = Set(units.utf16)
                } else {
                    problems.append(RuleDiagnostic(file: file, line: n.mark?.line ?? line, message: "rule \(id): needs: takes the characters one of which every match holds, for pattern rules only"))
                }
            }
            if let a = m["after"] {
                if let names = a.string, !names.isEmpty, m["pattern"] != nil {
                    rule.after = joinedLexicons(names) { n in
                        problems.append(RuleDiagnostic(file: file, line: a.mark?.line ?? line, message: "rule \(id): unknown lexicon \(n) in after: (no lexicons/\(n).txt)"))
                    }
                } else {
                    problems.append(RuleDiagnostic(file: file, line: a.mark?.line ?? line, message: "rule \(id): after: names the lexicons (joined by +) a word of which must end where the mention starts, for pattern rules only"))
                }
            }
            if let stopsName = m["stops"]?.string {
                if let lex = lexicons[stopsName], isList { rule.listStops = lex } else {
                    problems.append(RuleDiagnostic(file: file, line: m["stops"]?.mark?.line ?? line,
                                                   message: "rule \(id): stops: names the lexicon a list's first item starts after, for list rules only (no lexicons/\(stopsName).txt or no list:)"))
                }
            }
            rules.append(rule)
            triggerSets.append(triggers)
        }
        return problems
    }

    private var triggerSets: [Set<UInt16>] = []
    /// Unions of lexicons by their joined names (name_stop+foreign_place), and subsets by
    /// value (place_level:zone), built once:
    /// each union of the gazetteer copies thousands of entries and builds two tries, and
    /// rebuilding the same one for every rule that names it was a fifth of start-up.
    private var unions: [String: Lexicon] = [:]

    func union(_ lexicons: [Lexicon]) -> Lexicon {
        let key = lexicons.map(\.name).joined(separator: "+")
        if let known = unions[key] { return known }
        let u = Lexicon.union(lexicons)
        unions[key] = u
        return u
    }

    /// The entries of a lexicon with one value (`place_level:zone`), built once.
    func subset(_ lexicon: Lexicon, value: String) -> Lexicon? {
        let key = lexicon.name + ":" + value
        if let known = unions[key] { return known }
        let entries = lexicon.entries.filter { $0.value == value }
        guard !entries.isEmpty else { return nil }
        let l = Lexicon(name: key, file: lexicon.file, entries: entries)
        unions[key] = l
        return l
    }

    /// The lexicons `names` lists, one or several joined by + (name_stop+place_level), as
    /// one lexicon; nil when one is unknown (`unknown` gets its name, to report it).
    func joinedLexicons(_ names: String, unknown: (String) -> Void) -> Lexicon? {
        let list = names.split(separator: "+").map(String.init)
        var found: [Lexicon] = []
        for n in list { if let l = lexicons[n] { found.append(l) } else { unknown(n) } }
        guard !list.isEmpty, found.count == list.count else { return nil }
        return found.count == 1 ? found[0] : union(found)
    }
    private var regexIndex: [String: Int] = [:]

    private func regex(_ pattern: String) throws -> Int {
        if let i = regexIndex[pattern] { return i }
        let r = try ICURegex(pattern, timeLimit: RuleSet.regexTimeLimit)
        regexes.append(r)
        regexIndex[pattern] = regexes.count - 1
        return regexes.count - 1
    }

    /// Splits a pattern into elements and computes the units a match can start with.
    func compile(pattern: String, rule: String, file: String, line: Int, ruleTriggers: Set<UInt16>?) -> ([PatternElement], Set<UInt16>, [RuleDiagnostic]) {
        var elements: [PatternElement] = []
        var problems: [RuleDiagnostic] = []
        var triggers = Set<UInt16>()
        var triggersDone = false
        /// The lexicon a pattern names, or nil with the problem recorded.
        /// `name:value` names the entries of `name` with that value (<place_level:zone>);
        /// `a+b` the union of lexicons (<unit_count+unit_measure>), as in {stem} and after:.
        func lexicon(_ name: String, written: String) -> Lexicon? {
            if name.contains("+") {
                var unknown = false
                let joined = joinedLexicons(name) { n in
                    unknown = true
                    problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): unknown lexicon \(n) in \(written) (no lexicons/\(n).txt)"))
                }
                return unknown ? nil : joined
            }
            let parts = name.split(separator: ":", maxSplits: 1).map(String.init)
            guard let lex = lexicons[parts[0]] else {
                problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): unknown lexicon \(written) (no lexicons/\(parts[0]).txt)"))
                return nil
            }
            guard parts.count == 2 else { return lex }
            if let sub = subset(lex, value: parts[1]) { return sub }
            problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): no entry of lexicons/\(parts[0]).txt has the value \(parts[1]) (\(written))"))
            return nil
        }
        var inContext = false
        for token in PatternTokenizer.tokens(pattern) {
            var body = token
            // `[` ... `]` around one or more elements: context, outside the span.
            let opensContext = body.hasPrefix("[") && body.count > 1
            if opensContext {
                if inContext { problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): [ inside an open [ ]")) }
                body.removeFirst()
                inContext = true
            }
            var closesContext = false
            if body.hasSuffix("]") && inContext && body.count > 1 && !(body.hasPrefix("/") && !body.hasSuffix("/]")) {
                body.removeLast()
                closesContext = true
            }
            defer { if closesContext { inContext = false } }
            let isContext = inContext
            var optional = false
            if body.hasSuffix("?") && body.count > 1 && !(body.hasPrefix("/") && !body.hasSuffix("/?")) {
                optional = true
                body.removeLast()
            }
            let writtenOptional = optional
            var role: String?
            if let eq = body.lastIndex(of: "="), body.first == "{" || body.first == "<" || body.first == "/" || body.first == "\"" {
                let r = String(body[body.index(after: eq)...])
                if r.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) && !r.isEmpty {
                    role = r
                    body = String(body[..<eq])
                }
            }
            var kind: PatternElement.Kind
            var first: Set<UInt16>?
            if body.hasPrefix("{before:"), body.hasSuffix("}") {
                let spec = body.dropFirst(8).dropLast().split(separator: "/", maxSplits: 1).map(String.init)
                guard spec.count == 2, let n = Int(spec[0]), (1...8).contains(n), let lex = lexicon(spec[1], written: "<\(spec[1])> in \(body)") else {
                    problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): \(body): write {before:N/lexicon} with 1 <= N <= 8"))
                    continue
                }
                if !elements.isEmpty {
                    problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): {before} must be the pattern's first element (it is found backwards from the element after it)"))
                    continue
                }
                kind = .wordsBefore(max: n, words: lex)
                first = nil
                optional = true
                role = role ?? "before"
            } else if body.hasPrefix("{stem") || body.hasPrefix("{span"), body.hasSuffix("}") {
                // {stem:MIN-MAX/stops} or {span:MIN-MAX/stops}; bounds and stops optional.
                let isStem = body.hasPrefix("{stem")
                var spec = String(body.dropFirst(5).dropLast())
                var minLen = 1, maxLen = 12
                var lex = StemLexicons()
                if spec.hasPrefix(":") { spec.removeFirst() }
                let parts = spec.split(separator: "/", maxSplits: 6, omittingEmptySubsequences: false).map(String.init)
                // One part's lexicons, nil when one is unknown (reported here).
                func joined(_ part: String) -> Lexicon? {
                    joinedLexicons(part) { _ = lexicon($0, written: "<\($0)> in \(body)") }
                }
                func part(_ k: Int) -> String? { parts.count > k && !parts[k].isEmpty ? parts[k] : nil }
                if !isStem, part(2) != nil || part(3) != nil || part(4) != nil || part(5) != nil || part(6) != nil {
                    problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): only {stem} takes a generic-word lexicon"))
                    continue
                }
                // {stem:MIN-MAX/stops/generic}: generic words right before the head belong to
                // the name, but make none alone (重点项目).
                if let g = part(2) {
                    guard let l = joined(g) else { continue }
                    lex.generic = l
                }
                // {stem:MIN-MAX/stops/generic/places}: a place before the rest of the name is
                // cut off unless the rest is generic (冠县|新瑞集团, but 枣庄市城投集团 stays
                // whole). With /lead, only when the rest opens with a word of `lead`
                // (莘县|年产5万吨…项目, 单县浮岗镇|100兆瓦…项目; 汶上县人民医院…项目 stays).
                if part(3) != nil || part(4) != nil {
                    guard lex.generic != nil, part(3) != nil else {
                        problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): places in {stem:MIN-MAX/stops/generic/places/lead} need a generic lexicon too, and lead needs places"))
                        continue
                    }
                    guard let pl = joined(parts[3]) else { continue }
                    lex.places = pl
                    if let l = part(4) {
                        guard let lead = joined(l) else { continue }
                        lex.placesBefore = lead
                    }
                }
                // {stem:…/keep}: stop words inside a word of `keep` do not stop the stem.
                if let k = part(5) {
                    guard let l = joined(k) else { continue }
                    lex.keep = l
                }
                // {stem:…/topic}: a place and a topic word make a name of generic words.
                if let k = part(6) {
                    guard let l = joined(k), lex.places != nil else {
                        problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): a topic in {stem:MIN-MAX/stops/generic/places/lead/keep/topic} needs places"))
                        continue
                    }
                    lex.topic = l
                }
                if let bounds = parts.first, !bounds.isEmpty {
                    let mm = bounds.split(separator: "-").map { Int($0) }
                    guard mm.count == 2, let a = mm[0], let b = mm[1], a >= 1, b >= a, b <= 64 else {
                        problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): \(body): bounds must read MIN-MAX with 1 <= MIN <= MAX <= 64"))
                        continue
                    }
                    minLen = a; maxLen = b
                }
                if let st = part(1) {
                    guard let l = joined(st) else { continue }
                    lex.stops = l
                }
                if isStem {
                    if !elements.isEmpty {
                        problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): {stem} must be the pattern's first element (it is found backwards from the element after it)"))
                        continue
                    }
                    kind = .stem(min: minLen, max: maxLen, lexicons: lex)
                    first = nil
                    optional = true  // consumes nothing forwards: the next element triggers the rule
                } else {
                    kind = .span(min: minLen, max: maxLen, stops: lex.stops)
                    first = nil
                }
                role = role ?? (isStem ? "stem" : "span")
            } else if body.hasPrefix("{") && body.hasSuffix("}") {
                let name = String(body.dropFirst().dropLast())
                if name == "number" {
                    kind = .number
                    first = NumberScanner.triggers
                } else if let m = macros[name] {
                    do { kind = .regex(try regex(m.regex)) } catch {
                        problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): macro \(name): \(error)"))
                        continue
                    }
                    first = m.triggers
                    if first == nil && !triggersDone && ruleTriggers == nil {
                        problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): {\(name)} has triggers \"*\" and cannot start a pattern"))
                    }
                } else {
                    problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): unknown macro {\(name)} (macros.yaml has \(macros.keys.sorted().joined(separator: ", ")), and {number} is built in)"))
                    continue
                }
                role = role ?? name
            } else if body.hasPrefix("!{") && body.hasSuffix("}") && body.count > 3 {
                let name = String(body.dropFirst(2).dropLast())
                if name == "number" {
                    kind = .notFollowedByNumber
                } else if let m = macros[name] {
                    do { kind = .notFollowedBy(try regex(m.regex)) } catch {
                        problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): macro \(name): \(error)"))
                        continue
                    }
                } else {
                    problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): unknown macro !{\(name)}"))
                    continue
                }
                first = nil
                optional = true
                role = role ?? ""
            } else if body.hasPrefix("!><") && body.hasSuffix(">") && body.count > 4 {
                guard let lex = lexicon(String(body.dropFirst(3).dropLast()), written: body) else { continue }
                kind = .notFollowedByLexicon(lex)
                first = nil
                optional = true
                role = role ?? ""
            } else if body.hasPrefix("!<") && body.hasSuffix(">") && body.count > 3 {
                guard let lex = lexicon(String(body.dropFirst(2).dropLast()), written: body) else { continue }
                kind = .notInsideWord(lex)
                first = nil
                optional = true  // zero-width: does not end the trigger prefix
                role = role ?? ""
            } else if body.hasPrefix("<") && body.hasSuffix(">") && body.count > 2 {
                let name = String(body.dropFirst().dropLast())
                guard let lex = lexicon(name, written: body) else { continue }
                kind = .lexicon(lex)
                first = lex.firstUnits
                role = role ?? name
            } else if body.hasPrefix("/") && body.hasSuffix("/") && body.count >= 2 {
                let re = String(body.dropFirst().dropLast())
                do {
                    kind = .regex(try regex(re))
                } catch let e as ICURegex.SyntaxError {
                    problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): bad regex /\(re)/: \(e.icuError) at offset \(e.offset)"))
                    continue
                } catch {
                    problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): bad regex /\(re)/: \(error)"))
                    continue
                }
                first = ruleTriggers
                if first == nil && !triggersDone {
                    problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): a pattern that can start with an inline /regex/ needs triggers: (the characters a match starts with)"))
                }
                role = role ?? "regex"
            } else {
                var lit = body
                if lit.count >= 2 && lit.hasPrefix("\"") && lit.hasSuffix("\"") { lit = String(lit.dropFirst().dropLast()) }
                kind = .literal(Array(lit.utf16))
                first = lit.utf16.first.map { [$0] }
                role = role ?? ""
            }
            if !triggersDone {
                triggers.formUnion(first ?? [])
                if !optional { triggersDone = true }
            }
            if case .stem = kind { optional = writtenOptional }  // as written, though it consumes nothing forwards
            var element = PatternElement(kind: kind, optional: optional, role: role ?? "", source: token)
            element.known = CaptureRole(name: element.role)
            element.family = RoleFamily(role: element.role)
            element.context = isContext
            if case .regex = kind, !(body.hasPrefix("{")) {
                // An inline regex: its first units are the rule's triggers only when
                // nothing can come before it.
                element.first = elements.allSatisfy({ $0.optional || $0.isZeroWidth }) ? ruleTriggers : nil
            } else {
                element.first = first
            }
            elements.append(element)
        }
        if inContext {
            problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): [ without ]"))
        }
        // Context only at the ends: a mention's span must be one piece.
        if let firstIn = elements.firstIndex(where: { !$0.context }), let lastIn = elements.lastIndex(where: { !$0.context }),
           elements[firstIn...lastIn].contains(where: \.context) {
            problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): [context] elements may only lead or trail the pattern"))
        }
        if !elements.isEmpty && elements.allSatisfy(\.context) {
            problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): every element is [context], so the mention would be empty"))
        }
        if elements.isEmpty && problems.isEmpty {
            problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): empty pattern"))
        } else if !elements.isEmpty && elements.allSatisfy(\.optional) {
            problems.append(RuleDiagnostic(file: file, line: line, message: "rule \(rule): every element is optional, so the pattern can match nothing"))
        }
        if let ruleTriggers { triggers = ruleTriggers }
        return (elements, triggers, problems)
    }

    private func index() {
        for (i, t) in triggerSets.enumerated() {
            for u in t { rulesByTrigger[Int(u)].append(i) }
        }
        var lexIndex: [ObjectIdentifier: Int32] = [:]
        func lexID(_ l: Lexicon) -> Int32 {
            if let i = lexIndex[ObjectIdentifier(l)] { return i }
            lexiconList.append(l)
            lexIndex[ObjectIdentifier(l)] = Int32(lexiconList.count - 1)
            return Int32(lexiconList.count - 1)
        }
        // Unit sets: what each rest-of-pattern and each required element can start with.
        var sets: [Set<UInt16>] = []
        var setIndex: [Set<UInt16>: Int32] = [:]
        func setID(_ s: Set<UInt16>) -> Int32 {
            if let i = setIndex[s] { return i }
            sets.append(s)
            setIndex[s] = Int32(sets.count - 1)
            return Int32(sets.count - 1)
        }
        var follows: [[Int32]] = []
        var required: [[Int32]] = []
        var leads: [(Int, Int32, Int32)] = []
        for r in rules {
            var follow = [Int32](repeating: -1, count: r.elements.count)
            var acc: Set<UInt16>? = nil  // nil: any unit (the end of the pattern)
            for k in r.elements.indices.reversed() {
                let e = r.elements[k]
                if e.isZeroWidth {
                    // Transparent: what follows it decides.
                } else if e.optional {
                    if let f = e.first, let a = acc { acc = f.union(a) } else { acc = nil }
                } else {
                    acc = e.first
                }
                follow[k] = acc.map(setID) ?? -1
            }
            follows.append(follow)
            required.append(r.elements.compactMap { e in (e.optional || e.isZeroWidth) ? nil : e.first.map(setID) } + (r.needs.map { [setID($0)] } ?? []))
            // The lead (see CompiledRule.leadIndex).
            var leadIndex = -1, leadPrefix: Int32 = -1, leadFollow: Int32 = -1
            var prefix = Set<UInt16>()
            lead: for (k, e) in r.elements.enumerated() where !e.isZeroWidth {
                if e.optional {
                    guard let f = e.first else { break lead }
                    prefix.formUnion(f)
                    continue
                }
                switch e.kind {
                case .number, .regex:
                    leadIndex = k
                    leadPrefix = prefix.isEmpty ? -1 : setID(prefix)
                    leadFollow = k + 1 < r.elements.count ? follow[k + 1] : -1
                default: break
                }
                break lead
            }
            leads.append((leadIndex, leadPrefix, leadFollow))
        }
        // Classes: units grouped by the sets that hold them.
        var signatures: [UInt16: [Int32]] = [:]
        for (i, s) in sets.enumerated() { for u in s { signatures[u, default: []].append(Int32(i)) } }
        var classOf: [[Int32]: UInt16] = [:]
        for (u, sig) in signatures.sorted(by: { $0.key < $1.key }) {
            let c = classOf[sig] ?? UInt16(classOf.count + 1)
            classOf[sig] = c
            unitClass[Int(u)] = c
        }
        classWords = (classOf.count + 1 + 63) / 64
        unitSetBits = Array(repeating: 0, count: sets.count * classWords)
        for (i, s) in sets.enumerated() {
            for u in s {
                let c = Int(unitClass[Int(u)])
                unitSetBits[i * classWords + c >> 6] |= 1 << UInt64(c & 63)
            }
        }
        compiled = rules.enumerated().map { ri, r in
            var fast = r.elements.map { e -> FastElement in
                switch e.kind {
                case .number: return FastElement(kind: .number, optional: e.optional, payload: 0)
                case let .regex(i): return FastElement(kind: .regex, optional: e.optional, payload: Int32(i))
                case let .lexicon(l): return FastElement(kind: .lexicon, optional: e.optional, payload: lexID(l))
                case let .literal(u):
                    literalList.append(u)
                    return FastElement(kind: .literal, optional: e.optional, payload: Int32(literalList.count - 1))
                case let .notInsideWord(l): return FastElement(kind: .notInsideWord, optional: e.optional, payload: lexID(l))
                case let .notFollowedBy(i): return FastElement(kind: .notFollowedBy, optional: e.optional, payload: Int32(i))
                case .notFollowedByNumber: return FastElement(kind: .notFollowedByNumber, optional: e.optional, payload: 0)
                case let .notFollowedByLexicon(l): return FastElement(kind: .notFollowedByLexicon, optional: e.optional, payload: lexID(l))
                case let .stem(minLen, maxLen, l):
                    nameRuns.append(NameRun(min: Int32(minLen), max: Int32(maxLen), stops: l.stops.map(lexID) ?? -1, generic: l.generic.map(lexID) ?? -1,
                                            places: l.places.map(lexID) ?? -1, placesBefore: l.placesBefore.map(lexID) ?? -1,
                                            keep: l.keep.map(lexID) ?? -1, topic: l.topic.map(lexID) ?? -1))
                    return FastElement(kind: .stem, optional: e.optional, payload: Int32(nameRuns.count - 1))
                case let .wordsBefore(n, words):
                    nameRuns.append(NameRun(min: 0, max: Int32(n), stops: lexID(words), words: true))
                    return FastElement(kind: .stem, optional: true, payload: Int32(nameRuns.count - 1))
                case let .span(minLen, maxLen, stops):
                    nameRuns.append(NameRun(min: Int32(minLen), max: Int32(maxLen), stops: stops.map(lexID) ?? -1))
                    return FastElement(kind: .span, optional: e.optional, payload: Int32(nameRuns.count - 1))
                }
            }
            for k in fast.indices { fast[k].context = r.elements[k].context }
            for k in fast.indices { fast[k].follow = follows[ri][k] }
            var anchorBits: [UInt64]?
            var anchorWindow = 0
            var anchorFrom = 0
            // The anchor: of the required elements that start within a bounded distance
            // of the match's start, the one whose first units are fewest (the most telling:
            // 说 after a name, the head after a post's prefixes). A position whose window
            // holds none of them starts no match.
            // `window` is the furthest the element can start from the match's start,
            // `least` the nearest (the required elements before it, at their shortest).
            var window = 0, least = 0
            var best: (set: Set<UInt16>, window: Int, least: Int, lexicon: Int32)?
            for (k, e) in r.elements.enumerated() {
                if e.isZeroWidth { continue }
                if !e.optional, k > 0 || window > 0, let first = e.first, !first.isEmpty, window > 0 {
                    var lexicon: Int32 = -1
                    if case let .lexicon(l) = e.kind { lexicon = lexID(l) }
                    if best == nil || first.count <= best!.set.count { best = (first, window, least, lexicon) }
                }
                var length: Int?
                var shortest = 0
                switch e.kind {
                case let .lexicon(l): length = l.maxLength; shortest = l.entries.map(\.text.count).min() ?? 0
                case let .literal(u): length = u.count; shortest = u.count
                case let .span(minLen, maxLen, _): length = maxLen; shortest = minLen
                default: length = nil
                }
                guard let length else { break }
                window += length
                if !e.optional { least += shortest }
            }
            if let best {
                var bits = [UInt64](repeating: 0, count: 1024)
                for u in best.set { bits[Int(u) >> 6] |= 1 << (UInt64(u) & 63) }
                anchorBits = bits
                anchorWindow = best.window
                anchorFrom = best.least
            }
            let (leadIndex, leadPrefix, leadFollow) = leads[ri]
            let c = CompiledRule(elements: r.elements, fast: fast, qualifiedID: r.qualifiedID, anchorBits: anchorBits, anchorWindow: anchorWindow,
                                 required: required[ri], leadIndex: leadIndex, leadPrefix: leadPrefix, leadFollow: leadFollow)
            c.anchorFrom = anchorFrom
            c.anchorLexicon = best?.lexicon ?? -1
            c.afterLexicon = r.after.map(lexID) ?? -1
            return c
        }
    }

    static func json(_ n: Node) -> JSONValue {
        switch n {
        case let .scalar(s):
            if s.style == .plain {
                if let i = Int(s.string) { return .number(Double(i)) }
                if let d = Double(s.string) { return .number(d) }
                if s.string == "true" { return .bool(true) }
                if s.string == "false" { return .bool(false) }
                if s.string == "null" || s.string == "~" { return .null }
            }
            return .string(s.string)
        case let .mapping(m):
            return .object(m.map { JSONMember(key: $0.key.string ?? "", value: json($0.value)) })
        case let .sequence(seq):
            return .array(seq.map(json))
        case .alias:
            return .null
        }
    }
}

/// Splits a pattern on spaces, keeping quoted literals and /regex/ tokens whole.
enum PatternTokenizer {
    static func tokens(_ pattern: String) -> [String] {
        var out: [String] = []
        var cur = ""
        var inQuote = false, inRegex = false
        for ch in pattern {
            if ch == "\"" && !inRegex { inQuote.toggle() }
            if ch == "/" && !inQuote && (cur.isEmpty || inRegex) { inRegex.toggle() }
            if ch == " " && !inQuote && !inRegex {
                if !cur.isEmpty { out.append(cur); cur = "" }
                continue
            }
            cur.append(ch)
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }
}

/// Example text with ⏩…⏪ around expected spans (swift-format's marked text, for Chinese).
public struct MarkedText: Sendable {
    public var text: String
    /// Spans in UTF-16 units of `text`.
    public var spans: [Range<Int>]

    public static func parse(_ marked: String) -> Result<MarkedText, MarkedTextError> {
        var text: [UInt16] = []
        var spans: [Range<Int>] = []
        var open: Int?
        for ch in marked {
            if ch == "⏩" {
                if open != nil { return .failure(MarkedTextError(message: "⏩ inside an open ⏩…⏪ span")) }
                open = text.count
            } else if ch == "⏪" {
                guard let o = open else { return .failure(MarkedTextError(message: "⏪ without ⏩")) }
                if o == text.count { return .failure(MarkedTextError(message: "empty ⏩⏪ span")) }
                spans.append(o..<text.count)
                open = nil
            } else {
                text.append(contentsOf: String(ch).utf16)
            }
        }
        if open != nil { return .failure(MarkedTextError(message: "⏩ without ⏪")) }
        return .success(MarkedText(text: String(decoding: text, as: UTF16.self), spans: spans))
    }
}

public struct MarkedTextError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
