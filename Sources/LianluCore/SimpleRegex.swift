/// A backtracking matcher for the small part of ICU's regular-expression syntax that the
/// rules' macros use (`{year4}`, `{month}`, `{day}`, `{phone}` ...), giving exactly
/// ICU's `lookingAt` result for them without a call into ICU per position: a call there
/// cost about a thousand instructions, more than the matching itself.
///
/// The subset: literal characters of the Basic Multilingual Plane; classes `[...]` of
/// such characters and ranges (no negation, nesting, escapes or set operations);
/// groups `(?:...)` with alternation `|`; the greedy quantifiers `?`, `*`, `+`, `{n}`,
/// `{n,}` and `{n,m}` (never on something that can match nothing); look-ahead `(?=...)`,
/// `(?!...)` and fixed-length look-behind `(?<=...)`, `(?<!...)`. Anything else
/// (escapes, `.`, `^`, `$`, lazy or possessive quantifiers, capture groups) makes
/// `init` fail, and the caller keeps ICU for that pattern.
///
/// Semantics follow ICU's as the rule matcher runs it: alternatives are tried left to
/// right and quantifiers take as much as they can first (the first match found wins);
/// a match consumes text only in `start..<limit`, while look-around sees the whole text
/// (ICU's transparent bounds). Characters are compared as UTF-16 units, which for a
/// subset without negated classes and with BMP characters only is the same as ICU's
/// comparison by code point.
public struct SimpleRegex: Sendable {
    enum Op: Sendable {
        case unit(UInt16)
        case set(Int32)
        /// Try the first target, on failure the second.
        case split(Int32, Int32)
        case jump(Int32)
        /// Look-around: the sub-program, ahead or behind, negative, and for look-behind
        /// the body's length.
        case look(Int32, ahead: Bool, negative: Bool, length: Int32)
        case match
    }

    /// The programs flattened for the matcher: four Int32 per instruction (opcode and
    /// operands), the main program first; classes as pairs of units (low, high). Held
    /// in a class through raw pointers, so matching touches no reference counts.
    final class Code: @unchecked Sendable {
        let ops: UnsafeMutablePointer<Int32>
        let opCount: Int
        /// Start instruction of each sub-program.
        let subStart: [Int32]
        let ranges: UnsafeMutablePointer<UInt16>
        /// Class k's ranges are pairs setStart[k]..<setStart[k + 1] of `ranges`.
        let setStart: UnsafeMutablePointer<Int32>
        /// The backtracking stack: (instruction, position) pairs. One search at a time
        /// per instance (each rule matcher builds its own); a look-around's search
        /// uses the part above its caller's entries.
        let stack: UnsafeMutablePointer<Int>

        init(programs: [[Op]], sets: [[ClosedRange<UInt16>]]) {
            var flat: [Int32] = []
            var starts: [Int32] = []
            for prog in programs {
                let base = Int32(flat.count / 4)
                starts.append(base)
                for op in prog {
                    switch op {
                    case let .unit(u): flat += [0, Int32(u), 0, 0]
                    case let .set(k): flat += [1, k, 0, 0]
                    case let .split(a, b): flat += [2, a + base, b + base, 0]
                    case let .jump(a): flat += [3, a + base, 0, 0]
                    case let .look(k, ahead, negative, length): flat += [4, k, (ahead ? 1 : 0) | (negative ? 2 : 0), length]
                    case .match: flat += [5, 0, 0, 0]
                    }
                }
            }
            opCount = flat.count / 4
            ops = .allocate(capacity: max(1, flat.count))
            ops.initialize(from: flat, count: flat.count)
            subStart = Array(starts.dropFirst())
            var pairs: [UInt16] = []
            var setStarts: [Int32] = []
            for set in sets {
                setStarts.append(Int32(pairs.count / 2))
                for r in set { pairs += [r.lowerBound, r.upperBound] }
            }
            setStarts.append(Int32(pairs.count / 2))
            ranges = .allocate(capacity: max(1, pairs.count))
            ranges.initialize(from: pairs, count: pairs.count)
            setStart = .allocate(capacity: setStarts.count)
            setStart.initialize(from: setStarts, count: setStarts.count)
            stack = .allocate(capacity: 2 * SimpleRegex.stackCapacity)
        }

