import Extraction
import LianluCore

/// Named checks a relation rule can ask for (`check: [contains]`).
public enum RelationChecks {
    /// located_in: when the entity is a place, it ranks below the location (临清市 holds
    /// 潘庄镇; 山东 does not sit in 聊城, and 北京上海 is no containment at all).
    static let named: [String: (RelationRuleSet, [String: [Linker.Atom]], [UInt16]) -> Bool] = [
        "contains": { set, args, text in
            guard let loc = args["location"]?.first, loc.type == .location, let ent = args["entity"]?.first else { return false }
            guard let outer = set.places.rank(loc.text(text)) else { return false }
            if ent.type != .location { return true }
            guard let inner = set.places.rank(ent.text(text)) else { return false }
            return inner > outer
        },
    ]
}

/// Builds relation frames (relations.jsonl) and entity groups (entities.jsonl) from one
/// document's sentences and mentions.
///
/// Per sentence, each relation rule is tried wherever its first element can match; a
/// match binds roles to mentions, the rule's `attach` ways fill roles the pattern left
/// empty, and a frame whose roles all appear in another frame of its type and sentence
/// is dropped (the longer rule wins without rules having to know of each other).
/// 该项目, 该公司 and the other anaphors of lexicons/anaphor.txt stand for the nearest
/// earlier mention of their type in the paragraph, and fill roles as that mention.
public final class Linker: @unchecked Sendable {
    public let rules: RelationRuleSet

    /// What a rule needs in a sentence before it is worth trying: its required words
    /// (indices into `anchors`) and, per required mention element, the types it accepts
    /// (bit `code` of each type). Most sentences hold no relation trigger at all, so most
    /// rules are never tried.
    final class Plan {
        var anchors: [Int] = []
        var typeMasks: [UInt16] = []
        let lead: PatternElement
        init(lead: PatternElement) { self.lead = lead }
    }
    let plans: [Plan]
    /// Distinct required word elements of all rules, and the units they can start with.
    let anchors: [[[UInt16]]]
    let anchorsByUnit: [UInt16: [Int]]
    let leadUnits: [UInt64]
    let anaphorUnits: [UInt64]

    public init(rules: RelationRuleSet) {
        self.rules = rules
        var anchors: [[[UInt16]]] = []
        var byUnit: [UInt16: [Int]] = [:]
        var units = [UInt64](repeating: 0, count: 1024)
        func mark(_ u: UInt16, _ bits: inout [UInt64]) { bits[Int(u) >> 6] |= 1 << UInt64(u & 63) }
        var plans: [Plan] = []
        for rule in rules.rules {
            let plan = Plan(lead: rule.pattern.first { if case .notAfter = $0 { return false }; return true }!)
            for e in rule.pattern {
                switch e {
                case let .words(words, optional) where !optional:
                    let k: Int
                    if let i = anchors.firstIndex(of: words) { k = i } else {
                        k = anchors.count
                        anchors.append(words)
                        for w in words where !w.isEmpty {
                            if !(byUnit[w[0]]?.contains(k) ?? false) { byUnit[w[0], default: []].append(k) }
                            mark(w[0], &units)
                        }
                    }
                    plan.anchors.append(k)
                case let .mention(_, types, _, optional) where !optional:
                    plan.typeMasks.append(types.reduce(0) { $0 | (1 << UInt16($1.code)) })
                default: break
                }
            }
            plans.append(plan)
        }
        var anaphorUnits = [UInt64](repeating: 0, count: 1024)
        for a in rules.anaphors where !a.word.isEmpty { mark(a.word[0], &anaphorUnits) }
        self.plans = plans
        self.anchors = anchors
        self.anchorsByUnit = byUnit
        self.leadUnits = units
        self.anaphorUnits = anaphorUnits
    }

    @inline(__always) static func has(_ bits: [UInt64], _ u: UInt16) -> Bool { bits[Int(u) >> 6] & (1 << UInt64(u & 63)) != 0 }

    /// What ends a clause for `clause` attachments: commas and semicolons.
    static let clauseBreaks: Set<UInt16> = Set("，,；;".utf16)

