import LianluCore

/// The roles the value builder reads. An element's role is looked up once, when the
/// rule is compiled (`PatternElement.known`): comparing role strings per mention cost
/// more than building the value.
/// At most 64 cases: `ValueBuilder.Roles` keeps the roles a mention holds as bits.
public enum CaptureRole: Int, CaseIterable, Sendable {
    case number, max, multiplier, multiplier_max, currency, currency_prefix, unit, unit_rest
    case year, year4, year_cn, month, day, rel_year, rel_month, rel_day, part, mod, bound, quarter, half
    case month2, day2, year2, rel_year2, quarter2

    static let names: [String] = allCases.map { String(describing: $0) }
    static let byName: [String: CaptureRole] = Dictionary(uniqueKeysWithValues: allCases.map { (String(describing: $0), $0) })
    public var name: String { CaptureRole.names[rawValue] }
    public init?(name: String) {
        guard let r = CaptureRole.byName[name] else { return nil }
        self = r
    }
}

/// Role families the value builder reads by prefix: `approx*`, `multiplier*`, `unit*`.
public struct RoleFamily: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let approx = RoleFamily(rawValue: 1)
    public static let multiplier = RoleFamily(rawValue: 2)
    public static let unit = RoleFamily(rawValue: 4)
    init(role: String) {
        var f: RoleFamily = []
        if role.hasPrefix("approx") { f.insert(.approx) }
        if role.hasPrefix("multiplier") { f.insert(.multiplier) }
        if role.hasPrefix("unit") { f.insert(.unit) }
        self = f
    }
}

/// What one pattern element matched: its role, span, and what it means.
public struct Capture: Sendable {
    public var role: String
    /// `role` when the value builder knows it.
    public var known: CaptureRole?
    /// `role`'s family (see `RoleFamily`).
    public var family: RoleFamily = []
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
    // The Double first: in declaration order the struct took 32 bytes (padding before
    // and after it), in this order 24. A sentence's pool of captures is the matcher's
    // biggest buffer (21 MB for the bench's 1 MB paragraph).
    /// The number's value (`{number}`); NaN when none.
    var number: Double
    var element: Int32
    var start: Int32
    var end: Int32
    /// The lexicon entry; -1 when none.
    var entry: Int32

    init(element: Int32, start: Int32, end: Int32, number: Double, entry: Int32) {
        self.number = number
        self.element = element
        self.start = start
        self.end = end
        self.entry = entry
    }
}

/// A rule's match before the conflict policy picks among overlapping ones.
public struct Candidate: Sendable {
    public var rule: Int
    public var range: Range<Int>
    /// Its captures: `RuleMatcher`'s pool for the sentence, from `rawStart`. Kept in one
    /// pool per sentence, not an array per candidate: allocating those was a tenth of
    /// the matcher's time.
    var rawStart: Int32
    var rawCount: Int32
}

/// The rule set's matching data in flat buffers allocated once per matcher: the hot
/// loops read them through `MatchTables.View`, a struct of raw pointers, so walking a
/// rule touches no reference counts and no array bounds checks (retain/release on the
/// rule objects and arrays was a tenth of the extraction stage).
final class MatchTables {
    struct View {
        var elements: UnsafeMutablePointer<FastElement>
        /// Per element (aligned with `elements`): its value role's code (-1: none the value
        /// builder knows) and role family, for building values from raw captures.
        var elementKnown: UnsafeMutablePointer<Int8>
        var elementFamily: UnsafeMutablePointer<UInt8>
        /// Rule r's elements: `elements[elementStart[r] ..< elementStart[r + 1]]`.
        var elementStart: UnsafeMutablePointer<Int32>
        /// Per unit: its unit class (low 16 bits) and the index m of the rules it can
        /// start (high 16 bits), in one table so the pass over a sentence touches one
        /// cache line per unit. Those rules are a bit set over rules (`ruleWords` words)
        /// at `triggerMasks + m * ruleWords`; units share masks, and mask 0 is empty.
        var unitInfo: UnsafeMutablePointer<UInt32>
        var triggerMasks: UnsafeMutablePointer<UInt64>
        var ruleWords: Int
        /// The required unit sets of all rules, numbered 0..<n: per unit class, a bit set
        /// (`requiredWords` words) of the required sets that hold it; per rule, the bit set
        /// of its own. A sentence passes a rule when every bit of the rule's set is among
        /// those of its units.
        var classRequired: UnsafeMutablePointer<UInt64>
        var ruleRequired: UnsafeMutablePointer<UInt64>
        var requiredWords: Int
        /// Rule r's anchor (see `CompiledRule.anchorBits`): 1024 words at
        /// `anchorBits + anchorOffset[r]`, or none when the offset is -1.
        var anchorOffset: UnsafeMutablePointer<Int32>
        var anchorWindow: UnsafeMutablePointer<Int32>
        var anchorFrom: UnsafeMutablePointer<Int32>
        /// The anchor's lexicon (an index into `lexicons`), -1 when it is no lexicon.
        var anchorLexicon: UnsafeMutablePointer<Int32>
        var anchorBits: UnsafeMutablePointer<UInt64>
        var unitClass: UnsafeMutablePointer<UInt16>
        var unitSetBits: UnsafeMutablePointer<UInt64>
        var classWords: Int
        /// Literal i: `literalUnits[literalStart[i] ..< literalStart[i + 1]]`.
        var literalStart: UnsafeMutablePointer<Int32>
        var literalUnits: UnsafeMutablePointer<UInt16>
        var lexicons: UnsafeMutablePointer<Unmanaged<Lexicon>>
        /// A pre-test for the lead trie, in the pass that lists start positions: units all
        /// of whose rules are led by a lexicon (`leadOnly`) start nothing unless a lead
        /// entry is that unit alone (`leadAlone`) or begins with it and the next unit
        /// (`leadPairs`, a hashed bit set of first-two-unit pairs; a false hit only costs
        /// the walk). Half of all start positions went no further than the walk.
        var leadOnly: UnsafeMutablePointer<UInt64>
        var leadAlone: UnsafeMutablePointer<UInt64>
        var leadPairs: UnsafeMutablePointer<UInt64>
        /// Per node of the lead trie (`MatchTables.leadTrie`), the lead lexicons (a bit
        /// each) with an entry ending there. `leadRules + L * ruleWords` are the rules led
        /// by lexicon L; `otherRules` those led by anything else. A rule led by a lexicon
        /// is tried only where one of that lexicon's entries matches.
        var leadHits: UnsafeMutablePointer<UInt64>
        var leadRules: UnsafeMutablePointer<UInt64>
        var otherRules: UnsafeMutablePointer<UInt64>
        /// `{stem}` / `{span}` settings (`FastElement.payload` indexes them).
        var nameRuns: UnsafeMutablePointer<RuleSet.NameRun>
        /// The lead test for all rules at once, as bit sets over rules (`ruleWords` words
        /// each). Row c of `leadForced` (c a unit class): the rules whose lead must match
        /// at a position starting with a unit of class c. Row c of `leadFollowOK`: the
        /// rules whose lead may be followed by a unit of class c (row `classCount`: by the
        /// end of the sentence). Group g (`leadGroupKind/Regex`): one lead, number or a
        /// regex, that several rules share, computed once per position.
        var leadForced: UnsafeMutablePointer<UInt64>
        var leadFollowOK: UnsafeMutablePointer<UInt64>
        var classCount: Int
        var leadGroups: Int
        var leadGroupKind: UnsafeMutablePointer<UInt8>
        var leadGroupRegex: UnsafeMutablePointer<Int32>
        var leadGroupMask: UnsafeMutablePointer<UInt64>

