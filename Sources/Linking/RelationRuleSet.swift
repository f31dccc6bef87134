import Foundation
import Extraction
import LianluCore
import Yams

/// The relation rules of Rules/relations/*.yaml plus what linking reads from the
/// extraction lexicons: anaphors (该项目), place levels (for containment) and the
/// gazetteer (for the canonical names of places).
public final class RelationRuleSet: @unchecked Sendable {
    public private(set) var rules: [RelationRule] = []
    /// Per relation type, the roles on which two frames of one sentence are one fact
    /// (`merge_on:` in the type's file): X投资建设的Y项目,总投资58亿元 gives one investment.
    public private(set) var mergeOn: [RelationType: [String]] = [:]
    /// Anaphor word (lexicons/anaphor.txt) -> the mention types it stands for, the words
    /// such a mention must end with, if any (该公司: an ORG ending in 公司 or 集团, not a
    /// school), and the words one of which must come right before it, if any (其 only in 由其).
    public private(set) var anaphors: [(word: [UInt16], types: TypeSet, ends: [[UInt16]], after: [[UInt16]])] = []
    /// What opens a short name's definition, each starting with its parenthesis
    /// (lexicons/alias_open.txt: （以下简称“): patterns read past the definition, and a
    /// role attached from before takes the full name it follows.
    public private(set) var aliasOpeners: [[UInt16]] = []
    /// Words that end an event's name before its time (lexicons/event_word.txt: 开工活动|当天,):
    /// such a fronted clause dates the clause after it.
    public private(set) var eventWords: [[UInt16]] = []
    /// Words before a place that make it an origin (lexicons/origin_word.txt: 从, 来自).
    public private(set) var originWords: [[UInt16]] = []
    /// Last characters of a phrase of position after a fronted place (lexicons/
    /// place_tail_end.txt: 在尕海镇|的戈壁滩上|,).
    public private(set) var placeTailEnds: Set<UInt16> = []
    let places: PlaceLevels

    init(places: PlaceLevels) { self.places = places }

    static let ruleKeys: Set<String> = ["id", "description", "type", "pattern", "attach", "set", "requires", "distribute", "check",
                                        "examples", "negatives"]

    /// Loads Rules/relations/*.yaml in name order. `lexicons` are the extraction rule set's.
    public static func load(directory: String, lexicons: [String: Lexicon]) -> (RelationRuleSet?, [RuleDiagnostic]) {
        var problems: [RuleDiagnostic] = []
        for needed in ["anaphor", "place_name", "place_level", "foreign_place", "alias_open", "event_word", "origin_word", "place_tail_end"] where lexicons[needed] == nil {
            problems.append(RuleDiagnostic(file: "lexicons/\(needed).txt", line: 0, message: "lexicon needed by the relation rules is missing"))
        }
        guard problems.isEmpty else { return (nil, problems) }
        let set = RelationRuleSet(places: PlaceLevels(gazetteer: lexicons["place_name"]!, suffixes: lexicons["place_level"]!,
                                                      foreign: lexicons["foreign_place"]!))
        for e in lexicons["anaphor"]!.entries {
            var types = TypeSet()
            let parts = (e.value ?? "").split(separator: " ")
            for name in (parts.first ?? "").split(separator: "|") {
                if let t = MentionType(rawValue: String(name)) { types.insert(t) } else { types = TypeSet(); break }
            }
            // Then optional pairs: "ends 公司,集团" (what the mention must end with) and
            // "after 由" (the words one of which must come right before the anaphor).
            var ends: [[UInt16]] = [], after: [[UInt16]] = []
            var wellFormed = parts.count % 2 == 1
            var k = 1
            while wellFormed && k + 1 < parts.count {
                let words = parts[k + 1].split(separator: ",").map { Array(String($0).utf16) }
                switch parts[k] {
                case "ends": ends = words
                case "after": after = words
                default: wellFormed = false
                }
                k += 2
            }
            if types.isEmpty || !wellFormed {
                problems.append(RuleDiagnostic(file: "lexicons/anaphor.txt", line: e.line,
                                               message: "anaphor \"\(String(decoding: e.text, as: UTF16.self))\": write a tab, the mention types it stands for (PROJECT|ORG), and optionally \"ends 公司,集团\" and \"after 由\""))
                continue
            }
            set.anaphors.append((e.text, types, ends, after))
        }
        for e in lexicons["alias_open"]!.entries {
            guard let first = e.text.first, first == 0xFF08 || first == 0x28 else {
                problems.append(RuleDiagnostic(file: "lexicons/alias_open.txt", line: e.line,
                                               message: "\"\(String(decoding: e.text, as: UTF16.self))\": a short name's definition opens with a parenthesis, （ or ("))
                continue
            }
            set.aliasOpeners.append(e.text)
        }
        set.eventWords = lexicons["event_word"]!.entries.map(\.text)
        set.originWords = lexicons["origin_word"]!.entries.map(\.text)
        for e in lexicons["place_tail_end"]!.entries {
            guard e.text.count == 1 else {
                problems.append(RuleDiagnostic(file: "lexicons/place_tail_end.txt", line: e.line, message: "\"\(String(decoding: e.text, as: UTF16.self))\": one character per entry"))
                continue
            }
            set.placeTailEnds.insert(e.text[0])
        }
        let folder = directory + "/relations"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        if files.isEmpty { problems.append(RuleDiagnostic(file: "relations", line: 0, message: "no relation rule files (relations/*.yaml) found")) }
        var ids: [String: (String, Int)] = [:]
        for f in files {
            problems += set.loadFile(path: folder + "/" + f, file: "relations/" + f, ids: &ids, lexicons: lexicons)
        }
        return (problems.isEmpty ? set : nil, problems)
    }

