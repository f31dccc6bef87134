import Extraction
import LianluCore

/// Named checks a relation rule can ask for (`check: [contains]`).
public enum RelationChecks {
    /// located_in: when the entity is a place, it ranks below the location (临清市 holds
    /// 潘庄镇; 山东 does not sit in 聊城, and 北京上海 is no containment at all).
    static let named: [String: (RelationRuleSet, Linker.Frame, [UInt16]) -> Bool] = [
        "contains": { set, f, text in
            // located_in roles: entity 0, location 1.
            guard let loc = f.args[1].first, loc.type == .location, let ent = f.args[0].first else { return false }
            return text.withUnsafeBufferPointer { t in
                guard let outer = set.places.rank(UnsafeBufferPointer(rebasing: t[loc.target])) else { return false }
                if ent.type != .location { return true }
                guard let inner = set.places.rank(UnsafeBufferPointer(rebasing: t[ent.target])) else { return false }
                return inner > outer
            }
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
    ///
    /// Roles are compiled to their index in the type's roles, so frames are small arrays
    /// rather than dictionaries keyed by role name. Immutable, so reading it in the matcher
    /// needs no exclusivity checks.
    final class Plan {
        let anchors: [Int]
        /// `anchors` as a bit set over `Linker.anchors` (`anchorWords` words).
        let anchorBits: [UInt64]
        let typeMasks: [UInt16]
        let lead: PatternElement
        /// Per pattern element, the index of the role it binds (-1: none).
        let elementRoles: [Int]
        let attach: [(role: Int, ways: [Attachment], ofRole: [Int])]
        let literals: [(role: Int, value: String)]
        /// The rule's literal per role (nil: a mention role): a frame's literals are its rule's.
        let literalOf: [String?]
        let requires: [Int]
        let distribute: [Int]
        let checks: [(RelationRuleSet, Frame, [UInt16]) -> Bool]
        let roleCount: Int
        let listRoles: [Bool]
        /// The rule's type, pattern, role names and `file#id`, held here so the hot loops
        /// read them from this class instead of copying the whole `RelationRule` struct
        /// (and retaining each of its arrays and strings) per frame.
        let type: RelationType
        let pattern: [PatternElement]
        let roles: [String]
        let qualifiedID: String
        /// Per gap element, what the element after it needs where the gap ends.
        let gapEnds: [GapEnd]
        /// Per words element, the low six bits of its words' first units as a bit set (all
        /// bits when a word is empty): most tries fail on the first unit, and this answers
        /// before the words are walked.
        let wordFirsts: [UInt64]
        /// How many pattern elements bind a role.
        let bindable: Int
        /// `literals` with each value's `Linker.literalCode` (for `dropSubsumed`).
        let literalCodes: [(role: Int, code: Int)]

        /// `anchors`: the indices of the rule's required word elements among all rules'.
        init(_ rule: RelationRule, anchors: [Int], anchorWords: Int) {
            self.anchors = anchors
            var bits = [UInt64](repeating: 0, count: anchorWords)
            for k in anchors { bits[k >> 6] |= 1 << UInt64(k & 63) }
            anchorBits = bits
            typeMasks = rule.pattern.compactMap { e in
                if case let .mention(_, types, _, optional) = e, !optional { return types.bits }
                return nil
            }
            lead = rule.pattern.first { if case .notAfter = $0 { return false }; return true }!
            let roles = rule.type.roles
            func index(_ r: String) -> Int { roles.firstIndex(of: r) ?? -1 }
            type = rule.type
            pattern = rule.pattern
            self.roles = roles
            qualifiedID = rule.qualifiedID
            gapEnds = rule.pattern.indices.map { GapEnd(after: rule.pattern, $0) }
            wordFirsts = rule.pattern.map { e in
                guard case let .words(words, _) = e else { return 0 }
                return words.reduce(0) { bits, w in w.isEmpty ? ~0 : bits | 1 << UInt64(w[0] & 63) }
            }
            roleCount = roles.count
            listRoles = roles.map { rule.type.listRoles.contains($0) }
            elementRoles = rule.pattern.map { e in if case let .mention(r?, _, _, _) = e { return index(r) }; return -1 }
            bindable = elementRoles.filter { $0 >= 0 }.count
            attach = rule.attach.map { a in (index(a.role), a.ways, a.ways.map { $0.ofRole.map(index) ?? -1 }) }
            literals = rule.literals.map { (index($0.role), $0.value) }
            literalCodes = literals.map { ($0.role, Linker.literalCode($0.value)) }
            var literalOf = [String?](repeating: nil, count: roles.count)
            for (r, v) in literals { literalOf[r] = v }
            self.literalOf = literalOf
            requires = rule.requires.map(index)
            distribute = rule.distribute.map(index)
            checks = rule.checks.compactMap { RelationChecks.named[$0] }
        }
    }
    let plans: [Plan]
    /// Distinct required word elements of all rules, and the units they can start with.
    let anchors: [[[UInt16]]]
    /// For the scan of every sentence: the anchor words starting with unit u are entries
    /// `unitFirst[u]..<unitFirst[u + 1]` of `unitAnchors` (no hashing per unit).
    let unitFirst: [Int32]
    let unitAnchors: [Int32]
    /// Anchors that lead some rule: only their positions are kept (`hits`).
    let leadAnchor: [Bool]
    /// The words of `unitAnchors`' entries, one after another.
    let wordUnits: [UInt16]
    let wordAt: [Int32]
    let wordLength: [Int32]
    let leadUnits: [UInt64]
    let anaphorUnits: [UInt64]
    let anchorWords: Int
    /// `RelationRuleSet.mergeOn` as role indices, per rule (a look-up by relation type
    /// hashed the type's name for every frame).
    let mergeRolesOfRule: [[Int]]

    public init(rules: RelationRuleSet) {
        self.rules = rules
        var anchors: [[[UInt16]]] = []
        var byUnit: [UInt16: [Int]] = [:]
        var units = [UInt64](repeating: 0, count: 1024)
        func mark(_ u: UInt16, _ bits: inout [UInt64]) { bits[Int(u) >> 6] |= 1 << UInt64(u & 63) }
        var ruleAnchors: [[Int]] = []
        for rule in rules.rules {
            var own: [Int] = []
            for case let .words(words, optional) in rule.pattern where !optional {
                let k: Int
                if let i = anchors.firstIndex(of: words) { k = i } else {
                    k = anchors.count
                    anchors.append(words)
                    for w in words where !w.isEmpty {
                        if !(byUnit[w[0]]?.contains(k) ?? false) { byUnit[w[0], default: []].append(k) }
                        mark(w[0], &units)
                    }
                }
                own.append(k)
            }
            ruleAnchors.append(own)
        }
        let words = max(1, (anchors.count + 63) / 64)
        anchorWords = words
        plans = zip(rules.rules, ruleAnchors).map { Plan($0, anchors: $1, anchorWords: words) }
        var anaphorUnits = [UInt64](repeating: 0, count: 1024)
        for a in rules.anaphors where !a.word.isEmpty { mark(a.word[0], &anaphorUnits) }
        var mergeRoles: [RelationType: [Int]] = [:]
        for (type, roles) in rules.mergeOn { mergeRoles[type] = roles.compactMap { type.roles.firstIndex(of: $0) } }
        mergeRolesOfRule = rules.rules.map { mergeRoles[$0.type] ?? [] }
        self.anchors = anchors
        // Every word of every anchor, by its first unit: (anchor, offset and length of the
        // word in `wordUnits`). The scan compares units in place, with no nested arrays.
        var first = [Int32](repeating: 0, count: 65537)
        var flat: [Int32] = []
        var wordBuffer: [UInt16] = []
        var wordAt: [Int32] = [], wordLength: [Int32] = []
        for u in 0..<65536 {
            first[u] = Int32(flat.count)
            for k in byUnit[UInt16(u)] ?? [] {
                for word in anchors[k] where word.first == UInt16(u) {
                    flat.append(Int32(k))
                    wordAt.append(Int32(wordBuffer.count))
                    wordLength.append(Int32(word.count))
                    wordBuffer += word
                }
            }
        }
        first[65536] = Int32(flat.count)
        wordUnits = wordBuffer
        self.wordAt = wordAt
        self.wordLength = wordLength
        unitFirst = first
        unitAnchors = flat
        var leadAnchor = [Bool](repeating: false, count: anchors.count)
        for plan in self.plans { if case .words = plan.lead, let k = plan.anchors.first { leadAnchor[k] = true } }
        self.leadAnchor = leadAnchor
        self.leadUnits = units
        self.anaphorUnits = anaphorUnits
    }

    @inline(__always) static func has(_ bits: [UInt64], _ u: UInt16) -> Bool { bits[Int(u) >> 6] & (1 << UInt64(u & 63)) != 0 }

    /// How far apart (UTF-16 units) two frames' matches may start and still be compared
    /// for subsumption.
    static let subsumeWindow = 200
    /// How many earlier mentions an anaphor looks back over, per pool.
    static let anaphorReach = 400

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
    }

    /// A frame before ids are given; `args` is indexed by role. Its literal roles are
    /// its rule's (`Plan.literalOf`).
    struct Frame {
        var rule: Int
        var sid: Int
        var span: Range<Int>
        var args: [[Atom]]
        var literalCount: Int
        /// located_in attachments left for when every frame is built: the role, the role
        /// whose filler's place it takes, and what the ways after located_in found, used
        /// when no located_in frame names one.
        var pending: [(role: Int, of: Int, fallback: Atom?)] = []

        var filled: Int { args.reduce(0) { $0 + $1.count } + literalCount }
    }

    public struct Result {
        public var relations: [Relation] = []
        public var entities: [Entity] = []
    }

    /// `mentions` in text order with their ids; `text` is the normalized document text
    /// (outside the sentences it may be blank: the filter rebuilds it from sentence records).
    ///
    /// A long document is linked in sections of whole paragraphs (`StageWorker`), with the
    /// same frames as if it were linked whole: `before` holds the mentions of the last
    /// paragraph before the section that had any (a paragraph-opening anaphor looks back
    /// there), relation ids count on from `firstRelation`, and with `groupEntities` false
    /// the caller groups entities across sections (`EntityGrouper.add`).
    public func link(text: [UInt16], sentences: [Sentence], mentions sectionMentions: [Mention], before: [Mention] = [],
                     firstRelation: Int = 1, groupEntities: Bool = true) -> Result {
        let mentions = before.isEmpty ? sectionMentions : before + sectionMentions
        var frames: [Frame] = []
        var next = 0  // mentions come in text order, so sentence by sentence
        // The paragraph's mentions so far, for anaphors.
        // An anaphor that opens a paragraph (该项目是...) may stand for a mention of the
        // paragraph before: news paragraphs are short and often split one account.
        var paragraphMentions: [Int] = Array(before.indices)
        var previousParagraph: [Int] = []
        var currentPara = -1
        var present = [UInt64](repeating: 0, count: anchorWords)
        var feasible: [Int] = []
        // Where each required word occurs in the sentence: word-led rules start there.
        var hits: [(anchor: Int32, at: Int32)] = []
        var atoms: [Atom] = []
        var scratch = SentenceScratch()
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
            // A sentence without mentions holds no frame (an anaphor alone fills one role).
            if first == next { continue }
            for k in 0..<anchorWords { present[k] = 0 }
            hits.removeAll(keepingCapacity: true)
            let anaphorHere = scan(s.utf16Range, text: text, present: &present, hits: &hits)
            let pointers = anaphorHere ? anaphors(in: s, text: text, mentions: mentions, own: Array(first..<next), earlier: paragraphMentions,
                                                  fallback: previousParagraph) : []
            for a in pointers { typesPresent |= 1 << UInt16(a.type.code) }
            feasible.removeAll(keepingCapacity: true)
            for (ri, plan) in plans.enumerated() {
                var ok = true
                for k in 0..<anchorWords where plan.anchorBits[k] & ~present[k] != 0 { ok = false; break }
                if ok { for m in plan.typeMasks where m & typesPresent == 0 { ok = false; break } }
                if ok { feasible.append(ri) }
            }
            if feasible.isEmpty { continue }
            // One buffer for every sentence's atoms (linkSentence keeps no reference).
            atoms.removeAll(keepingCapacity: true)
            for i in first..<next {
                atoms.append(Atom(mention: i, range: mentions[i].utf16Range, target: mentions[i].utf16Range, type: mentions[i].type, isAnaphor: false))
            }
            atoms += pointers
            atoms.sort { ($0.range.lowerBound, -$0.range.count, $0.mention) < ($1.range.lowerBound, -$1.range.count, $1.mention) }
            linkSentence(s, text: text, atoms: atoms, rulesToTry: feasible, hits: hits, &scratch, into: &frames)
        }
        resolveLocatedIn(&frames)
        frames = mergeCompatible(frames)
        frames = dropSubsumed(frames)
        frames.sort { ($0.sid, $0.span.lowerBound, $0.rule, $0.span.upperBound) < ($1.sid, $1.span.lowerBound, $1.rule, $1.span.upperBound) }
        var result = Result()
        for f in frames {
            let plan = plans[f.rule]
            var args: [(role: String, filler: RoleFiller)] = []
            args.reserveCapacity(plan.roleCount)
            for (r, role) in plan.roles.enumerated() {
                if let lit = plan.literalOf[r] { args.append((role, .literal(lit))); continue }
                let atoms = f.args[r]
                if atoms.isEmpty { continue }
                let ids = atoms.map { mentions[$0.mention].id }
                args.append((role, plan.listRoles[r] || ids.count > 1 ? .mentions(ids) : .mention(ids[0])))
            }
            result.relations.append(Relation(id: Relation.id(result.relations.count + firstRelation), sid: f.sid, type: plan.type, args: args, rule: plan.qualifiedID))
        }
        if groupEntities { result.entities = entityGrouper().group(text: text, mentions: mentions) }
        return result
    }

