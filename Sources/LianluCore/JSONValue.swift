/// A parsed JSON value. Objects keep their key order (records are written in SPEC order
/// and diffs read better when that order survives a round trip).
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Members in their order; a struct rather than a (key, value) tuple, because arrays
    /// of tuples look up their type metadata at run time on every allocation (a seventh
    /// of the graph export's time went there).
    case object([JSONMember])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            guard x.count == y.count else { return false }
            // Key order is not significant for equality.
            let sx = x.sorted { $0.key < $1.key }, sy = y.sorted { $0.key < $1.key }
            for (p, q) in zip(sx, sy) where p.key != q.key || p.value != q.value { return false }
            return true
        default: return false
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case let .object(pairs) = self {
            for m in pairs where m.key == key { return m.value }
        }
        return nil
    }

    public var stringValue: String? { if case let .string(s) = self { return s }; return nil }
    public var doubleValue: Double? { if case let .number(d) = self { return d }; return nil }
    public var intValue: Int? {
        if case let .number(d) = self, d == d.rounded(), abs(d) < 9e15 { return Int(d) }
        return nil
    }
    public var arrayValue: [JSONValue]? { if case let .array(a) = self { return a }; return nil }
    public var objectValue: [(String, JSONValue)]? { if case let .object(o) = self { return o.map { ($0.key, $0.value) } }; return nil }
    public var members: [JSONMember]? { if case let .object(o) = self { return o }; return nil }

    /// Serializes with keys sorted: the canonical form golden files are compared in.
    public func canonicalBytes() -> [UInt8] {
        var w = JSONWriter(capacity: 256)
        write(to: &w, sortKeys: true)
        return w.bytes
    }

    /// Serializes keeping the key order as parsed.
    public func write(to w: inout JSONWriter, sortKeys: Bool = false) {
        switch self {
        case .null: w.null()
        case let .bool(b): w.bool(b)
        case let .number(d): w.number(d)
        case let .string(s): w.string(s)
        case let .array(a):
            w.beginArray()
            for v in a { v.write(to: &w, sortKeys: sortKeys) }
            w.endArray()
        case let .object(o):
            w.beginObject()
            let pairs = sortKeys ? o.sorted { $0.key < $1.key } : o
            for m in pairs {
                w.key(dynamic: m.key)
                m.value.write(to: &w, sortKeys: sortKeys)
            }
            w.endObject()
        }
    }
}

/// One member of a JSON object.
public struct JSONMember: Equatable, Sendable {
    public var key: String
    public var value: JSONValue
    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// A JSON syntax error with the byte offset where parsing stopped.
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    public let offset: Int
    public let message: String
    /// The bytes are not valid UTF-8 (rather than not valid JSON).
    public var isEncodingError = false
    public var description: String { "\(message) at byte \(offset)" }
}