    private func loadFile(path: String, file: String, ids: inout [String: (String, Int)], lexicons: [String: Lexicon]) -> [RuleDiagnostic] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return [RuleDiagnostic(file: file, line: 0, message: "cannot read as UTF-8")]
        }
        let root: Node
        do {
            guard let n = try Yams.compose(yaml: text) else { return [RuleDiagnostic(file: file, line: 1, message: "empty file")] }
            root = n
        } catch {
            return [RuleDiagnostic(file: file, line: 1, message: "YAML error: \(error)".replacingOccurrences(of: "\n", with: " "))]
        }
        guard let list = root.mapping?["relations"]?.sequence else {
            return [RuleDiagnostic(file: file, line: 1, message: "expected key relations: with a list of relation rules")]
        }
        var problems: [RuleDiagnostic] = []
        for (k, v) in root.mapping ?? [:] where k.string != "relations" {
            guard k.string == "merge_on", let roles = v.sequence?.compactMap(\.string),
                  let type = RelationType(rawValue: String(file.dropFirst("relations/".count).dropLast(".yaml".count))) else {
                problems.append(RuleDiagnostic(file: file, line: k.mark?.line ?? 1,
                                               message: "unknown top-level key \(k.string ?? "?") (known: relations, merge_on in a file named after its relation type)"))
                continue
            }
            for r in roles where !type.roles.contains(r) {
                problems.append(RuleDiagnostic(file: file, line: k.mark?.line ?? 1, message: "merge_on: \(type.rawValue) has no role \(r)"))
            }
            mergeOn[type] = roles
        }
        for item in list {
            let line = item.mark?.line ?? 0
            func bad(_ m: String, at l: Int? = nil) { problems.append(RuleDiagnostic(file: file, line: l ?? line, message: m)) }
            guard let m = item.mapping else { bad("a relation rule must be a mapping"); continue }
            for (k, _) in m {
                if let key = k.string, !RelationRuleSet.ruleKeys.contains(key) {
                    bad("unknown key \(key) (known: \(RelationRuleSet.ruleKeys.sorted().joined(separator: ", ")))", at: k.mark?.line)
                }
            }
            guard let id = m["id"]?.string, !id.isEmpty else { bad("relation rule without id"); continue }
            if let (f, l) = ids[id] { bad("duplicate relation rule id \(id) (first in \(f):\(l))"); continue }
            ids[id] = (file, line)
            guard let type = RelationType(rawValue: m["type"]?.string ?? "") else {
                bad("rule \(id): type must be one of \(RelationType.allCases.map(\.rawValue).joined(separator: ", "))", at: m["type"]?.mark?.line)
                continue
            }
            let patternText = m["pattern"]?.string ?? ""
            let pattern: [PatternElement]
            switch PatternParser.parse(patternText, lexicon: { lexicons[$0]?.entries.map(\.text) }) {
            case let .success(p): pattern = p
            case let .failure(why): bad("rule \(id): \(why)", at: m["pattern"]?.mark?.line); continue
            }
            let roles = Set(type.roles)
            var bound: Set<String> = []
            for e in pattern {
                if case let .mention(role?, _, _, _) = e {
                    if !roles.contains(role) || type.literalRoles.contains(role) { bad("rule \(id): \(type.rawValue) has no mention role \(role) (roles: \(type.roles.joined(separator: ", ")))", at: m["pattern"]?.mark?.line) }
                    bound.insert(role)
                }
            }
            var attach: [(String, [Attachment])] = []
            for (k, v) in m["attach"]?.mapping ?? [:] {
                guard let role = k.string else { continue }
                if !roles.contains(role) { bad("rule \(id): attach names role \(role), which \(type.rawValue) does not have", at: k.mark?.line) }
                let ways = v.sequence?.compactMap(\.string) ?? v.string.map { [$0] } ?? []
                var parsed: [Attachment] = []
                for w in ways {
                    switch PatternParser.parseAttachment(w) {
                    case let .success(a):
                        if a.strategy == .locatedIn, let r = a.ofRole, !roles.contains(r) { bad("rule \(id): located_in \(r): no such role", at: k.mark?.line) }
                        parsed.append(a)
                    case let .failure(why): bad("rule \(id): attach \(role): \(why)", at: k.mark?.line)
                    }
                }
                attach.append((role, parsed))
            }
            var literals: [(String, String)] = []
            for (k, v) in m["set"]?.mapping ?? [:] {
                guard let role = k.string, let value = v.string else { continue }
                if !type.literalRoles.contains(role) { bad("rule \(id): set names \(role), which is not a literal role of \(type.rawValue)", at: k.mark?.line) }
                if let allowed = RelationType.literalValues[role], !allowed.contains(value) {
                    bad("rule \(id): \(role) must be one of \(allowed.sorted().joined(separator: ", ")), got \(value)", at: k.mark?.line)
                }
                literals.append((role, value))
            }
            let requires = m["requires"]?.sequence?.compactMap(\.string) ?? []
            let distribute = m["distribute"]?.sequence?.compactMap(\.string) ?? []
            let checks = m["check"]?.sequence?.compactMap(\.string) ?? []
            for r in requires + distribute where !roles.contains(r) { bad("rule \(id): no role \(r) in \(type.rawValue)") }
            for c in checks where RelationChecks.named[c] == nil { bad("rule \(id): unknown check \(c) (known: \(RelationChecks.named.keys.sorted().joined(separator: ", ")))") }
            var examples: [RelationRule.Example] = []
            for ex in m["examples"]?.sequence ?? [] {
                let l = ex.mark?.line ?? line
                guard let em = ex.mapping, let text = em["text"]?.string, let frames = em["frames"]?.sequence else {
                    bad("rule \(id): an example is {text: ..., frames: [{role: text, ...}]}", at: l)
                    continue
                }
                var parsedFrames: [[String: [String]]] = []
                for f in frames {
                    var frame: [String: [String]] = [:]
                    for (k, v) in f.mapping ?? [:] {
                        guard let role = k.string else { continue }
                        if !roles.contains(role) { bad("rule \(id): example names role \(role), which \(type.rawValue) does not have", at: k.mark?.line) }
                        frame[role] = v.sequence?.compactMap(\.string) ?? v.string.map { [$0] } ?? []
                    }
                    parsedFrames.append(frame)
                }
                examples.append(.init(text: text, frames: parsedFrames, line: l))
            }
            if examples.isEmpty { bad("rule \(id): needs at least one example (text and the frames it gives)") }
            let negatives = (m["negatives"]?.sequence ?? []).compactMap { n in n.string.map { ($0, n.mark?.line ?? line) } }
            rules.append(RelationRule(id: id, file: file, line: line, description: m["description"]?.string ?? "", type: type,
                                      pattern: pattern, patternText: patternText, attach: attach, literals: literals,
                                      requires: requires, distribute: distribute, checks: checks, examples: examples, negatives: negatives))
        }
        return problems
    }
}

