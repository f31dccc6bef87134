import CICU

/// Swift faces of the ICU services Lianlu uses, over the CICU shim.

public struct ICUError: Error, CustomStringConvertible, Sendable {
    public let status: Int32
    public let context: String
    public init(_ status: Int32, _ context: String) {
        self.status = status
        self.context = context
    }
    public var name: String { String(cString: lianlu_error_name(status)) }
    public var description: String { "\(context): ICU \(name)" }
    @inline(__always) static func failed(_ s: Int32) -> Bool { s > 0 }
}

public enum ICUCharset {
    public struct Candidate: Sendable {
        public let name: String
        public let confidence: Int
    }

    /// ICU's charset detector's candidates, best first. The detector looks at the
    /// first few KB, which is what it was built for.
    public static func detect(_ bytes: UnsafeBufferPointer<UInt8>, sample: Int = 64 * 1024) -> [Candidate] {
        let n = min(bytes.count, sample)
        guard n > 0 else { return [] }
        let stride: Int32 = 32, maxMatches: Int32 = 16
        var names = [CChar](repeating: 0, count: Int(stride * maxMatches))
        var conf = [Int32](repeating: 0, count: Int(maxMatches))
        var status: Int32 = 0
        let count = bytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: n) { p in
            lianlu_detect_charsets(p, Int32(n), &names, stride, &conf, maxMatches, &status)
        }
        var out: [Candidate] = []
        for i in 0..<Int(count) {
            let name = names.withUnsafeBufferPointer { buf in
                String(cString: buf.baseAddress! + i * Int(stride))
            }
            out.append(Candidate(name: name, confidence: Int(conf[i])))
        }
        return out
    }

    public enum Conversion {
        case text([UInt16])
        /// Byte offset of the first sequence that is illegal or unmapped in the charset.
        case invalid(offset: Int, reason: String)
    }

    /// Strict conversion to UTF-16: stops at the first illegal sequence.
    public static func convert(_ bytes: UnsafeBufferPointer<UInt8>, from charset: String) -> Conversion {
        let capacity = bytes.count * 2 + 2
        var out = [UInt16](repeating: 0, count: capacity)
        var status: Int32 = 0
        var errorOffset: Int32 = -1
        let written: Int32 = bytes.isEmpty ? 0 : bytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) { src in
            out.withUnsafeMutableBufferPointer { dst in
                lianlu_convert_to_utf16(charset, src, Int32(bytes.count), dst.baseAddress!, Int32(capacity), &errorOffset, &status)
            }
        }
        if ICUError.failed(status) {
            return .invalid(offset: Int(max(errorOffset, 0)), reason: ICUError(status, charset).name)
        }
        out.removeSubrange(Int(written)...)
        return .text(out)
    }
}

/// ICU's NFKC normalizer (a process-wide, thread-safe singleton owned by ICU).
public struct ICUNormalizer: @unchecked Sendable {
    let handle: UnsafeRawPointer

    public static let nfkc: ICUNormalizer = {
        var status: Int32 = 0
        let h = lianlu_nfkc(&status)
        precondition(!ICUError.failed(status) && h != nil, "ICU NFKC data missing: \(ICUError(status, "NFKC"))")
        return ICUNormalizer(handle: h!)
    }()

    /// Length of the prefix of `text` known to be normalized already.
    public func quickCheckYesPrefix(_ text: UnsafeBufferPointer<UInt16>) -> Int {
        guard let base = text.baseAddress, !text.isEmpty else { return 0 }
        var status: Int32 = 0
        return Int(lianlu_norm_span_quick_check_yes(handle, base, Int32(text.count), &status))
    }

    public func hasBoundaryBefore(_ codePoint: UInt32) -> Bool {
        lianlu_norm_has_boundary_before(handle, Int32(bitPattern: codePoint)) != 0
    }

    public func normalize(_ text: UnsafeBufferPointer<UInt16>) -> [UInt16] {
        guard let base = text.baseAddress, !text.isEmpty else { return [] }
        var cap = text.count * 3 + 8
        while true {
            var out = [UInt16](repeating: 0, count: cap)
            var status: Int32 = 0
            let n = out.withUnsafeMutableBufferPointer { lianlu_normalize(handle, base, Int32(text.count), $0.baseAddress!, Int32(cap), &status) }
            if status == 15 /* U_BUFFER_OVERFLOW_ERROR */ { cap = Int(n) + 8; continue }
            precondition(!ICUError.failed(status), "NFKC failed: \(ICUError(status, "normalize"))")
            out.removeSubrange(Int(n)...)
            return out
        }
    }
}

/// An ICU transliterator. Not thread-safe: one instance per worker.
public final class ICUTransliterator {
    let handle: UnsafeMutableRawPointer

    public init(id: String) throws {
        let units = Array(id.utf16)
        var status: Int32 = 0
        let h = lianlu_transliterator_open(units, Int32(units.count), &status)
        guard !ICUError.failed(status), let h else { throw ICUError(status, "transliterator \(id)") }
        handle = h
    }

    deinit { lianlu_transliterator_close(handle) }

    /// The rules the transliterator runs, as ICU prints them.
    public var rules: String {
        var status: Int32 = 0
        let n = lianlu_transliterator_rules(handle, nil, 0, &status)
        var buf = [UInt16](repeating: 0, count: Int(n) + 1)
        status = 0
        let m = buf.withUnsafeMutableBufferPointer { lianlu_transliterator_rules(handle, $0.baseAddress, Int32($0.count), &status) }
        return String(decoding: buf[0..<Int(max(0, min(m, n)))], as: UTF16.self)
    }