/// A small recursive-descent JSON parser over UTF-8 bytes (RFC 8259, no extensions).
/// It reports the byte offset of the first error so a malformed JSONL line can be
/// rejected as `file:line: column N: cause`.
public struct JSONParser {
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
        var p = JSONParser(bytes: bytes)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        if p.pos != bytes.count { throw p.error("unexpected content after the JSON value") }
        return v
    }

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { try parse($0) }
    }

    public static func parse(_ text: String) throws -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// Parses a JSON object and decodes the string value of `key` (at the top level)
    /// straight to UTF-16, skipping the Swift String in between: the hot path for JSONL
    /// documents, whose `text` is almost all of the line. In the returned value that
    /// key holds an empty string.
    public static func parseObject(_ bytes: UnsafeBufferPointer<UInt8>, utf16Key: String) throws -> (JSONValue, [UInt16]?) {
        var p = JSONParser(bytes: bytes)
        p.utf16Key = Array(utf16Key.utf8)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        if p.pos != bytes.count { throw p.error("unexpected content after the JSON value") }
        return (v, p.utf16Value)
    }

    public static func parseObject(_ bytes: [UInt8], utf16Key: String) throws -> (JSONValue, [UInt16]?) {
        try bytes.withUnsafeBufferPointer { try parseObject($0, utf16Key: utf16Key) }
    }

    private var utf16Key: [UInt8]?
    private var utf16Value: [UInt16]?

    private let bytes: UnsafeBufferPointer<UInt8>
    private var pos = 0
    private static let maxDepth = 512

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private func error(_ message: String) -> JSONParseError { JSONParseError(offset: pos, message: message) }

    private mutating func skipSpace() {
        while pos < bytes.count {
            let b = bytes[pos]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { pos += 1 } else { break }
        }
    }

    private mutating func value(depth: Int) throws -> JSONValue {
        guard depth < JSONParser.maxDepth else { throw error("nesting deeper than \(JSONParser.maxDepth)") }
        guard pos < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("unexpected character '\(printable(bytes[pos]))', expected a value")
        }
    }

    private func printable(_ b: UInt8) -> String {
        b >= 0x20 && b < 0x7F ? String(UnicodeScalar(b)) : String(format0x: b)
    }

    private mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard pos + n <= bytes.count else { throw error("unexpected end of input in literal") }
        var ok = true
        word.withUTF8Buffer { w in for i in 0..<n where bytes[pos + i] != w[i] { ok = false } }
        guard ok else { throw error("invalid literal, expected \(word)") }
        pos += n
    }

    private mutating func object(depth: Int) throws -> JSONValue {
        pos += 1
        var pairs: [JSONMember] = []
        skipSpace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(pairs) }
        while true {
            skipSpace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let k = try string()
            skipSpace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw error("expected ':' after key") }
            pos += 1
            skipSpace()
            if depth == 0, let key = utf16Key, pos < bytes.count, bytes[pos] == UInt8(ascii: "\""), k.utf8.elementsEqual(key) {
                utf16Value = try stringUTF16()
                pairs.append(JSONMember(key: k, value: .string("")))
            } else {
                let v = try value(depth: depth + 1)
                pairs.append(JSONMember(key: k, value: v))
            }
            skipSpace()
            guard pos < bytes.count else { throw error("unexpected end of input in object") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(pairs) }
            throw error("expected ',' or '}' in object")
        }
    }

    private mutating func array(depth: Int) throws -> JSONValue {
        pos += 1
        var items: [JSONValue] = []
        skipSpace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard pos < bytes.count else { throw error("unexpected end of input in array") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
            throw error("expected ',' or ']' in array")
        }
    }

    private mutating func number() throws -> Double {
        let start = pos
        if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        func digits() -> Int {
            let s = pos
            while pos < bytes.count, bytes[pos] >= 0x30, bytes[pos] <= 0x39 { pos += 1 }
            return pos - s
        }
        guard digits() > 0 else { throw error("invalid number") }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            guard digits() > 0 else { throw error("invalid number: digits expected after '.'") }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard digits() > 0 else { throw error("invalid number: exponent digits expected") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
        guard let d = Double(text) else { throw JSONParseError(offset: start, message: "invalid number") }
        return d
    }

    private mutating func hex4() throws -> UInt16 {
        guard pos + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var v: UInt16 = 0
        for _ in 0..<4 {
            let b = bytes[pos]
            let d: UInt16
            switch b {
            case 0x30...0x39: d = UInt16(b - 0x30)
            case 0x41...0x46: d = UInt16(b - 0x41 + 10)
            case 0x61...0x66: d = UInt16(b - 0x61 + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }

    private func invalidUTF8(from start: Int) -> JSONParseError {
        var off = start
        if case let .invalid(o, _, _) = UTF8Decoder.decode(UnsafeBufferPointer(rebasing: bytes[start...])) { off = start + o }
        var e = JSONParseError(offset: off, message: "invalid UTF-8 byte sequence")
        e.isEncodingError = true
        return e
    }

    /// The first offset from `k` on whose eight-byte word holds a quote, a backslash or
    /// a control character (or too few bytes remain): the bytes before it need no look.
    private func skipPlainWords(from k: Int) -> Int {
        guard let base = bytes.baseAddress else { return k }
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        var k = k
        while k + 8 <= bytes.count {
            let w = UnsafeRawPointer(base + k).loadUnaligned(as: UInt64.self)
            let quote = w ^ (ones &* 0x22), slash = w ^ (ones &* 0x5C)
            let hit = ((quote &- ones) & ~quote) | ((slash &- ones) & ~slash) | ((w &- ones &* 0x20) & ~w)
            if hit & highs != 0 { break }
            k += 8
        }
        return k
    }

    /// A string value decoded to UTF-16 (escapes included), validating its UTF-8.
    private mutating func stringUTF16() throws -> [UInt16] {
        pos += 1
        let start = pos
        // Find the closing quote, noting where escapes start. Eight bytes at a time while
        // none of them is a quote, a backslash or a control character (a page's text is
        // one long string: a byte-at-a-time scan was a third of parsing it).
        var escapeAt: [Int] = []
        let n = bytes.count
        var k = skipPlainWords(from: pos)
        while k < n {
            let b = bytes[k]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") { escapeAt.append(k); k += 2; continue }
            if b < 0x20 { pos = k; throw error("control character in string (must be escaped)") }
            k += 1
            // Back to whole words once past the special byte.
            if k & 7 == 0 { k = skipPlainWords(from: k) }
        }
        let escapes = !escapeAt.isEmpty
        guard k < bytes.count else { pos = k; throw error("unterminated string") }
        if !escapes {
            // The decoder's array is the result: no second copy.
            switch UTF8Decoder.decode(UnsafeBufferPointer(rebasing: bytes[start..<k])) {
            case let .text(t):
                pos = k + 1
                return t
            case let .invalid(o, _, _):
                var e = JSONParseError(offset: start + o, message: "invalid UTF-8 byte sequence")
                e.isEncodingError = true
                throw e
            }
        }
        // Runs between escapes are decoded straight into the result; escapes are handled
        // here. The result has room for every byte: no run or escape gives more units
        // than it has bytes.
        let capacity = k - start
        var failure: JSONParseError?
        let out = try [UInt16](unsafeUninitializedCapacity: max(capacity, 1)) { dst, initialized in
            guard let base = dst.baseAddress else { initialized = 0; return }
            var o = 0
            var run = start
            pos = start
            initialized = 0
            // Decodes bytes[run..<end] after what is written; false (and `failure`) on
            // invalid UTF-8.
            func decodeRun(to end: Int) -> Bool {
                let r = UTF8Decoder.decode(UnsafeBufferPointer(rebasing: bytes[run..<end]), into: base + o)
                if let bad = r.invalidAt {
                    var e = JSONParseError(offset: run + bad, message: "invalid UTF-8 byte sequence")
                    e.isEncodingError = true
                    failure = e
                    return false
                }
                o += r.written
                return true
            }
            for at in escapeAt where at >= pos {
                pos = at
                guard decodeRun(to: pos) else { return }
                pos += 1
                let scalar = try escapedScalar()
                if scalar >= 0x10000 {
                    let v = scalar - 0x10000
                    base[o] = UInt16(0xD800 + (v >> 10))
                    base[o + 1] = UInt16(0xDC00 + (v & 0x3FF))
                    o += 2
                } else {
                    base[o] = UInt16(scalar)
                    o += 1
                }
                run = pos
            }
            guard decodeRun(to: k) else { return }
            initialized = o
        }
        if let failure { throw failure }
        pos = k + 1
        return out
    }

    /// The scalar an escape stands for, with `pos` just after the backslash; a \\u
    /// high surrogate must be followed by a \\u low one.
    private mutating func escapedScalar() throws -> UInt32 {
        guard pos < bytes.count else { throw error("unterminated escape") }
        let e = bytes[pos]
        pos += 1
        switch e {
        case UInt8(ascii: "\""): return 0x22
        case UInt8(ascii: "\\"): return 0x5C
        case UInt8(ascii: "/"): return 0x2F
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "f"): return 0x0C
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "u"):
            let u = UInt32(try hex4())
            if u & 0xFC00 == 0xDC00 { throw error("unpaired surrogate in \\u escape") }
            guard u & 0xFC00 == 0xD800 else { return u }
            guard pos + 6 <= bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                throw error("unpaired surrogate in \\u escape")
            }
            pos += 2
            let low = UInt32(try hex4())
            guard low & 0xFC00 == 0xDC00 else { throw error("unpaired surrogate in \\u escape") }
            return 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
        default:
            pos -= 1
            throw error("invalid escape '\\\(printable(e))'")
        }
    }

    private mutating func string() throws -> String {
        pos += 1
        var out: [UInt8] = []
        var runStart = pos
        while true {
            guard pos < bytes.count else { throw error("unterminated string") }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                if out.isEmpty {
                    let run = UnsafeBufferPointer(rebasing: bytes[runStart..<pos])
                    guard UTF8Decoder.isValid(run) else { throw invalidUTF8(from: runStart) }
                    pos += 1
                    return String(decoding: run, as: UTF8.self)
                }
                out.append(contentsOf: bytes[runStart..<pos])
                pos += 1
                guard out.withUnsafeBufferPointer({ UTF8Decoder.isValid($0) }) else { throw invalidUTF8(from: runStart) }
                return String(decoding: out, as: UTF8.self)
            }
            if b < 0x20 { throw error("control character U+00\(String(format0x: b).dropFirst(2)) in string (must be escaped)") }
            if b != UInt8(ascii: "\\") { pos += 1; continue }
            out.append(contentsOf: bytes[runStart..<pos])
            pos += 1
            guard pos < bytes.count else { throw error("unterminated escape") }
            let scalar = try escapedScalar()
            if scalar < 0x80 {
                out.append(UInt8(scalar))
            } else {
                out.append(contentsOf: Array(String(UnicodeScalar(scalar)!).utf8))
            }
            runStart = pos
        }
    }
}

extension String {
    /// "0x1F" style rendering of a byte, for messages.
    init(format0x b: UInt8) {
        let hex = Array("0123456789ABCDEF")
        self = "0x" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 0xF)])
    }
}
