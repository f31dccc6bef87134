import LianluCore

/// Stage 3: mentions from sentences, by the rule set.
///
/// Conflict policy (the same everywhere): among overlapping candidates the longer span
/// wins; at equal length the higher `priority`; then the rule that comes first in the
/// rule set (files in name order, rules in file order); then the earlier start. A
/// blocker (`type: NONE`) takes part like any rule and, when it wins, leaves its span
/// empty. Candidates without a value are dropped. The losers are kept, with the reason,
/// for `lianlu explain`.
/// What one section of a long document hands to the next (`Extractor.extract(document:
/// sentences:carry:)`): the date last told, which 当天 at the next section's start refers
/// to, and the names the repeat rules look for, so a short name after its full one in an
/// earlier section is still found. (Names only go forwards: a name first given in full
/// after a section is not looked for in that section, as a whole document would.)
public struct SectionCarry: Sendable {
    struct Name: Sendable {
        var units: [UInt16]
        var type: MentionType
        var rule: Int
    }
    var told = ToldDates()
    var names: [Name] = []
    public init() {}
}

/// The dates last told in a document at each precision, which 当天, 当月 and 当年 refer
/// to: a date that names no day (该公司成立于2009年, 计划2026年上半年投产) between the
/// event and 当天 does not move 当天, which used to fall back to the page date then.
struct ToldDates: Sendable {
    var year: String?
    var month: String?
    var day: String?

    /// Takes a date's value (`2023-06-15TMO`, `2023-05`, `2026-H1`, `2023-01/2023-05` ...):
    /// each of its leading year, month and day that is there.
    mutating func tell(_ value: String) {
        let u = Array(value.utf8.prefix(10))
        func digits(_ r: Range<Int>) -> Bool { r.upperBound <= u.count && r.allSatisfy { u[$0] >= 0x30 && u[$0] <= 0x39 } }
        guard digits(0..<4) else { return }
        year = String(value.prefix(4))
        guard u.count >= 7, u[4] == 0x2D, digits(5..<7) else { return }
        month = String(value.prefix(7))
        guard u.count == 10, u[7] == 0x2D, digits(8..<10) else { return }
        day = String(value.prefix(10))
    }

    /// The date told last with `keep` characters (4 year, 7 month, 10 day).
    func last(_ keep: Int) -> String? { keep == 4 ? year : keep == 7 ? month : day }
}

public final class Extractor {
    public let ruleSet: RuleSet
    private let matcher: RuleMatcher

    /// A candidate the conflict policy kept (a struct, not a tuple: see RuleMatcher).
    struct Accepted {
        var candidate: Candidate
        var value: MentionValue?
        /// Resolved only where needed: for values, and for everything under explain.
        var captures: [Capture]
    }

    public struct Loser: Sendable {
        public var candidate: Candidate
        public var reason: String
    }

    public struct Result: Sendable {
        public var mentions: [Mention] = []
        /// Per mention (same order): the captures that built it.
        public var captures: [[Capture]] = []
        public var losers: [Loser] = []
        /// Rules whose regex hit ICU's time limit, with counts.
        public var timeouts: [String: Int] = [:]
        /// Per mention: which of `extract(sentences:)`'s documents it belongs to.
        public var source: [Int] = []
    }

    /// Extracts from sentences that each come as a document of their own (the
    /// `sentences.jsonl` records of one document, in order), so 当月 still resolves
    /// against the date told in an earlier sentence.
    public func extract(sentences records: [(document: NormalizedDocument, sentence: Sentence)]) -> Result {
        var result = Result()
        for (i, r) in records.enumerated() {
            r.document.text.withUnsafeBufferPointer { buf in
                matcher.begin(text: buf)
                let before = result.mentions.count
                extract(buf, sentence: r.sentence, referenceDate: r.document.date, into: &result)
                result.source += Array(repeating: i, count: result.mentions.count - before)
                for (k, v) in matcher.timeouts { result.timeouts[k, default: 0] += v }
            }
        }
        if !repeatRules.isEmpty || !listRules.isEmpty {
            // The sentences' texts side by side in one buffer the units point into.
            var all: [UInt16] = []
            var spans: [Range<Int>] = []
            for r in records {
                let from = all.count
                all += r.document.text[r.sentence.utf16Range]
                spans.append(from..<all.count)
            }
            all.withUnsafeBufferPointer { buf in
                let units = records.indices.map { i in
                    RepeatUnit(text: UnsafeBufferPointer(rebasing: buf[spans[i]]), base: records[i].sentence.utf16Range.lowerBound,
                               sid: records[i].sentence.sid, source: i)
                }
                var none: SectionCarry?
                applyDocumentRules(units, trackSource: true, &result, carry: &none)
            }
        }
        resolveContextualDates(&result)
        return result
    }

