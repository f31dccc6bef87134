import LianluCore

/// A lexicon: one entry per line of `Rules/lexicons/<name>.txt`, `#` comments, and an
/// optional value after a tab (`美元<TAB>USD`). Matched through a trie at a position,
/// never compiled into a regex alternation (ICU backtracks through every alternative).
public final class Lexicon: @unchecked Sendable {
    public struct Entry: Sendable {
        public var text: [UInt16]
        public var value: String?
        public var line: Int
    }

    public let name: String
    public let file: String
    /// Immutable once built: `let`s need no run-time exclusivity checks, and the
    /// matcher reads them millions of times.
    public let entries: [Entry]
    /// The entries in a trie, forwards (what starts here) and over reversed entries (what
    /// ends here: a name stem looks back for the stop word before it); `terminal[node]`
    /// is the entry that ends at a forward node, -1 for none.
    private let forward: UnitTrie
    private let terminal: [Int32]
    private let reverse: UnitTrie
    /// The entry that ends at a reversed-trie node (-1: none).
    private let reverseEntry: [Int32]
    /// Per entry, where its value says a stop word does not count (see `StopLimits`).
    private let limits: [StopLimits]
    /// Each entry's value as a number, when it is one (a multiplier's 10000).
    let numericValue: [Double?]
    /// Whether any entry's value limits it (most stop lexicons have none).
    private let hasLimits: Bool

    /// Where a stop word does not count, from its value: `not before 机色` (有 ends a
    /// name's start in 园区内有|鲁西化工, not in 有机肥 or 有色金属), `not after 泰平` (和 is no
    /// stop in 泰和县, 平和县), `not first` (no stop at a span's first unit: 家 of 陈家豪).
    /// Several parts join with `;`.
    struct StopLimits {
        var notBefore: [UInt16] = []
        var notAfter: [UInt16] = []
        var notFirst = false
        var isEmpty: Bool { notBefore.isEmpty && notAfter.isEmpty && !notFirst }

        init(value: String?) {
            // Most values are something else (美元 -> USD, 临清 -> county): no parsing.
            guard let value, value.hasPrefix("not ") else { return }
            for part in value.split(separator: ";") {
                let p = Lexicon.trimmed(part)
                if p.hasPrefix(Lexicon.notBeforePrefix) {
                    notBefore += Array(p.dropFirst(Lexicon.notBeforePrefix.count).filter { $0 != " " }.utf16)
                } else if p.hasPrefix(Lexicon.notAfterPrefix) {
                    notAfter += Array(p.dropFirst(Lexicon.notAfterPrefix.count).filter { $0 != " " }.utf16)
                } else if p == Lexicon.notFirstValue {
                    notFirst = true
                }
            }
        }

        /// Whether the entry counts between `before` and `after` (the units around it, nil
        /// at an edge).
        @inline(__always)
        func allow(before: UInt16?, after: UInt16?) -> Bool {
            !(after.map { notBefore.contains($0) } ?? false) && !(before.map { notAfter.contains($0) } ?? false)
        }
    }
    /// First units of all entries, for triggering rules that start with this lexicon.
    public let firstUnits: Set<UInt16>
    public let maxLength: Int
    /// First units as a bitmap, for a cheap rejection before the trie.
    private let firstUnitBits: [UInt64]
    /// Last units as a bitmap: most positions a name stem looks back from end no entry,
    /// and one bit says so before the reversed trie is walked.
    private let lastUnitBits: [UInt64]