    /// Transliterates a copy of `text`.
    public func transliterate(_ text: UnsafeBufferPointer<UInt16>) -> [UInt16] {
        var cap = text.count * 2 + 16
        while true {
            var buf = [UInt16](repeating: 0, count: cap)
            for i in 0..<text.count { buf[i] = text[i] }
            var length = Int32(text.count)
            var status: Int32 = 0
            buf.withUnsafeMutableBufferPointer { lianlu_transliterate(handle, $0.baseAddress!, &length, Int32(cap), &status) }
            if status == 15 { cap *= 2; continue }
            if ICUError.failed(status) { return Array(text) }
            buf.removeSubrange(Int(length)...)
            return buf
        }
    }
}

/// An ICU break iterator. Not thread-safe: clone one per worker.
public final class ICUBreakIterator {
    public enum Kind: Int32 { case character = 0, word = 1, line = 2, sentence = 3 }
    let handle: UnsafeMutableRawPointer

    public init(kind: Kind, locale: String = "zh") throws {
        var status: Int32 = 0
        let h = lianlu_break_open(kind.rawValue, locale, &status)
        guard !ICUError.failed(status), let h else { throw ICUError(status, "break iterator \(kind)") }
        handle = h
    }

    private init(handle: UnsafeMutableRawPointer) { self.handle = handle }

    public func clone() throws -> ICUBreakIterator {
        var status: Int32 = 0
        let h = lianlu_break_clone(handle, &status)
        guard !ICUError.failed(status), let h else { throw ICUError(status, "break iterator clone") }
        return ICUBreakIterator(handle: h)
    }

    deinit { lianlu_break_close(handle) }

    /// Boundaries of `text` after its start (the last one is `text.count`). The buffer
    /// must stay valid during the call only.
    public func boundaries(_ text: UnsafeBufferPointer<UInt16>, into out: inout [Int]) {
        out.removeAll(keepingCapacity: true)
        guard let base = text.baseAddress, !text.isEmpty else { return }
        var status: Int32 = 0
        lianlu_break_set_text(handle, base, Int32(text.count), &status)
        if ICUError.failed(status) { out.append(text.count); return }
        while true {
            let b = lianlu_break_next(handle)
            if b < 0 { break }
            out.append(Int(b))
        }
        // Detach from the caller's buffer so no dangling pointer outlives the call.
        var empty: UInt16 = 0
        lianlu_break_set_text(handle, &empty, 0, &status)
    }
}

/// A compiled ICU regular expression. Not thread-safe: compile once, `clone()` per worker.
public final class ICURegex {
    let handle: UnsafeMutableRawPointer
    public let pattern: String
    /// ICU's U_REGEX_TIME_OUT.
    public static let timeOutStatus: Int32 = 66322

    public struct SyntaxError: Error, CustomStringConvertible {
        public let offset: Int
        public let icuError: String
        public var description: String { "\(icuError) at offset \(offset)" }
    }

    /// ICU's work limit per match, re-applied to clones (uregex_clone does not copy it).
    public private(set) var timeLimit: Int32 = 0

    public init(_ pattern: String, timeLimit: Int32 = 0) throws {
        let units = Array(pattern.utf16)
        var status: Int32 = 0
        var errorOffset: Int32 = 0
        let h = lianlu_regex_open(units, Int32(units.count), &errorOffset, &status)
        guard !ICUError.failed(status), let h else {
            throw SyntaxError(offset: Int(max(errorOffset, 0)), icuError: ICUError(status, "").name)
        }
        handle = h
        self.pattern = pattern
        self.timeLimit = timeLimit
        if timeLimit > 0 { lianlu_regex_set_time_limit(handle, timeLimit, &status) }
    }

    private init(handle: UnsafeMutableRawPointer, pattern: String) {
        self.handle = handle
        self.pattern = pattern
    }

    public func clone() -> ICURegex {
        var status: Int32 = 0
        let h = lianlu_regex_clone(handle, &status)!
        let c = ICURegex(handle: h, pattern: pattern)
        c.timeLimit = timeLimit
        if timeLimit > 0 { lianlu_regex_set_time_limit(h, timeLimit, &status) }
        return c
    }

    deinit { lianlu_regex_close(handle) }

    /// Points the regex at a text buffer that must stay valid while it is matched.
    public func setText(_ text: UnsafeBufferPointer<UInt16>) {
        var status: Int32 = 0
        var empty: UInt16 = 0
        if let base = text.baseAddress, !text.isEmpty {
            lianlu_regex_set_text(handle, base, Int32(text.count), &status)
        } else {
            lianlu_regex_set_text(handle, &empty, 0, &status)
        }
    }

    public enum Match: Equatable { case end(Int), none, timedOut }

    /// An anchored match at `start`, not extending past `limit`.
    public func lookingAt(_ start: Int, limit: Int) -> Match {
        var status: Int32 = 0
        let e = lianlu_regex_looking_at(handle, Int32(start), Int32(limit), &status)
        if status == ICURegex.timeOutStatus { return .timedOut }
        return e >= 0 ? .end(Int(e)) : .none
    }
}