    /// One sentence as the repeat pass sees it: its text, where that starts in its
    /// document, its sid and (for `extract(sentences:)`) which record it came from.
    /// `text` points into a buffer that outlives the document passes (no copy per sentence).
    struct RepeatUnit {
        var text: UnsafeBufferPointer<UInt16>
        var base: Int
        var sid: Int
        var source: Int
    }

    /// List rules: in a run of items joined by 、 inside one clause, when two items or
    /// more are mentions of the rule's type, each other item (2 to 12 name characters, no
    /// mention in it) becomes one. The first item starts after a stop word (以中冶银河纸业),
    /// the last ends before 等, 和, 及 or the clause's end.
    /// List rules, then repeat rules, then one clean-up: names swallowed by the added
    /// mentions go, and the sentences' mentions are numbered again.
    func applyDocumentRules(_ units: [RepeatUnit], trackSource: Bool, _ result: inout Result, carry: inout SectionCarry?) {
        var swallowed: [(Int, Range<Int>)] = []
        let before = result.mentions.count
        guard !result.mentions.isEmpty || carry?.names.isEmpty == false else { return }
        let unitOfSid = Extractor.unitIndex(units)
        // One index of mentions by unit for both passes, made again only when the list
        // rules added mentions (it was built twice per document).
        let byUnit = MentionsByUnit(result.mentions, unitOfSid: unitOfSid, units: units.count)
        let listed = applyListRules(units, byUnit, trackSource: trackSource, &result, &swallowed)
        let repeated = applyRepeatRules(units, listed ? MentionsByUnit(result.mentions, unitOfSid: unitOfSid, units: units.count) : byUnit,
                                        trackSource: trackSource, &result, &swallowed, carry: &carry)
        if listed || repeated {
            var touched = Set(swallowed.map(\.0))
            for i in before..<result.mentions.count { touched.insert(result.mentions[i].sid) }
            removeSwallowed(swallowed, &result)
            renumber(unitOfSid, &result, touched: touched)
        }
    }

    /// `byUnit`: `result.mentions` by unit, as they are on entry.
    func applyListRules(_ units: [RepeatUnit], _ byUnit: MentionsByUnit, trackSource: Bool, _ result: inout Result, _ swallowed: inout [(Int, Range<Int>)]) -> Bool {
        guard !listRules.isEmpty, !result.mentions.isEmpty else { return false }
        var added = false
        for ri in listRules {
            guard let t = type[ri] else { continue }
            let firstItemStops = ruleSet.rules[ri].listStops
            for (uk, u) in units.enumerated() {
                guard byUnit[uk].contains(where: { result.mentions[Int($0)].type == t }) else { continue }
                let mentions = byUnit[uk].map { (result.mentions[Int($0)].utf16Range, result.mentions[Int($0)].type) }
                let text = u.text
                let n = text.count
                var i = 0
                while i < n {
                    guard text[i] == 0x3001 else { i += 1; continue }  // 、
                    // The run of items around this 、: back to the clause start, forward
                    // to the clause end.
                    var runStart = i
                    while runStart > 0, RuleMatcher.isNameUnit(text, runStart - 1, 0, n) || text[runStart - 1] == 0x3001 { runStart -= 1 }
                    var runEnd = i
                    while runEnd < n, RuleMatcher.isNameUnit(text, runEnd, 0, n) || text[runEnd] == 0x3001 { runEnd += 1 }
                    var cuts = [runStart - 1]
                    for k in runStart..<runEnd where text[k] == 0x3001 { cuts.append(k) }
                    cuts.append(runEnd)
                    var items: [Range<Int>] = []
                    for c in 0..<(cuts.count - 1) {
                        var a = cuts[c] + 1, b = cuts[c + 1]
                        if c == 0, let stops = firstItemStops {
                            // The first item starts after the last stop word in it.
                            var k = b
                            while k > a { if stops.endsStop(text, at: k, lowerBound: a, upper: n) { a = k; break }; k -= 1 }
                        }
                        if c == cuts.count - 2 {
                            // The last item ends before 等, 和, 及.
                            for k in a..<b where [0x7B49, 0x548C, 0x53CA].contains(text[k]) { b = k; break }
                        }
                        if a < b { items.append(a..<b) }
                    }
                    let abs = items.map { ($0.lowerBound + u.base)..<($0.upperBound + u.base) }
                    let typed = abs.filter { r in mentions.contains { $0.0 == r && $0.1 == t } }.count
                    if typed >= 2 {
                        // An item may hold a shorter name of another type (鲁西 in 鲁西化工):
                        // the whole item wins, as names stay whole.
                        for r in abs where (2...12).contains(r.count)
                            && !mentions.contains(where: { $0.0.overlaps(r) && !(r.contains($0.0.lowerBound) && $0.0.upperBound <= r.upperBound && $0.0 != r && $0.1.isName && $0.1 != t) }) {
                            result.mentions.append(Mention(id: "", sid: u.sid, type: t, utf16Range: r, value: nil, rule: ruleID[ri], ruleIndex: ri))
                            result.captures.append([])
                            if trackSource { result.source.append(u.source) }
                            swallowed.append((u.sid, r))
                            added = true
                        }
                    }
                    i = runEnd
                }
            }
        }
        return added
    }