        static let leadPairBits = 18
        @inline(__always)
        static func leadPair(_ a: UInt16, _ b: UInt16) -> Int {
            Int((UInt32(a) &* 0x9E37_79B1 ^ UInt32(b) &* 0x85EB_CA77) >> (32 - UInt32(leadPairBits)))
        }

        /// Whether unit `u` is in unit set `set`.
        @inline(__always)
        func inSet(_ set: Int32, _ u: UInt16) -> Bool {
            let c = Int(unitClass[Int(u)])
            return unitSetBits[Int(set) * classWords + c >> 6] & (1 << UInt64(c & 63)) != 0
        }
    }

    let view: View
    /// The entries of every lexicon that is some rule's first required element, walked
    /// once per position (see `View.leadHits`).
    let leadTrie: UnitTrie
    private let lexiconRefs: [Lexicon]
    /// Per rule, its `after:` lexicon (an index into `view.lexicons`, -1 for none); empty
    /// when no rule has one. Tested on the candidates a sentence gave, not in the walk:
    /// one more table in `View` kept `attempt` from being inlined (5% of the matcher).
    let afterLexicon: [Int32]
    /// Owns the memory behind `view`'s pointers.
    private let frozen = FrozenArrays()

    init(_ rs: RuleSet) {
        let frozen = self.frozen
        func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> { frozen.freeze(a) }
        var elements: [FastElement] = [], elementStart: [Int32] = [0]
        var elementKnown: [Int8] = [], elementFamily: [UInt8] = []
        // Number the required sets, then mark them per class and per rule.
        var requiredIndex: [Int32: Int] = [:]
        for r in rs.compiled { for set in r.required where requiredIndex[set] == nil { requiredIndex[set] = requiredIndex.count } }
        let requiredWords = max(1, (requiredIndex.count + 63) / 64)
        let classCount = rs.classWords * 64
        var classRequired = [UInt64](repeating: 0, count: classCount * requiredWords)
        for (set, i) in requiredIndex {
            for c in 1..<classCount where rs.unitSetBits[Int(set) * rs.classWords + c >> 6] & (1 << UInt64(c & 63)) != 0 {
                classRequired[c * requiredWords + i >> 6] |= 1 << UInt64(i & 63)
            }
        }
        var ruleRequired: [UInt64] = []
        var anchorOffset: [Int32] = [], anchorWindow: [Int32] = [], anchorFrom: [Int32] = [], anchorBits: [UInt64] = []
        var anchorLexicon: [Int32] = [], afterOf: [Int32] = []
        // Per rule, its lead (see `CompiledRule.leadIndex`): kind 0 none, 1 number, 2 a
        // regex (`leadRegex` its index), and its prefix and follow unit sets.
        var leadKind: [UInt8] = [], leadRegex: [Int32] = [], leadPrefix: [Int32] = [], leadFollow: [Int32] = []
        for r in rs.compiled {
            var kind: UInt8 = 0, regex: Int32 = -1
            if r.leadIndex >= 0 {
                switch r.fast[r.leadIndex].kind {
                case .number: kind = 1
                case .regex: kind = 2; regex = r.fast[r.leadIndex].payload
                default: break
                }
            }
            leadKind.append(kind); leadRegex.append(regex)
            leadPrefix.append(r.leadPrefix); leadFollow.append(r.leadFollow)
            elements += r.fast
            elementStart.append(Int32(elements.count))
            for e in r.elements { elementKnown.append(e.known.map { Int8($0.rawValue) } ?? -1); elementFamily.append(e.family.rawValue) }
            var mask = [UInt64](repeating: 0, count: requiredWords)
            for set in r.required { let i = requiredIndex[set]!; mask[i >> 6] |= 1 << UInt64(i & 63) }
            ruleRequired += mask
            if let bits = r.anchorBits {
                anchorOffset.append(Int32(anchorBits.count))
                anchorBits += bits
            } else {
                anchorOffset.append(-1)
            }
            anchorWindow.append(Int32(r.anchorWindow))
            anchorFrom.append(Int32(r.anchorFrom))
            anchorLexicon.append(r.anchorLexicon)
            afterOf.append(r.afterLexicon)
        }
        let ruleWords = max(1, (rs.compiled.count + 63) / 64)
        var triggerMask = [UInt16](repeating: 0, count: 65536)
        var triggerMasks = [UInt64](repeating: 0, count: ruleWords)
        var maskIndex: [[UInt64]: UInt16] = [Array(repeating: 0, count: ruleWords): 0]
        for u in 0..<65536 where !rs.rulesByTrigger[u].isEmpty {
            var mask = [UInt64](repeating: 0, count: ruleWords)
            for r in rs.rulesByTrigger[u] { mask[r >> 6] |= 1 << UInt64(r & 63) }
            if let i = maskIndex[mask] { triggerMask[u] = i; continue }
            let i = UInt16(maskIndex.count)
            maskIndex[mask] = i
            triggerMasks += mask
            triggerMask[u] = i
        }
        // Lead tests as bit sets over rules (see View.leadForced).
        func inSet(_ set: Int32, _ c: Int) -> Bool { rs.unitSetBits[Int(set) * rs.classWords + c >> 6] & (1 << UInt64(c & 63)) != 0 }
        var leadForced = [UInt64](repeating: 0, count: classCount * ruleWords)
        var leadFollowOK = [UInt64](repeating: 0, count: (classCount + 1) * ruleWords)
        var groupKey: [Int64: Int] = [:]
        var leadGroupKind: [UInt8] = [], leadGroupRegex: [Int32] = [], leadGroupMask: [UInt64] = []
        for ri in rs.compiled.indices where leadKind[ri] != 0 {
            let bit: UInt64 = 1 << UInt64(ri & 63), word = ri >> 6
            for c in 0..<classCount where leadPrefix[ri] < 0 || !inSet(leadPrefix[ri], c) { leadForced[c * ruleWords + word] |= bit }
            for c in 0...classCount where leadFollow[ri] < 0 || (c < classCount && inSet(leadFollow[ri], c)) {
                leadFollowOK[c * ruleWords + word] |= bit
            }
            let key = leadKind[ri] == 1 ? -1 : Int64(leadRegex[ri])
            let g: Int
            if let known = groupKey[key] { g = known } else {
                g = groupKey.count
                groupKey[key] = g
                leadGroupKind.append(leadKind[ri]); leadGroupRegex.append(leadRegex[ri])
                leadGroupMask += [UInt64](repeating: 0, count: ruleWords)
            }
            leadGroupMask[g * ruleWords + word] |= bit
        }
        // The lead-lexicon trie (see `leadTrie`): rules whose first element that
        // consumes text is a required lexicon (up to 64 such lexicons).
        var leadLexicons: [Lexicon] = []
        var leadOf = [Int](repeating: -1, count: rs.compiled.count)
        for (ri, r) in rs.compiled.enumerated() {
            guard let e = r.elements.first(where: { !$0.isZeroWidth }), !e.optional, case let .lexicon(l) = e.kind else { continue }
            if let k = leadLexicons.firstIndex(where: { $0 === l }) { leadOf[ri] = k; continue }
            guard leadLexicons.count < 64 else { continue }
            leadLexicons.append(l)
            leadOf[ri] = leadLexicons.count - 1
        }
        var words: [[UInt16]] = [], wordLexicon: [Int] = []
        for (k, l) in leadLexicons.enumerated() {
            for entry in l.entries { words.append(entry.text); wordLexicon.append(k) }
        }
        let leadTrie = UnitTrie(words)
        var hits = [UInt64](repeating: 0, count: leadTrie.nodeCount)
        for (w, node) in leadTrie.wordEnd.enumerated() where node > 0 { hits[Int(node)] |= 1 << UInt64(wordLexicon[w]) }
        self.leadTrie = leadTrie
        var leadOnly = [UInt64](repeating: 0, count: 1024), leadAlone = [UInt64](repeating: 0, count: 1024)
        var leadPairs = [UInt64](repeating: 0, count: (1 << View.leadPairBits) / 64)
        for u in 0..<65536 where !rs.rulesByTrigger[u].isEmpty && rs.rulesByTrigger[u].allSatisfy({ leadOf[$0] >= 0 }) {
            leadOnly[u >> 6] |= 1 << UInt64(u & 63)
        }
        for w in words where !w.isEmpty {
            if w.count == 1 { leadAlone[Int(w[0]) >> 6] |= 1 << UInt64(w[0] & 63); continue }
            let h = View.leadPair(w[0], w[1])
            leadPairs[h >> 6] |= 1 << UInt64(h & 63)
        }
        var leadRules = [UInt64](repeating: 0, count: max(1, leadLexicons.count) * ruleWords)
        var otherRules = [UInt64](repeating: 0, count: ruleWords)
        for ri in rs.compiled.indices {
            if leadOf[ri] >= 0 { leadRules[leadOf[ri] * ruleWords + ri >> 6] |= 1 << UInt64(ri & 63) }
            else { otherRules[ri >> 6] |= 1 << UInt64(ri & 63) }
        }
        var literalStart: [Int32] = [0], literalUnits: [UInt16] = []
        for l in rs.literalList {
            literalUnits += l
            literalStart.append(Int32(literalUnits.count))
        }
        lexiconRefs = rs.lexiconList
        afterLexicon = afterOf.contains { $0 >= 0 } ? afterOf : []
        view = View(elements: copy(elements), elementKnown: copy(elementKnown), elementFamily: copy(elementFamily), elementStart: copy(elementStart),
                    unitInfo: copy((0..<65536).map { UInt32(rs.unitClass[$0]) | UInt32(triggerMask[$0]) << 16 }),
                    triggerMasks: copy(triggerMasks), ruleWords: ruleWords,
                    classRequired: copy(classRequired), ruleRequired: copy(ruleRequired), requiredWords: requiredWords,
                    anchorOffset: copy(anchorOffset), anchorWindow: copy(anchorWindow), anchorFrom: copy(anchorFrom), anchorLexicon: copy(anchorLexicon), anchorBits: copy(anchorBits),
                    unitClass: copy(rs.unitClass), unitSetBits: copy(rs.unitSetBits), classWords: rs.classWords,
                    literalStart: copy(literalStart), literalUnits: copy(literalUnits),
                    lexicons: copy(rs.lexiconList.map { Unmanaged.passUnretained($0) }),
                    leadOnly: copy(leadOnly), leadAlone: copy(leadAlone), leadPairs: copy(leadPairs),
                    leadHits: copy(hits), leadRules: copy(leadRules), otherRules: copy(otherRules),
                    nameRuns: copy(rs.nameRuns),
                    leadForced: copy(leadForced), leadFollowOK: copy(leadFollowOK), classCount: classCount,
                    leadGroups: leadGroupKind.count, leadGroupKind: copy(leadGroupKind), leadGroupRegex: copy(leadGroupRegex),
                    leadGroupMask: copy(leadGroupMask))
    }
}

