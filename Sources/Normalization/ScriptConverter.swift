import Foundation
import LianluCore

/// Detects Traditional Chinese and converts it to Simplified (SPEC.md stage 1).
///
/// Detection counts characters that exist only in Traditional writing: those ICU's
/// `Traditional-Simplified` transliterator changes. The set is computed once per
/// process from ICU itself (one transliteration of every BMP ideograph), so it always
/// agrees with the converter. A Simplified article that quotes one Traditional name
/// stays untouched; a Traditional one has roughly a fifth of its characters in the set.
public final class ScriptConverter {
    /// ICU's Traditional-Simplified rules, compiled into lookups: `simplified[u]` is the
    /// character `u` becomes on its own (0 where it stays), and `phrases[u]` the ordered
    /// phrase rules that start with `u` (`名著 > 名著` keeps 著 in that phrase while 著
    /// alone becomes 着). ICU tries the rules for the character at the cursor in order and
    /// applies the first that matches, and its phrase rules all keep their length, so
    /// this reproduces ICU exactly (a test compares the two) without its transliterator
    /// at run time, which is slow and takes a process-wide lock (measured: no gain at
    /// all from a second thread). Characters whose rules are anything else are flagged
    /// in `complex`, and a document containing one goes through ICU.
    struct Tables {
        var simplified = [UInt16](repeating: 0, count: 65536)
        var phrases: [UInt16: [(source: [UInt16], target: [UInt16])]] = [:]
        var complex = [UInt64](repeating: 0, count: 65536 / 64)
        var hasPhrase = [UInt64](repeating: 0, count: 65536 / 64)
        /// Traditional-only units (a simple or complex mapping) as an 8 KB bit set: the
        /// detector reads it for thousands of ideographs per document, and the 128 KB
        /// `simplified` table missed the cache on most of them.
        var traditionalOnly = [UInt64](repeating: 0, count: 65536 / 64)

        static func flag(_ bits: inout [UInt64], _ u: UInt16) { bits[Int(u) >> 6] |= 1 << (UInt64(u) & 63) }
    }

    static let tables: Tables = {
        var t = Tables()
        guard let icu = try? ICUTransliterator(id: "Traditional-Simplified") else { return t }
        // The rules are read as UTF-16 without Foundation: splitting and trimming each of
        // the thousands of rules through Foundation (and a CharacterSet per rule) was a
        // third of a worker's start-up.
        let units = Array(icu.rules.utf16)
        func isSpace(_ u: UInt16) -> Bool { u == 0x20 || u == 0x09 || u == 0x0A || u == 0x0D }
        func trimmed(_ a: Int, _ b: Int) -> ArraySlice<UInt16> {
            var a = a, b = b
            while a < b && isSpace(units[a]) { a += 1 }
            while b > a && isSpace(units[b - 1]) { b -= 1 }
            return units[a..<b]
        }
        // Rule syntax beyond a plain `source > target`: { } [ ] $ : \ | ' & @ ^
        let syntax: Set<UInt16> = Set("{}[]$:\\|'&@^".utf16)
        var start = 0
        while start < units.count {
            var end = start
            while end < units.count && units[end] != 0x3B { end += 1 }  // ;
            defer { start = end + 1 }
            guard let gt = (start..<end).first(where: { units[$0] == 0x3E }) else { continue }  // >
            if (gt + 1..<end).contains(where: { units[$0] == 0x3E }) { continue }  // not two parts
            let src = Array(trimmed(start, gt)), dst = Array(trimmed(gt + 1, end))
            guard let first = src.first else { continue }
            if (start..<end).contains(where: { syntax.contains(units[$0]) }) || src.count != dst.count
                || src.contains(where: { TextUnits.isHighSurrogate($0) || TextUnits.isLowSurrogate($0) }) {
                Tables.flag(&t.complex, first)
                continue
            }
            if src.count == 1 {
                if t.simplified[Int(first)] == 0 && dst[0] != first { t.simplified[Int(first)] = dst[0] }
            } else {
                t.phrases[first, default: []].append((src, dst))
                Tables.flag(&t.hasPhrase, first)
            }
        }
        for u in 0..<65536 where t.simplified[u] != 0 || t.complex[u >> 6] & (1 << UInt64(u & 63)) != 0 {
            t.traditionalOnly[u >> 6] |= 1 << UInt64(u & 63)
        }
        return t
    }()