    /// Drops name mentions that lie strictly inside a mention added by a list or repeat
    /// rule in the same sentence.
    func removeSwallowed(_ swallowed: [(Int, Range<Int>)], _ result: inout Result) {
        guard !swallowed.isEmpty else { return }
        // Per sentence its swallowing spans: checking every mention against every span of
        // the document was quadratic in a long one.
        var spans: [Int: [Range<Int>]] = [:]
        for (sid, r) in swallowed { spans[sid, default: []].append(r) }
        let keep: [Bool] = result.mentions.map { m in
            guard m.type.isName, let rs = spans[m.sid] else { return true }
            return !rs.contains { r in
                m.utf16Range != r && m.utf16Range.lowerBound >= r.lowerBound && m.utf16Range.upperBound <= r.upperBound
            }
        }
        if keep.allSatisfy({ $0 }) { return }
        result.mentions = result.mentions.indices.filter { keep[$0] }.map { result.mentions[$0] }
        result.captures = result.captures.indices.filter { keep[$0] }.map { result.captures[$0] }
        if result.source.count == keep.count { result.source = result.source.indices.filter { keep[$0] }.map { result.source[$0] } }
    }

    /// Repeat rules: every name a mention of the rule's type holds (two units or more)
    /// becomes a mention wherever it recurs in the document and nothing else holds the
    /// place. Then each sentence's mentions are renumbered in text order.
    /// With a `carry`, the names of the sections before count too, and this section's
    /// are added to them.
    /// `mentionsOfUnit`: `result.mentions` by unit, as they are on entry.
    func applyRepeatRules(_ units: [RepeatUnit], _ mentionsOfUnit: MentionsByUnit, trackSource: Bool, _ result: inout Result, _ swallowed: inout [(Int, Range<Int>)],
                          carry: inout SectionCarry?) -> Bool {
        guard !repeatRules.isEmpty, !result.mentions.isEmpty || carry?.names.isEmpty == false else { return false }
        // Every repeat rule's names in one table, scanned once (longest first: 李红英
        // before a shorter name inside it; then by type order and text, deterministic).
        // Their units sit side by side in `flat`, deduplicated through an open-addressing
        // table of hashes: an array and a Set<[UInt16]> insert per mention (hashing each
        // unit through Hasher) were most of this pass.
        struct Name { var start: Int; var count: Int; var type: MentionType; var rule: Int }
        // The table as a struct with a mutating insert: a local function capturing the
        // arrays made every access a dynamic exclusivity check.
        struct NameTable {
            var names: [Name] = []
            var flat: [UInt16] = []
            var slots = [Int32](repeating: -1, count: 64)
            var slotHash = [UInt64](repeating: 0, count: 64)

            mutating func insert(_ text: UnsafeBufferPointer<UInt16>, type t: MentionType, rule ri: Int) {
                var h: UInt64 = 0xCBF2_9CE4_8422_2325
                for u in text { h = (h ^ UInt64(u)) &* 0x0000_0100_0000_01B3 }
                var mask = slots.count - 1
                var slot = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
                while slots[slot] >= 0 {
                    let n = names[Int(slots[slot])]
                    if slotHash[slot] == h && n.count == text.count && flat[n.start..<(n.start + n.count)].elementsEqual(text) { return }
                    slot = (slot + 1) & mask
                }
                slots[slot] = Int32(names.count)
                slotHash[slot] = h
                names.append(Name(start: flat.count, count: text.count, type: t, rule: ri))
                flat.append(contentsOf: text)
                if names.count * 2 > slots.count {
                    // Grow: re-insert every name by its kept hash.
                    let old = zip(slots, slotHash).filter { $0.0 >= 0 }
                    slots = [Int32](repeating: -1, count: slots.count * 2)
                    slotHash = [UInt64](repeating: 0, count: slots.count)
                    mask = slots.count - 1
                    for (n, oh) in old {
                        var s = Int(truncatingIfNeeded: oh ^ (oh >> 29)) & mask
                        while slots[s] >= 0 { s = (s + 1) & mask }
                        slots[s] = n
                        slotHash[s] = oh
                    }
                }
            }
        }
        var table = NameTable()
        for n in carry?.names ?? [] { n.units.withUnsafeBufferPointer { table.insert($0, type: n.type, rule: n.rule) } }
        for ri in repeatRules {
            guard let t = type[ri] else { continue }
            let drop = ruleSet.rules[ri].shortDrop
            for k in units.indices {
                let u = units[k]
                for i in mentionsOfUnit[k].lazy.map(Int.init) where result.mentions[i].type == t && result.mentions[i].utf16Range.count >= 2 {
                    let r = result.mentions[i].utf16Range
                    let name = UnsafeBufferPointer(rebasing: u.text[(r.lowerBound - u.base)..<(r.upperBound - u.base)])
                    if let drop {
                        if let short = Extractor.shortName(name, drop: drop) { table.insert(UnsafeBufferPointer(rebasing: name[short]), type: t, rule: ri) }
                    } else {
                        table.insert(name, type: t, rule: ri)
                    }
                }
            }
        }
        var names = table.names
        let flat = table.flat
        if carry != nil {
            carry?.names = names.map { SectionCarry.Name(units: Array(flat[$0.start..<($0.start + $0.count)]), type: $0.type, rule: $0.rule) }
        }
        guard !names.isEmpty else { return false }
        flat.withUnsafeBufferPointer { f in
            names.sort {
                if $0.count != $1.count { return $0.count > $1.count }
                if $0.rule != $1.rule { return $0.rule < $1.rule }
                return f[$0.start..<($0.start + $0.count)].lexicographicallyPrecedes(f[$1.start..<($1.start + $1.count)])
            }
        }
        // Names by first unit: a sorted list of first units (binary search, no hashing),
        // each with its names in the order above (`members[groupStart[k]..<groupStart[k + 1]]`).
        // The first units' bit set is kept between documents and cleared word by word
        // afterwards: zeroing 8 KB per document cost more than the names it filters.
        var firsts: [UInt16] = []
        var firstBits: [UInt64] = []
        swap(&firstBits, &firstUnitBits)
        if firstBits.count != 1024 { firstBits = [UInt64](repeating: 0, count: 1024) }
        defer {
            for f in firsts { firstBits[Int(f) >> 6] = 0 }
            swap(&firstBits, &firstUnitBits)
        }
        let members = names.indices.sorted { a, b in
            let fa = flat[names[a].start], fb = flat[names[b].start]
            return fa != fb ? fa < fb : a < b
        }
        var groupStart: [Int] = []
        for (k, n) in members.enumerated() {
            let f = flat[names[n].start]
            if firsts.last != f { firsts.append(f); groupStart.append(k) }
            firstBits[Int(f) >> 6] |= 1 << UInt64(f & 63)
        }
        groupStart.append(members.count)
        var added = false
        // Per unit of a sentence: who holds it. 0 free, else 1 + the type's index; a
        // name of another type holds its units softly (鲁西 inside a recurring 鲁西化工).
        var owner: [UInt8] = []
        for (k, u) in units.enumerated() {
            guard u.text.contains(where: { firstBits[Int($0) >> 6] & (1 << UInt64($0 & 63)) != 0 }) else { continue }
            owner.removeAll(keepingCapacity: true)
            owner.append(contentsOf: repeatElement(0, count: u.text.count))
            for i in mentionsOfUnit[k] {
                // Fields read in place: copying the mention retained its strings.
                let code = result.mentions[Int(i)].type.code
                for x in result.mentions[Int(i)].utf16Range {
                    let j = x - u.base
                    if j >= 0 && j < owner.count { owner[j] = code }
                }
            }
            var i = 0
            scan: while i < u.text.count {
                let c = u.text[i]
                guard firstBits[Int(c) >> 6] & (1 << UInt64(c & 63)) != 0 else { i += 1; continue }
                var lo = 0, hi = firsts.count
                while lo < hi { let mid = (lo + hi) >> 1; if firsts[mid] < c { lo = mid + 1 } else { hi = mid } }
                if lo < firsts.count, firsts[lo] == c {
                    for n in members[groupStart[lo]..<groupStart[lo + 1]] {
                        let name = names[n]
                        let end = i + name.count
                        guard end <= u.text.count, u.text[i..<end].elementsEqual(flat[name.start..<(name.start + name.count)]) else { continue }
                        let mine = name.type.code
                        // Free, or held by a name of another type lying wholly inside.
                        var soft = false
                        var ok = true
                        var held = 0
                        for j in i..<end where owner[j] != 0 {
                            let h = owner[j]
                            let otherName = h != mine && MentionType.byCode[Int(h)].isName
                            if !otherName { ok = false; break }
                            soft = true
                            held += 1
                        }
                        // Names of another type covering all of it leave nothing to add: a
                        // second mention on the same span (长三角…研究院 built as a PROJECT
                        // and written again as an ORG) would name one thing twice.
                        if ok && held == end - i { ok = false }
                        if ok && soft {
                            // The shorter name must not stick out of this one.
                            if i > 0, owner[i - 1] != 0, owner[i - 1] == owner[i] { ok = false }
                            if end < owner.count, owner[end] != 0, owner[end] == owner[end - 1] { ok = false }
                        }
                        guard ok else { continue }
                        let range = (u.base + i)..<(u.base + end)
                        result.mentions.append(Mention(id: "", sid: u.sid, type: name.type, utf16Range: range, value: nil, rule: ruleID[name.rule], ruleIndex: name.rule))
                        result.captures.append([])
                        if trackSource { result.source.append(u.source) }
                        if soft { swallowed.append((u.sid, range)) }
                        for j in i..<end { owner[j] = mine }
                        added = true
                        i = end
                        continue scan
                    }
                }
                i += 1
            }
        }
        return added
    }