    /// A mention as the patterns see it; an anaphor is an atom that stands for `mention`.
    public struct Atom: Equatable {
        public var mention: Int
        public var range: Range<Int>
        /// The range of the mention it stands for (its own range unless an anaphor).
        public var target: Range<Int>
        public var type: MentionType
        public var isAnaphor: Bool
        func text(_ t: [UInt16]) -> String { String(decoding: t[target], as: UTF16.self) }
    }

    /// A frame before ids are given.
    struct Frame {
        var rule: Int
        var sid: Int
        var span: Range<Int>
        var args: [String: [Atom]]
        var literals: [String: String]
    }

    public struct Result {
        public var relations: [Relation] = []
        public var entities: [Entity] = []
    }

    /// `mentions` in text order with their ids; `text` is the normalized document text
    /// (outside the sentences it may be blank: the filter rebuilds it from sentence records).
    public func link(text: [UInt16], sentences: [Sentence], mentions: [Mention]) -> Result {
        var frames: [Frame] = []
        var next = 0  // mentions come in text order, so sentence by sentence
        // The paragraph's mentions so far, for anaphors.
        // An anaphor that opens a paragraph (该项目是...) may stand for a mention of the
        // paragraph before: news paragraphs are short and often split one account.
        var paragraphMentions: [Int] = []
        var previousParagraph: [Int] = []
        var currentPara = -1
        var present = [Bool](repeating: false, count: anchors.count)
        for s in sentences {
            if s.para != currentPara {
                previousParagraph = paragraphMentions.isEmpty ? previousParagraph : paragraphMentions
                paragraphMentions.removeAll()
                currentPara = s.para
            }
            while next < mentions.count, mentions[next].utf16Range.upperBound <= s.utf16Range.lowerBound, mentions[next].sid != s.sid { next += 1 }
            let first = next
            while next < mentions.count, mentions[next].sid == s.sid { next += 1 }
            defer { paragraphMentions.append(contentsOf: first..<next) }
            // Most sentences can hold no frame: one pass over their units tells which
            // rules' words occur, and the rest of the work is done only where one can match.
            var typesPresent: UInt16 = 0
            for i in first..<next { typesPresent |= 1 << UInt16(mentions[i].type.code) }
            for k in present.indices { present[k] = false }
            var anaphorHere = false
            for p in s.utf16Range {
                let u = text[p]
                if Linker.has(anaphorUnits, u) { anaphorHere = true }
                guard Linker.has(leadUnits, u) else { continue }
                for k in anchorsByUnit[u]! where !present[k] {
                    if anchors[k].contains(where: { w in p + w.count <= s.utf16Range.upperBound && text[p..<(p + w.count)].elementsEqual(w) }) { present[k] = true }
                }
            }
            let own = Array(first..<next)
            let pointers = anaphorHere ? anaphors(in: s, text: text, mentions: mentions, own: own, earlier: paragraphMentions, fallback: previousParagraph) : []
            for a in pointers { typesPresent |= 1 << UInt16(a.type.code) }
            let feasible = plans.indices.filter { ri in
                plans[ri].anchors.allSatisfy { present[$0] } && plans[ri].typeMasks.allSatisfy { $0 & typesPresent != 0 }
            }
            if feasible.isEmpty { continue }
            var atoms = own.map { Atom(mention: $0, range: mentions[$0].utf16Range, target: mentions[$0].utf16Range, type: mentions[$0].type, isAnaphor: false) }
            atoms += pointers
            atoms.sort { ($0.range.lowerBound, -$0.range.count, $0.mention) < ($1.range.lowerBound, -$1.range.count, $1.mention) }
            frames += linkSentence(s, text: text, atoms: atoms, rulesToTry: feasible)
        }
        resolveLocatedIn(&frames)
        frames = dropSubsumed(frames)
        frames.sort { ($0.sid, $0.span.lowerBound, $0.rule, $0.span.upperBound) < ($1.sid, $1.span.lowerBound, $1.rule, $1.span.upperBound) }
        var result = Result()
        for f in frames {
            let rule = rules.rules[f.rule]
            var args: [(role: String, filler: RoleFiller)] = []
            for role in rule.type.roles {
                if let lit = f.literals[role] { args.append((role, .literal(lit))); continue }
                guard let atoms = f.args[role], !atoms.isEmpty else { continue }
                let ids = atoms.map { mentions[$0.mention].id }
                args.append((role, rule.type.listRoles.contains(role) || ids.count > 1 ? .mentions(ids) : .mention(ids[0])))
            }
            result.relations.append(Relation(id: "r\(result.relations.count + 1)", sid: f.sid, type: rule.type, args: args, rule: rule.qualifiedID))
        }
        result.entities = EntityGrouper(places: rules.places).group(text: text, mentions: mentions)
        return result
    }

