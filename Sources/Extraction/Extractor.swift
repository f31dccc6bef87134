import LianluCore

/// Stage 3: mentions from sentences, by the rule set.
///
/// Conflict policy (the same everywhere): among overlapping candidates the longer span
/// wins; at equal length the higher `priority`; then the rule that comes first in the
/// rule set (files in name order, rules in file order); then the earlier start. A
/// blocker (`type: NONE`) takes part like any rule and, when it wins, leaves its span
/// empty. Candidates without a value are dropped. The losers are kept, with the reason,
/// for `lianlu explain`.
public final class Extractor {
    public let ruleSet: RuleSet
    private let matcher: RuleMatcher

    /// A candidate the conflict policy kept (a struct, not a tuple: see RuleMatcher).
    struct Accepted {
        var candidate: Candidate
        var value: MentionValue?
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
            var units: [RepeatUnit] = []
            for (i, r) in records.enumerated() {
                r.document.text.withUnsafeBufferPointer { buf in
                    units.append(RepeatUnit(text: Array(buf[r.sentence.utf16Range]), base: r.sentence.utf16Range.lowerBound, sid: r.sentence.sid, source: i))
                }
            }
            applyListRules(units, trackSource: true, &result)
            applyRepeatRules(units, trackSource: true, &result)
        }
        resolveContextualDates(&result)
        return result
    }

    /// One sentence as the repeat pass sees it: its text, where that starts in its
    /// document, its sid and (for `extract(sentences:)`) which record it came from.
    struct RepeatUnit {
        var text: [UInt16]
        var base: Int
        var sid: Int
        var source: Int
    }

    /// List rules: in a run of items joined by 、 inside one clause, when two items or
    /// more are mentions of the rule's type, each other item (2 to 12 name characters, no
    /// mention in it) becomes one. The first item starts after a stop word (以中冶银河纸业),
    /// the last ends before 等, 和, 及 or the clause's end.
    func applyListRules(_ units: [RepeatUnit], trackSource: Bool, _ result: inout Result) {
        guard !listRules.isEmpty, !result.mentions.isEmpty else { return }
        var added = false
        var swallowed: [(Int, Range<Int>)] = []
        defer { if added { removeSwallowed(swallowed, &result); renumber(units, &result) } }
        var rangesBySid: [Int: [(Range<Int>, MentionType)]] = [:]
        for m in result.mentions { rangesBySid[m.sid, default: []].append((m.utf16Range, m.type)) }
        for ri in listRules {
            guard let t = type[ri] else { continue }
            for u in units {
                let mentions = rangesBySid[u.sid] ?? []
                guard mentions.contains(where: { $0.1 == t }) else { continue }
                u.text.withUnsafeBufferPointer { text in
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
                            if c == 0, let stops = listStops {
                                // The first item starts after the last stop word in it.
                                var k = b
                                while k > a { if stops.hasEntry(text, endingAt: k, lowerBound: a) { a = k; break }; k -= 1 }
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
                                result.mentions.append(Mention(id: "", sid: u.sid, type: t, utf16Range: r, value: nil, rule: ruleID[ri]))
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
        }
    }

    /// Drops name mentions that lie strictly inside a mention added by a list or repeat
    /// rule in the same sentence.
    func removeSwallowed(_ swallowed: [(Int, Range<Int>)], _ result: inout Result) {
        guard !swallowed.isEmpty else { return }
        let keep: [Bool] = result.mentions.map { m in
            !swallowed.contains { sid, r in
                m.sid == sid && m.utf16Range != r && m.utf16Range.lowerBound >= r.lowerBound && m.utf16Range.upperBound <= r.upperBound && m.type.isName
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
    func applyRepeatRules(_ units: [RepeatUnit], trackSource: Bool, _ result: inout Result) {
        guard !result.mentions.isEmpty else { return }
        var swallowed: [(Int, Range<Int>)] = []
        var bySid: [Int: Int] = [:]
        for (k, u) in units.enumerated() { bySid[u.sid] = k }
        var added = false
        for ri in repeatRules {
            guard let t = type[ri] else { continue }
            // Names of this type, longest first (李红英 before a shorter name inside it).
            var names: [[UInt16]] = []
            var seen = Set<[UInt16]>()
            for m in result.mentions where m.type == t && m.utf16Range.count >= 2 {
                let u = units[bySid[m.sid] ?? 0]
                let name = Array(u.text[(m.utf16Range.lowerBound - u.base)..<(m.utf16Range.upperBound - u.base)])
                if seen.insert(name).inserted { names.append(name) }
            }
            names.sort { $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1) }
            guard !names.isEmpty else { continue }
            // Names by first unit (longest first), and each sentence's mention ranges, so
            // the pass is linear in the text, not in names times sentences.
            var byFirst: [UInt16: [Int]] = [:]
            var firstBits = [UInt64](repeating: 0, count: 1024)
            for (n, name) in names.enumerated() {
                byFirst[name[0], default: []].append(n)
                firstBits[Int(name[0]) >> 6] |= 1 << UInt64(name[0] & 63)
            }
            var rangesBySid: [Int: [(Range<Int>, MentionType)]] = [:]
            for m in result.mentions { rangesBySid[m.sid, default: []].append((m.utf16Range, m.type)) }
            var held: [Bool] = [], soft: [Bool] = []
            for u in units {
                // Only sentences holding the first unit of some name need a look.
                guard u.text.contains(where: { firstBits[Int($0) >> 6] & (1 << UInt64($0 & 63)) != 0 }) else { continue }
                // Units held by mentions; a shorter name of another type may be swallowed
                // (鲁西 inside a recurring 鲁西化工), so it holds its units softly.
                held.removeAll(keepingCapacity: true); held.append(contentsOf: repeatElement(false, count: u.text.count))
                soft.removeAll(keepingCapacity: true); soft.append(contentsOf: repeatElement(false, count: u.text.count))
                for (r, mt) in rangesBySid[u.sid] ?? [] {
                    for x in r {
                        let j = x - u.base
                        guard j >= 0 && j < held.count else { continue }
                        if mt.isName && mt != t { soft[j] = true } else { held[j] = true }
                    }
                }
                var i = 0
                scan: while i < u.text.count {
                    let c = u.text[i]
                    if !held[i], firstBits[Int(c) >> 6] & (1 << UInt64(c & 63)) != 0, let list = byFirst[c] {
                        for n in list {
                            let name = names[n]
                            guard i + name.count <= u.text.count, u.text[i..<(i + name.count)].elementsEqual(name),
                                  !held[i..<(i + name.count)].contains(true),
                                  i == 0 || !soft[i] || !soft[i - 1], i + name.count >= u.text.count || !soft[i + name.count] || !soft[i + name.count - 1]
                            else { continue }
                            let range = (u.base + i)..<(u.base + i + name.count)
                            result.mentions.append(Mention(id: "", sid: u.sid, type: t, utf16Range: range, value: nil, rule: ruleID[ri]))
                            result.captures.append([])
                            if trackSource { result.source.append(u.source) }
                            if soft[i..<(i + name.count)].contains(true) { swallowed.append((u.sid, range)) }
                            for j in i..<(i + name.count) { held[j] = true }
                            added = true
                            i += name.count
                            continue scan
                        }
                    }
                    i += 1
                }
            }
        }
        if added {
            removeSwallowed(swallowed, &result)
            renumber(units, &result)
        }
    }

    /// Text order within each sentence, then ids m<sid>_<k> again.
    func renumber(_ units: [RepeatUnit], _ result: inout Result) {
        var bySid: [Int: Int] = [:]
        for (k, u) in units.enumerated() { bySid[u.sid] = k }
        let order = result.mentions.indices.sorted { a, b in
            let x = result.mentions[a], y = result.mentions[b]
            if x.sid != y.sid { return (bySid[x.sid] ?? 0) < (bySid[y.sid] ?? 0) }
            if x.utf16Range.lowerBound != y.utf16Range.lowerBound { return x.utf16Range.lowerBound < y.utf16Range.lowerBound }
            return x.utf16Range.upperBound > y.utf16Range.upperBound
        }
        result.mentions = order.map { result.mentions[$0] }
        result.captures = order.map { result.captures[$0] }
        if result.source.count == order.count { result.source = order.map { result.source[$0] } }
        var k = 0
        var lastSid = Int.min
        for i in result.mentions.indices {
            if result.mentions[i].sid != lastSid { lastSid = result.mentions[i].sid; k = 0 }
            k += 1
            result.mentions[i].id = Mention.id(sid: lastSid, k: k)
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
        repeatRules = ruleSet.rules.indices.filter { ruleSet.rules[$0].repeats }
        listRules = ruleSet.rules.indices.filter { ruleSet.rules[$0].listMembers }
        listStops = ruleSet.lexicons["name_stop"]
    }

    /// Indices of the list rules (see `applyListRules`).
    private let listRules: [Int]
    /// Where a list's first item starts (after 以, 对, 到 ...): the `name_stop` lexicon.
    private let listStops: Lexicon?

    /// Indices of the repeat rules (see `applyRepeatRules`).
    private let repeatRules: [Int]

    /// Extracts mentions from every sentence of a document.
    public func extract(document doc: NormalizedDocument, sentences: [Sentence]) -> Result {
        doc.text.withUnsafeBufferPointer { buf in
            matcher.begin(text: buf)
            var result = Result()
            for s in sentences {
                extract(buf, sentence: s, referenceDate: doc.date, into: &result)
            }
            if !repeatRules.isEmpty || !listRules.isEmpty {
                let units = sentences.map { RepeatUnit(text: Array(buf[$0.utf16Range]), base: $0.utf16Range.lowerBound, sid: $0.sid, source: 0) }
                applyListRules(units, trackSource: false, &result)
                applyRepeatRules(units, trackSource: false, &result)
            }
            resolveContextualDates(&result)
            result.timeouts = matcher.timeouts
            return result
        }
    }

    func extract(_ t: UnsafeBufferPointer<UInt16>, sentence s: Sentence, referenceDate: CalendarDate?, into result: inout Result) {
        var cands = matcher.candidates(t, range: s.utf16Range)
        if cands.isEmpty { return }
        let priority = self.priority
        // Policy order: longer, higher priority, earlier rule, earlier start.
        cands.sort { a, b in
            let la = a.range.count, lb = b.range.count
            if la != lb { return la > lb }
            let pa = priority[a.rule], pb = priority[b.rule]
            if pa != pb { return pa > pb }
            if a.rule != b.rule { return a.rule < b.rule }
            return a.range.lowerBound < b.range.lowerBound
        }
        var accepted: [Accepted] = []
        // Which accepted candidate holds each unit of the sentence: overlap checks cost
        // the candidate's length, not the number accepted so far (a 1 MB sentence has
        // hundreds of thousands of mentions).
        let base = s.utf16Range.lowerBound
        var owner = [Int32](repeating: -1, count: s.utf16Range.count)
        // A PROJECT name holds its span against names only: values and products inside
        // it are mentions too (年产50万根车轴配件项目 holds 50万根 and 车轴配件), so
        // projects keep owners of their own.
        var projectOwner: [Int32] = []
        for var c in cands {
            var holder: Int32 = -1
            let ctype = type[c.rule]
            if ctype == .project {
                for u in c.range {
                    let o = owner[u - base]
                    if o >= 0, let ot = type[accepted[Int(o)].candidate.rule], ot.isName { holder = o; break }
                    if !projectOwner.isEmpty, projectOwner[u - base] >= 0 { holder = projectOwner[u - base]; break }
                }
            } else {
                for u in c.range where owner[u - base] >= 0 { holder = owner[u - base]; break }
                if holder < 0, ctype?.isName == true, !projectOwner.isEmpty {
                    for u in c.range where projectOwner[u - base] >= 0 { holder = projectOwner[u - base]; break }
                }
            }
            if holder >= 0 {
                if !keepLosers { continue }
                let w = accepted[Int(holder)]
                let why: String
                if w.candidate.range.count > c.range.count { why = "shorter than" }
                else if priority[w.candidate.rule] > priority[c.rule] { why = "lower priority than" }
                else { why = "same length and priority as, and after," }
                result.losers.append(Loser(candidate: c, reason: "\(why) \(ruleID[w.candidate.rule]) at \(w.candidate.range.lowerBound)-\(w.candidate.range.upperBound)"))
                continue
            }
            var value: MentionValue?
            c.captures = matcher.resolve(c, t)
            if let type = type[c.rule], type.hasValue {
                guard let v = ValueBuilder.build(type: type, captures: c.captures, set: constants[c.rule], referenceDate: referenceDate) else {
                    if keepLosers { result.losers.append(Loser(candidate: c, reason: "no value could be built from \(c.captures.map { "\($0.role)=\($0.text)" }.joined(separator: " "))")) }
                    continue
                }
                value = v
            }
            // A blocker (no type) holds its span without a value.
            if ctype == .project {
                if projectOwner.isEmpty { projectOwner = [Int32](repeating: -1, count: s.utf16Range.count) }
                for u in c.range { projectOwner[u - base] = Int32(accepted.count) }
            } else {
                for u in c.range { owner[u - base] = Int32(accepted.count) }
            }
            accepted.append(Accepted(candidate: c, value: value))
        }
        accepted.sort { $0.candidate.range.lowerBound < $1.candidate.range.lowerBound }
        inheritListDates(t, &accepted)
        var k = 0
        for a in accepted {
            let c = a.candidate, value = a.value
            guard let type = type[c.rule] else { continue }
            k += 1
            result.mentions.append(Mention(id: Mention.id(sid: s.sid, k: k), sid: s.sid, type: type, utf16Range: c.range, value: value,
                                           rule: ruleID[c.rule]))
            result.captures.append(c.captures)
        }
    }

    /// 当月, 当年 and 当天 resolve against the date last told in the document (SPEC.md),
    /// not the reference date: 3月17日 ... 当月 is 2020-03 whatever the page date.
    func resolveContextualDates(_ result: inout Result) {
        var last: String?
        for i in result.mentions.indices {
            guard case var .date(d)? = result.mentions[i].value else { continue }
            if let ci = result.captures[i].indices.first(where: { result.captures[i][$0].lexiconValue == "=" }), let prev = last {
                let keep: Int
                switch result.captures[i][ci].known {
                case .rel_year?: keep = 4
                case .rel_month?: keep = 7
                default: keep = 10
                }
                let p = String(prev.prefix(keep))
                if p.count == keep {
                    d.value = p + d.value.dropFirst(keep)
                    result.mentions[i].value = .date(d)
                }
            }
            last = d.value
        }
    }

    /// `3月18日、19日、20日` and `3月20日、21日`: a day-only date right after another date
    /// and a list separator takes that date's year and month.
    func inheritListDates(_ t: UnsafeBufferPointer<UInt16>, _ accepted: inout [Accepted]) {
        guard accepted.count > 1 else { return }
        for i in 1..<accepted.count {
            guard case let .date(d)? = accepted[i].value, case let .date(prev)? = accepted[i - 1].value else { continue }
            let caps = accepted[i].candidate.captures
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