    /// The short name inside `name` (see `Rule.shortDrop`): without the longest words of
    /// `before` at its start, one after another, and of `after` at its end; nil unless a
    /// word of `after` ends the name and three units or more remain (two-character short
    /// names are too often plain words).
    static func shortName(_ name: UnsafeBufferPointer<UInt16>, drop: (before: Lexicon, after: Lexicon)) -> Range<Int>? {
        var hi = name.count
        var dropped = false
        while hi > 0 {
            let n = drop.after.longestEntry(name, endingAt: hi, lowerBound: 0)
            if n == 0 || hi - n < 3 { break }
            hi -= n
            dropped = true
        }
        guard dropped else { return nil }
        var lo = 0
        while lo < hi {
            var longest = 0
            drop.before.forEachMatch(name, at: lo, limit: hi) { end, _ in longest = max(longest, end - lo) }
            if longest == 0 || hi - (lo + longest) < 3 { break }
            lo += longest
        }
        guard hi - lo >= 3, (lo..<hi).allSatisfy({ TextUnits.isIdeograph(name[$0]) || RuleMatcher.isASCIIAlphanumeric(name[$0]) }) else { return nil }
        return lo..<hi
    }

    /// Mention indices grouped by sentence unit, in one flat array (a counting sort): an
    /// array per unit cost an allocation per sentence.
    struct MentionsByUnit {
        private var start: [Int32]
        private var order: [Int32]
        init(_ mentions: [Mention], unitOfSid: [Int32], units: Int) {
            var unitOf = [Int32](repeating: -1, count: mentions.count)
            start = [Int32](repeating: 0, count: units + 1)
            for i in mentions.indices {
                let sid = mentions[i].sid
                guard sid >= 0 && sid < unitOfSid.count, unitOfSid[sid] >= 0 else { continue }
                unitOf[i] = unitOfSid[sid]
                start[Int(unitOfSid[sid]) + 1] += 1
            }
            for k in 0..<units { start[k + 1] += start[k] }
            var next = Array(start.dropLast())
            order = [Int32](repeating: 0, count: Int(start[units]))
            for i in mentions.indices where unitOf[i] >= 0 {
                let k = Int(unitOf[i])
                order[Int(next[k])] = Int32(i)
                next[k] += 1
            }
        }
        /// The indices of unit k's mentions, in their order in the result.
        subscript(k: Int) -> ArraySlice<Int32> { order[Int(start[k])..<Int(start[k + 1])] }
    }