    // MARK: Anaphors

    private func anaphors(in s: Sentence, text: [UInt16], mentions: [Mention], own: [Int], earlier: [Int], fallback: [Int]) -> [Atom] {
        var out: [Atom] = []
        var p = s.utf16Range.lowerBound
        while p < s.utf16Range.upperBound {
            if !Linker.has(anaphorUnits, text[p]) { p += 1; continue }
            var matched = 0
            for a in rules.anaphors where p + a.word.count <= s.utf16Range.upperBound && matched == 0 {
                let word = a.word
                guard text[p..<(p + word.count)].elementsEqual(word) else { continue }
                let span = p..<(p + word.count)
                // Inside a mention it is part of a name, not an anaphor.
                if own.contains(where: { mentions[$0].utf16Range.overlaps(span) }) { continue }
                matched = word.count
                func fits(_ i: Int) -> Bool {
                    guard mentions[i].utf16Range.upperBound <= p, a.types.contains(mentions[i].type) else { return false }
                    if a.ends.isEmpty { return true }
                    let r = mentions[i].utf16Range
                    return a.ends.contains { e in e.count <= r.count && text[(r.upperBound - e.count)..<r.upperBound].elementsEqual(e) }
                }
                // The nearest fitting mention: pools are in text order, so the search runs
                // backwards and stops a little past the first fit (a longer mention may
                // start earlier and end at the same place), which keeps a long paragraph linear.
                var best: Int?
                for pool in [own, earlier, fallback] where best == nil {
                    var seen = 0
                    for i in pool.reversed() {
                        if best != nil { seen += 1; if seen > 8 { break } }
                        guard fits(i) else { continue }
                        if let b = best {
                            let (x, y) = (mentions[i].utf16Range, mentions[b].utf16Range)
                            if x.upperBound > y.upperBound || (x.upperBound == y.upperBound && x.lowerBound < y.lowerBound) { best = i }
                        } else {
                            best = i
                        }
                    }
                }
                if let b = best {
                    out.append(Atom(mention: b, range: span, target: mentions[b].utf16Range, type: mentions[b].type, isAnaphor: true))
                }
            }
            p += max(1, matched)
        }
        return out
    }

    // MARK: Matching

    /// `rulesToTry`: the rules whose words and mention types the sentence holds.
    private func linkSentence(_ s: Sentence, text: [UInt16], atoms: [Atom], rulesToTry: [Int]) -> [Frame] {
        var ctx = MatchContext(text: text, end: s.utf16Range.upperBound, atoms: atoms, starts: atoms.map(\.range.lowerBound))
        // Atoms inside a bigger mention (the product in a project's name): `before` skips
        // them. Atoms are sorted by start, longer first, so one pass tells.
        var nested = [Bool](repeating: false, count: atoms.count)
        var reach = -1
        var reachRange = 0..<0
        for (k, a) in atoms.enumerated() where !a.isAnaphor {
            if reach >= a.range.upperBound && reachRange != a.range { nested[k] = true }
            if a.range.upperBound > reach { reach = a.range.upperBound; reachRange = a.range }
        }
        var frames: [Frame] = []
        for ri in rulesToTry {
            let rule = rules.rules[ri]
            for start in startPositions(plans[ri].lead, s, text, atoms) {
                guard let (end, bound) = ctx.bestMatch(rule.pattern, at: start) else { continue }
                var args: [String: [Atom]] = [:]
                for (role, k) in bound { args[role, default: []].append(atoms[k]) }
                var frame = Frame(rule: ri, sid: s.sid, span: start..<end, args: args, literals: Dictionary(uniqueKeysWithValues: rule.literals.map { ($0.role, $0.value) }))
                attach(&frame, rule, s, text, atoms, nested, frames)
                for f in distribute(frame, rule) {
                    if !rule.requires.allSatisfy({ f.args[$0]?.isEmpty == false || f.literals[$0] != nil }) { continue }
                    if f.args.values.reduce(0, { $0 + $1.count }) + f.literals.count < 2 { continue }
                    if !rule.checks.allSatisfy({ RelationChecks.named[$0]!(rules, f.args, text) }) { continue }
                    frames.append(f)
                }
            }
        }
        return frames
    }

