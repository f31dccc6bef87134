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

/// What an element matched, as the matcher records it: plain data, resolved into a
/// `Capture` only for candidates that the conflict policy keeps.
public struct RawCapture: Sendable {
    var element: Int32
    var start: Int32
    var end: Int32
    /// The number's value (`{number}`); NaN when none.
    var number: Double
    /// The lexicon entry; -1 when none.
    var entry: Int32
}

/// A rule's match before the conflict policy picks among overlapping ones.
public struct Candidate: Sendable {
    public var rule: Int
    public var range: Range<Int>
    public var raw: [RawCapture]
    /// Filled by `RuleMatcher.resolve` for candidates that are looked at closely.
    public var captures: [Capture] = []
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

    // Named structs, not tuples: generic code over tuple types looks their metadata up
    // at run time under a process-wide lock, which made a second thread nearly useless.
    struct BestParse { var end: Int; var captures: [RawCapture] }
    struct NumberHit { var end: Int; var value: Double }
    struct LexMatch { var end: Int; var entry: Int }

    /// The state of one walk, passed `inout` through the recursion: a struct on the
    /// stack, so Swift checks exclusive access at compile time, not at run time (the
    /// run-time checks on class properties were a fifth of the matcher's time).
    struct Walk {
        var captures: [RawCapture] = []
        var best: [BestParse] = []
        var steps = 0
        var start = 0
        var limit = 0
        var rule = 0
        var numberMemo: [Int: NumberHit] = [:]
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
        let lexicons = ruleSet.lexiconList, literals = ruleSet.literalList
        ruleSet.rulesByTrigger.withUnsafeBufferPointer { byTrigger in
            for p in range {
                let list = byTrigger[Int(t[p])]
                if list.isEmpty { continue }
                rules: for ri in list {
                    let rule = compiled[ri]
                    if let bits = rule.anchorBits {
                        var found = false
                        var q = p
                        let end = min(w.limit, p + rule.anchorWindow + 1)
                        while q < end {
                            let u = t[q]
                            if bits[Int(u) >> 6] & (1 << (UInt64(u) & 63)) != 0 { found = true; break }
                            q += 1
                        }
                        if !found { continue rules }
                    }
                    w.rule = ri
                    w.start = p
                    w.best.removeAll(keepingCapacity: true)
                    w.captures.removeAll(keepingCapacity: true)
                    w.steps = 0
                    compiled[ri].fast.withUnsafeBufferPointer { elements in
                        match(&w, elements, lexicons, literals, t, 0, p)
                    }
                    // Every distinct end is a candidate: when the longest loses a conflict,
                    // a shorter reading of the same rule may still win.
                    if w.best.count > 1 { w.best.sort { $0.end > $1.end } }
                    for b in w.best {
                        out.append(Candidate(rule: ri, range: p..<b.end, raw: b.captures))
                    }
                }
            }
        }
        for (k, v) in w.timeouts { timeouts[k, default: 0] += v }
        scratch = w
        return out
    }

    /// The captures of a candidate with roles, texts and lexicon values.
    public func resolve(_ c: Candidate, _ t: UnsafeBufferPointer<UInt16>) -> [Capture] {
        let rule = compiled[c.rule]
        return c.raw.map { r in
            let el = rule.elements[Int(r.element)]
            let range = Int(r.start)..<Int(r.end)
            var value: String?
            if r.entry >= 0, case let .lexicon(lex) = el.kind { value = lex.entries[Int(r.entry)].value }
            let text = TextUnits.string(t, range)
            var number: Double? = r.number.isNaN ? nil : r.number
            if number == nil, case .regex = el.kind { number = ChineseNumber.parse(text) ?? Double(text) }
            return Capture(role: el.role, range: range, text: text, number: number, lexiconValue: value)
        }
    }

    private func record(_ w: inout Walk, _ pos: Int) {
        // Per end, the reading with fewer elements (800千瓦 is 800 and the unit 千瓦, not
        // 800, the multiplier 千 and the unit 瓦).
        guard pos > w.start else { return }
        for i in w.best.indices where w.best[i].end == pos {
            if w.captures.count < w.best[i].captures.count { w.best[i].captures = w.captures }
            return
        }
        w.best.append(BestParse(end: pos, captures: w.captures))
    }