    /// Sentence id -> index in `units` (-1: none), as an array: sids are small numbers.
    static func unitIndex(_ units: [RepeatUnit]) -> [Int32] {
        let top = units.map(\.sid).max() ?? -1
        var index = [Int32](repeating: -1, count: max(0, top + 1))
        for (k, u) in units.enumerated() where u.sid >= 0 { index[u.sid] = Int32(k) }
        return index
    }

    /// Text order within each sentence, then ids m<sid>_<k> again.
    func renumber(_ unitOfSid: [Int32], _ result: inout Result, touched: Set<Int>) {
        func unitOf(_ sid: Int) -> Int { sid >= 0 && sid < unitOfSid.count ? Int(unitOfSid[sid]) : 0 }
        // Sort keys read once (comparing whole mentions copied their strings).
        struct Key { var unit: Int; var start: Int; var end: Int; var index: Int }
        let keys: [Key] = result.mentions.indices.map { i in
            Key(unit: unitOf(result.mentions[i].sid), start: result.mentions[i].utf16Range.lowerBound,
                end: result.mentions[i].utf16Range.upperBound, index: i)
        }
        let sorted = keys.sorted { a, b in
            if a.unit != b.unit { return a.unit < b.unit }
            if a.start != b.start { return a.start < b.start }
            if a.end != b.end { return a.end > b.end }
            return a.index < b.index
        }
        if !sorted.indices.allSatisfy({ sorted[$0].index == $0 }) {
            let order = sorted.map(\.index)
            result.mentions = order.map { result.mentions[$0] }
            result.captures = order.map { result.captures[$0] }
            if result.source.count == order.count { result.source = order.map { result.source[$0] } }
        }
        // New ids only in the sentences that changed.
        var k = 0
        var lastSid = Int.min
        for i in result.mentions.indices {
            let sid = result.mentions[i].sid
            if sid != lastSid { lastSid = sid; k = 0 }
            k += 1
            if touched.contains(sid) { result.mentions[i].id = Mention.id(sid: sid, k: k) }
        }
    }