        /// Whether instruction `pc`, a unit or a class, accepts `u`; true for any other
        /// instruction (it is not a test of the next unit).
        @inline(__always) func accepts(_ pc: Int, _ u: UInt16) -> Bool {
            let op = ops + 4 * pc
            switch op[0] {
            case 0: return Int32(u) == op[1]
            case 1:
                var r = Int(setStart[Int(op[1])])
                let end = Int(setStart[Int(op[1]) + 1])
                while r < end {
                    if u >= ranges[2 * r] && u <= ranges[2 * r + 1] { return true }
                    r += 1
                }
                return false
            default: return true
            }
        }

        deinit {
            stack.deallocate()
            ops.deallocate()
            ranges.deallocate()
            setStart.deallocate()
        }
    }

    let code: Code
    public let pattern: String

    /// The outcome of `lookingAt`: `gaveUp` when the search would take longer than its
    /// step budget or its backtracking stack, and ICU should decide instead.
    public enum Match: Equatable { case end(Int), none, gaveUp }

    public init?(pattern: String) {
        var parser = Parser(units: Array(pattern.utf16))
        guard let node = parser.parseAlternation(), parser.atEnd else { return nil }
        var emitter = Emitter(sets: parser.sets)
        guard emitter.valid(node) else { return nil }
        var main: [Op] = []
        emitter.emit(node, into: &main)
        main.append(.match)
        code = Code(programs: [main] + emitter.subprograms, sets: parser.sets)
        self.pattern = pattern
    }

    /// Steps and backtracking entries one search may take before it gives up.
    static let stepBudget = 20_000
    static let stackCapacity = 256

    /// An anchored match at `start` consuming text no further than `limit`.
    public func lookingAt(_ text: UnsafeBufferPointer<UInt16>, _ start: Int, limit: Int) -> Match {
        var steps = 0
        let r = SimpleRegex.run(code, 0, text, start, limit, &steps, stackBase: 0)
        if r == -2 { return .gaveUp }
        return r >= 0 ? .end(r) : .none
    }

    /// The end of the first match of the program starting at instruction `entry`, from
    /// `start` within `limit`; -1 for none, -2 when the budget ran out. Backtracking
    /// entries go on `code.stack` from `stackBase`.
    private static func run(_ code: Code, _ entry: Int, _ t: UnsafeBufferPointer<UInt16>, _ start: Int, _ limit: Int,
                            _ steps: inout Int, stackBase: Int) -> Int {
        let ops = code.ops
        let stack = code.stack
        var depth = stackBase
        var pc = entry
        var pos = start
        while true {
            steps += 1
            if steps > stepBudget { return -2 }
            let op = ops + 4 * pc
            var ok = true
            switch op[0] {
            case 0, 1:  // unit, class
                if pos < limit && code.accepts(pc, t[pos]) { pos += 1; pc += 1 } else { ok = false }
            case 2:  // split
                let first = Int(op[1]), second = Int(op[2])
                // An alternative whose first test fails here is not worth a stack entry.
                if pos >= limit || !code.accepts(first, t[pos]) {
                    if ops[4 * first] <= 1 { pc = second; continue }
                }
                guard depth < stackCapacity else { return -2 }
                stack[2 * depth] = second
                stack[2 * depth + 1] = pos
                depth += 1
                pc = first
            case 3:  // jump
                pc = Int(op[1])
            case 4:  // look
                let ahead = op[2] & 1 != 0, negative = op[2] & 2 != 0, length = Int(op[3])
                let sub = Int(code.subStart[Int(op[1])])
                let found: Bool
                if ahead {
                    let r = run(code, sub, t, pos, t.count, &steps, stackBase: depth)
                    if r == -2 { return -2 }
                    found = r >= 0
                } else if pos - length < 0 {
                    found = false
                } else {
                    // Fixed length: a match from pos - length that stops at pos.
                    let r = run(code, sub, t, pos - length, pos, &steps, stackBase: depth)
                    if r == -2 { return -2 }
                    found = r == pos
                }
                if found != negative { pc += 1 } else { ok = false }
            default:  // match
                return pos
            }
            if !ok {
                if depth == stackBase { return -1 }
                depth -= 1
                pc = stack[2 * depth]
                pos = stack[2 * depth + 1]
            }
        }
    }

    // MARK: Parsing

    indirect enum Node {
        case unit(UInt16)
        case set(Int32)
        case sequence([Node])
        case alternation([Node])
        case repeated(Node, min: Int, max: Int?)
        case look(Node, ahead: Bool, negative: Bool)
    }