    private func startPositions(_ first: PatternElement, _ s: Sentence, _ text: [UInt16], _ atoms: [Atom]) -> [Int] {
        switch first {
        case let .mention(_, types, _, _):
            var out: [Int] = []
            for a in atoms where types.contains(a.type) && out.last != a.range.lowerBound { out.append(a.range.lowerBound) }
            return out
        case let .words(words, _):
            var out: [Int] = []
            let r = s.utf16Range
            for p in r {
                if words.contains(where: { w in p + w.count <= r.upperBound && text[p] == w[0] && text[p..<(p + w.count)].elementsEqual(w) }) { out.append(p) }
            }
            return out
        case .gap, .notAfter:
            return []
        }
    }

    struct MatchContext {
        let text: [UInt16]
        let end: Int
        let atoms: [Atom]
        /// Start of each atom (atoms are sorted by start).
        let starts: [Int]
        var bound: [(String, Int)] = []

        /// Indices of the atoms that start at `q`.
        func startsAt(_ q: Int) -> Range<Int> {
            var lo = 0, hi = starts.count
            while lo < hi { let mid = (lo + hi) / 2; if starts[mid] < q { lo = mid + 1 } else { hi = mid } }
            var e = lo
            while e < starts.count, starts[e] == q { e += 1 }
            return lo..<e
        }
        static let listSeparators: [[UInt16]] = ["、", "和", "及", "以及", "兼", ",", "，"].map { Array($0.utf16) }

        func skipSpaces(_ p: Int) -> Int {
            var q = p
            while q < end, text[q] == 0x20 || text[q] == 0x09 { q += 1 }
            return q
        }

        var best: (end: Int, bound: [(String, Int)])?
        var bindable = 0
        var steps = 0
        /// Search budget per start: patterns are short and gaps bounded, so this is far
        /// above what a real sentence needs; it keeps a pathological one linear.
        static let maxSteps = 4_000

        /// The match at `start` that binds the most mentions (optional elements and gaps
        /// would otherwise let the first, emptiest match win); ties go to the first found.
        mutating func bestMatch(_ elements: [PatternElement], at start: Int) -> (Int, [(String, Int)])? {
            bound.removeAll(keepingCapacity: true)
            best = nil
            steps = 0
            bindable = elements.reduce(0) { n, e in if case .mention(_?, _, _, _) = e { return n + 1 }; return n }
            _ = match(elements, 0, start)
            return best.map { ($0.end, $0.bound) }
        }