    /// Keep the candidates that lost, with reasons (explain, rules test); off in runs,
    /// where formatting reasons would cost more than extracting.
    public var keepLosers: Bool

    /// Per rule, what the conflict policy and the mentions need: copying a whole `Rule`
    /// (strings, examples, patterns) per candidate cost more than deciding on it.
    private let priority: [Int]
    private let type: [MentionType?]
    private let ruleID: [String]
    private let constants: [[String: String]]

    public init(ruleSet: RuleSet, keepLosers: Bool = false) {
        self.ruleSet = ruleSet
        self.keepLosers = keepLosers
        matcher = RuleMatcher(ruleSet: ruleSet)
        priority = ruleSet.rules.map(\.priority)
        type = ruleSet.rules.map(\.type)
        ruleID = ruleSet.rules.map(\.qualifiedID)
        constants = ruleSet.rules.map(\.set)
        repeatRules = ruleSet.rules.indices.filter { ruleSet.rules[$0].repeats || ruleSet.rules[$0].shortDrop != nil }
        listRules = ruleSet.rules.indices.filter { ruleSet.rules[$0].listMembers }
        recordPieces = MentionRecordPieces(ruleIDs: ruleID)
    }

    /// The fixed parts of this rule set's mention records, escaped once.
    public let recordPieces: MentionRecordPieces

    /// Indices of the list rules (see `applyListRules`).
    private let listRules: [Int]

    /// The repeat pass's bit set of names' first units, all zero between documents.
    private var firstUnitBits: [UInt64] = []

    /// Indices of the repeat and short-name rules (see `applyRepeatRules`).
    private let repeatRules: [Int]

    /// Extracts mentions from every sentence of a document.
    public func extract(document doc: NormalizedDocument, sentences: [Sentence]) -> Result {
        var none: SectionCarry?
        return extract(document: doc, sentences: sentences, carry: &none)
    }

    /// A section of a long document (consecutive sentences): `carry` brings what the
    /// sections before it told and takes this one's on to the next.
    public func extract(document doc: NormalizedDocument, sentences: [Sentence], carry: inout SectionCarry?) -> Result {
        doc.text.withUnsafeBufferPointer { buf in
            matcher.begin(text: buf)
            var result = Result()
            for s in sentences {
                extract(buf, sentence: s, referenceDate: doc.date, into: &result)
            }
            if !repeatRules.isEmpty || !listRules.isEmpty {
                let units = sentences.map { RepeatUnit(text: UnsafeBufferPointer(rebasing: buf[$0.utf16Range]), base: $0.utf16Range.lowerBound, sid: $0.sid, source: 0) }
                applyDocumentRules(units, trackSource: false, &result, carry: &carry)
            }
            let told = resolveContextualDates(&result, told: carry?.told ?? ToldDates())
            if carry != nil { carry?.told = told }
            result.timeouts = matcher.timeouts
            return result
        }
    }