/// Finds every rule's matches in a text. One per worker thread: it owns clones of the
/// rule set's compiled regexes (ICU regexes are not thread-safe).
///
/// For each position whose UTF-16 unit can start some rule (`RuleSet.rulesByTrigger`),
/// each such rule's elements are matched in turn, anchored: the built-in number scanner,
/// lexicon tries, literals, and ICU regexes with `lookingAt` on a region. Optional
/// elements and several lexicon entries of different lengths give alternatives; the
/// longest complete match of a rule at a position is its candidate there.
///
/// What keeps it fast, cheapest test first: a position inside a run of Latin letters
/// and digits starts nothing; a rule is tried in a sentence only when every one of its
/// required elements can start somewhere in it; rules led by the same number or regex
/// are tested together with one look-up of it; and before each element the walk checks
/// that the next unit can start the rest of the pattern (`FastElement.follow`).
public final class RuleMatcher {
    public let ruleSet: RuleSet
    private let regexes: [ICURegex]
    /// The same patterns run natively where they fit `SimpleRegex`'s subset (every macro
    /// of the shipped rules does); ICU is asked only for the others, or when a native
    /// search gives up.
    private let simpleRegexes: [SimpleRegex?]
    /// The document text `begin` pointed the regexes at.
    private var text = UnsafeBufferPointer<UInt16>(start: nil, count: 0)
    private let compiled: [CompiledRule]
    private let tables: MatchTables
    /// Work budget per rule and start position (alternatives explored).
    static let stepBudget = 512
    /// Regex time-outs in the current document: rule id -> count (warned by the caller).
    public private(set) var timeouts: [String: Int] = [:]
    private var scratch: Walk
    /// Storage for the walk's bit sets (present, checked, feasible, try) and its
    /// capture stack (as deep as the longest pattern).
    private let bitStorage: UnsafeMutablePointer<UInt64>
    private let captureStorage: UnsafeMutablePointer<RawCapture>
    private let regexCache: UnsafeMutablePointer<Int>

    // Named structs, not tuples: generic code over tuple types looks their metadata up
    // at run time under a process-wide lock, which made a second thread nearly useless.
    /// A complete reading: its end, and its captures in `Walk.bestPool`.
    struct BestParse { var end: Int; var start: Int; var count: Int }
    struct NumberHit { var end: Int; var value: Double }
    struct LexMatch { var end: Int; var entry: Int }