    struct Parser {
        let units: [UInt16]
        var i = 0
        var sets: [[ClosedRange<UInt16>]] = []
        var atEnd: Bool { i == units.count }

        init(units: [UInt16]) { self.units = units }

        static func isSurrogate(_ u: UInt16) -> Bool { u & 0xF800 == 0xD800 }

        mutating func parseAlternation() -> Node? {
            var alternatives: [Node] = []
            while true {
                guard let s = parseSequence() else { return nil }
                alternatives.append(s)
                if i < units.count, units[i] == 0x7C { i += 1; continue }  // |
                break
            }
            return alternatives.count == 1 ? alternatives[0] : .alternation(alternatives)
        }

        mutating func parseSequence() -> Node? {
            var items: [Node] = []
            while i < units.count, units[i] != 0x7C, units[i] != 0x29 {  // | )
                guard let atom = parseAtom(), let item = parseQuantifier(atom) else { return nil }
                items.append(item)
            }
            return items.count == 1 ? items[0] : .sequence(items)
        }

        mutating func parseAtom() -> Node? {
            let u = units[i]
            switch u {
            case 0x28:  // (
                guard i + 2 < units.count, units[i + 1] == 0x3F else { return nil }  // capture groups: not in the subset
                var kind: (look: Bool, ahead: Bool, negative: Bool)
                switch units[i + 2] {
                case 0x3A: kind = (false, false, false); i += 3  // (?:
                case 0x3D: kind = (true, true, false); i += 3  // (?=
                case 0x21: kind = (true, true, true); i += 3  // (?!
                case 0x3C:  // (?<= (?<!
                    guard i + 3 < units.count else { return nil }
                    if units[i + 3] == 0x3D { kind = (true, false, false) } else if units[i + 3] == 0x21 { kind = (true, false, true) } else { return nil }
                    i += 4
                default: return nil
                }
                guard let inner = parseAlternation(), i < units.count, units[i] == 0x29 else { return nil }
                i += 1
                return kind.look ? .look(inner, ahead: kind.ahead, negative: kind.negative) : inner
            case 0x5B:  // [
                return parseClass()
            case 0x5C, 0x2E, 0x5E, 0x24, 0x3F, 0x2A, 0x2B, 0x7B, 0x7D, 0x5D, 0x29, 0x7C:  // \ . ^ $ ? * + { } ] ) |
                return nil
            default:
                guard !Parser.isSurrogate(u) else { return nil }
                i += 1
                return .unit(u)
            }
        }

        mutating func parseClass() -> Node? {
            i += 1
            guard i < units.count, units[i] != 0x5E else { return nil }  // no negation
            var ranges: [ClosedRange<UInt16>] = []
            var first = true
            while i < units.count, units[i] != 0x5D || first {
                let u = units[i]
                // Nesting, set operations, escapes and POSIX classes are not in the subset.
                if u == 0x5B || u == 0x26 || u == 0x5C || u == 0x5D || Parser.isSurrogate(u) { return nil }
                if u == 0x2D && !first && !(i + 1 < units.count && units[i + 1] == 0x5D) { return nil }  // a '-' that is not at an end
                i += 1
                first = false
                if i + 1 < units.count, units[i] == 0x2D, units[i + 1] != 0x5D {
                    let hi = units[i + 1]
                    if hi == 0x5B || hi == 0x26 || hi == 0x5C || Parser.isSurrogate(hi) || hi < u { return nil }
                    ranges.append(u...hi)
                    i += 2
                } else {
                    ranges.append(u...u)
                }
            }
            guard i < units.count, !ranges.isEmpty else { return nil }
            i += 1  // ]
            ranges.sort { $0.lowerBound < $1.lowerBound }
            sets.append(ranges)
            return .set(Int32(sets.count - 1))
        }

        mutating func parseQuantifier(_ atom: Node) -> Node? {
            guard i < units.count else { return atom }
            let bounds: (Int, Int?)
            switch units[i] {
            case 0x3F: bounds = (0, 1); i += 1  // ?
            case 0x2A: bounds = (0, nil); i += 1  // *
            case 0x2B: bounds = (1, nil); i += 1  // +
            case 0x7B:  // {n} {n,} {n,m}
                i += 1
                guard let n = parseNumber() else { return nil }
                var m: Int? = n
                if i < units.count, units[i] == 0x2C {
                    i += 1
                    m = i < units.count && units[i] == 0x7D ? nil : parseNumber()
                    if m == nil, !(i < units.count && units[i] == 0x7D) { return nil }
                }
                guard i < units.count, units[i] == 0x7D else { return nil }
                i += 1
                if let m, m < n { return nil }
                bounds = (n, m)
            default:
                return atom
            }
            // Lazy (`??`) and possessive (`?+`) forms, and a quantifier on a quantifier,
            // are not in the subset.
            if i < units.count, [0x3F, 0x2B, 0x2A, 0x7B].contains(units[i]) { return nil }
            if case .look = atom { return nil }
            return .repeated(atom, min: bounds.0, max: bounds.1)
        }