    private func match(_ w: inout Walk, _ elements: UnsafeBufferPointer<FastElement>, _ lexicons: [Lexicon], _ literals: [[UInt16]],
                       _ t: UnsafeBufferPointer<UInt16>, _ k: Int, _ pos: Int) {
        w.steps += 1
        if w.steps > RuleMatcher.stepBudget { return }
        if k == elements.count { record(&w, pos); return }
        let el = elements[k]
        let limit = w.limit
        let ek = Int32(k)
        switch el.kind {
        case .notInsideWord:
            if straddles(lexicons[Int(el.payload)], t, pos) { return }
            match(&w, elements, lexicons, literals, t, k + 1, pos)
            return
        case .notFollowedByNumber:
            if pos < limit, number(&w, t, pos) != nil { return }
            match(&w, elements, lexicons, literals, t, k + 1, pos)
            return
        case .notFollowedBy:
            if pos < limit, regexEnd(&w, Int(el.payload), pos) > pos { return }
            match(&w, elements, lexicons, literals, t, k + 1, pos)
            return
        case .number:
            if let r = number(&w, t, pos) {
                w.captures.append(RawCapture(element: ek, start: Int32(pos), end: Int32(r.end), number: r.value, entry: -1))
                match(&w, elements, lexicons, literals, t, k + 1, r.end)
                w.captures.removeLast()
            }
        case .literal:
            let ok: Bool = literals[Int(el.payload)].withUnsafeBufferPointer { u in
                guard pos + u.count <= limit else { return false }
                for i in 0..<u.count where t[pos + i] != u[i] { return false }
                return true
            }
            if ok {
                let end = pos + literals[Int(el.payload)].count
                w.captures.append(RawCapture(element: ek, start: Int32(pos), end: Int32(end), number: .nan, entry: -1))
                match(&w, elements, lexicons, literals, t, k + 1, end)
                w.captures.removeLast()
            }
        case .lexicon:
            let lex = lexicons[Int(el.payload)]
            // Longest entries first; a stack buffer holds the (few) matches.
            withUnsafeTemporaryAllocation(of: LexMatch.self, capacity: 16) { buf in
                var n = 0
                lex.forEachMatch(t, at: pos, limit: limit) { end, entry in
                    if n < 16 { buf[n] = LexMatch(end: end, entry: entry) } else { buf[15] = LexMatch(end: end, entry: entry) }
                    n = min(n + 1, 16)
                }
                var j = n - 1
                while j >= 0 {
                    let end = buf[j].end, entry = buf[j].entry
                    w.captures.append(RawCapture(element: ek, start: Int32(pos), end: Int32(end), number: .nan, entry: Int32(entry)))
                    match(&w, elements, lexicons, literals, t, k + 1, end)
                    w.captures.removeLast()
                    j -= 1
                }
            }
        case .regex:
            let end = regexEnd(&w, Int(el.payload), pos)
            if end > pos {
                w.captures.append(RawCapture(element: ek, start: Int32(pos), end: Int32(end), number: .nan, entry: -1))
                match(&w, elements, lexicons, literals, t, k + 1, end)
                w.captures.removeLast()
            }
        }
        if el.optional { match(&w, elements, lexicons, literals, t, k + 1, pos) }
    }

    private func number(_ w: inout Walk, _ t: UnsafeBufferPointer<UInt16>, _ pos: Int) -> NumberHit? {
        // Most positions hold no number: check the first unit before touching the memo.
        let u = t[pos]
        guard NumberScanner.isDigit(u) || ChineseNumber.isNumeralUnit(u) else { return nil }
        if let m = w.numberMemo[pos] { return m }
        if w.noNumber.contains(pos) { return nil }
        if let r = NumberScanner.scan(t, at: pos, limit: w.limit) {
            let hit = NumberHit(end: r.end, value: r.value)
            w.numberMemo[pos] = hit
            return hit
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