    /// The state of one walk, passed `inout` through the recursion: a struct on the
    /// stack, so Swift checks exclusive access at compile time, not at run time (the
    /// run-time checks on class properties were a fifth of the matcher's time).
    struct Walk {
        /// The captures along the current path: a stack in fixed storage (a rule's
        /// elements bound its depth), pushed and popped without array bookkeeping.
        var captures: UnsafeMutablePointer<RawCapture>
        var depth = 0
        /// The {stem} start for the current attempt: -2 not computed yet, -1 none.
        var stem = -2
        var best: [BestParse] = []
        var bestPool: [RawCapture] = []
        /// The captures of the sentence's candidates (see `Candidate.rawStart`).
        var pool: [RawCapture] = []
        var steps = 0
        var start = 0
        var limit = 0
        var rule = 0
        /// Per unit of the sentence (from `base`): the number starting there, scanned
        /// once for every rule; `numberEnd` -2 when not scanned yet, -1 when none.
        var base = 0
        var numberEnd: [Int32] = []
        var numberValue: [Double] = []
        /// Regex ends already computed in this sentence: a direct-mapped cache keyed by
        /// (regex, position) and the sentence's generation; a miss only recomputes. (A
        /// dictionary here spent more in hashing than the regexes it saved.) The three
        /// arrays are `regexCacheSize` long, in one allocation of Ints.
        var regexKeys: UnsafeMutablePointer<Int>
        var regexEnds: UnsafeMutablePointer<Int>
        var regexGenerations: UnsafeMutablePointer<Int>
        var generation = 0
        static let regexCacheSize = 4096
        /// Required sets with a unit in the sentence (bit set), and per rule 0 (not checked yet), 1 (its
        /// required elements can all start somewhere in the sentence) or 2 (they cannot).
        var present: UnsafeMutablePointer<UInt64>
        var starts: [Int32] = []
        /// Rules checked so far in this sentence, and those that passed (bit sets).
        var checked: UnsafeMutablePointer<UInt64>
        var feasible: UnsafeMutablePointer<UInt64>
        /// The rules to try at the current position.
        var `try`: UnsafeMutablePointer<UInt64>

        init(bits: UnsafeMutablePointer<UInt64>, ruleWords: Int, requiredWords: Int, captures: UnsafeMutablePointer<RawCapture>,
             regexCache: UnsafeMutablePointer<Int>) {
            self.captures = captures
            regexKeys = regexCache
            regexEnds = regexCache + Walk.regexCacheSize
            regexGenerations = regexCache + 2 * Walk.regexCacheSize
            present = bits
            checked = bits + requiredWords
            feasible = checked + ruleWords
            `try` = feasible + ruleWords
        }
        var timeouts: [String: Int] = [:]
        /// The document text (`begin`), for the native regexes.
        var text = UnsafeBufferPointer<UInt16>(start: nil, count: 0)
    }

    public init(ruleSet: RuleSet) {
        self.ruleSet = ruleSet
        regexes = ruleSet.regexes.map { $0.clone() }
        simpleRegexes = ruleSet.regexes.map { SimpleRegex(pattern: $0.pattern) }
        compiled = ruleSet.compiled
        tables = MatchTables(ruleSet)
        let v = tables.view
        bitStorage = .allocate(capacity: v.requiredWords + 3 * v.ruleWords)
        bitStorage.initialize(repeating: 0, count: v.requiredWords + 3 * v.ruleWords)
        let deepest = ruleSet.compiled.map(\.fast.count).max() ?? 0
        captureStorage = .allocate(capacity: deepest + 1)
        regexCache = .allocate(capacity: 3 * Walk.regexCacheSize)
        regexCache.initialize(repeating: -1, count: 3 * Walk.regexCacheSize)
        scratch = Walk(bits: bitStorage, ruleWords: v.ruleWords, requiredWords: v.requiredWords, captures: captureStorage,
                       regexCache: regexCache)
    }

    deinit {
        bitStorage.deallocate()
        captureStorage.deallocate()
        regexCache.deallocate()
    }

    /// Points the regexes at a document's text; call before `candidates` for that text.
    public func begin(text: UnsafeBufferPointer<UInt16>) {
        // Only ICU regexes without a native form get the text now; the others get it in
        // the rare search the native matcher gives up on.
        for (r, native) in zip(regexes, simpleRegexes) where native == nil { r.setText(text) }
        self.text = text
        timeouts.removeAll()
    }

    /// Candidates of every rule in `range` of `text` (a sentence).
    public func candidates(_ t: UnsafeBufferPointer<UInt16>, range: Range<Int>) -> [Candidate] {
        var out: [Candidate] = []
        candidates(t, range: range, into: &out)
        return out
    }

