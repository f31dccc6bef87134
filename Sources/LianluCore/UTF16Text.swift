/// Text inside Lianlu is UTF-16 (`[UInt16]`), the encoding ICU works in. SPEC.md offsets
/// are Unicode code points; `CodePointIndex` converts between the two in O(log n) using
/// the positions of surrogate pairs, which Chinese news rarely contains (CJK Extension B
/// and emoji), so for most documents the conversion is the identity.
public struct CodePointIndex: Sendable {
    /// UTF-16 offsets of the high surrogate of every surrogate pair, ascending.
    public let pairStarts: [Int32]

    public init(_ text: UnsafeBufferPointer<UInt16>) {
        var starts: [Int32] = []
        var i = 0
        let n = text.count
        guard let base = text.baseAddress else { pairStarts = []; return }
        while i < n {
            // Four units at a time while none is a surrogate (Chinese text has almost
            // none): this scan runs twice over every document.
            while i + 4 <= n, !CodePointIndex.anySurrogate(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) { i += 4 }
            guard i < n else { break }
            if text[i] & 0xFC00 == 0xD800, i + 1 < n, text[i + 1] & 0xFC00 == 0xDC00 {
                starts.append(Int32(i))
                i += 2
            } else {
                i += 1
            }
        }
        pairStarts = starts
    }

    public init(_ text: [UInt16]) {
        self = text.withUnsafeBufferPointer { CodePointIndex($0) }
    }

    /// Whether any of the four UTF-16 units in `x` is a surrogate (D800-DFFF): a lane is
    /// zero after masking to its top five bits and flipping D800's; the borrow trick
    /// finds a zero lane.
    @inline(__always) static func anySurrogate(_ x: UInt64) -> Bool {
        let z = (x & 0xF800_F800_F800_F800) ^ 0xD800_D800_D800_D800
        return (z &- 0x0001_0001_0001_0001) & ~z & 0x8000_8000_8000_8000 != 0
    }

    /// Number of pairs starting before `utf16Offset`.
    @inline(__always) private func pairsBefore(_ utf16Offset: Int) -> Int {
        var lo = 0, hi = pairStarts.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if Int(pairStarts[mid]) < utf16Offset { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    public func codePointOffset(utf16 offset: Int) -> Int {
        pairStarts.isEmpty ? offset : offset - pairsBefore(offset)
    }

    /// The UTF-16 offset of code point `cp`.
    public func utf16Offset(codePoint cp: Int) -> Int {
        if pairStarts.isEmpty { return cp }
        // The k-th pair (0-based) starts at code point pairStarts[k] - k.
        var lo = 0, hi = pairStarts.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if Int(pairStarts[mid]) - mid < cp { lo = mid + 1 } else { hi = mid }
        }
        return cp + lo
    }
}

public enum TextUnits {
    @inline(__always) public static func isHighSurrogate(_ u: UInt16) -> Bool { u & 0xFC00 == 0xD800 }
    @inline(__always) public static func isLowSurrogate(_ u: UInt16) -> Bool { u & 0xFC00 == 0xDC00 }

    /// A Swift string from UTF-16 units (for messages, tests and small spans).
    public static func string(_ units: some Collection<UInt16>) -> String {
        String(decoding: units, as: Unicode.UTF16.self)
    }

    /// A Swift string from a UTF-16 span, transcoded straight into the string's UTF-8
    /// storage (the standard library's UTF-16 decoding goes through a generic parser,
    /// which was a tenth of extraction time). Unpaired surrogates become U+FFFD.
    public static func string(_ t: UnsafeBufferPointer<UInt16>, _ range: Range<Int>) -> String {
        String(unsafeUninitializedCapacity: range.count * 3) { out in
            var o = 0
            var i = range.lowerBound
            while i < range.upperBound {
                let u = t[i]
                if u < 0x80 {
                    out[o] = UInt8(u); o += 1; i += 1
                } else if u < 0x800 {
                    out[o] = UInt8(0xC0 | (u >> 6)); out[o + 1] = UInt8(0x80 | (u & 0x3F)); o += 2; i += 1
                } else if u & 0xFC00 == 0xD800, i + 1 < range.upperBound, t[i + 1] & 0xFC00 == 0xDC00 {
                    let v = 0x10000 + ((UInt32(u) - 0xD800) << 10) + (UInt32(t[i + 1]) - 0xDC00)
                    out[o] = UInt8(0xF0 | (v >> 18)); out[o + 1] = UInt8(0x80 | ((v >> 12) & 0x3F))
                    out[o + 2] = UInt8(0x80 | ((v >> 6) & 0x3F)); out[o + 3] = UInt8(0x80 | (v & 0x3F)); o += 4; i += 2
                } else {
                    let v: UInt16 = (u & 0xF800 == 0xD800) ? 0xFFFD : u
                    out[o] = UInt8(0xE0 | (v >> 12)); out[o + 1] = UInt8(0x80 | ((v >> 6) & 0x3F)); out[o + 2] = UInt8(0x80 | (v & 0x3F))
                    o += 3; i += 1
                }
            }
            return o
        }
    }