        /// Walks every way `elements[i...]` can match at `p`, keeping the best in `best`;
        /// returns the end only once nothing better can be found (every element bound).
        mutating func match(_ elements: [PatternElement], _ i: Int, _ p: Int) -> Int? {
            steps += 1
            if steps > MatchContext.maxSteps { return best?.end ?? p }
            if i == elements.count {
                if best == nil || bound.count > best!.bound.count { best = (p, bound) }
                return bound.count >= bindable ? p : nil
            }
            switch elements[i] {
            case let .words(words, optional):
                let q = skipSpaces(p)
                for w in words where q + w.count <= end && text[q..<(q + w.count)].elementsEqual(w) {
                    if let e = match(elements, i + 1, q + w.count) { return e }
                }
                return optional ? match(elements, i + 1, p) : nil
            case let .mention(role, types, list, optional):
                let q = skipSpaces(p)
                for k in startsAt(q) where types.contains(atoms[k].type) && !bound.contains(where: { $0.1 == k }) {
                    // A list: this mention and the ones joined to it, longest first.
                    var chain = [k]
                    if list {
                        while true {
                            let after = skipSpaces(atoms[chain.last!].range.upperBound)
                            guard let sep = MatchContext.listSeparators.first(where: { after + $0.count <= end && text[after..<(after + $0.count)].elementsEqual($0) }) else { break }
                            var next = skipSpaces(after + sep.count)
                            // A place before a member is its origin, not a member (、荷兰X公司).
                            if !types.contains(.location), let loc = startsAt(next).first(where: { atoms[$0].type == .location }) {
                                next = skipSpaces(atoms[loc].range.upperBound)
                            }
                            guard let n = startsAt(next).first(where: { types.contains(atoms[$0].type) && !chain.contains($0) }) else { break }
                            chain.append(n)
                        }
                    }
                    for count in stride(from: chain.count, through: 1, by: -1) {
                        let mark = bound.count
                        if let role { for c in chain[0..<count] { bound.append((role, c)) } }
                        if let e = match(elements, i + 1, atoms[chain[count - 1]].range.upperBound) { return e }
                        bound.removeSubrange(mark...)
                    }
                }
                return optional ? match(elements, i + 1, p) : nil
            case let .notAfter(words):
                var q = p
                while q > 0, text[q - 1] == 0x20 { q -= 1 }
                if words.contains(where: { w in q >= w.count && text[(q - w.count)..<q].elementsEqual(w) }) { return nil }
                return match(elements, i + 1, p)
            case let .gap(max, stops):
                var q = p
                let limit = min(end, p + max)
                while q <= limit {
                    if let e = match(elements, i + 1, q) { return e }
                    if q == end || stops.contains(text[q]) { break }
                    q += 1
                }
                return nil
            }
        }
    }

    // MARK: Filling roles from around the match

    private func attach(_ frame: inout Frame, _ rule: RelationRule, _ s: Sentence, _ text: [UInt16], _ allAtoms: [Atom], _ nested: [Bool], _ earlier: [Frame]) {
        for (role, ways) in rule.attach where frame.args[role]?.isEmpty ?? true {
            let used = Set(frame.args.values.flatMap { $0.map(\.mention) })
            let span = frame.span
            for way in ways {
                var pick: Atom?
                let ok = allAtoms.indices.filter { k in
                    let a = allAtoms[k]
                    return way.startsWith.isEmpty || way.startsWith.contains { w in a.range.lowerBound + w.count <= a.range.upperBound && text[a.range.lowerBound..<(a.range.lowerBound + w.count)].elementsEqual(w) }
                }
                let atoms = ok.map { allAtoms[$0] }
                let isNested = ok.map { nested[$0] }
                switch way.strategy {
                case .enclosing:
                    pick = atoms.filter { !$0.isAnaphor && way.types.contains($0.type) && $0.range.lowerBound <= span.lowerBound && $0.range.upperBound >= span.upperBound && $0.range != span }
                        .min { $0.range.count < $1.range.count }
                case .before, .clause:
                    pick = atoms.indices.filter { k in
                        let a = atoms[k]
                        // Not a part of a bigger mention (the product inside a project name).
                        guard way.types.contains(a.type), a.range.upperBound <= span.lowerBound, !used.contains(a.mention), !isNested[k] else { return false }
                        return way.strategy != .clause || Linker.sameClause(a.range, span, text, sentenceStart: s.utf16Range.lowerBound)
                    }.map { atoms[$0] }.max { ($0.range.upperBound, -$0.range.lowerBound) < ($1.range.upperBound, -$1.range.lowerBound) }
                case .after:
                    pick = atoms.filter { way.types.contains($0.type) && $0.range.lowerBound >= span.upperBound && !used.contains($0.mention) }
                        .min { ($0.range.lowerBound, -$0.range.count) < ($1.range.lowerBound, -$1.range.count) }
                case .first:
                    pick = atoms.first { way.types.contains($0.type) && !used.contains($0.mention) && $0.range.upperBound <= span.lowerBound }
                case .previous:
                    if let prev = earlier.filter({ rules.rules[$0.rule].type == rule.type && $0.sid == s.sid && $0.span.upperBound <= span.lowerBound && $0.args[role] != nil })
                        .max(by: { $0.span.upperBound < $1.span.upperBound }),
                       span.lowerBound - prev.span.upperBound <= 2,
                       text[prev.span.upperBound..<span.lowerBound].allSatisfy({ MatchContext.listSeparators.contains([$0]) || $0 == 0x20 }),
                       let filler = prev.args[role] {
                        frame.args[role] = filler
                    }
                case .locatedIn:
                    // Filled once every frame is built (resolveLocatedIn).
                    frame.literals["?located_in:" + role] = way.ofRole ?? ""
                }
                if let pick { frame.args[role] = [pick] }
                if frame.args[role]?.isEmpty == false || frame.literals["?located_in:" + role] != nil { break }
            }
        }
    }