extension RelationType {
    /// The values a literal role may hold (SPEC.md).
    public static let literalValues: [String: Set<String>] = [
        "period": ["year", "month", "day"],
        "kind": ["production", "processing", "sales", "output_value"],
    ]
}

/// Administrative rank of a place name, for containment (临清市 holds 潘庄镇, not the
/// other way round): country 0, province 1, city 2, county 3, zone 3.5, town 4, village 5;
/// abroad, a country 0, a region in it 1, a city 2 (lexicons/foreign_place.txt values).
struct PlaceLevels: @unchecked Sendable {
    let gazetteer: Lexicon
    let suffixes: Lexicon
    let foreign: Lexicon
    /// Short form -> the one full name it stands for (临清 -> 临清市); ambiguous short
    /// forms (朝阳: a city and districts) are left out.
    let fullNameUnits: [[UInt16]: [UInt16]]
    /// Rank per gazetteer entry and per level-word entry, read once at load time.
    let gazetteerRank: [Double?]
    let suffixRank: [Double?]
    /// Per foreign entry: 0 for a country or world region, 1 for a region inside a
    /// country (`region`), 2 for a city (`city`), so 德国 holds 斯图加特.
    let foreignRank: [Double]

    init(gazetteer: Lexicon, suffixes: Lexicon, foreign: Lexicon) {
        self.gazetteer = gazetteer
        self.suffixes = suffixes
        self.foreign = foreign
        var shorts: Set<String> = []
        var fulls: [String] = []
        for e in gazetteer.entries {
            let s = String(decoding: e.text, as: UTF16.self)
            if e.value?.hasSuffix("_short") == true { shorts.insert(s) } else { fulls.append(s) }
        }
        var candidates: [String: Set<String>] = [:]
        for f in fulls {
            for cut in 1...min(4, max(1, f.count - 2)) {
                let head = String(f.dropLast(cut))
                if shorts.contains(head) { candidates[head, default: []].insert(f) }
            }
        }
        var map: [String: String] = [:]
        for (s, fs) in candidates where fs.count == 1 { map[s] = fs.first! }
        gazetteerRank = gazetteer.entries.map { e in
            switch (e.value ?? "").split(separator: "_").first {
            case "province": return 1
            case "city": return 2
            case "county": return 3
            default: return nil
            }
        }
        suffixRank = suffixes.entries.map { e in
            switch e.value {
            case "town": return 4
            case "village": return 5
            case "zone": return 3.5
            case "county": return 3
            default: return nil
            }
        }
        foreignRank = foreign.entries.map { e in
            switch e.value {
            case "region": return 1
            case "city": return 2
            default: return 0
            }
        }
        fullNameUnits = Dictionary(uniqueKeysWithValues: map.map { (Array($0.key.utf16), Array($0.value.utf16)) })
    }