    /// The UTF-16 units of a string, transcoded straight from its UTF-8 storage (the
    /// standard library's `Array(s.utf16)` walks breadcrumbs and is several times slower).
    public static func units(_ s: String) -> [UInt16] {
        var s = s
        return s.withUTF8 { buf in
            if case let .text(t) = UTF8Decoder.decode(buf) { return t }
            return Array(String(decoding: buf, as: UTF8.self).utf16)
        }
    }

    /// Whether `u` is a CJK ideograph in the BMP (Unified, Extension A, Compatibility).
    @inline(__always) public static func isIdeograph(_ u: UInt16) -> Bool {
        (u >= 0x4E00 && u <= 0x9FFF) || (u >= 0x3400 && u <= 0x4DBF) || (u >= 0xF900 && u <= 0xFAFF)
    }

    @inline(__always) public static func isASCIIAlnum(_ u: UInt16) -> Bool {
        (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5A) || (u >= 0x61 && u <= 0x7A)
    }

    @inline(__always) public static func isASCIILetter(_ u: UInt16) -> Bool {
        (u >= 0x41 && u <= 0x5A) || (u >= 0x61 && u <= 0x7A)
    }

    @inline(__always) public static func isHorizontalSpace(_ u: UInt16) -> Bool {
        u == 0x20 || u == 0x09 || u == 0x3000 || u == 0xA0
    }
}

/// Result of decoding UTF-8: the text, or the first invalid byte with counts that help
/// decide whether the file is broken UTF-8 or another encoding altogether.
public enum UTF8DecodeResult {
    case text([UInt16])
    case invalid(offset: Int, validMultibyte: Int, invalidSequences: Int)
}

public enum UTF8Decoder {
    /// Strict UTF-8 to UTF-16 (no overlongs, no surrogates, nothing above U+10FFFF).
    /// On failure keeps scanning to count valid multi-byte and invalid sequences.
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> UTF8DecodeResult {
        let n = bytes.count
        guard let src = bytes.baseAddress, n > 0 else { return .text([]) }
        var firstInvalid = -1
        // Fast path: write straight into the result's storage (UTF-16 never needs more
        // units than UTF-8 has bytes).
        let out = [UInt16](unsafeUninitializedCapacity: n) { dst, initialized in
            let r = decode(bytes, into: dst.baseAddress!)
            firstInvalid = r.invalidAt ?? -1
            initialized = firstInvalid < 0 ? r.written : 0
        }
        if firstInvalid < 0 { return .text(out) }
        // Slow path for the report: count valid and invalid sequences over the whole input.
        var validMulti = 0, invalid = 0
        var i = 0
        while i < n {
            if src[i] < 0x80 { i += 1; continue }
            if let len = multibyteLength(src, at: i, count: n) { validMulti += 1; i += len } else { invalid += 1; i += 1 }
        }
        return .invalid(offset: firstInvalid, validMultibyte: validMulti, invalidSequences: invalid)
    }

