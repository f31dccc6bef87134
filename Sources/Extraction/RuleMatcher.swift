import LianluCore

/// What one pattern element matched: its role, span, and what it means.
public struct Capture: Sendable {
    public var role: String
    public var range: Range<Int>
    public var text: String
    /// The value of a `{number}`.
    public var number: Double?
    /// The value column of a lexicon entry (`美元` -> `USD`).
    public var lexiconValue: String?
}

/// A rule's match before the conflict policy picks among overlapping ones.
public struct Candidate: Sendable {
    public var rule: Int
    public var range: Range<Int>
    public var captures: [Capture]
}

/// Finds every rule's matches in a text. One per worker thread: it owns clones of the
/// rule set's compiled regexes (ICU regexes are not thread-safe).
///
/// For each position whose UTF-16 unit can start some rule (`RuleSet.rulesByTrigger`),
/// each such rule's elements are matched in turn, anchored: the built-in number scanner,
/// lexicon tries, literals, and ICU regexes with `lookingAt` on a region. Optional
/// elements and several lexicon entries of different lengths give alternatives; the
/// longest complete match of a rule at a position is its candidate there.
public final class RuleMatcher {
    public let ruleSet: RuleSet
    private let regexes: [ICURegex]
    private let compiled: [CompiledRule]
    /// Work budget per rule and start position (alternatives explored).
    static let stepBudget = 512
    /// Regex time-outs in the current document: rule id -> count (warned by the caller).
    public private(set) var timeouts: [String: Int] = [:]
    private var scratch = Walk()

    /// The state of one walk, passed `inout` through the recursion: a struct on the
    /// stack, so Swift checks exclusive access at compile time, not at run time (the
    /// run-time checks on class properties were a fifth of the matcher's time).
    struct Walk {
        var captures: [Capture] = []
        var best: [(end: Int, captures: [Capture])] = []
        var steps = 0
        var start = 0
        var limit = 0
        var rule = 0
        var numberMemo: [Int: (end: Int, value: Double)] = [:]
        var noNumber = Set<Int>()
        var regexMemo: [Int: Int] = [:]
        var timeouts: [String: Int] = [:]
    }

    public init(ruleSet: RuleSet) {
        self.ruleSet = ruleSet
        regexes = ruleSet.regexes.map { $0.clone() }
        compiled = ruleSet.compiled
    }

    /// Points the regexes at a document's text; call before `candidates` for that text.
    public func begin(text: UnsafeBufferPointer<UInt16>) {
        for r in regexes { r.setText(text) }
        timeouts.removeAll()
    }

    /// Candidates of every rule in `range` of `text` (a sentence).
    public func candidates(_ t: UnsafeBufferPointer<UInt16>, range: Range<Int>) -> [Candidate] {
        var w = scratch
        scratch = Walk()
        w.numberMemo.removeAll(keepingCapacity: true)
        w.noNumber.removeAll(keepingCapacity: true)
        w.regexMemo.removeAll(keepingCapacity: true)
        w.timeouts.removeAll()
        w.limit = range.upperBound
        var out: [Candidate] = []
        ruleSet.rulesByTrigger.withUnsafeBufferPointer { byTrigger in
            for p in range {
                let list = byTrigger[Int(t[p])]
                if list.isEmpty { continue }
                for ri in list {
                    w.rule = ri
                    w.start = p
                    w.best.removeAll(keepingCapacity: true)
                    w.captures.removeAll(keepingCapacity: true)
                    w.steps = 0
                    match(&w, compiled[ri].elements, t, 0, p)
                    // Every distinct end is a candidate: when the longest loses a conflict,
                    // a shorter reading of the same rule may still win.
                    w.best.sort { $0.end > $1.end }
                    for b in w.best {
                        var caps = b.captures
                        for k in caps.indices { caps[k].text = String(decoding: t[caps[k].range], as: UTF16.self) }
                        out.append(Candidate(rule: ri, range: p..<b.end, captures: caps))
                    }
                }
            }
        }
        for (k, v) in w.timeouts { timeouts[k, default: 0] += v }
        scratch = w
        return out
    }

    private func record(_ w: inout Walk, _ pos: Int) {
        // Per end, the reading with fewer elements (800千瓦 is 800 and the unit 千瓦, not
        // 800, the multiplier 千 and the unit 瓦).
        guard pos > w.start else { return }
        for i in w.best.indices where w.best[i].end == pos {
            if w.captures.count < w.best[i].captures.count { w.best[i].captures = w.captures }
            return
        }
        w.best.append((pos, w.captures))
    }