    /// `atom` is in the clause of `span`, or is a fronted clause of its own right before it
    /// (2月28日,A与B签约: a time set off by a comma governs the clause it opens).
    static func sameClause(_ atom: Range<Int>, _ span: Range<Int>, _ text: [UInt16], sentenceStart: Int) -> Bool {
        let between = text[atom.upperBound..<span.lowerBound]
        let breaks = between.filter { clauseBreaks.contains($0) }.count
        if breaks == 0 { return true }
        guard breaks == 1, let comma = between.firstIndex(where: { clauseBreaks.contains($0) }),
              text[atom.upperBound..<comma].allSatisfy({ $0 == 0x20 }) else { return false }
        var p = atom.lowerBound
        while p > sentenceStart, text[p - 1] == 0x20 { p -= 1 }
        return p == sentenceStart || clauseBreaks.contains(text[p - 1])
    }

    private func resolveLocatedIn(_ frames: inout [Frame]) {
        for i in frames.indices {
            for key in frames[i].literals.keys where key.hasPrefix("?located_in:") {
                let role = String(key.dropFirst("?located_in:".count))
                let of = frames[i].literals[key]!
                frames[i].literals[key] = nil
                guard frames[i].args[role]?.isEmpty ?? true, let target = frames[i].args[of]?.first else { continue }
                if let f = frames.first(where: { rules.rules[$0.rule].type == .locatedIn && $0.sid == frames[i].sid && $0.args["entity"]?.first?.mention == target.mention }),
                   let loc = f.args["location"] {
                    frames[i].args[role] = loc
                }
            }
        }
    }

    private func distribute(_ frame: Frame, _ rule: RelationRule) -> [Frame] {
        var out = [frame]
        for role in rule.distribute {
            guard let fillers = frame.args[role], fillers.count > 1 else { continue }
            out = out.flatMap { f in fillers.map { a in var g = f; g.args[role] = [a]; return g } }
        }
        return out
    }

    /// Drops a frame whose every role and filler also appears in another frame of its
    /// type and sentence (the first of two equal frames stays).
    private func dropSubsumed(_ frames: [Frame]) -> [Frame] {
        func key(_ f: Frame) -> Set<String> {
            var s: Set<String> = []
            for (r, atoms) in f.args where !atoms.isEmpty { s.insert(r + "=" + atoms.map { String($0.mention) }.sorted().joined(separator: ",")) }
            for (r, v) in f.literals { s.insert(r + "=\"" + v) }
            return s
        }
        let keys = frames.map(key)
        var group: [Int: [Int]] = [:]  // frames per sentence: a frame is only compared within its own
        for (i, f) in frames.enumerated() { group[f.sid, default: []].append(i) }
        var keep: [Frame] = []
        for (i, f) in frames.enumerated() {
            let t = rules.rules[f.rule].type
            let dominated = group[f.sid]!.contains { j in
                guard j != i, rules.rules[frames[j].rule].type == t, keys[i].isSubset(of: keys[j]) else { return false }
                return keys[i] != keys[j] || j < i
            }
            if !dominated { keep.append(f) }
        }
        return keep
    }
}

extension RelationType {
    /// Roles written as a list even with one filler (SPEC.md: `parties` (list)).
    public var listRoles: Set<String> { self == .agreement || self == .cooperation ? ["parties"] : [] }
}

extension Linker {
    /// Loads Rules/relations/ beside an extraction rule set (sharing its lexicons); every
    /// problem is reported with `file:line`.
    public static func load(ruleSet: RuleSet) throws -> Linker {
        let (set, problems) = RelationRuleSet.load(directory: ruleSet.directory, lexicons: ruleSet.lexicons)
        guard let set else { throw RecordError(problems.map { "\(ruleSet.directory)/\($0)" }.joined(separator: "\n")) }
        return Linker(rules: set)
    }
}