    public init(name: String, file: String, entries: [Entry]) {
        self.name = name
        self.file = file
        var first = Set<UInt16>()
        var bits = [UInt64](repeating: 0, count: 1024)
        var lastBits = [UInt64](repeating: 0, count: 1024)
        var longest = 0
        for e in entries {
            if let f = e.text.first {
                first.insert(f)
                bits[Int(f) >> 6] |= 1 << (UInt64(f) & 63)
            }
            if let l = e.text.last { lastBits[Int(l) >> 6] |= 1 << (UInt64(l) & 63) }
            longest = max(longest, e.text.count)
        }
        forward = UnitTrie(entries.map(\.text))
        var terminal = [Int32](repeating: -1, count: forward.nodeCount)
        // Empty entries end at the root; no match is empty, so the root holds none.
        for (index, node) in forward.wordEnd.enumerated() where node > 0 { terminal[Int(node)] = Int32(index) }
        self.terminal = terminal
        reverse = UnitTrie(entries.map { Array($0.text.reversed()) })
        var reverseEntry = [Int32](repeating: -1, count: reverse.nodeCount)
        for (index, node) in reverse.wordEnd.enumerated() where node > 0 { reverseEntry[Int(node)] = Int32(index) }
        self.reverseEntry = reverseEntry
        limits = entries.map { StopLimits(value: $0.value) }
        // Values that are numbers (multipliers: 万 -> 10000), parsed once here rather than
        // for every amount built.
        numericValue = entries.map { Lexicon.number(of: $0.value) }
        hasLimits = limits.contains { !$0.isEmpty }
        self.entries = entries
        self.firstUnits = first
        self.firstUnitBits = bits
        self.lastUnitBits = lastBits
        self.maxLength = longest
    }

    /// Whether an entry ends at `end` (it is `text[end - n ..< end]` for some entry of n
    /// units), not reaching before `lowerBound`.
    public func hasEntry(_ text: UnsafeBufferPointer<UInt16>, endingAt end: Int, lowerBound: Int) -> Bool {
        longestEntry(text, endingAt: end, lowerBound: lowerBound) > 0
    }

    /// The value that makes an entry not count before some units (`not before 机色`).
    public static let notBeforePrefix = "not before "
    /// The value that makes an entry not count after some units (`not after 泰平`).
    public static let notAfterPrefix = "not after "
    /// The value that makes an entry not stop a span at the span's first unit.
    public static let notFirstValue = "not first"

    /// Whether a stop word ends at `end`: an entry ends there, the unit at `end` (if any,
    /// below `upper`) is not one its value says it does not count before, and the unit
    /// before the entry (if any, from `lowerBound`) not one it does not count after.
    public func endsStop(_ text: UnsafeBufferPointer<UInt16>, at end: Int, lowerBound: Int, upper: Int) -> Bool {
        guard hasLimits else { return hasEntry(text, endingAt: end, lowerBound: lowerBound) }
        guard end > lowerBound else { return false }
        let next: UInt16? = end < upper ? text[end] : nil
        var node = 0
        var i = end - 1
        while i >= lowerBound {
            let c = reverse.child(node, text[i])
            if c < 0 { break }
            node = c
            let e = Int(reverseEntry[node])
            if e >= 0 && limits[e].allow(before: i > lowerBound ? text[i - 1] : nil, after: next) { return true }
            i -= 1
        }
        return false
    }

    /// Whether a stop word starts at `start` (the forward counterpart of `endsStop`, for
    /// spans): an entry starts there, the unit after it (if any, below `upper`) is not one
    /// its value says it does not count before, and the unit before `start` (from
    /// `lowerBound`) not one it does not count after (五 stops 家具|五 but not 五金).
    public func startsStop(_ text: UnsafeBufferPointer<UInt16>, at start: Int, lowerBound: Int, upper: Int, spanFirst: Bool = false) -> Bool {
        guard hasLimits else { return hasEntry(text, startingAt: start, limit: upper) }
        var found = false
        forEachMatch(text, at: start, limit: upper) { end, e in
            if found || (spanFirst && limits[e].notFirst) { return }
            found = limits[e].allow(before: start > lowerBound ? text[start - 1] : nil, after: end < upper ? text[end] : nil)
        }
        return found
    }