    /// `candidates(_:range:)` into a buffer the caller reuses (its old contents go).
    public func candidates(_ t: UnsafeBufferPointer<UInt16>, range: Range<Int>, into out: inout [Candidate]) {
        out.removeAll(keepingCapacity: true)
        // The scratch state moves out and back: no copies, no reference counting.
        var w = Walk(bits: bitStorage, ruleWords: tables.view.ruleWords, requiredWords: tables.view.requiredWords, captures: captureStorage,
                     regexCache: regexCache)
        swap(&w, &scratch)
        defer { swap(&w, &scratch) }
        let tv = tables.view
        // Read in place: a local copy of the trie retained and released its storage per sentence.
        let tables = self.tables
        // A new generation per sentence: earlier sentences' cache entries stop counting.
        w.generation += 1
        w.pool.removeAll(keepingCapacity: true)
        if !w.timeouts.isEmpty { w.timeouts.removeAll() }
        w.limit = range.upperBound
        w.base = range.lowerBound
        w.text = text
        w.numberEnd.removeAll(keepingCapacity: true)
        w.numberEnd.append(contentsOf: repeatElement(-2, count: range.count))
        if w.numberValue.count < range.count { w.numberValue = Array(repeating: 0, count: range.count) }
        let reqWords = tv.requiredWords
        w.present.update(repeating: 0, count: reqWords)
        // One pass: the unit classes present, and the positions some rule can start at.
        w.starts.removeAll(keepingCapacity: true)
        for p in range {
            let info = tv.unitInfo[Int(t[p])]
            if info == 0 { continue }
            let c = Int(info & 0xFFFF)
            if c != 0 { for i in 0..<reqWords { w.present[i] |= tv.classRequired[c * reqWords + i] } }
            if info > 0xFFFF {
                let u = t[p]
                if tv.leadOnly[Int(u) >> 6] & (1 << UInt64(u & 63)) != 0 && tv.leadAlone[Int(u) >> 6] & (1 << UInt64(u & 63)) == 0 {
                    guard p + 1 < range.upperBound else { continue }
                    let h = MatchTables.View.leadPair(u, t[p + 1])
                    if tv.leadPairs[h >> 6] & (1 << UInt64(h & 63)) == 0 { continue }
                }
                w.starts.append(Int32(p))
            }
        }
        let rw = tv.ruleWords
        w.checked.update(repeating: 0, count: rw)
        w.feasible.update(repeating: 0, count: rw)
        for start in w.starts {
            let p = Int(start)
            let u = t[p]
            let mi = Int(tv.unitInfo[Int(u)] >> 16)
            // Nothing starts inside a run of Latin letters and digits (the 9 of 2019,
            // the 17 of AB17) or in the decimals of a number: the match that starts
            // where the run does is always longer.
            if p > range.lowerBound, RuleMatcher.isASCIIAlphanumeric(u) {
                let v = t[p - 1]
                if RuleMatcher.isASCIIAlphanumeric(v) { continue }
                if v == 0x2E, p - 1 > range.lowerBound, NumberScanner.isDigit(t[p - 2]), NumberScanner.isDigit(u) { continue }
            }
            let mask = tv.triggerMasks + mi * rw
            // The rules to try here, as a bit set (`w.try`): triggered by this unit and
            // feasible in the sentence.
            var any: UInt64 = 0
            for word in 0..<rw {
                let bits = mask[word]
                // Rules not checked yet in this sentence: can each required element start
                // somewhere in it?
                var fresh = bits & ~w.checked[word]
                while fresh != 0 {
                    let ri = word << 6 | fresh.trailingZeroBitCount
                    fresh &= fresh - 1
                    var ok = true
                    for i in 0..<reqWords where tv.ruleRequired[ri * reqWords + i] & ~w.present[i] != 0 { ok = false; break }
                    w.checked[word] |= 1 << UInt64(ri & 63)
                    if ok { w.feasible[word] |= 1 << UInt64(ri & 63) }
                }
                w.try[word] = bits & w.feasible[word]
                any |= w.try[word]
            }
            if any == 0 { continue }
            // Rules led by a lexicon only where one of its entries starts here: one walk
            // of the shared lead trie tells which lexicons match.
            var lexLed: UInt64 = 0
            for word in 0..<rw { lexLed |= w.try[word] & ~tv.otherRules[word] }
            var lexHits: UInt64 = 0
            var node = lexLed == 0 ? -1 : tables.leadTrie.child(0, u)
            var q = p + 1
            while node >= 0 {
                lexHits |= tv.leadHits[node]
                guard q < w.limit else { break }
                node = tables.leadTrie.child(node, t[q])
                q += 1
            }
            any = 0
            for word in 0..<rw {
                var allowed = tv.otherRules[word]
                var h = lexHits
                while h != 0 {
                    allowed |= tv.leadRules[h.trailingZeroBitCount * rw + word]
                    h &= h - 1
                }
                w.try[word] &= allowed
                any |= w.try[word]
            }
            if any == 0 { continue }
            // Leads: each shared lead is matched once here; rules whose lead must match
            // at p and does not, or is followed by a unit they cannot continue with, drop.
            let forced = tv.leadForced + Int(tv.unitClass[Int(u)]) * rw
            var anyForced: UInt64 = 0
            for word in 0..<rw { anyForced |= w.try[word] & forced[word] }
            if anyForced != 0 { for g in 0..<tv.leadGroups {
                let gm = tv.leadGroupMask + g * rw
                var hit: UInt64 = 0
                for word in 0..<rw { hit |= w.try[word] & forced[word] & gm[word] }
                if hit == 0 { continue }
                let end: Int
                if tv.leadGroupKind[g] == 1 { end = number(&w, t, p)?.end ?? -1 } else { end = regexEnd(&w, Int(tv.leadGroupRegex[g]), p) }
                let keep: UnsafeMutablePointer<UInt64>? = end <= p ? nil
                    : tv.leadFollowOK + (end >= w.limit ? tv.classCount : Int(tv.unitClass[Int(t[end])])) * rw
                for word in 0..<rw {
                    let tested = w.try[word] & forced[word] & gm[word]
                    w.try[word] &= ~tested | (keep?[word] ?? 0)
                }
            } }
            for word in 0..<rw {
                var bits = w.try[word]
                while bits != 0 {
                    let ri = word << 6 | bits.trailingZeroBitCount
                    bits &= bits - 1
                    attempt(&w, tv, t, p, ri, forced: forced[word] & (1 << UInt64(ri & 63)) != 0, &out)
                }
            }
        }
        for (k, v) in w.timeouts { timeouts[k, default: 0] += v }
        if !tables.afterLexicon.isEmpty { dropCandidatesNotAfter(t, range.lowerBound, &out) }
    }

    /// Drops the candidates of rules with `after:` that no word of its lexicons precedes.
    private func dropCandidatesNotAfter(_ t: UnsafeBufferPointer<UInt16>, _ lower: Int, _ out: inout [Candidate]) {
        let after = tables.afterLexicon, lexicons = tables.view.lexicons
        out.removeAll { c in
            let al = Int(after[c.rule])
            return al >= 0 && lexicons[al]._withUnsafeGuaranteedRef { $0.longestEntry(t, endingAt: c.range.lowerBound, lowerBound: lower) } == 0
        }
    }

    /// Tries rule `ri` at `p`: the anchor and lead tests, then the walk; appends one
    /// candidate per distinct end.
    @inline(__always)
    private func attempt(_ w: inout Walk, _ tv: MatchTables.View, _ t: UnsafeBufferPointer<UInt16>, _ p: Int, _ ri: Int,
                         forced: Bool, _ out: inout [Candidate]) {
        w.rule = ri
        // A rule whose lead was tested above needs no anchor; others scan for theirs.
        if !forced, case let ao = Int(tv.anchorOffset[ri]), ao >= 0 {
            let anchor = tv.anchorBits + ao
            var found = false
            var q = p + Int(tv.anchorFrom[ri])
            let end = min(w.limit, p + Int(tv.anchorWindow[ri]) + 1)
            let al = Int(tv.anchorLexicon[ri])
            while q < end {
                let u = t[q]
                if anchor[Int(u) >> 6] & (1 << (UInt64(u) & 63)) != 0 {
                    if al < 0 || tv.lexicons[al]._withUnsafeGuaranteedRef({ $0.hasEntry(t, startingAt: q, limit: w.limit) }) { found = true; break }
                }
                q += 1
            }
            if !found { return }
        }
        w.start = p
        if !w.best.isEmpty { w.best.removeAll(keepingCapacity: true); w.bestPool.removeAll(keepingCapacity: true) }
        w.steps = 0
        w.depth = 0
        w.stem = -2
        let es = Int(tv.elementStart[ri])
        let elements = UnsafeBufferPointer(start: tv.elements + es, count: Int(tv.elementStart[ri + 1]) - es)
        match(&w, tv, elements, t, 0, p)
        // Every distinct end is a candidate: when the longest loses a conflict,
        // a shorter reading of the same rule may still win.
        if w.best.isEmpty { return }
        if w.best.count > 1 { w.best.sort { $0.end > $1.end } }
        var lastRange = 0..<0
        for b in w.best {
            // The span runs over the captures outside [context]; a {stem} starts it
            // before p.
            var lo = Int.max, hi = Int.min
            for c in w.bestPool[b.start..<(b.start + b.count)] where !elements[Int(c.element)].context {
                lo = min(lo, Int(c.start)); hi = max(hi, Int(c.end))
            }
            guard lo < hi else { continue }
            let range = lo..<hi
            if range == lastRange { continue }  // another reading of the same span (longer context)
            lastRange = range
            out.append(Candidate(rule: ri, range: range, rawStart: Int32(w.pool.count), rawCount: Int32(b.count)))
            w.pool.append(contentsOf: w.bestPool[b.start..<(b.start + b.count)])
        }
    }