    /// Buffers reused from sentence to sentence (a sentence allocated four arrays).
    struct Scratch {
        var candidates: [Candidate] = []
        var owner: [Int32] = []
        var projectOwner: [Int32] = []
        var accepted: [Accepted] = []
    }
    private var scratch = Scratch()

    func extract(_ t: UnsafeBufferPointer<UInt16>, sentence s: Sentence, referenceDate: CalendarDate?, into result: inout Result) {
        var sc = Scratch()
        swap(&sc, &scratch)
        defer { swap(&sc, &scratch) }
        matcher.candidates(t, range: s.utf16Range, into: &sc.candidates)
        if sc.candidates.isEmpty { return }
        extract(t, sentence: s, referenceDate: referenceDate, &sc, into: &result)
    }

    private func extract(_ t: UnsafeBufferPointer<UInt16>, sentence s: Sentence, referenceDate: CalendarDate?, _ sc: inout Scratch, into result: inout Result) {
        let priority = self.priority
        // Policy order: longer, higher priority, earlier rule, earlier start.
        sc.candidates.sort { a, b in
            let la = a.range.count, lb = b.range.count
            if la != lb { return la > lb }
            let pa = priority[a.rule], pb = priority[b.rule]
            if pa != pb { return pa > pb }
            if a.rule != b.rule { return a.rule < b.rule }
            return a.range.lowerBound < b.range.lowerBound
        }
        sc.accepted.removeAll(keepingCapacity: true)
        // Which accepted candidate holds each unit of the sentence: overlap checks cost
        // the candidate's length, not the number accepted so far (a 1 MB sentence has
        // hundreds of thousands of mentions).
        let base = s.utf16Range.lowerBound
        sc.owner.removeAll(keepingCapacity: true)
        sc.owner.append(contentsOf: repeatElement(-1, count: s.utf16Range.count))
        // A PROJECT name holds its span against names only: values and products inside
        // it are mentions too (年产50万根车轴配件项目 holds 50万根 and 车轴配件), so
        // projects keep owners of their own.
        sc.projectOwner.removeAll(keepingCapacity: true)
        for c in sc.candidates {
            var holder: Int32 = -1
            let ctype = type[c.rule]
            if ctype == .project {
                for u in c.range {
                    let o = sc.owner[u - base]
                    if o >= 0, let ot = type[sc.accepted[Int(o)].candidate.rule], ot.isName { holder = o; break }
                    if !sc.projectOwner.isEmpty, sc.projectOwner[u - base] >= 0 { holder = sc.projectOwner[u - base]; break }
                }
            } else {
                for u in c.range where sc.owner[u - base] >= 0 { holder = sc.owner[u - base]; break }
                if holder < 0, ctype?.isName == true, !sc.projectOwner.isEmpty {
                    for u in c.range where sc.projectOwner[u - base] >= 0 { holder = sc.projectOwner[u - base]; break }
                }
            }
            if holder >= 0 {
                if !keepLosers { continue }
                let w = sc.accepted[Int(holder)]
                let why: String
                if w.candidate.range.count > c.range.count { why = "shorter than" }
                else if priority[w.candidate.rule] > priority[c.rule] { why = "lower priority than" }
                else { why = "same length and priority as, and after," }
                result.losers.append(Loser(candidate: c, reason: "\(why) \(ruleID[w.candidate.rule]) at \(w.candidate.range.lowerBound)-\(w.candidate.range.upperBound)"))
                continue
            }
            var value: MentionValue?
            var captures: [Capture] = []
            if keepLosers {
                // explain and rules test: every candidate's captures, resolved.
                captures = matcher.resolve(c, t)
                if let type = type[c.rule], type.hasValue {
                    guard let v = ValueBuilder.build(type: type, captures: captures, set: constants[c.rule], referenceDate: referenceDate) else {
                        result.losers.append(Loser(candidate: c, reason: "no value could be built from \(captures.map { "\($0.role)=\($0.text)" }.joined(separator: " "))"))
                        continue
                    }
                    value = v
                }
            } else if let type = type[c.rule], type.hasValue {
                // A run builds values from the raw captures in place; resolved captures
                // (strings and an array each) are kept only for the dates the document
                // passes read them for: 当月 (a "=" value) and a day after a list's date.
                var needed = false
                let v = matcher.withCaptures(c, t) { raw -> MentionValue? in
                    if type == .date { needed = Extractor.datePassesRead(raw) }
                    return ValueBuilder.build(type: type, source: raw, set: constants[c.rule], referenceDate: referenceDate)
                }
                guard let v else { continue }
                value = v
                if needed { captures = matcher.resolve(c, t) }
            }
            // A blocker (no type) holds its span without a value.
            if ctype == .project {
                if sc.projectOwner.isEmpty { sc.projectOwner.append(contentsOf: repeatElement(-1, count: s.utf16Range.count)) }
                for u in c.range { sc.projectOwner[u - base] = Int32(sc.accepted.count) }
            } else {
                for u in c.range { sc.owner[u - base] = Int32(sc.accepted.count) }
            }
            sc.accepted.append(Accepted(candidate: c, value: value, captures: captures))
        }
        sc.accepted.sort { $0.candidate.range.lowerBound < $1.candidate.range.lowerBound }
        inheritListDates(t, &sc.accepted)
        var k = 0
        for a in sc.accepted {
            let c = a.candidate, value = a.value
            guard let type = type[c.rule] else { continue }
            k += 1
            result.mentions.append(Mention(id: Mention.id(sid: s.sid, k: k), sid: s.sid, type: type, utf16Range: c.range, value: value,
                                           rule: ruleID[c.rule], ruleIndex: c.rule))
            result.captures.append(a.captures)
        }
    }