    /// Whether `range` of `text` is a sequence of entries (水利|投资|发展).
    public func covers(_ text: UnsafeBufferPointer<UInt16>, _ range: Range<Int>) -> Bool {
        if range.isEmpty { return true }
        var reachable = [Bool](repeating: false, count: range.count + 1)
        reachable[0] = true
        for i in 0..<range.count where reachable[i] {
            forEachMatch(text, at: range.lowerBound + i, limit: range.upperBound) { end, _ in reachable[end - range.lowerBound] = true }
            if reachable[range.count] { return true }
        }
        return reachable[range.count]
    }

    /// The length of the longest entry that ends at `end`, or 0.
    public func longestEntry(_ text: UnsafeBufferPointer<UInt16>, endingAt end: Int, lowerBound: Int) -> Int {
        guard end > lowerBound else { return 0 }
        let last = text[end - 1]
        if lastUnitBits[Int(last) >> 6] & (1 << (UInt64(last) & 63)) == 0 { return 0 }
        var node = 0
        var i = end - 1
        var longest = 0
        while i >= lowerBound {
            let c = reverse.child(node, text[i])
            if c < 0 { break }
            node = c
            if reverseEntry[node] >= 0 { longest = end - i }
            i -= 1
        }
        return longest
    }

    /// Parses lexicon text; problems come back as `file:line` diagnostics.
    public static func parse(name: String, file: String, text: String) -> (Lexicon, [RuleDiagnostic]) {
        var entries: [Entry] = []
        var problems: [RuleDiagnostic] = []
        var seen: [String: Int] = [:]
        // `# kind: names` in the header: every entry must be something a name can hold.
        var namesOnly = false
        for (i, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = i + 1
            var s = rawLine
            if s.hasSuffix("\r") { s.removeLast() }
            if s.hasPrefix("#") {
                if s.filter({ $0 != " " }) == "#kind:names" { namesOnly = true }
                continue
            }
            if Lexicon.trimmed(s).isEmpty {
                if !s.isEmpty { problems.append(RuleDiagnostic(file: file, line: line, message: "blank line holds only spaces")) }
                continue
            }
            let tab = s.firstIndex(of: "\t")
            let entry = String(tab.map { s[..<$0] } ?? s)
            let value = tab.map { String(Lexicon.trimmed(s[s.index(after: $0)...])) }
            if Lexicon.trimmed(Substring(entry)).count != entry.count || entry.utf8.contains(0x20) && !entry.contains(where: { $0.isLetter && $0.isASCII }) {
                problems.append(RuleDiagnostic(file: file, line: line, message: "entry \"\(entry)\" has leading, trailing or inner spaces (separate a value with a tab)"))
                continue
            }
            if entry.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "#" }) {
                problems.append(RuleDiagnostic(file: file, line: line, message: "entry \"\(entry)\" holds a character that cannot be part of the text it matches"))
                continue
            }
            if namesOnly {
                let u = Array(entry.utf16)
                let bad = u.withUnsafeBufferPointer { b in b.indices.first { !RuleMatcher.isNameUnit(b, $0, 0, b.count) } }
                if let bad {
                    let ch = String(decoding: u[bad...bad], as: UTF16.self)
                    problems.append(RuleDiagnostic(file: file, line: line, message: "entry \"\(entry)\" holds \"\(ch)\", which cannot be part of a name (this lexicon says # kind: names)"))
                    continue
                }
            }
            if let first = seen[entry] {
                problems.append(RuleDiagnostic(file: file, line: line, message: "duplicate entry \"\(entry)\" (first at line \(first))"))
                continue
            }
            if let value, value.isEmpty {
                problems.append(RuleDiagnostic(file: file, line: line, message: "entry \"\(entry)\" has a tab but no value"))
                continue
            }
            seen[entry] = line
            entries.append(Entry(text: Array(entry.utf16), value: value, line: line))
        }
        return (Lexicon(name: name, file: file, entries: entries), problems)
    }

    /// A value as a number when it is written as one (a multiplier's `10000`), else nil.
    static func number(of value: String?) -> Double? {
        guard let value, let first = value.utf8.first, first >= 0x30 && first <= 0x39 else { return nil }
        return Double(value)
    }

    /// `s` without the spaces and tabs at either end (what Foundation's `.whitespaces`
    /// trims; Foundation's trimming was half of loading the rules).
    static func trimmed(_ s: Substring) -> Substring {
        func blank(_ c: Unicode.Scalar) -> Bool { c == "\t" || c.properties.generalCategory == .spaceSeparator }
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !blank($0) }) else { return s[s.endIndex...] }
        let last = scalars.lastIndex(where: { !blank($0) })!
        return Substring(scalars[first...last])
    }

    /// Entries matching `text` at `start` (not past `limit`), longest first, as
    /// (end position, entry index).
    public func matches(_ text: UnsafeBufferPointer<UInt16>, at start: Int, limit: Int) -> [(end: Int, entry: Int)] {
        var out: [(Int, Int)] = []
        forEachMatch(text, at: start, limit: limit) { out.append(($0, $1)) }
        return out.reversed()
    }

    /// Whether some entry starts at `start` and ends by `limit`.
    @inline(__always)
    public func hasEntry(_ text: UnsafeBufferPointer<UInt16>, startingAt start: Int, limit: Int) -> Bool {
        guard start < limit, firstUnitBits[Int(text[start]) >> 6] & (1 << (UInt64(text[start]) & 63)) != 0 else { return false }
        var node = 0
        var i = start
        while i < limit {
            let c = forward.child(node, text[i])
            if c < 0 { return false }
            node = c
            i += 1
            if terminal[node] >= 0 { return true }
        }
        return false
    }

    /// Calls `body(end, entry)` for each entry matching at `start`, shortest first,
    /// without allocating.
    @inline(__always)
    public func forEachMatch(_ text: UnsafeBufferPointer<UInt16>, at start: Int, limit: Int, _ body: (Int, Int) -> Void) {
        guard start < limit, firstUnitBits[Int(text[start]) >> 6] & (1 << (UInt64(text[start]) & 63)) != 0 else { return }
        var node = 0
        var i = start
        while i < limit {
            let c = forward.child(node, text[i])
            if c < 0 { return }
            node = c
            i += 1
            if terminal[node] >= 0 { body(i, Int(terminal[node])) }
        }
    }


    /// One lexicon holding the entries of several (first occurrence kept), for a stem's
    /// stop words drawn from more than one file.
    /// The entries of several lexicons; a word in more than one keeps its first entry,
    /// unless a later one has no value where the first has stop limits: a stop word
    /// stops wherever one of the joined lexicons says it does (建设 in name_stop, with its
    /// exceptions, and in project_stop, without: a project's name stops at every 建设).
    static func union(_ lexicons: [Lexicon]) -> Lexicon {
        var at: [[UInt16]: Int] = [:]
        var entries: [Entry] = []
        for l in lexicons {
            for e in l.entries {
                if let i = at[e.text] {
                    if e.value == nil, !StopLimits(value: entries[i].value).isEmpty { entries[i] = e }
                } else {
                    at[e.text] = entries.count
                    entries.append(e)
                }
            }
        }
        return Lexicon(name: lexicons.map(\.name).joined(separator: "+"), file: lexicons.map(\.file).joined(separator: "+"), entries: entries)
    }

    public func contains(_ s: String) -> Bool { lookup(s) != nil }

    /// The entry spelled exactly `s`.
    public func lookup(_ s: String) -> Entry? {
        let u = Array(s.utf16)
        return u.withUnsafeBufferPointer { b in
            matches(b, at: 0, limit: b.count).first { $0.end == b.count }.map { entries[$0.entry] }
        }
    }
}

import Foundation