    /// Whether `u` (at `i`) can be part of a name: ideographs, Latin letters and digits,
    /// · ( ) “ ” & - . and a space before a Latin letter after a Latin letter or a period.
    @inline(__always)
    static func isNameUnit(_ t: UnsafeBufferPointer<UInt16>, _ i: Int, _ lower: Int, _ upper: Int) -> Bool {
        let u = t[i]
        if TextUnits.isIdeograph(u) || isASCIIAlphanumeric(u) { return true }
        switch u {
        case 0xB7, 0x30FB, 0x28, 0x29, 0x201C, 0x201D, 0x26, 0x2D, 0x2E: return true
        case 0x20, 0x2C: return joinsLatinWords(t, i, lower, upper)
        default: return false
        }
    }

    /// A space between Latin words, also after an abbreviation's period (Pte. Ltd.) and
    /// its comma (Co., Ltd.), or that comma. Out of line: written inside `isNameUnit` it
    /// cost the matcher 3% (the stem walk calls that per unit).
    @inline(never)
    static func joinsLatinWords(_ t: UnsafeBufferPointer<UInt16>, _ i: Int, _ lower: Int, _ upper: Int) -> Bool {
        if t[i] == 0x2C {
            return i > lower && i + 2 < upper && t[i - 1] == 0x2E && t[i + 1] == 0x20 && TextUnits.isASCIILetter(t[i + 2])
        }
        return i > lower && i + 1 < upper && TextUnits.isASCIILetter(t[i + 1])
            && (TextUnits.isASCIILetter(t[i - 1]) || t[i - 1] == 0x2E || (t[i - 1] == 0x2C && i - 1 > lower && t[i - 2] == 0x2E))
    }

    /// Where the `{stem}` ending at `a` starts, or -1 (see `PatternElement.Kind.stem`).
    static func stemStart(_ t: UnsafeBufferPointer<UInt16>, anchor a: Int, lower: Int, upper: Int, run: RuleSet.NameRun,
                          lexicons lex: StemLexicons) -> Int {
        let stops = lex.stops, generic = lex.generic, places = lex.places
        let placesBefore = lex.placesBefore, keep = lex.keep, topic = lex.topic
        if run.words {
            // {before:N/words}: up to N words backwards, longest first; none is fine.
            var s = a
            guard let words = stops else { return a }
            for _ in 0..<Int(run.max) {
                let n = words.longestEntry(t, endingAt: s, lowerBound: lower)
                if n == 0 { break }
                s -= n
            }
            return s
        }
        // Generic words right before the head belong to the name when a name comes before
        // them (人民医院新院区|建设|项目); a stem of generic words alone is no name (重点项目,
        // 签约项目, 该项目).
        var s = a
        if let generic {
            while s > lower {
                let n = generic.longestEntry(t, endingAt: s, lowerBound: lower)
                if n == 0 {
                    // Quotes around generic words leave them generic (再添|“强链”项目).
                    if t[s - 1] == 0x201D || t[s - 1] == 0x201C { s -= 1; continue }
                    break
                }
                // A generic word that is the end of a longer stop word is no generic word
                // here (集|中 of 集中签约重大项目: 集中 stops the name, 中 alone is generic).
                if let stops, stops.longestEntry(t, endingAt: s, lowerBound: lower) > n { break }
                s -= n
            }
        }
        let genericTail = s
        while s > lower && a - s < Int(run.max) {
            if let stops, stops.endsStop(t, at: s, lowerBound: lower, upper: upper) {
                // Unless it is the end of a longer word of `keep` (the 州 of 德州).
                guard let keep, keep.longestEntry(t, endingAt: s, lowerBound: lower) > stops.longestEntry(t, endingAt: s, lowerBound: lower) else { break }
            }
            guard isNameUnit(t, s - 1, lower, upper) else { break }
            // Latin letters never join ideographs before them: 美国|RTK Technologies Inc公司.
            if s < a, TextUnits.isASCIILetter(t[s]), TextUnits.isIdeograph(t[s - 1]) { break }
            s -= 1
        }
        // A name starts after a bracket or quote that is not closed inside it (“驻厂 in
        // 变身“驻厂员”), and after a closer that was not opened inside it.
        var i = s
        var openAt: [Int] = []
        while i < a {
            let u = t[i]
            if u == 0x28 || u == 0x201C { openAt.append(i) }
            else if u == 0x29 || u == 0x201D {
                if openAt.popLast() == nil { s = i + 1 }
            }
            i += 1
        }
        if let unclosed = openAt.last { s = max(s, unclosed + 1) }
        // Joiners at its edge are not part of it either.
        while s < a {
            let u = t[s]
            if u == 0x28 || u == 0x201C {
                let closer: UInt16 = u == 0x28 ? 0x29 : 0x201D
                if (s + 1..<a).contains(where: { t[$0] == closer }) { break }
                s += 1
            } else if u == 0x29 || u == 0x201D || u == 0xB7 || u == 0x30FB || u == 0x26 || u == 0x2D || u == 0x2E || u == 0x20 {
                s += 1
            } else {
                break
            }
        }
        // A place written before the rest of the name is cut off, unless the rest is
        // generic (冠县|新瑞集团, 耿店村|绿冠蔬菜林果种植专业合作社; 枣庄市城投集团 stays).
        // With `placesBefore`, only when the rest opens with one of its words: a project
        // named by its capacity is located at the place, not named after it
        // (莘县|年产5万吨蔬菜加工项目; 汶上县人民医院新院区建设项目 stays whole).
        if let places, let generic, s < genericTail {
            var b = genericTail
            while b > s {
                if places.hasEntry(t, endingAt: b, lowerBound: s) {
                    if let placesBefore {
                        if placesBefore.hasEntry(t, startingAt: b, limit: a) { s = b }
                    } else if !generic.covers(t, b..<genericTail) {
                        s = b
                    }
                    break
                }
                b -= 1
            }
        }
        if generic != nil && s >= genericTail {
            // Generic words alone make no name, unless a place among them is followed by
            // a topic word: the name starts at the place (临清|轴承|产业园, 建设|梅河口|
            // 冷链物流|产业园; 临清市|重点|项目 stays no name).
            guard let topic, let places else { return -1 }
            var p = s
            while a - p >= Int(run.min) {
                var placeEnd = -1
                places.forEachMatch(t, at: p, limit: a) { end, _ in placeEnd = end }
                if placeEnd > p && placeEnd < a {
                    for i in placeEnd..<a where topic.hasEntry(t, startingAt: i, limit: a) { return p }
                }
                p += 1
            }
            return -1
        }
        return a - s >= Int(run.min) ? s : -1
    }

