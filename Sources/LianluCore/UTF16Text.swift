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
        while i < n {
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

    public static func units(_ s: String) -> [UInt16] { Array(s.utf16) }

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
        var out = [UInt16]()
        out.reserveCapacity(bytes.count)
        var firstInvalid = -1
        var validMulti = 0, invalid = 0
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 {
                if firstInvalid < 0 { out.append(UInt16(b0)) }
                i += 1
                continue
            }
            var need = 0
            var scalar: UInt32 = 0
            var minValue: UInt32 = 0
            if b0 & 0xE0 == 0xC0 { need = 1; scalar = UInt32(b0 & 0x1F); minValue = 0x80 }
            else if b0 & 0xF0 == 0xE0 { need = 2; scalar = UInt32(b0 & 0x0F); minValue = 0x800 }
            else if b0 & 0xF8 == 0xF0 { need = 3; scalar = UInt32(b0 & 0x07); minValue = 0x10000 }
            var ok = need > 0 && i + need < n
            if ok {
                for k in 1...need {
                    let b = bytes[i + k]
                    if b & 0xC0 != 0x80 { ok = false; break }
                    scalar = scalar << 6 | UInt32(b & 0x3F)
                }
            }
            if ok && (scalar < minValue || scalar > 0x10FFFF || (scalar >= 0xD800 && scalar <= 0xDFFF)) { ok = false }
            if ok {
                validMulti += 1
                if firstInvalid < 0 {
                    if scalar >= 0x10000 {
                        let v = scalar - 0x10000
                        out.append(UInt16(0xD800 + (v >> 10)))
                        out.append(UInt16(0xDC00 + (v & 0x3FF)))
                    } else {
                        out.append(UInt16(scalar))
                    }
                }
                i += need + 1
            } else {
                invalid += 1
                if firstInvalid < 0 { firstInvalid = i; out = [] }
                i += 1
            }
        }
        if firstInvalid >= 0 { return .invalid(offset: firstInvalid, validMultibyte: validMulti, invalidSequences: invalid) }
        return .text(out)
    }

    public static func decode(_ bytes: [UInt8]) -> UTF8DecodeResult {
        bytes.withUnsafeBufferPointer { decode($0) }
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