    func rank(_ name: String) -> Double? {
        let u = Array(name.utf16)
        return u.withUnsafeBufferPointer { rank($0) }
    }

    /// The rank of a place name from its units (the linker calls this for every place
    /// pair it checks, so no strings are made).
    func rank(_ b: UnsafeBufferPointer<UInt16>) -> Double? {
        var found: Double?
        gazetteer.forEachMatch(b, at: 0, limit: b.count) { end, entry in
            if end == b.count, found == nil { found = gazetteerRank[entry] }
        }
        if let found { return found }
        foreign.forEachMatch(b, at: 0, limit: b.count) { end, entry in if end == b.count { found = foreignRank[entry] } }
        if let found { return found }
        let n = suffixes.longestEntry(b, endingAt: b.count, lowerBound: 0)
        if n > 0, n < b.count {
            suffixes.forEachMatch(b, at: b.count - n, limit: b.count) { end, entry in
                if end == b.count, found == nil { found = suffixRank[entry] }
            }
            if let found { return found }
        }
        for (suffix, r) in PlaceLevels.levelWords where b.count > suffix.count && b[(b.count - suffix.count)...].elementsEqual(suffix) {
            return r
        }
        return nil
    }

    static let levelWords: [([UInt16], Double)] = [("自治区", 1.0), ("省", 1), ("自治州", 2), ("盟", 2), ("市", 2), ("县", 3), ("区", 3), ("旗", 3)]
        .map { (Array($0.0.utf16), $0.1) }
}