    /// Where the `{span}` starting at `p` ends, or -1.
    static func spanEnd(_ t: UnsafeBufferPointer<UInt16>, from p: Int, lower: Int, upper: Int, run: RuleSet.NameRun, stops: Lexicon?) -> Int {
        var e = p
        while e < upper && e - p < Int(run.max) {
            if let stops, stops.startsStop(t, at: e, lowerBound: lower, upper: upper, spanFirst: e == p) { break }
            guard isNameUnit(t, e, lower, upper) else { break }
            e += 1
        }
        // Joiners at its end are not part of it, nor a closer opened before it (the ) of
        // 通讯员 石磊)3月27日).
        while e > p {
            let u = t[e - 1]
            if [0x28, 0x201C, 0xB7, 0x30FB, 0x26, 0x2D, 0x2E, 0x20].contains(u) { e -= 1; continue }
            if u == 0x29 || u == 0x201D {
                let opener: UInt16 = u == 0x29 ? 0x28 : 0x201C
                if !(p..<(e - 1)).contains(where: { t[$0] == opener }) { e -= 1; continue }
            }
            break
        }
        return e - p >= Int(run.min) ? e : -1
    }

    /// The captures of a candidate with roles, texts and lexicon values. Only for the
    /// candidates of the last `candidates` call (their captures live in its pool).
    public func resolve(_ c: Candidate, _ t: UnsafeBufferPointer<UInt16>) -> [Capture] {
        let els = compiled[c.rule].elements
        return withCaptures(c, t) { raw in
            (0..<raw.count).map { i in
                let r = raw.raw[i]
                return Capture(role: els[Int(r.element)].role, known: raw.known(i), family: raw.family(i), range: Int(r.start)..<Int(r.end),
                               text: raw.text(i), number: raw.number(i), lexiconValue: raw.lexiconValue(i))
            }
        }
    }

    /// A candidate's captures read in place from the sentence's pool, with what
    /// `resolve` would give for each (number, lexicon value, text), computed on demand.
    struct RawCaptureSource: CaptureSource {
        let raw: UnsafePointer<RawCapture>
        let count: Int
        let tables: MatchTables.View
        let first: Int  // the rule's first element in `tables.elements`
        let text: UnsafeBufferPointer<UInt16>

        func known(_ i: Int) -> CaptureRole? {
            let k = tables.elementKnown[first + Int(raw[i].element)]
            return k < 0 ? nil : CaptureRole(rawValue: Int(k))
        }
        func family(_ i: Int) -> RoleFamily { RoleFamily(rawValue: tables.elementFamily[first + Int(raw[i].element)]) }
        func number(_ i: Int) -> Double? {
            let r = raw[i]
            if !r.number.isNaN { return r.number }
            guard tables.elements[first + Int(r.element)].kind == .regex else { return nil }
            let range = Int(r.start)..<Int(r.end)
            return RuleMatcher.numberValue(text, range) ?? Double(TextUnits.string(text, range))
        }
        /// `read` of capture i's lexicon entry (its lexicon and entry index), nil when the
        /// capture is no lexicon entry.
        @inline(__always)
        private func entry<R>(_ i: Int, _ read: (Lexicon, Int) -> R?) -> R? {
            let r = raw[i]
            let fast = tables.elements[first + Int(r.element)]
            guard r.entry >= 0, fast.kind == .lexicon else { return nil }
            return tables.lexicons[Int(fast.payload)]._withUnsafeGuaranteedRef { read($0, Int(r.entry)) }
        }
        func lexiconValue(_ i: Int) -> String? { entry(i) { $0.entries[$1].value } }
        func lexiconNumber(_ i: Int) -> Double? { entry(i) { $0.numericValue[$1] } }
        func text(_ i: Int) -> String { TextUnits.string(text, Int(raw[i].start)..<Int(raw[i].end)) }
    }

    /// Calls `body` with candidate `c`'s captures read in place (see `RawCaptureSource`);
    /// only for the candidates of the last `candidates` call.
    func withCaptures<R>(_ c: Candidate, _ t: UnsafeBufferPointer<UInt16>, _ body: (RawCaptureSource) -> R) -> R {
        scratch.pool.withUnsafeBufferPointer { pool in
            body(RawCaptureSource(raw: pool.baseAddress! + Int(c.rawStart), count: Int(c.rawCount), tables: tables.view,
                                  first: Int(tables.view.elementStart[c.rule]), text: t))
        }
    }

    /// The value of a regex capture that is a number (a {month}, a {day}): ASCII digits
    /// read directly, Chinese numerals through `ChineseNumber`.
    static func numberValue(_ t: UnsafeBufferPointer<UInt16>, _ range: Range<Int>) -> Double? {
        if !range.isEmpty, range.count <= 15, range.allSatisfy({ NumberScanner.isDigit(t[$0]) }) {
            var v = 0
            for i in range { v = v * 10 + Int(t[i] - 0x30) }
            return Double(v)
        }
        return ChineseNumber.parse(t, range)
    }

    @inline(__always)
    static func isASCIIAlphanumeric(_ u: UInt16) -> Bool {
        (u >= 0x30 && u <= 0x39) || (u | 0x20 >= 0x61 && u | 0x20 <= 0x7A)
    }

    private func record(_ w: inout Walk, _ tv: MatchTables.View, _ t: UnsafeBufferPointer<UInt16>, _ pos: Int) {
        // Per end, the reading with fewer elements (800千瓦 is 800 and the unit 千瓦, not
        // 800, the multiplier 千 and the unit 瓦).
        guard pos > w.start else { return }
        if w.depth > 0 && w.captures[0].start == -1 {
            // The pending {stem}: once per attempt (its anchor is the walk's start).
            if w.stem == -2 {
                let run = tv.nameRuns[Int(w.captures[0].entry)]
                func lexicon(_ i: Int32) -> Lexicon? { i < 0 ? nil : tv.lexicons[Int(i)].takeUnretainedValue() }
                let lex = StemLexicons(stops: lexicon(run.stops), generic: lexicon(run.generic), places: lexicon(run.places),
                                       placesBefore: lexicon(run.placesBefore), keep: lexicon(run.keep), topic: lexicon(run.topic))
                w.stem = RuleMatcher.stemStart(t, anchor: w.start, lower: w.base, upper: w.limit, run: run, lexicons: lex)
            }
            if w.stem < 0 { return }
            w.captures[0].start = Int32(w.stem)
            w.captures[0].entry = -1
        }
        for i in w.best.indices where w.best[i].end == pos {
            // A reading whose {stem} reaches further back wins (冠县县委 over 县县委);
            // otherwise the one with fewer elements.
            let mine = w.depth > 0 ? Int(w.captures[0].start) : pos
            let theirs = w.best[i].count > 0 ? Int(w.bestPool[w.best[i].start].start) : pos
            if mine < theirs || (mine == theirs && w.depth < w.best[i].count) {
                w.best[i] = BestParse(end: pos, start: w.bestPool.count, count: w.depth)
                w.bestPool.append(contentsOf: UnsafeBufferPointer(start: w.captures, count: w.depth))
            }
            return
        }
        w.best.append(BestParse(end: pos, start: w.bestPool.count, count: w.depth))
        w.bestPool.append(contentsOf: UnsafeBufferPointer(start: w.captures, count: w.depth))
    }

