import LianluCore

/// Character-level normalization (SPEC.md stage 1): NFKC, 「」 -> “”, 『』 -> ‘’, line
/// endings to `\n`, other control characters to spaces.
///
/// NFKC runs through ICU, but a Swift fast path handles what Chinese news is made of:
/// ideographs and ASCII are already NFKC, and the full-width forms U+FF01-U+FF5E and the
/// ideographic space map one-for-one to ASCII (exactly what NFKC does to them). Only the
/// remaining characters are handed to ICU, in segments cut at normalization boundaries,
/// so the result equals ICU's NFKC of the whole text.
public struct CharacterNormalizer {
    private let nfkc = ICUNormalizer.nfkc

    public init() {}

    /// Fast-path class of a unit: 0 = unchanged by NFKC and a normalization boundary,
    /// 1 = maps to a single other unit (returned), 2 = ask ICU.
    @inline(__always) private static func fast(_ u: UInt16) -> (Int, UInt16) {
        if u < 0x80 {
            if u >= 0x20 || u == 0x0A || u == 0x09 { return (0, u) }
            if u == 0x0D { return (2, u) }  // handled by the line-ending pass
            if u == 0x0C { return (1, 0x0A) }  // form feed: a page break in e-paper dumps
            return (1, 0x20)
        }
        if u >= 0x4E00 && u <= 0x9FFF { return (0, u) }
        if u >= 0xFF01 && u <= 0xFF5E { return (1, u &- 0xFEE0) }
        switch u {
        case 0x3000: return (1, 0x20)
        case 0x3001, 0x3002, 0x201C, 0x201D, 0x2018, 0x2019, 0x00B7, 0x2014, 0x25A1, 0x25C6,
             0x3008...0x3011, 0x3014...0x301B:
            // 、。“”‘’·—□◆《》【】〔〕 and friends: NFKC leaves them alone.
            if u == 0x300C { return (1, 0x201C) }  // 「
            if u == 0x300D { return (1, 0x201D) }  // 」
            if u == 0x300E { return (1, 0x2018) }  // 『
            if u == 0x300F { return (1, 0x2019) }  // 』
            return (0, u)
        case 0x2028, 0x2029: return (1, 0x0A)
        default: return (2, u)
        }
    }

    /// Normalizes `input`; the editor's map says where each output unit came from.
    public func normalize(_ input: UnsafeBufferPointer<UInt16>) -> TextEditor {
        var ed = TextEditor(capacity: input.count)
        let n = input.count
        var copyStart = 0
        var i = 0
        while i < n {
            let u = input[i]
            let (cls, repl) = CharacterNormalizer.fast(u)
            if cls == 0 { i += 1; continue }
            if cls == 1 {
                // A following combining mark would compose with the replacement's source;
                // let ICU handle that rare case.
                if i + 1 < n, CharacterNormalizer.fast(input[i + 1]).0 == 2, !boundaryBefore(input, i + 1) {
                    // fall through to the ICU path below
                } else {
                    ed.copy(UnsafeBufferPointer(rebasing: input[copyStart..<i]))
                    ed.replace(inLength: 1, with: CollectionOfOne(repl), linear: true)
                    i += 1
                    copyStart = i
                    continue
                }
            }
            if u == 0x0D {
                ed.copy(UnsafeBufferPointer(rebasing: input[copyStart..<i]))
                if i + 1 < n, input[i + 1] == 0x0A {
                    ed.delete(inLength: 1)  // CR LF -> LF: the LF is copied next
                } else {
                    ed.replace(inLength: 1, with: CollectionOfOne(UInt16(0x0A)), linear: true)
                }
                i += 1
                copyStart = i
                continue
            }
            // ICU path: a segment from the last boundary at or before i to the next
            // fast-path character (which always starts a new boundary).
            var segStart = i
            while segStart > copyStart, !boundaryBefore(input, segStart) { segStart -= 1 }
            var segEnd = i + 1
            while segEnd < n, CharacterNormalizer.fast(input[segEnd]).0 == 2 || !boundaryBefore(input, segEnd) {
                if input[segEnd] == 0x0D { break }
                segEnd += 1
            }
            ed.copy(UnsafeBufferPointer(rebasing: input[copyStart..<segStart]))
            let seg = UnsafeBufferPointer(rebasing: input[segStart..<segEnd])
            if nfkc.quickCheckYesPrefix(seg) == seg.count {
                ed.copy(seg)
            } else {
                emitNormalized(seg, into: &ed)
            }
            i = segEnd
            copyStart = i
        }
        ed.copy(UnsafeBufferPointer(rebasing: input[copyStart..<n]))
        return ed
    }

    /// Normalizes one segment, keeping one-for-one mappings per character where possible
    /// so offsets stay exact (`…` -> `...` becomes one block; `ｶ` -> `カ` stays linear).
    private func emitNormalized(_ seg: UnsafeBufferPointer<UInt16>, into ed: inout TextEditor) {
        // Split the segment at boundaries to keep blocks small.
        var start = 0
        while start < seg.count {
            var end = start + (TextUnits.isHighSurrogate(seg[start]) && start + 1 < seg.count ? 2 : 1)
            while end < seg.count, !boundaryBefore(seg, end) { end += 1 }
            let piece = UnsafeBufferPointer(rebasing: seg[start..<end])
            var out = nfkc.normalize(piece)
            // The one-for-one rules (quote forms, line and paragraph separators, control
            // characters) apply inside a segment too.
            for k in out.indices {
                let (cls, repl) = CharacterNormalizer.fast(out[k])
                if cls == 1 { out[k] = repl }
            }
            if out.elementsEqual(piece) {
                ed.copy(piece)
            } else {
                ed.replace(inLength: piece.count, with: out, linear: out.count == piece.count && piece.count == 1)
            }
            start = end
        }
    }

    @inline(__always) private func boundaryBefore(_ t: UnsafeBufferPointer<UInt16>, _ i: Int) -> Bool {
        let u = t[i]
        if u < 0x300 { return true }
        if TextUnits.isLowSurrogate(u) { return false }
        var cp = UInt32(u)
        if TextUnits.isHighSurrogate(u), i + 1 < t.count, TextUnits.isLowSurrogate(t[i + 1]) {
            cp = 0x10000 + ((UInt32(u) - 0xD800) << 10) + (UInt32(t[i + 1]) - 0xDC00)
        }
        return nfkc.hasBoundaryBefore(cp)
    }
}