    @inline(__always) static func isTraditionalOnly(_ u: UInt16) -> Bool {
        tables.simplified[Int(u)] != 0 || tables.complex[Int(u) >> 6] & (1 << (UInt64(u) & 63)) != 0
    }

    @inline(__always) static func test(_ bits: [UInt64], _ u: UInt16) -> Bool { bits[Int(u) >> 6] & (1 << (UInt64(u) & 63)) != 0 }

    /// Minimum share of Traditional-only characters among ideographs (percent).
    public static let thresholdPercent = 5
    /// And at least this many of them, so a short Simplified text with one 乾 is safe.
    public static let minimumCount = 3

    /// ICU's own transliterator, opened on first use: only documents with characters
    /// whose rules the tables do not hold need it, and opening one per worker was a
    /// visible part of start-up.
    private lazy var transliterator: ICUTransliterator? = try? ICUTransliterator(id: "Traditional-Simplified")

    public init() {
        _ = ScriptConverter.tables
    }

    /// Whether `text` is written in Traditional characters.
    /// Looks at up to `sampleIdeographs` ideographs: the decision is a proportion, and
    /// a long document's opening is as telling as all of it.
    public static func isTraditional(_ text: UnsafeBufferPointer<UInt16>, sampleIdeographs: Int = 4000) -> Bool {
        var han = 0, trad = 0
        let tables = ScriptConverter.tables
        tables.traditionalOnly.withUnsafeBufferPointer { bits in
            for u in text where TextUnits.isIdeograph(u) {
                han += 1
                if bits[Int(u) >> 6] & (1 << (UInt64(u) & 63)) != 0 { trad += 1 }
                if han >= sampleIdeographs { break }
            }
        }
        return trad >= minimumCount && trad * 100 >= han * thresholdPercent
    }

    /// Converts Traditional to Simplified. Usually one-for-one (the map stays linear);
    /// where ICU changes a line's length, that line maps as one block.
    public func toSimplified(_ input: UnsafeBufferPointer<UInt16>) -> TextEditor {
        var ed = TextEditor(capacity: input.count)
        let tables = ScriptConverter.tables
        var needsICU = false
        for u in input where ScriptConverter.test(tables.complex, u) { needsICU = true; break }
        if !needsICU {
            var out = [UInt16](input)
            var k = 0
            let n = input.count
            outer: while k < n {
                let u = input[k]
                if ScriptConverter.test(tables.hasPhrase, u), let rules = tables.phrases[u] {
                    for (src, dst) in rules where k + src.count <= n {
                        var match = true
                        for j in 1..<src.count where input[k + j] != src[j] { match = false; break }
                        if match {
                            for j in 0..<dst.count { out[k + j] = dst[j] }
                            k += src.count
                            continue outer
                        }
                    }
                }
                let m = tables.simplified[Int(u)]
                if m != 0 { out[k] = m }
                k += 1
            }
            ed.replace(inLength: input.count, with: out, linear: true)
            return ed
        }
        guard let transliterator else {
            ed.copy(input)
            return ed
        }
        let whole = transliterator.transliterate(input)
        if whole.count == input.count {
            ed.replace(inLength: input.count, with: whole, linear: true)
            return ed
        }
        // Line by line, so a length change stays local.
        var start = 0
        while start < input.count {
            var end = start
            while end < input.count, input[end] != 0x0A { end += 1 }
            let line = UnsafeBufferPointer(rebasing: input[start..<end])
            let out = transliterator.transliterate(line)
            ed.replace(inLength: line.count, with: out, linear: out.count == line.count)
            if end < input.count { ed.copy(UnsafeBufferPointer(rebasing: input[end..<end + 1])) }
            start = end + 1
        }
        return ed
    }
}
