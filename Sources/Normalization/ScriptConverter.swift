import LianluCore

/// Detects Traditional Chinese and converts it to Simplified (SPEC.md stage 1).
///
/// Detection counts characters that exist only in Traditional writing: those ICU's
/// `Traditional-Simplified` transliterator changes. The set is computed once per
/// process from ICU itself (one transliteration of every BMP ideograph), so it always
/// agrees with the converter. A Simplified article that quotes one Traditional name
/// stays untouched; a Traditional one has roughly a fifth of its characters in the set.
public final class ScriptConverter {
    /// One bit per BMP code unit: set when T->S changes that ideograph.
    static let traditionalOnly: [UInt64] = {
        var bits = [UInt64](repeating: 0, count: 65536 / 64)
        guard let t = try? ICUTransliterator(id: "Traditional-Simplified") else { return bits }
        for range in [0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF] {
            let chars = range.map { UInt16($0) }
            let out = chars.withUnsafeBufferPointer { t.transliterate($0) }
            if out.count == chars.count {
                for (a, b) in zip(chars, out) where a != b { bits[Int(a) >> 6] |= 1 << (UInt64(a) & 63) }
            } else {
                // Not one-for-one: fall back to asking per character.
                for c in chars {
                    let o = [c].withUnsafeBufferPointer { t.transliterate($0) }
                    if o != [c] { bits[Int(c) >> 6] |= 1 << (UInt64(c) & 63) }
                }
            }
        }
        return bits
    }()

    @inline(__always) static func isTraditionalOnly(_ u: UInt16) -> Bool {
        traditionalOnly[Int(u) >> 6] & (1 << (UInt64(u) & 63)) != 0
    }

    /// Minimum share of Traditional-only characters among ideographs (percent).
    public static let thresholdPercent = 5
    /// And at least this many of them, so a short Simplified text with one 乾 is safe.
    public static let minimumCount = 3

    private let transliterator: ICUTransliterator?

    public init() {
        transliterator = try? ICUTransliterator(id: "Traditional-Simplified")
        _ = ScriptConverter.traditionalOnly
    }

    /// Whether `text` is written in Traditional characters.
    public static func isTraditional(_ text: UnsafeBufferPointer<UInt16>) -> Bool {
        var han = 0, trad = 0
        for u in text where TextUnits.isIdeograph(u) {
            han += 1
            if isTraditionalOnly(u) { trad += 1 }
        }
        return trad >= minimumCount && trad * 100 >= han * thresholdPercent
    }

    /// Converts Traditional to Simplified. Usually one-for-one (the map stays linear);
    /// where ICU changes a line's length, that line maps as one block.
    public func toSimplified(_ input: UnsafeBufferPointer<UInt16>) -> TextEditor {
        var ed = TextEditor(capacity: input.count)
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