    /// The length of the strict UTF-8 multi-byte sequence at `i` (no overlongs, no
    /// surrogates, nothing above U+10FFFF), or nil if there is none.
    @inline(__always)
    static func multibyteLength(_ src: UnsafePointer<UInt8>, at i: Int, count n: Int) -> Int? {
        let b0 = src[i]
        var need = 0, minValue: UInt32 = 0, scalar: UInt32 = 0
        if b0 & 0xE0 == 0xC0 { need = 1; scalar = UInt32(b0 & 0x1F); minValue = 0x80 }
        else if b0 & 0xF0 == 0xE0 { need = 2; scalar = UInt32(b0 & 0x0F); minValue = 0x800 }
        else if b0 & 0xF8 == 0xF0 { need = 3; scalar = UInt32(b0 & 0x07); minValue = 0x10000 }
        else { return nil }
        guard i + need < n else { return nil }
        for k in 1...need {
            let b = src[i + k]
            if b & 0xC0 != 0x80 { return nil }
            scalar = scalar << 6 | UInt32(b & 0x3F)
        }
        if scalar < minValue || scalar > 0x10FFFF || (scalar >= 0xD800 && scalar <= 0xDFFF) { return nil }
        return need + 1
    }

    /// Whether `bytes` are strict UTF-8 (the checks of `decode`), eight ASCII bytes at a
    /// time. `String(validating:as:)` does the same through generic code that looks up
    /// type metadata at run time on every call; JSON strings use this and then make the
    /// string with `String(decoding:as:)`, which has nothing left to repair.
    public static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let src = bytes.baseAddress else { return true }
        let n = bytes.count
        var i = 0
        while i < n {
            if i + 8 <= n, UnsafeRawPointer(src + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8; continue }
            if src[i] < 0x80 { i += 1; continue }
            guard let len = multibyteLength(src, at: i, count: n) else { return false }
            i += len
        }
        return true
    }

    public static func decode(_ bytes: [UInt8]) -> UTF8DecodeResult {
        bytes.withUnsafeBufferPointer { decode($0) }
    }

    /// Strict UTF-8 of `bytes` appended to `out` as UTF-16, the same checks as `decode`;
    /// the offset of the first invalid sequence (nothing appended), or nil. `out` must
    /// have room for `bytes.count` more units (UTF-16 never needs more units than UTF-8
    /// has bytes): a JSON string's runs between escapes are decoded straight into the
    /// string's buffer, not through an array each.
    @inline(__always)
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, into dst: UnsafeMutablePointer<UInt16>) -> (written: Int, invalidAt: Int?) {
        let n = bytes.count
        guard let src = bytes.baseAddress, n > 0 else { return (0, nil) }
        var i = 0, o = 0
        while i < n {
            let b0 = src[i]
            if b0 < 0x80 {
                dst[o] = UInt16(b0); o += 1; i += 1
                continue
            }
            if b0 & 0xF0 == 0xE0, i + 2 < n {
                let b1 = src[i + 1], b2 = src[i + 2]
                if b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80 {
                    let v = UInt16(b0 & 0x0F) << 12 | UInt16(b1 & 0x3F) << 6 | UInt16(b2 & 0x3F)
                    if v >= 0x800 && (v < 0xD800 || v > 0xDFFF) {
                        dst[o] = v; o += 1; i += 3
                        continue
                    }
                }
            } else if b0 & 0xE0 == 0xC0, i + 1 < n {
                let b1 = src[i + 1]
                if b1 & 0xC0 == 0x80, b0 >= 0xC2 {
                    dst[o] = UInt16(b0 & 0x1F) << 6 | UInt16(b1 & 0x3F); o += 1; i += 2
                    continue
                }
            } else if b0 & 0xF8 == 0xF0, i + 3 < n {
                let b1 = src[i + 1], b2 = src[i + 2], b3 = src[i + 3]
                if b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80, b3 & 0xC0 == 0x80 {
                    let v = UInt32(b0 & 0x07) << 18 | UInt32(b1 & 0x3F) << 12 | UInt32(b2 & 0x3F) << 6 | UInt32(b3 & 0x3F)
                    if v >= 0x10000 && v <= 0x10FFFF {
                        let w = v - 0x10000
                        dst[o] = UInt16(0xD800 + (w >> 10)); dst[o + 1] = UInt16(0xDC00 + (w & 0x3FF)); o += 2; i += 4
                        continue
                    }
                }
            }
            return (o, i)
        }
        return (o, nil)
    }
}

/// 1-based line and column (in bytes) of a byte offset, for `file:line` messages.
public func lineAndColumn(of offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> (line: Int, column: Int) {
    var line = 1, lineStart = 0
    let end = min(offset, bytes.count)
    var i = 0
    while i < end {
        if bytes[i] == 0x0A { line += 1; lineStart = i + 1 }
        i += 1
    }
    return (line, offset - lineStart + 1)
}