    /// A grouper for entities of one document whose mentions come in sections.
    public func entityGrouper() -> EntityGrouper {
        EntityGrouper(places: rules.places)
    }

    /// One pass over a sentence: which required words occur (`present`), where the words
    /// that lead rules start (`hits`), and whether an anaphor may (the return value).
    /// Through raw buffers: it runs over every unit of the corpus.
    private func scan(_ range: Range<Int>, text: [UInt16], present: inout [UInt64], hits: inout [(anchor: Int32, at: Int32)]) -> Bool {
        var anaphorHere = false
        text.withUnsafeBufferPointer { t in
            leadUnits.withUnsafeBufferPointer { lead in
                anaphorUnits.withUnsafeBufferPointer { ana in
                    unitFirst.withUnsafeBufferPointer { firsts in
                        unitAnchors.withUnsafeBufferPointer { flat in
                          wordUnits.withUnsafeBufferPointer { wu in
                            wordAt.withUnsafeBufferPointer { at in
                              wordLength.withUnsafeBufferPointer { len in
                                leadAnchor.withUnsafeBufferPointer { leads in
                                    let end = range.upperBound
                                    for p in range {
                                        let u = t[p]
                                        let w = Int(u) >> 6
                                        let bit: UInt64 = 1 << UInt64(u & 63)
                                        if (lead[w] | ana[w]) & bit == 0 { continue }
                                        if ana[w] & bit != 0 { anaphorHere = true }
                                        if lead[w] & bit == 0 { continue }
                                        var lastAnchor = -1
                                        for j in Int(firsts[Int(u)])..<Int(firsts[Int(u) + 1]) {
                                            let k = Int(flat[j])
                                            if k == lastAnchor { continue }  // an earlier word of k matched here
                                            let n = Int(len[j]), a = Int(at[j])
                                            guard p + n <= end else { continue }
                                            var q = 1
                                            while q < n, t[p + q] == wu[a + q] { q += 1 }
                                            guard q == n else { continue }
                                            lastAnchor = k
                                            present[k >> 6] |= 1 << UInt64(k & 63)
                                            if leads[k] { hits.append((Int32(k), Int32(p))) }
                                        }
                                    }
                                }
                              }
                            }
                          }
                        }
                    }
                }
            }
        }
        return anaphorHere
    }