        mutating func parseNumber() -> Int? {
            var v = 0, digits = 0
            while i < units.count, units[i] >= 0x30, units[i] <= 0x39, digits < 4 {
                v = v * 10 + Int(units[i] - 0x30)
                i += 1
                digits += 1
            }
            return digits == 0 || v > 1000 ? nil : v
        }
    }

    // MARK: Code

    struct Emitter {
        let sets: [[ClosedRange<UInt16>]]
        var subprograms: [[Op]] = []

        /// The fewest units a node can match, and whether it always matches exactly that.
        func length(_ n: Node) -> (min: Int, fixed: Int?) {
            switch n {
            case .unit, .set: return (1, 1)
            case .look: return (0, 0)
            case let .sequence(items):
                var lo = 0
                var fixed: Int? = 0
                for item in items {
                    let l = length(item)
                    lo += l.min
                    if let f = fixed, let g = l.fixed { fixed = f + g } else { fixed = nil }
                }
                return (lo, fixed)
            case let .alternation(alternatives):
                let ls = alternatives.map(length)
                let lo = ls.map(\.min).min() ?? 0
                let first = ls.first?.fixed
                return (lo, ls.allSatisfy { $0.fixed != nil && $0.fixed == first } ? first : nil)
            case let .repeated(inner, min, max):
                let l = length(inner)
                return (l.min * min, max == min ? l.fixed.map { $0 * min } : nil)
            }
        }

        /// Whether the program for `n` keeps ICU's meaning: no loop over something that
        /// can match nothing, look-behind of fixed length only.
        func valid(_ n: Node) -> Bool {
            switch n {
            case .unit, .set: return true
            case let .sequence(items): return items.allSatisfy(valid)
            case let .alternation(alternatives): return alternatives.allSatisfy(valid)
            case let .repeated(inner, _, max):
                if (max ?? 2) > 1 && length(inner).min == 0 { return false }
                return valid(inner)
            case let .look(inner, ahead, _):
                return valid(inner) && (ahead || length(inner).fixed != nil)
            }
        }

        mutating func emit(_ n: Node, into p: inout [Op]) {
            switch n {
            case let .unit(u): p.append(.unit(u))
            case let .set(k): p.append(.set(k))
            case let .sequence(items): for item in items { emit(item, into: &p) }
            case let .alternation(alternatives):
                var jumps: [Int] = []
                for (k, a) in alternatives.enumerated() {
                    if k < alternatives.count - 1 {
                        let split = p.count
                        p.append(.split(0, 0))
                        emit(a, into: &p)
                        jumps.append(p.count)
                        p.append(.jump(0))
                        p[split] = .split(Int32(split + 1), Int32(p.count))
                    } else {
                        emit(a, into: &p)
                    }
                }
                for j in jumps { p[j] = .jump(Int32(p.count)) }
            case let .repeated(inner, min, max):
                for _ in 0..<min { emit(inner, into: &p) }
                if let max {
                    // Each further one optional and tried first: every split gives up to
                    // the same end, so fewer are tried only after more failed.
                    var splits: [Int] = []
                    for _ in min..<max {
                        splits.append(p.count)
                        p.append(.split(0, 0))
                        emit(inner, into: &p)
                    }
                    for s in splits { p[s] = .split(Int32(s + 1), Int32(p.count)) }
                } else {
                    let loop = p.count
                    p.append(.split(0, 0))
                    emit(inner, into: &p)
                    p.append(.jump(Int32(loop)))
                    p[loop] = .split(Int32(loop + 1), Int32(p.count))
                }
            case let .look(inner, ahead, negative):
                var sub: [Op] = []
                emit(inner, into: &sub)
                sub.append(.match)
                subprograms.append(sub)
                p.append(.look(Int32(subprograms.count - 1), ahead: ahead, negative: negative,
                               length: Int32(ahead ? 0 : length(inner).fixed ?? 0)))
            }
        }
    }
}
