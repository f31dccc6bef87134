import LianluCore

/// Decodes the bytes of a text file, detecting its encoding.
///
/// Order of evidence: a byte-order mark; valid UTF-8 (the common case, checked in one
/// strict pass); then ICU's charset detector restricted to the encodings SPEC.md names
/// (GB18030/GBK, Big5, UTF-16), each tried with a strict converter. A file that is
/// almost UTF-8 but has a few bad sequences is reported as broken UTF-8 at the first
/// bad byte, not reinterpreted as mojibake in some other charset.
public enum TextDecoder {
    public struct Decoded {
        public var text: [UInt16]
        public var encoding: String
    }

    public struct Failure: Error, Equatable {
        public var code: RejectCode
        public var byteOffset: Int?
        public var reason: String
        /// The 1-based line of `byteOffset` (set by `DocumentNormalizer`, which has the bytes).
        public var line: Int?
    }

    public static func decode(_ bytes: [UInt8]) -> Result<Decoded, Failure> {
        bytes.withUnsafeBufferPointer { decode($0) }
    }

    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Decoded, Failure> {
        let n = bytes.count
        if n == 0 { return .success(Decoded(text: [], encoding: "UTF-8")) }
        // Byte-order marks.
        if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            return utf8(UnsafeBufferPointer(rebasing: bytes[3...]), offsetBase: 3)
        }
        if n >= 2, (bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF) {
            let le = bytes[0] == 0xFF
            let name = le ? "UTF-16LE" : "UTF-16BE"
            if n % 2 != 0 {
                return .failure(Failure(code: .invalidBytes, byteOffset: n - 1,
                                        reason: "\(name) file (byte-order mark) has an odd number of bytes; the last byte at offset \(n - 1) is half a character"))
            }
            return utf16(UnsafeBufferPointer(rebasing: bytes[2...]), littleEndian: le, offsetBase: 2)
        }
        // UTF-16 without BOM shows as NUL bytes in every other position; anything else
        // with NULs or many control bytes is binary.
        if let nul = firstNUL(bytes) {
            if let guess = utf16WithoutBOM(bytes) { return guess }
            return .failure(Failure(code: .binaryContent, byteOffset: nul,
                                    reason: "binary content: NUL byte at offset \(nul); not a text file"))
        }
        if let bad = controlHeavy(bytes) {
            return .failure(Failure(code: .binaryContent, byteOffset: bad,
                                    reason: "binary content: control bytes make up more than 5% of the first 64 KB (first at offset \(bad))"))
        }
        switch UTF8Decoder.decode(bytes) {
        case let .text(t):
            return .success(Decoded(text: t, encoding: "UTF-8"))
        case let .invalid(offset, validMulti, invalid):
            // Mostly valid UTF-8: the file is UTF-8 with damage.
            if validMulti >= 4 && validMulti >= invalid * 8 {
                return .failure(Failure(code: .invalidUTF8, byteOffset: offset,
                                        reason: "invalid UTF-8 byte sequence at byte offset \(offset) (\(hexAround(bytes, offset))); \(invalid) bad sequence(s) among \(validMulti) valid multi-byte characters"))
            }
            return legacy(bytes, utf8Offset: offset)
        }
    }

    private static func utf8(_ bytes: UnsafeBufferPointer<UInt8>, offsetBase: Int) -> Result<Decoded, Failure> {
        switch UTF8Decoder.decode(bytes) {
        case let .text(t): return .success(Decoded(text: t, encoding: "UTF-8"))
        case let .invalid(offset, _, invalid):
            return .failure(Failure(code: .invalidUTF8, byteOffset: offset + offsetBase,
                                    reason: "invalid UTF-8 byte sequence at byte offset \(offset + offsetBase) (\(hexAround(bytes, offset))) in a file with a UTF-8 byte-order mark; \(invalid) bad sequence(s)"))
        }
    }

    private static func utf16(_ bytes: UnsafeBufferPointer<UInt8>, littleEndian: Bool, offsetBase: Int) -> Result<Decoded, Failure> {
        var out = [UInt16]()
        out.reserveCapacity(bytes.count / 2)
        var i = 0
        while i + 1 < bytes.count {
            let u = littleEndian ? UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8 : UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])
            out.append(u)
            i += 2
        }
        // Strictness: surrogates must pair up.
        var k = 0
        while k < out.count {
            let u = out[k]
            if u & 0xFC00 == 0xD800 {
                if k + 1 < out.count, out[k + 1] & 0xFC00 == 0xDC00 { k += 2; continue }
                return .failure(Failure(code: .invalidBytes, byteOffset: offsetBase + 2 * k, reason: "unpaired UTF-16 surrogate at byte offset \(offsetBase + 2 * k)"))
            }
            if u & 0xFC00 == 0xDC00 {
                return .failure(Failure(code: .invalidBytes, byteOffset: offsetBase + 2 * k, reason: "unpaired UTF-16 surrogate at byte offset \(offsetBase + 2 * k)"))
            }
            k += 1
        }
        if out.contains(0) {
            let z = out.firstIndex(of: 0)!
            return .failure(Failure(code: .binaryContent, byteOffset: offsetBase + 2 * z, reason: "binary content: NUL character at byte offset \(offsetBase + 2 * z) of a UTF-16 file"))
        }
        return .success(Decoded(text: out, encoding: littleEndian ? "UTF-16LE" : "UTF-16BE"))
    }

    private static func firstNUL(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        // memchr-speed scan via the standard library's optimized firstIndex.
        bytes.firstIndex(of: 0)
    }

    private static func utf16WithoutBOM(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Decoded, Failure>? {
        guard bytes.count % 2 == 0, bytes.count >= 4 else { return nil }
        let sample = min(bytes.count, 4096) & ~1
        var evenZeros = 0, oddZeros = 0
        for i in stride(from: 0, to: sample, by: 2) {
            if bytes[i] == 0 { evenZeros += 1 }
            if bytes[i + 1] == 0 { oddZeros += 1 }
        }
        let pairs = sample / 2
        // ASCII-heavy UTF-16: one side of nearly every pair is zero, the other almost never.
        if oddZeros * 10 >= pairs * 3 && evenZeros * 20 < pairs {
            if case let .success(d) = utf16(bytes, littleEndian: true, offsetBase: 0) { return .success(d) }
        }
        if evenZeros * 10 >= pairs * 3 && oddZeros * 20 < pairs {
            if case let .success(d) = utf16(bytes, littleEndian: false, offsetBase: 0) { return .success(d) }
        }
        return nil
    }

    private static func controlHeavy(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let sample = min(bytes.count, 64 * 1024)
        var count = 0
        var first = -1
        for i in 0..<sample {
            let b = bytes[i]
            if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D && b != 0x0C && b != 0x1B {
                count += 1
                if first < 0 { first = i }
            }
        }
        return count * 20 > sample ? first : nil
    }

    /// Encodings other than UTF-8 that SPEC.md accepts, tried in the detector's order.
    private static let legacyCharsets: Set<String> = ["GB18030", "Big5"]

    private static func legacy(_ bytes: UnsafeBufferPointer<UInt8>, utf8Offset: Int) -> Result<Decoded, Failure> {
        let candidates = ICUCharset.detect(bytes)
        var order = candidates.filter { legacyCharsets.contains($0.name) }.map(\.name)
        for fallback in ["GB18030", "Big5"] where !order.contains(fallback) { order.append(fallback) }
        var attempts: [String] = []
        var best: (name: String, offset: Int, reason: String)?
        for name in order {
            switch ICUCharset.convert(bytes, from: name) {
            case let .text(t):
                if plausibleChinese(t) { return .success(Decoded(text: t, encoding: name)) }
                attempts.append("\(name) decodes but does not read as Chinese text")
            case let .invalid(offset, reason):
                attempts.append("\(name): \(reason) at byte offset \(offset)")
                if best == nil || offset > best!.offset { best = (name, offset, reason) }
            }
        }
        // The detector named a legacy charset with confidence, but the file breaks it.
        if let top = candidates.first, legacyCharsets.contains(top.name), top.confidence >= 30,
           case let .invalid(offset, reason) = ICUCharset.convert(bytes, from: top.name) {
            return .failure(Failure(code: .invalidBytes, byteOffset: offset,
                                    reason: "looks like \(top.name) (confidence \(top.confidence)) but has a \(reason) sequence at byte offset \(offset) (\(hexAround(bytes, offset)))"))
        }
        let detected = candidates.prefix(3).map { "\($0.name) \($0.confidence)" }.joined(separator: ", ")
        return .failure(Failure(code: .unknownEncoding, byteOffset: utf8Offset,
                                reason: "encoding could not be determined: not UTF-8 (invalid byte at offset \(utf8Offset): \(hexAround(bytes, utf8Offset))); \(attempts.joined(separator: "; "))" + (detected.isEmpty ? "" : "; ICU detector: \(detected)")))
    }

    /// Whether decoded text reads as Chinese: most non-ASCII characters are ideographs
    /// or CJK punctuation (mojibake from a wrong charset is full of rare symbols).
    static func plausibleChinese(_ t: [UInt16]) -> Bool {
        var nonASCII = 0, cjk = 0
        for u in t where u >= 0x80 {
            nonASCII += 1
            if TextUnits.isIdeograph(u) || (u >= 0x3000 && u <= 0x303F) || (u >= 0xFF00 && u <= 0xFFEF) || u == 0x201C || u == 0x201D || u == 0x2018 || u == 0x2019 || u == 0x2026 || u == 0x00B7 || u == 0x2014 {
                cjk += 1
            }
        }
        return nonASCII == 0 || cjk * 10 >= nonASCII * 8
    }

    static func hexAround(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int) -> String {
        let end = min(bytes.count, offset + 4)
        guard offset < end else { return "end of file" }
        let hex = Array("0123456789ABCDEF")
        return "bytes " + bytes[offset..<end].map { "\(hex[Int($0 >> 4)])\(hex[Int($0 & 0xF)])" }.joined(separator: " ")
    }
}