    // MARK: Anaphors

    /// Whether `span` overlaps one of `own` (mentions in text order): a binary search and
    /// a short look back over mentions that start before it.
    static func overlapsAny(_ span: Range<Int>, _ own: [Int], _ mentions: [Mention]) -> Bool {
        var lo = 0, hi = own.count
        while lo < hi { let mid = (lo + hi) / 2; if mentions[own[mid]].utf16Range.lowerBound < span.upperBound { lo = mid + 1 } else { hi = mid } }
        var k = lo - 1
        var looked = 0
        while k >= 0, looked < 64 {
            if mentions[own[k]].utf16Range.overlaps(span) { return true }
            k -= 1
            looked += 1
        }
        return false
    }

    private func anaphors(in s: Sentence, text: [UInt16], mentions: [Mention], own: [Int], earlier: [Int], fallback: [Int]) -> [Atom] {
        var out: [Atom] = []
        var p = s.utf16Range.lowerBound
        while p < s.utf16Range.upperBound {
            if !Linker.has(anaphorUnits, text[p]) { p += 1; continue }
            var matched = 0
            for a in rules.anaphors where p + a.word.count <= s.utf16Range.upperBound && matched == 0 {
                let word = a.word
                guard text[p..<(p + word.count)].elementsEqual(word) else { continue }
                if !a.after.isEmpty && !a.after.contains(where: { w in
                    p - w.count >= s.utf16Range.lowerBound && text[(p - w.count)..<p].elementsEqual(w) }) { continue }
                let span = p..<(p + word.count)
                // Inside a mention it is part of a name, not an anaphor.
                if Linker.overlapsAny(span, own, mentions) { continue }
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
                for (n, pool) in [own, earlier, fallback].enumerated() where best == nil {
                    var seen = 0
                    // In this sentence, only mentions that start before the anaphor; and at
                    // most a few hundred back, so a huge paragraph stays linear.
                    var top = pool.count
                    if n == 0 {
                        var lo = 0
                        while lo < top { let mid = (lo + top) / 2; if mentions[pool[mid]].utf16Range.lowerBound < p { lo = mid + 1 } else { top = mid } }
                    }
                    var looked = 0
                    for i in pool[..<top].reversed() {
                        looked += 1
                        if looked > Linker.anaphorReach { break }
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
    /// Buffers the sentences of a document reuse: a sentence allocated its atoms' starts,
    /// their nesting flags, the rules' start positions and its frames afresh.
    struct SentenceScratch {
        var atomStarts: [Int] = []
        var nested: [Bool] = []
        var ruleStarts: [Int] = []
        var frames: [Frame] = []
    }

    /// The sentence's frames, appended to `out`.
    private func linkSentence(_ s: Sentence, text: [UInt16], atoms: [Atom], rulesToTry: [Int], hits: [(anchor: Int32, at: Int32)],
                              _ scratch: inout SentenceScratch, into out: inout [Frame]) {
        scratch.atomStarts.removeAll(keepingCapacity: true)
        for a in atoms { scratch.atomStarts.append(a.range.lowerBound) }
        var ctx = MatchContext(text: text, end: s.utf16Range.upperBound, atoms: atoms, starts: scratch.atomStarts, aliasOpeners: rules.aliasOpeners)
        // Atoms inside a bigger mention (the product in a project's name): `before` skips
        // them. Atoms are sorted by start, longer first, so one pass tells.
        var nested = scratch.nested
        scratch.nested = []
        nested.removeAll(keepingCapacity: true)
        nested.append(contentsOf: repeatElement(false, count: atoms.count))
        var reach = -1
        var reachRange = 0..<0
        for (k, a) in atoms.enumerated() where !a.isAnaphor {
            if reach >= a.range.upperBound && reachRange != a.range { nested[k] = true }
            if a.range.upperBound > reach { reach = a.range.upperBound; reachRange = a.range }
        }
        var frames = scratch.frames
        scratch.frames = []
        frames.removeAll(keepingCapacity: true)
        var starts = scratch.ruleStarts
        scratch.ruleStarts = []
        defer {
            out.append(contentsOf: frames)
            frames.removeAll(keepingCapacity: true)
            scratch.frames = frames
            scratch.nested = nested
            scratch.ruleStarts = starts
        }
        var endingAt = FrameEnds()
        let window = AtomWindow(atoms: atoms, starts: ctx.starts)
        for ri in rulesToTry {
            let plan = plans[ri]
            startPositions(plan, s, text, atoms, hits, into: &starts)
            if starts.isEmpty { continue }
            ctx.use(plan)
            for start in starts {
                guard let end = ctx.bestMatch(plan.pattern, at: start) else { continue }
                var args = [[Atom]](repeating: [], count: plan.roleCount)
                for (role, k) in ctx.best!.bound { args[role].append(atoms[k]) }
                var frame = Frame(rule: ri, sid: s.sid, span: start..<end, args: args, literalCount: plan.literals.count)
                attach(&frame, plan, s, text, window, nested, frames, endingAt)
                func keep(_ f: Frame) {
                    for r in plan.requires where f.args[r].isEmpty && plan.literalOf[r] == nil { return }
                    if f.filled < 2 { return }
                    for check in plan.checks where !check(rules, f, text) { return }
                    endingAt.add(end: f.span.upperBound, frame: frames.count)
                    frames.append(f)
                }
                if plan.distribute.contains(where: { frame.args[$0].count > 1 }) {
                    for f in distribute(frame, plan) { keep(f) }
                } else {
                    keep(frame)
                }
            }
        }
    }

    /// Where a rule can start: at each mention its first element accepts, or where its
    /// first words were seen by the sentence's scan.
    private func startPositions(_ plan: Plan, _ s: Sentence, _ text: [UInt16], _ atoms: [Atom], _ hits: [(anchor: Int32, at: Int32)],
                                into out: inout [Int]) {
        out.removeAll(keepingCapacity: true)
        switch plan.lead {
        case let .mention(_, types, _, _):
            for a in atoms where types.contains(a.type) && out.last != a.range.lowerBound { out.append(a.range.lowerBound) }
        case .words:
            // A required lead is an anchor (`plans` lists it first among them).
            guard let lead = plan.anchors.first else { return }
            for h in hits where h.anchor == lead { out.append(Int(h.at)) }
        case .gap, .notAfter, .notBefore:
            return
        }
    }

    /// A sentence's frames by the end of their match, for `previous`. A sentence has a
    /// few frames, and a backward scan of their ends finds them (hashing each end into a
    /// dictionary cost a thousand instructions a frame); past `direct` frames (a 1 MB
    /// paragraph) the latest frame per end and a chain of earlier ones take over, so a
    /// look-up never scans them all.
    struct FrameEnds {
        static let direct = 64
        private var ends: [Int] = []
        private var latest: [Int: Int] = [:]
        private var earlier: [Int] = []

        /// `frame` is the number of frames added before.
        mutating func add(end: Int, frame: Int) {
            ends.append(end)
            if ends.count == FrameEnds.direct + 1 {
                for (i, e) in ends.enumerated() { earlier.append(latest[e] ?? -1); latest[e] = i }
            } else if ends.count > FrameEnds.direct + 1 {
                earlier.append(latest[end] ?? -1)
                latest[end] = frame
            }
        }

        /// The frames ending at `end`, latest first.
        func forEach(endingAt end: Int, _ body: (Int) -> Void) {
            if ends.count <= FrameEnds.direct {
                var i = ends.count - 1
                while i >= 0 { if ends[i] == end { body(i) }; i -= 1 }
                return
            }
            var i = latest[end] ?? -1
            while i >= 0 { body(i); i = earlier[i] }
        }
    }

    /// Where a gap may end: a gap tried every end up to its limit, calling the matcher at
    /// each, though the element after it can only start at a mention of its types or at
    /// one of its words' first units (after spaces). Ends nothing could follow are skipped;
    /// the ends tried, and their order, are the same as before.
    enum GapEnd {
        case anywhere
        case mention(TypeSet)
        /// The sorted first units of the words.
        case words([UInt16])

        /// For element `i` (a gap): what element `i + 1` needs.
        init(after pattern: [PatternElement], _ i: Int) {
            guard case .gap = pattern[i], i + 1 < pattern.count else { self = .anywhere; return }
            switch pattern[i + 1] {
            case let .mention(_, types, _, optional) where !optional:
                self = .mention(types)
            case let .words(words, optional) where !optional && !words.contains(where: \.isEmpty):
                self = .words(Array(Set(words.map { $0[0] })).sorted())
            default:
                self = .anywhere
            }
        }
    }

    struct MatchContext {
        let text: [UInt16]
        let end: Int
        let atoms: [Atom]
        /// Start of each atom (atoms are sorted by start).
        let starts: [Int]
        /// `RelationRuleSet.aliasOpeners`.
        let aliasOpeners: [[UInt16]]
        var bound: [(Int, Int)] = []
        var roles: [Int] = []
        var gapEnds: [GapEnd] = []
        var wordFirsts: [UInt64] = []

        /// The first atom that starts at or after `q`.
        func firstAtom(startingAtOrAfter q: Int) -> Int { starts.firstIndex(notBelow: q) }

        /// Indices of the atoms that start at `q`.
        func startsAt(_ q: Int) -> Range<Int> {
            let lo = firstAtom(startingAtOrAfter: q)
            var e = lo
            while e < starts.count, starts[e] == q { e += 1 }
            return lo..<e
        }
        static let listSeparators: [[UInt16]] = ["、", "和", "及", "以及", "兼", ",", "，"].map { Array($0.utf16) }

        /// A place mention that ends at `q`: a binary search to the atoms that start in
        /// the 32 units before it (no place name is longer). A scan of all atoms made the
        /// 1 MB paragraph's one sentence quadratic.
        func placeEnding(at q: Int) -> Int? {
            var k = firstAtom(startingAtOrAfter: q - 32)
            while k < starts.count, starts[k] < q {
                let a = atoms[k]
                if a.type == .location, !a.isAnaphor, a.range.upperBound == q { return k }
                k += 1
            }
            return nil
        }

        /// Whether `word` is written at `q` (ending by `end`): the first unit is compared
        /// before any slice is made, and most tries fail there.
        @inline(__always) static func wordAt(_ text: [UInt16], _ q: Int, _ end: Int, _ word: [UInt16]) -> Bool {
            let n = word.count
            guard q + n <= end else { return false }
            if n == 0 { return true }
            if text[q] != word[0] { return false }
            var k = 1
            while k < n { if text[q + k] != word[k] { return false }; k += 1 }
            return true
        }

        /// Past spaces, and past a short name's definition (X（以下简称“Y”）投资...): the
        /// pattern reads X and what follows the parentheses as adjacent.
        /// The parentheses test is all the hot path pays: the rest is out of line (a loop
        /// here kept `match` from inlining it, +30% of its instructions).
        @inline(__always) func skipSpaces(_ p: Int) -> Int {
            var q = p
            while q < end, text[q] == 0x20 || text[q] == 0x09 { q += 1 }
            if q < end, text[q] == 0xFF08 || text[q] == 0x28 { return skipAliasDefinitions(q) }
            return q
        }

        @inline(never) func skipAliasDefinitions(_ p: Int) -> Int {
            var q = p
            while q < end, text[q] == 0xFF08 || text[q] == 0x28, let e = Linker.aliasDefinitionEnd(text, at: q, end: end, openers: aliasOpeners) {
                q = e
                while q < end, text[q] == 0x20 || text[q] == 0x09 { q += 1 }
            }
            return q
        }

        var best: (end: Int, bound: [(Int, Int)])?
        var bindable = 0
        var steps = 0
        /// Search budget per start: patterns are short and gaps bounded, so this is far
        /// above what a real sentence needs; it keeps a pathological one linear.
        static let maxSteps = 4_000
        static let maxListMembers = 32

        /// Sets up matching `plan`'s pattern (once per rule and sentence).
        mutating func use(_ plan: Plan) {
            roles = plan.elementRoles
            gapEnds = plan.gapEnds
            wordFirsts = plan.wordFirsts
            bindable = plan.bindable
        }

        /// The match at `start` that binds the most mentions (optional elements and gaps
        /// would otherwise let the first, emptiest match win); ties go to the first found.
        /// Its end, with its bindings in `best`; after `use`.
        mutating func bestMatch(_ elements: [PatternElement], at start: Int) -> Int? {
            bound.removeAll(keepingCapacity: true)
            best = nil
            steps = 0
            _ = match(elements, 0, start)
            return best?.end
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
            case .words(_, let optional):
                let q = skipSpaces(p)
                let firsts = wordFirsts[i]
                if firsts == ~0 || (q < end && firsts & (1 << UInt64(text[q] & 63)) != 0), case let .words(words, _) = elements[i] {
                    for w in words where MatchContext.wordAt(text, q, end, w) {
                        if let e = match(elements, i + 1, q + w.count) { return e }
                    }
                }
                return optional ? match(elements, i + 1, p) : nil
            case let .mention(_, types, list, optional):
                let role = roles[i] >= 0 ? roles[i] : nil
                let q = skipSpaces(p)
                for k in startsAt(q) where types.contains(atoms[k].type) && !bound.contains(where: { $0.1 == k }) {
                    if !list {
                        // One mention: no chain array to allocate for it.
                        let mark = bound.count
                        if let role { bound.append((role, k)) }
                        if let e = match(elements, i + 1, atoms[k].range.upperBound) { return e }
                        bound.removeSubrange(mark...)
                        continue
                    }
                    // A list: this mention and the ones joined to it, longest first.
                    var chain = [k]
                    // Members only move forward, so no member repeats; a cap keeps a
                    // pathological run of names (a 1 MB paragraph) from going quadratic.
                    while chain.count < MatchContext.maxListMembers {
                        let after = skipSpaces(atoms[chain.last!].range.upperBound)
                        guard let sep = MatchContext.listSeparators.first(where: { MatchContext.wordAt(text, after, end, $0) }) else { break }
                        var next = skipSpaces(after + sep.count)
                        // A place before a company is its origin, not a member (、荷兰X公司);
                        // before a post it names another body (常委、玛纳斯县委书记): the list ends.
                        if types.contains(.organization), !types.contains(.location), let loc = startsAt(next).first(where: { atoms[$0].type == .location }) {
                            next = skipSpaces(atoms[loc].range.upperBound)
                        }
                        // A member named twice (X公司,该公司: the anaphor stands for X) ends the list.
                        guard let n = startsAt(next).first(where: { types.contains(atoms[$0].type) }),
                              !chain.contains(where: { atoms[$0].mention == atoms[n].mention }) else { break }
                        chain.append(n)
                    }
                    for count in stride(from: chain.count, through: 1, by: -1) {
                        let mark = bound.count
                        if let role { for c in chain[0..<count] { bound.append((role, c)) } }
                        if let e = match(elements, i + 1, atoms[chain[count - 1]].range.upperBound) { return e }
                        bound.removeSubrange(mark...)
                    }
                }
                return optional ? match(elements, i + 1, p) : nil
            case let .notBefore(words):
                let q = skipSpaces(p)
                if words.contains(where: { MatchContext.wordAt(text, q, end, $0) }) { return nil }
                return match(elements, i + 1, p)
            case let .notAfter(words):
                // Also across the places right before it: in 从江苏昆山引进, 昆山 follows 从
                // through 江苏 and is the origin, no introducer.
                var q = p
                while true {
                    while q > 0, text[q - 1] == 0x20 { q -= 1 }
                    if words.contains(where: { w in q >= w.count && text[(q - w.count)..<q].elementsEqual(w) }) { return nil }
                    guard let place = placeEnding(at: q) else { break }
                    q = atoms[place].range.lowerBound
                }
                return match(elements, i + 1, p)
            case let .gap(max, stops):
                // A short name's definition right here is skipped, not counted (X（以下简称
                // “Y”）将投资).
                var q = p < end && (text[p] == 0xFF08 || text[p] == 0x28) ? skipSpaces(p) : p
                let limit = min(end, q + max)
                let ahead = gapEnds[i]
                var k = 0  // for .mention: the first atom starting at or after the end tried
                if case .mention = ahead { k = firstAtom(startingAtOrAfter: q) }
                while q <= limit {
                    let worth: Bool
                    switch ahead {
                    case .anywhere: worth = true
                    case let .words(firsts):
                        let r = skipSpaces(q)
                        worth = r < end && firsts.contains(text[r])
                    case let .mention(types):
                        let r = skipSpaces(q)
                        while k < starts.count, starts[k] < r { k += 1 }
                        var j = k
                        var any = false
                        while j < starts.count, starts[j] == r { if types.contains(atoms[j].type) { any = true; break }; j += 1 }
                        worth = any
                    }
                    if worth, let e = match(elements, i + 1, q) { return e }
                    if q == end || stops.contains(text[q]) { break }
                    q += 1
                }
                return nil
            }
        }
    }

    /// Where a parenthesized short-name definition starting at `q` ends (after its closing
    /// parenthesis), or nil: （以下简称“华驰氢能”）, (简称"沁园公司"). `openers`: the rule
    /// set's `aliasOpeners`, each starting with the parenthesis.
    static func aliasDefinitionEnd(_ text: [UInt16], at q: Int, end: Int, openers: [[UInt16]]) -> Int? {
        guard q < end, text[q] == 0xFF08 || text[q] == 0x28 else { return nil }
        guard openers.contains(where: { MatchContext.wordAt(text, q, end, $0) }) else { return nil }
        var k = q + 1
        while k < end && k <= q + 32 {
            if text[k] == 0xFF09 || text[k] == 0x29 { return k + 1 }
            if text[k] == 0xFF08 || text[k] == 0x28 || clauseBreaks.contains(text[k]) { return nil }
            k += 1
        }
        return nil
    }

    /// Whether `a` is a place written right after a word of `originWords` (从, 来自): where
    /// something comes from (从烟台招引X), never where it is.
    static func isOrigin(_ a: Atom, _ text: [UInt16], originWords: [[UInt16]]) -> Bool {
        guard a.type == .location, !a.isAnaphor else { return false }
        let k = a.range.lowerBound
        return originWords.contains { w in k >= w.count && text[(k - w.count)..<k].elementsEqual(w) }
    }

    /// Whether `a` is the short name a parenthesized definition gives (the Y of X（以下简称
    /// “Y”））: a role takes X there, the name written in full.
    static func isAliasDefinition(_ a: Range<Int>, _ text: [UInt16], openers: [[UInt16]]) -> Bool {
        var k = a.lowerBound
        var back = 0
        while k > 0 && back < 8 {
            k -= 1
            back += 1
            if text[k] == 0xFF08 || text[k] == 0x28 {
                return aliasDefinitionEnd(text, at: k, end: text.count, openers: openers).map { $0 >= a.upperBound } ?? false
            }
        }
        return false
    }

    // MARK: Filling roles from around the match

    /// Atoms of a sentence with what `attach` needs to look near a span without scanning
    /// the whole sentence (a 1 MB paragraph is one sentence).
    struct AtomWindow {
        let atoms: [Atom]
        let starts: [Int]
        /// The longest atom: an atom that ends before p starts no earlier than p - this.
        let longest: Int
        /// How far `after` looks past a match.
        static let reach = 300

        init(atoms: [Atom], starts: [Int]) {
            self.atoms = atoms
            self.starts = starts
            longest = atoms.reduce(0) { max($0, $1.range.count) }
        }

        /// The index of the first atom that starts at or after `p`.
        func firstStarting(atOrAfter p: Int) -> Int { starts.firstIndex(notBelow: p) }
    }

    private func attach(_ frame: inout Frame, _ plan: Plan, _ s: Sentence, _ text: [UInt16], _ window: AtomWindow, _ nested: [Bool],
                        _ earlier: [Frame], _ endingAt: FrameEnds) {
        let type = plans[frame.rule].type
        let atoms = window.atoms
        for (role, ways, ofRoles) in plan.attach where frame.args[role].isEmpty {
            let args = frame.args
            func isUsed(_ m: Int) -> Bool { args.contains { $0.contains { $0.mention == m } } }
            func qualifiesBound(_ a: Atom) -> Bool {
                var e = a.range.upperBound
                while e < text.count, text[e] == 0x20 { e += 1 }
                return args.contains { $0.contains { !$0.isAnaphor && $0.range.lowerBound == e } }
            }
            let span = frame.span
            var waiting: Int?  // the index in `pending` of a located_in way tried before
            for (w, way) in ways.enumerated() {
                func starts(_ a: Atom) -> Bool {
                    (way.startsWith.isEmpty || way.startsWith.contains { w in a.range.lowerBound + w.count <= a.range.upperBound && text[a.range.lowerBound..<(a.range.lowerBound + w.count)].elementsEqual(w) })
                        && (way.endsWith.isEmpty || way.endsWith.contains { w in a.target.count >= w.count && text[(a.target.upperBound - w.count)..<a.target.upperBound].elementsEqual(w) })
                }
                var pick: Atom?
                switch way.strategy {
                case .enclosing:
                    var k = window.firstStarting(atOrAfter: span.lowerBound + 1) - 1
                    while k >= 0, atoms[k].range.lowerBound >= span.lowerBound - window.longest {
                        let a = atoms[k]
                        k -= 1
                        guard !a.isAnaphor, way.types.contains(a.type), a.range.upperBound >= span.upperBound, a.range != span, starts(a) else { continue }
                        if pick == nil || a.range.count < pick!.range.count { pick = a }
                    }
                case .before, .clause:
                    // The nearest earlier atom; not a part of a bigger mention (the product
                    // inside a project name).
                    var k = window.firstStarting(atOrAfter: span.lowerBound) - 1
                    while k >= 0 {
                        let a = atoms[k]
                        if let p = pick, a.range.lowerBound + window.longest < p.range.upperBound { break }
                        defer { k -= 1 }
                        guard a.range.upperBound <= span.lowerBound, !nested[k], way.types.contains(a.type), !isUsed(a.mention), starts(a),
                              !Linker.isAliasDefinition(a.range, text, openers: rules.aliasOpeners), !Linker.isOrigin(a, text, originWords: rules.originWords) else { continue }
                        if way.strategy == .clause && !Linker.sameClause(a.range, span, text, sentenceStart: s.utf16Range.lowerBound, rules: rules) { continue }
                        // A mention written right before one the frame holds qualifies that
                        // one (美国|X公司: the company's country, not the project's place).
                        if qualifiesBound(a) { continue }
                        if let p = pick, (p.range.upperBound, -p.range.lowerBound) >= (a.range.upperBound, -a.range.lowerBound) { continue }
                        pick = a
                    }
                case .after:
                    var k = window.firstStarting(atOrAfter: span.upperBound)
                    while k < atoms.count, atoms[k].range.lowerBound <= span.upperBound + AtomWindow.reach {
                        let a = atoms[k]
                        k += 1
                        if way.types.contains(a.type), !isUsed(a.mention), starts(a) { pick = a; break }
                    }
                case .next:
                    var k = window.firstStarting(atOrAfter: span.upperBound)
                    var clauseEnd = span.upperBound
                    while clauseEnd < s.utf16Range.upperBound, !Linker.clauseBreaks.contains(text[clauseEnd]) { clauseEnd += 1 }
                    while k < atoms.count, atoms[k].range.lowerBound < clauseEnd {
                        let a = atoms[k]
                        k += 1
                        if way.types.contains(a.type), !isUsed(a.mention), !nested[k - 1], starts(a) { pick = a; break }
                    }
                case .first:
                    // The first accepted atom of the sentence that ends before the match:
                    // atoms are sorted by start, so the scan stops at the match.
                    var k = 0
                    while k < atoms.count, atoms[k].range.lowerBound < span.lowerBound {
                        let a = atoms[k]
                        k += 1
                        if way.types.contains(a.type), a.range.upperBound <= span.lowerBound, !isUsed(a.mention), starts(a) { pick = a; break }
                    }
                case .previous:
                    // The frame of this type that ends right before the match (after 、).
                    // The latest end wins; among frames with that end, the first made.
                    var prev: Frame?
                    for end in max(s.utf16Range.lowerBound, span.lowerBound - 2)...span.lowerBound {
                        var first = -1
                        endingAt.forEach(endingAt: end) { i in
                            if plans[earlier[i].rule].type == type && !earlier[i].args[role].isEmpty { first = i }
                        }
                        if first >= 0 { prev = earlier[first] }
                    }
                    // Only across 、 (市委书记A、市长B): after a comma the next post may be of
                    // another body (邢台市副市长A,县委书记B).
                    if let prev, text[prev.span.upperBound..<span.lowerBound].allSatisfy({ $0 == 0x3001 || $0 == 0x20 }) {
                        frame.args[role] = prev.args[role]
                    }
                case .locatedIn:
                    // Filled once every frame is built (resolveLocatedIn); the ways after
                    // it are tried now for a fallback.
                    frame.pending.append((role, ofRoles[w], nil))
                    waiting = frame.pending.count - 1
                    continue
                }
                if let pick, let waiting {
                    frame.pending[waiting].fallback = pick
                    break
                }
                if let pick { frame.args[role] = [pick] }
                if !frame.args[role].isEmpty { break }
            }
        }
    }

    /// A short phrase that still says where, after a place that opens a clause: 在尕海镇
    /// |的戈壁滩上|, 在园区|的施工现场|, 在X公司|的生产车间|. 的, up to six units, and a last
    /// character of lexicons/place_tail_end.txt (a word of position or a site).
    static func isPlaceTail(_ tail: ArraySlice<UInt16>, ends: Set<UInt16>) -> Bool {
        guard tail.count >= 3, tail.count <= 8, tail.first == 0x7684, let last = tail.last else { return false }  // 的
        return ends.contains(last) && !tail.contains(where: { clauseBreaks.contains($0) })
    }

    /// `atom` is in the clause of `span`, or ends a fronted clause of its own right before
    /// it: a time or a place set off by a comma governs the clause it opens (2月28日,A与B
    /// 签约; 在格尔木市郭勒木德镇,由A投资建设的B项目...: the place is the project's; 在尕海镇
    /// 的戈壁滩上,...: the same with a short phrase of position after the place; 开工活动当天,
    /// ...: a time after the event it dates).
    static func sameClause(_ atom: Range<Int>, _ span: Range<Int>, _ text: [UInt16], sentenceStart: Int, rules: RelationRuleSet) -> Bool {
        let between = text[atom.upperBound..<span.lowerBound]
        let breaks = between.filter { clauseBreaks.contains($0) }.count
        if breaks == 0 { return true }
        guard breaks == 1, let comma = between.firstIndex(where: { clauseBreaks.contains($0) }) else { return false }
        let atomEndsClause = text[atom.upperBound..<comma].allSatisfy { $0 == 0x20 }
        guard atomEndsClause || isPlaceTail(text[atom.upperBound..<comma], ends: rules.placeTailEnds) else { return false }
        // What opens the atom's clause: nothing, or 在/于 and at most a few more places.
        var clauseStart = atom.lowerBound
        while clauseStart > sentenceStart, !clauseBreaks.contains(text[clauseStart - 1]) { clauseStart -= 1 }
        let opening = text[clauseStart..<atom.lowerBound].drop { $0 == 0x20 }
        if opening.isEmpty { return true }
        if opening.count <= 16 && (opening.first == 0x5728 || opening.first == 0x4E8E) { return true } // 在, 于
        return isEventOpening(opening, atomEndsClause: atomEndsClause, eventWords: rules.eventWords)
    }

    /// An event named before the time it sets (开工活动|当天|, 签约仪式|上午|, 推介会|当日|):
    /// the time is the event's, and the event is what the next clause tells. The event's
    /// name ends with a word of lexicons/event_word.txt.
    static func isEventOpening(_ opening: ArraySlice<UInt16>, atomEndsClause: Bool, eventWords: [[UInt16]]) -> Bool {
        guard atomEndsClause, opening.count >= 2, opening.count <= 10 else { return false }
        return eventWords.contains { w in w.count < opening.count && opening.suffix(w.count).elementsEqual(w) }
    }

    private func resolveLocatedIn(_ frames: inout [Frame]) {
        // The first located_in frame of each (sentence, entity): located_in roles are
        // entity 0, location 1.
        var located: [Int64: [Atom]] = [:]
        func key(_ sid: Int, _ mention: Int) -> Int64 { Int64(sid) << 32 | Int64(mention) }
        for f in frames where plans[f.rule].type == .locatedIn {
            if let e = f.args[0].first, located[key(f.sid, e.mention)] == nil { located[key(f.sid, e.mention)] = f.args[1] }
        }
        for i in frames.indices where !frames[i].pending.isEmpty {
            for (role, of, fallback) in frames[i].pending where frames[i].args[role].isEmpty {
                if of >= 0, let target = frames[i].args[of].first, let loc = located[key(frames[i].sid, target.mention)] {
                    frames[i].args[role] = loc
                } else if let fallback, !frames[i].args.contains(where: { $0.contains { $0.mention == fallback.mention } }) {
                    frames[i].args[role] = [fallback]
                }
            }
            frames[i].pending = []
        }
    }

    /// Merges two frames of one sentence and type that name the same filler in every
    /// `merge_on` role and differ in no other role (one may fill what the other left
    /// empty): one fact told by two rules becomes one frame, under the rule that filled
    /// more roles (the earlier one on a tie).
    private func mergeCompatible(_ frames: [Frame]) -> [Frame] {
        var frames = frames
        var gone = [Bool](repeating: false, count: frames.count)
        let near = Neighbours(frames)  // from the spans before any merge
        for i in frames.indices where !gone[i] {
            let type = plans[frames[i].rule].type
            let on = mergeRolesOfRule[frames[i].rule]
            guard !on.isEmpty, on.allSatisfy({ !frames[i].args[$0].isEmpty }) else { continue }
            near.forEach(of: i) { j in
                guard j > i && !gone[j] && plans[frames[j].rule].type == type else { return }
                let a = frames[i], b = frames[j]
                guard on.allSatisfy({ Linker.sameMentions(a.args[$0], b.args[$0]) }) else { return }
                let compatible = a.args.indices.allSatisfy { r in
                    a.args[r].isEmpty || b.args[r].isEmpty || Linker.sameMentions(a.args[r], b.args[r])
                } && plans[a.rule].literals.allSatisfy { l in plans[b.rule].literalOf[l.role].map { $0 == l.value } ?? true }
                guard compatible else { return }
                var merged = b.filled > a.filled ? b : a
                for r in merged.args.indices where merged.args[r].isEmpty { merged.args[r] = a.args[r].isEmpty ? b.args[r] : a.args[r] }
                merged.span = min(a.span.lowerBound, b.span.lowerBound)..<max(a.span.upperBound, b.span.upperBound)
                frames[i] = merged
                gone[j] = true
            }
        }
        return frames.indices.filter { !gone[$0] }.map { frames[$0] }
    }

    /// Whether two fillers name the same mentions in the same order.
    static func sameMentions(_ a: [Atom], _ b: [Atom]) -> Bool {
        guard a.count == b.count else { return false }
        for k in a.indices where a[k].mention != b[k].mention { return false }
        return true
    }

    /// For each frame, the other frames of its sentence whose matches start within
    /// `subsumeWindow` units of its own, in frame order (`forEach`). A sentence's frames
    /// are few, so they are compared directly; a sentence with many (a 1 MB paragraph is
    /// one sentence) gets windowed lists, which stay linear. Per-frame lists for
    /// every sentence were a tenth of linking.
    struct Neighbours {
        let starts: [Int]
        /// Per frame, the frames of its sentence (`lo..<hi`).
        let group: [(lo: Int32, hi: Int32)]
        /// Lists for frames of large sentences, by frame index.
        let lists: [Int: [Int]]
        static let direct = 64

        init(_ frames: [Frame]) {
            starts = frames.map(\.span.lowerBound)
            var group = [(lo: Int32, hi: Int32)](repeating: (0, 0), count: frames.count)
            var lists: [Int: [Int]] = [:]
            var lo = 0
            while lo < frames.count {
                var hi = lo
                while hi < frames.count, frames[hi].sid == frames[lo].sid { hi += 1 }
                for i in lo..<hi { group[i] = (Int32(lo), Int32(hi)) }
                if hi - lo > Neighbours.direct { Neighbours.windowLists(starts, lo..<hi, into: &lists) }
                lo = hi
            }
            self.group = group
            self.lists = lists
        }

        /// The lists for one sentence's frames: sorted by start, each frame's window is a
        /// run of that order (linear in the frames, however many), then put back in
        /// frame order.
        private static func windowLists(_ starts: [Int], _ group: Range<Int>, into lists: inout [Int: [Int]]) {
            let order = group.sorted { (starts[$0], $0) < (starts[$1], $1) }
            var first = 0
            for i in order {
                while starts[order[first]] < starts[i] - Linker.subsumeWindow { first += 1 }
                var list: [Int] = []
                var y = first
                while y < order.count, starts[order[y]] <= starts[i] + Linker.subsumeWindow {
                    if order[y] != i { list.append(order[y]) }
                    y += 1
                }
                lists[i] = list.sorted()
            }
        }

        func forEach(of i: Int, _ body: (Int) -> Void) {
            let (lo, hi) = (Int(group[i].lo), Int(group[i].hi))
            if hi - lo > Neighbours.direct {
                for j in lists[i] ?? [] { body(j) }
                return
            }
            let s = starts[i]
            for j in lo..<hi where j != i && starts[j] >= s - Linker.subsumeWindow && starts[j] <= s + Linker.subsumeWindow { body(j) }
        }
    }

    private func distribute(_ frame: Frame, _ plan: Plan) -> [Frame] {
        var out = [frame]
        for role in plan.distribute where frame.args[role].count > 1 {
            let fillers = frame.args[role]
            out = out.flatMap { f in fillers.map { a in var g = f; g.args[role] = [a]; return g } }
        }
        return out
    }

    /// Drops a frame whose every role and filler also appears in another frame of its
    /// type and sentence (the first of two equal frames stays).
    private func dropSubsumed(_ frames: [Frame]) -> [Frame] {
        // A frame as sorted integers: role << 32 | (mention + 1), or a literal's role and
        // its place among the type's literal values.
        // All keys side by side in one array (frame i's is keys[at[i]..<at[i + 1]]).
        var keys: [Int] = []
        var at: [Int] = [0]
        at.reserveCapacity(frames.count + 1)
        for f in frames {
            let from = keys.count
            for (r, atoms) in f.args.enumerated() { for a in atoms { keys.append(r << 32 | (a.mention + 1)) } }
            for (r, code) in plans[f.rule].literalCodes { keys.append(r << 32 | 1 << 31 | code) }
            keys[from...].sort()
            at.append(keys.count)
        }
        func isSubset(_ a: ArraySlice<Int>, _ b: ArraySlice<Int>) -> Bool {
            var j = b.startIndex
            for x in a {
                while j < b.endIndex, b[j] < x { j += 1 }
                if j == b.endIndex || b[j] != x { return false }
                j += 1
            }
            return true
        }
        let near = Neighbours(frames)
        var dominated = [Bool](repeating: false, count: frames.count)
        for i in frames.indices {
            let t = plans[frames[i].rule].type
            let ki = keys[at[i]..<at[i + 1]]
            near.forEach(of: i) { j in
                if dominated[i] { return }  // the first dominating frame decides
                let kj = keys[at[j]..<at[j + 1]]
                if plans[frames[j].rule].type == t && ki.count <= kj.count && isSubset(ki, kj) {
                    if !ki.elementsEqual(kj) || j < i { dominated[i] = true }
                }
            }
        }
        return frames.indices.filter { !dominated[$0] }.map { frames[$0] }
    }

    /// A literal value's code for `dropSubsumed` (the few literal values SPEC.md allows).
    static func literalCode(_ v: String) -> Int {
        literalCodes[v] ?? 0x7FFF_FFFF  // the loader admits no other value
    }
    static let literalCodes: [String: Int] = {
        var m: [String: Int] = [:]
        for v in RelationType.literalValues.values.flatMap({ $0 }).sorted() { m[v] = m.count }
        return m
    }()
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

extension Array where Element == Int {
    /// In a sorted array, the index of the first element not below `value` (a binary
    /// search; `count` when there is none).
    func firstIndex(notBelow value: Int) -> Int {
        var lo = 0, hi = count
        while lo < hi { let mid = (lo + hi) / 2; if self[mid] < value { lo = mid + 1 } else { hi = mid } }
        return lo
    }
}