    /// Whether the document passes read a date's captures (`resolveContextualDates`: a
    /// "=" lexicon value; `inheritListDates`: a day without month or year).
    static func datePassesRead<S: CaptureSource>(_ caps: S) -> Bool {
        var day = false, other = false
        for i in 0..<caps.count {
            if caps.lexiconValue(i) == "=" { return true }
            switch caps.known(i) {
            case .day?: day = true
            case .month?, .year?, .year4?, .rel_year?, .rel_month?, .rel_day?: other = true
            default: break
            }
        }
        return day && !other
    }

    /// 当月, 当年 and 当天 resolve against the date last told in the document (SPEC.md),
    /// not the reference date: 3月17日 ... 当月 is 2020-03 whatever the page date. The
    /// last told date that has the day (month, year) is the one: see `ToldDates`.
    /// Returns the dates told by the end (what the next section's 当天 refers to).
    @discardableResult
    func resolveContextualDates(_ result: inout Result, told before: ToldDates = ToldDates()) -> ToldDates {
        var told = before
        for i in result.mentions.indices {
            guard case var .date(d)? = result.mentions[i].value else { continue }
            if let ci = result.captures[i].indices.first(where: { result.captures[i][$0].lexiconValue == "=" }) {
                let keep: Int
                switch result.captures[i][ci].known {
                case .rel_year?: keep = 4
                case .rel_month?: keep = 7
                default: keep = 10
                }
                if let p = told.last(keep) {
                    d.value = p + d.value.dropFirst(keep)
                    result.mentions[i].value = .date(d)
                }
            }
            told.tell(d.value)
        }
        return told
    }

    /// `3月18日、19日、20日` and `3月20日、21日`: a day-only date right after another date
    /// and a list separator takes that date's year and month.
    func inheritListDates(_ t: UnsafeBufferPointer<UInt16>, _ accepted: inout [Accepted]) {
        guard accepted.count > 1 else { return }
        for i in 1..<accepted.count {
            guard case let .date(d)? = accepted[i].value, case let .date(prev)? = accepted[i - 1].value else { continue }
            let caps = accepted[i].captures
            guard caps.indices.contains(where: { caps[$0].known == .day }),
                  !caps.indices.contains(where: { [.month, .year, .year4, .rel_year, .rel_month, .rel_day].contains(caps[$0].known) }) else { continue }
            let gap = accepted[i - 1].candidate.range.upperBound..<accepted[i].candidate.range.lowerBound
            guard gap.count <= 2, gap.allSatisfy({ [0x3001, 0x548C, 0x53CA, 0x2C].contains(t[$0]) }) else { continue }  // 、 和 及 ,
            let prefix = prev.value.prefix(8)  // YYYY-MM-
            guard prefix.count == 8, prefix.last == "-" else { continue }
            let dayPart = d.value.dropFirst(8)
            var v = d
            v.value = String(prefix) + dayPart
            accepted[i].value = .date(v)
        }
    }
}