    private func match(_ w: inout Walk, _ elements: [PatternElement], _ t: UnsafeBufferPointer<UInt16>, _ k: Int, _ pos: Int) {
        w.steps += 1
        if w.steps > RuleMatcher.stepBudget { return }
        if k == elements.count { record(&w, pos); return }
        let el = elements[k]
        let limit = w.limit
        switch el.kind {
        case let .notInsideWord(lex):
            if straddles(lex, t, pos) { return }
            match(&w, elements, t, k + 1, pos)
            return
        case .notFollowedByNumber:
            if pos < limit, number(&w, t, pos) != nil { return }
            match(&w, elements, t, k + 1, pos)
            return
        case let .notFollowedBy(i):
            if pos < limit, regexEnd(&w, i, pos) > pos { return }
            match(&w, elements, t, k + 1, pos)
            return
        case .number:
            if let r = number(&w, t, pos) {
                w.captures.append(Capture(role: el.role, range: pos..<r.end, text: "", number: r.value, lexiconValue: nil))
                match(&w, elements, t, k + 1, r.end)
                w.captures.removeLast()
            }
        case let .literal(u):
            if pos + u.count <= limit {
                var ok = true
                for (i, x) in u.enumerated() where t[pos + i] != x { ok = false; break }
                if ok {
                    w.captures.append(Capture(role: el.role, range: pos..<(pos + u.count), text: "", number: nil, lexiconValue: nil))
                    match(&w, elements, t, k + 1, pos + u.count)
                    w.captures.removeLast()
                }
            }
        case let .lexicon(lex):
            // Longest entries first; a stack buffer holds the (few) matches.
            withUnsafeTemporaryAllocation(of: (Int, Int).self, capacity: 16) { buf in
                var n = 0
                lex.forEachMatch(t, at: pos, limit: limit) { end, entry in
                    if n < 16 { buf[n] = (end, entry) } else { buf[15] = (end, entry) }
                    n = min(n + 1, 16)
                }
                var j = n - 1
                while j >= 0 {
                    let (end, entry) = buf[j]
                    w.captures.append(Capture(role: el.role, range: pos..<end, text: "", number: nil, lexiconValue: lex.entries[entry].value))
                    match(&w, elements, t, k + 1, end)
                    w.captures.removeLast()
                    j -= 1
                }
            }
        case let .regex(i):
            let end = regexEnd(&w, i, pos)
            if end > pos {
                let s = String(decoding: t[pos..<end], as: UTF16.self)
                w.captures.append(Capture(role: el.role, range: pos..<end, text: "", number: ChineseNumber.parse(s) ?? Double(s), lexiconValue: nil))
                match(&w, elements, t, k + 1, end)
                w.captures.removeLast()
            }
        }
        if el.optional { match(&w, elements, t, k + 1, pos) }
    }

    private func number(_ w: inout Walk, _ t: UnsafeBufferPointer<UInt16>, _ pos: Int) -> (end: Int, value: Double)? {
        // Most positions hold no number: check the first unit before touching the memo.
        let u = t[pos]
        guard NumberScanner.isDigit(u) || ChineseNumber.isNumeralUnit(u) else { return nil }
        if let m = w.numberMemo[pos] { return m }
        if w.noNumber.contains(pos) { return nil }
        if let r = NumberScanner.scan(t, at: pos, limit: w.limit) {
            w.numberMemo[pos] = r
            return r
        }
        w.noNumber.insert(pos)
        return nil
    }

    private func regexEnd(_ w: inout Walk, _ i: Int, _ pos: Int) -> Int {
        guard pos < w.limit else { return -1 }
        let key = i << 40 | pos
        if let e = w.regexMemo[key] { return e }
        var end = -1
        switch regexes[i].lookingAt(pos, limit: w.limit) {
        case let .end(e): end = e
        case .none: end = -1
        case .timedOut: w.timeouts[compiled[w.rule].qualifiedID, default: 0] += 1
        }
        w.regexMemo[key] = end
        return end
    }

    /// Whether a lexicon word starts before `pos` and ends after it.
    private func straddles(_ lex: Lexicon, _ t: UnsafeBufferPointer<UInt16>, _ pos: Int) -> Bool {
        let maxBack = min(pos, lex.maxLength - 1)
        guard maxBack >= 1 else { return false }
        var found = false
        for back in 1...maxBack {
            lex.forEachMatch(t, at: pos - back, limit: min(t.count, pos - back + lex.maxLength)) { end, _ in
                if end > pos { found = true }
            }
            if found { return true }
        }
        return false
    }
}