    private func match(_ w: inout Walk, _ tv: MatchTables.View, _ elements: UnsafeBufferPointer<FastElement>,
                       _ t: UnsafeBufferPointer<UInt16>, _ k: Int, _ pos: Int) {
        w.steps += 1
        if w.steps > RuleMatcher.stepBudget { return }
        if k == elements.count { record(&w, tv, t, pos); return }
        let el = elements[k]
        let limit = w.limit
        if el.follow >= 0 && (pos >= limit || !tv.inSet(el.follow, t[pos])) { return }
        let ek = Int32(k)
        switch el.kind {
        case .notInsideWord:
            if tv.lexicons[Int(el.payload)]._withUnsafeGuaranteedRef({ straddles($0, t, pos) }) { return }
            match(&w, tv, elements, t, k + 1, pos)
            return
        case .notFollowedByLexicon:
            var found = false
            tv.lexicons[Int(el.payload)]._withUnsafeGuaranteedRef { $0.forEachMatch(t, at: pos, limit: limit) { _, _ in found = true } }
            if found { return }
            match(&w, tv, elements, t, k + 1, pos)
            return
        case .notFollowedByNumber:
            if pos < limit, number(&w, t, pos) != nil { return }
            match(&w, tv, elements, t, k + 1, pos)
            return
        case .notFollowedBy:
            if pos < limit, regexEnd(&w, Int(el.payload), pos) > pos { return }
            match(&w, tv, elements, t, k + 1, pos)
            return
        case .number:
            if let r = number(&w, t, pos) {
                w.captures[w.depth] = RawCapture(element: ek, start: Int32(pos), end: Int32(r.end), number: r.value, entry: -1); w.depth += 1
                match(&w, tv, elements, t, k + 1, r.end)
                w.depth -= 1
            }
        case .literal:
            let ls = Int(tv.literalStart[Int(el.payload)])
            let n = Int(tv.literalStart[Int(el.payload) + 1]) - ls
            var ok = pos + n <= limit
            if ok {
                for i in 0..<n where t[pos + i] != tv.literalUnits[ls + i] { ok = false; break }
            }
            if ok {
                w.captures[w.depth] = RawCapture(element: ek, start: Int32(pos), end: Int32(pos + n), number: .nan, entry: -1); w.depth += 1
                match(&w, tv, elements, t, k + 1, pos + n)
                w.depth -= 1
            }
        case .lexicon:
            // Longest entries first; a stack buffer holds the (few) matches.
            withUnsafeTemporaryAllocation(of: LexMatch.self, capacity: 16) { buf in
                var n = 0
                tv.lexicons[Int(el.payload)]._withUnsafeGuaranteedRef { lex in
                    lex.forEachMatch(t, at: pos, limit: limit) { end, entry in
                        if n < 16 { buf[n] = LexMatch(end: end, entry: entry) } else { buf[15] = LexMatch(end: end, entry: entry) }
                        n = min(n + 1, 16)
                    }
                }
                var j = n - 1
                while j >= 0 {
                    let end = buf[j].end, entry = buf[j].entry
                    w.captures[w.depth] = RawCapture(element: ek, start: Int32(pos), end: Int32(end), number: .nan, entry: Int32(entry)); w.depth += 1
                    match(&w, tv, elements, t, k + 1, end)
                    w.depth -= 1
                    j -= 1
                }
            }
        case .stem:
            // Found backwards only once the rest of the pattern has matched (most walks
            // fail on the type word): a placeholder capture until `record`.
            w.captures[w.depth] = RawCapture(element: ek, start: -1, end: Int32(pos), number: .nan, entry: Int32(el.payload)); w.depth += 1
            match(&w, tv, elements, t, k + 1, pos)
            w.depth -= 1
        case .span:
            let run = tv.nameRuns[Int(el.payload)]
            let stops: Lexicon? = run.stops < 0 ? nil : tv.lexicons[Int(run.stops)].takeUnretainedValue()
            let end = RuleMatcher.spanEnd(t, from: pos, lower: w.base, upper: limit, run: run, stops: stops)
            if end > pos {
                w.captures[w.depth] = RawCapture(element: ek, start: Int32(pos), end: Int32(end), number: .nan, entry: -1); w.depth += 1
                match(&w, tv, elements, t, k + 1, end)
                w.depth -= 1
            }
        case .regex:
            let end = regexEnd(&w, Int(el.payload), pos)
            if end > pos {
                w.captures[w.depth] = RawCapture(element: ek, start: Int32(pos), end: Int32(end), number: .nan, entry: -1); w.depth += 1
                match(&w, tv, elements, t, k + 1, end)
                w.depth -= 1
            }
        }
        if el.optional { match(&w, tv, elements, t, k + 1, pos) }
    }
    private func number(_ w: inout Walk, _ t: UnsafeBufferPointer<UInt16>, _ pos: Int) -> NumberHit? {
        // Most positions hold no number: check the first unit before touching the memo.
        let u = t[pos]
        guard NumberScanner.isDigit(u) || ChineseNumber.isNumeralUnit(u) else { return nil }
        let i = pos - w.base
        let known = w.numberEnd[i]
        if known >= 0 { return NumberHit(end: Int(known), value: w.numberValue[i]) }
        if known == -1 { return nil }
        if let r = NumberScanner.scan(t, at: pos, limit: w.limit) {
            w.numberEnd[i] = Int32(r.end)
            w.numberValue[i] = r.value
            return NumberHit(end: r.end, value: r.value)
        }
        w.numberEnd[i] = -1
        return nil
    }

    private func regexEnd(_ w: inout Walk, _ i: Int, _ pos: Int) -> Int {
        guard pos < w.limit else { return -1 }
        // Positions stay below 2^32: documents are capped far below that.
        let key = i << 32 | pos
        let slot = (pos ^ (i << 7)) & (Walk.regexCacheSize - 1)
        if w.regexKeys[slot] == key && w.regexGenerations[slot] == w.generation { return w.regexEnds[slot] }
        var end = -1
        var native = SimpleRegex.Match.gaveUp
        if let simple = simpleRegexes[i], w.text.count > 0 { native = simple.lookingAt(w.text, pos, limit: w.limit) }
        switch native {
        case let .end(e): end = e
        case .none: end = -1
        case .gaveUp:
            if simpleRegexes[i] != nil { regexes[i].setText(w.text) }
            switch regexes[i].lookingAt(pos, limit: w.limit) {
            case let .end(e): end = e
            case .none: end = -1
            case .timedOut: w.timeouts[compiled[w.rule].qualifiedID, default: 0] += 1
            }
        }
        w.regexKeys[slot] = key
        w.regexEnds[slot] = end
        w.regexGenerations[slot] = w.generation
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

