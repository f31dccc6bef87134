/// A streaming JSON writer that appends UTF-8 straight into a byte buffer.
///
/// Why not `JSONEncoder`: it goes through `Encodable` boxes and Foundation strings and
/// was measured at a small fraction of this writer's speed on sentence records (see the
/// README's performance section). Records write their keys in the order SPEC.md lists
/// them, so output is canonical without sorting.
///
/// Usage: `w.beginObject(); w.key("doc"); w.string(id); ...; w.endObject(); w.newline()`.
public struct JSONWriter {
    /// The output so far. Appends go through a raw buffer (`ByteBuffer`): Swift arrays
    /// re-check uniqueness and capacity on every byte, which was the writer's main cost.
    private var buffer: ByteBuffer
    public var bytes: [UInt8] { buffer.array }
    public var count: Int { buffer.count }
    /// Whether the next value inside each open container needs a leading comma: bit k
    /// for depth k (containers deeper than 64 levels keep theirs in `deepComma`). A bit
    /// stack instead of an array: the array's uniqueness checks on every value were a
    /// visible share of writing a record.
    private var commaBits: UInt64 = 0
    private var depth = 0
    private var deepComma: [Bool] = []

    public init(capacity: Int = 4096) {
        buffer = ByteBuffer(capacity: capacity)
    }

    /// Calls `body` with the bytes written so far, without copying them.
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: buffer.base, count: buffer.count))
    }

    public mutating func removeAll(keepingCapacity: Bool = true) {
        if !isKnownUniquelyReferenced(&buffer) { buffer = ByteBuffer(capacity: 4096) }
        buffer.count = 0
        commaBits = 0
        depth = 0
        deepComma.removeAll(keepingCapacity: true)
        pendingValueAfterKey = false
    }

    @inline(__always) private mutating func separator() {
        guard depth > 0 else { return }
        if depth <= 64 {
            let bit: UInt64 = 1 << UInt64(depth - 1)
            if commaBits & bit != 0 { append(UInt8(ascii: ",")) }
            commaBits |= bit
        } else {
            if deepComma[depth - 65] { append(UInt8(ascii: ",")) }
            deepComma[depth - 65] = true
        }
    }

    @inline(__always) private mutating func open(_ b: UInt8) {
        valuePrefix()
        append(b)
        depth += 1
        if depth <= 64 { commaBits &= ~(1 << UInt64(depth - 1)) } else { deepComma.append(false) }
    }

    @inline(__always) private mutating func close(_ b: UInt8) {
        if depth > 64 { deepComma.removeLast() }
        depth -= 1
        append(b)
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }
    public mutating func newline() { append(0x0A) }

    /// Writes `"name":`; the value written next belongs to it.
    public mutating func key(_ name: StaticString) {
        separator()
        let n = name.utf8CodeUnitCount
        buffer.reserve(n + 3)
        let p = buffer.base + buffer.count
        p[0] = UInt8(ascii: "\"")
        (p + 1).update(from: name.utf8Start, count: n)
        p[n + 1] = UInt8(ascii: "\"")
        p[n + 2] = UInt8(ascii: ":")
        buffer.count += n + 3
        pendingValueAfterKey = true
    }

    /// Writes a key known only at run time (used by canonicalization and dynamic maps).
    public mutating func key(dynamic name: String) {
        separator()
        appendEscaped(name)
        append(UInt8(ascii: ":"))
        pendingValueAfterKey = true
    }

    private var pendingValueAfterKey = false

    @inline(__always) private mutating func valuePrefix() {
        if pendingValueAfterKey {
            pendingValueAfterKey = false
        } else {
            separator()
        }
    }

    public mutating func string(_ s: String) {
        valuePrefix()
        appendEscaped(s)
    }

    /// Writes UTF-16 code units as a JSON string, transcoding to UTF-8 on the way.
    /// Unpaired surrogates (which valid input never contains) become U+FFFD.
    public mutating func string(utf16 units: UnsafeBufferPointer<UInt16>) {
        valuePrefix()
        append(UInt8(ascii: "\""))
        appendEscaped(utf16: units)
        append(UInt8(ascii: "\""))
    }

    /// Writes UTF-16 units as a JSON string and returns, for each of the ascending
    /// `marks` (UTF-16 offsets into `units`, never inside a surrogate pair), the buffer
    /// offset of the escaped UTF-8 at that position. `escapedBytes(from:to:)` then gives
    /// any span's serialized text without transcoding it again (sentences reuse their
    /// document's text this way).
    public mutating func string(utf16 units: UnsafeBufferPointer<UInt16>, marks: [Int]) -> [Int] {
        valuePrefix()
        append(UInt8(ascii: "\""))
        var offsets: [Int] = []
        offsets.reserveCapacity(marks.count)
        var last = 0
        for m in marks {
            if m > last {
                appendEscaped(utf16: UnsafeBufferPointer(rebasing: units[last..<m]))
                last = m
            }
            offsets.append(buffer.count)
        }
        if last < units.count { appendEscaped(utf16: UnsafeBufferPointer(rebasing: units[last...])) }
        append(UInt8(ascii: "\""))
        return offsets
    }

    /// A string written in pieces (a long document's text, handed on in chunks):
    /// `beginString()`, `stringPiece(utf16:)` any number of times, `endString()`. A piece
    /// must not end between the halves of a surrogate pair.
    public mutating func beginString() {
        valuePrefix()
        append(UInt8(ascii: "\""))
    }

    public mutating func stringPiece(utf16 units: UnsafeBufferPointer<UInt16>) { appendEscaped(utf16: units) }

    public mutating func endString() { append(UInt8(ascii: "\"")) }

    /// The bytes written so far, taken out of the buffer. Open objects and arrays stay
    /// open, so a record longer than memory should hold can be passed on as it is written.
    public mutating func drain() -> [UInt8] {
        let out = buffer.array
        buffer.count = 0
        // A buffer grown for one huge document's records (the 1 MB paragraph's mentions
        // take 64 MB) goes once they are out: a worker kept it for the rest of the run.
        if buffer.capacity > JSONWriter.keptCapacity { buffer = ByteBuffer(capacity: 1 << 16) }
        return out
    }

    /// The most buffer a writer keeps between drains.
    public static let keptCapacity = 8 << 20

    /// Writes `"` + already-escaped JSON string content + `"`.
    public mutating func string(escaped bytes: UnsafeBufferPointer<UInt8>) {
        valuePrefix()
        append(UInt8(ascii: "\""))
        append(bytes)
        append(UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(utf16 units: UnsafeBufferPointer<UInt16>) {
        // In chunks, each with room for its worst case (6 bytes per unit): a document's
        // text is reserved for piece by piece, not at six times its length. A chunk never
        // ends between the halves of a surrogate pair.
        var from = 0
        while from < units.count {
            var to = min(units.count, from + JSONWriter.escapeChunk)
            if to < units.count, units[to - 1] & 0xFC00 == 0xD800, units[to] & 0xFC00 == 0xDC00 { to += 1 }
            buffer.reserve(6 * (to - from))
            buffer.count += JSONWriter.escaped(utf16: UnsafeBufferPointer(rebasing: units[from..<to]), to: buffer.base + buffer.count)
            from = to
        }
    }

    static let escapeChunk = 4096

    // MARK: Whole records through one pointer

    /// Lets `body` write up to `capacity` bytes straight into the buffer and keeps the
    /// count it returns. A record writer in another module then writes its fixed parts,
    /// numbers and strings in one call (`quoted`, `decimal`): a call per key, number and
    /// string, each checking the buffer, was most of the cost of a mention record.
    public mutating func appendRaw(capacity: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        buffer.reserve(capacity)
        let n = body(buffer.base + buffer.count)
        precondition(n >= 0 && n <= capacity, "appendRaw wrote past its capacity")
        buffer.count += n
    }

    /// `appendRaw` for one JSON value (an object or a string written whole by `body`),
    /// with the comma bookkeeping of any other value: it may follow a key or sit in an
    /// array.
    public mutating func rawValue(capacity: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        valuePrefix()
        appendRaw(capacity: capacity, body)
    }

    /// Room `quoted(utf16:to:)` may need.
    public static func quotedCapacity(utf16 count: Int) -> Int { 6 * count + 2 }
    /// Room `quoted(_:to:)` may need.
    public static func quotedCapacity(_ s: String) -> Int { 6 * s.utf8.count + 2 }

    /// `units` as a JSON string with its quotes at `p` (room: `quotedCapacity`); the
    /// number of bytes written. The same bytes as `string(utf16:)`.
    public static func quoted(utf16 units: UnsafeBufferPointer<UInt16>, to p: UnsafeMutablePointer<UInt8>) -> Int {
        p[0] = UInt8(ascii: "\"")
        let n = 1 + escaped(utf16: units, to: p + 1)
        p[n] = UInt8(ascii: "\"")
        return n + 1
    }

    /// `units` as JSON string content (UTF-8, escaped, no quotes) at `p`, which has room
    /// for 6 bytes per unit; the number of bytes written. Unpaired surrogates (which valid
    /// input never contains) become U+FFFD. Every UTF-16 string the writer emits goes
    /// through here.
    public static func escaped(utf16 units: UnsafeBufferPointer<UInt16>, to p: UnsafeMutablePointer<UInt8>) -> Int {
        var w = p
        var i = 0
        let n = units.count
        while i < n {
            let u = units[i]
            // Chinese text first: three bytes for a unit from U+0800 up, not a surrogate.
            if u >= 0x800 && u & 0xF800 != 0xD800 {
                w[0] = UInt8(0xE0 | (u >> 12)); w[1] = UInt8(0x80 | ((u >> 6) & 0x3F)); w[2] = UInt8(0x80 | (u & 0x3F)); w += 3
                i += 1
            } else if u < 0x80 {
                let b = UInt8(u)
                if b >= 0x20 && b != 0x22 && b != 0x5C && b != 0x7F {
                    w.pointee = b; w += 1
                } else {
                    w += escapeASCII(b, to: w)
                }
                i += 1
            } else if u < 0x800 {
                w[0] = UInt8(0xC0 | (u >> 6)); w[1] = UInt8(0x80 | (u & 0x3F)); w += 2
                i += 1
            } else if u & 0xFC00 == 0xD800, i + 1 < n, units[i + 1] & 0xFC00 == 0xDC00 {
                let scalar = 0x10000 + ((UInt32(u) - 0xD800) << 10) + (UInt32(units[i + 1]) - 0xDC00)
                w[0] = UInt8(0xF0 | (scalar >> 18)); w[1] = UInt8(0x80 | ((scalar >> 12) & 0x3F))
                w[2] = UInt8(0x80 | ((scalar >> 6) & 0x3F)); w[3] = UInt8(0x80 | (scalar & 0x3F)); w += 4
                i += 2
            } else {
                // A surrogate without its other half (every other unit is taken above): U+FFFD.
                w[0] = 0xEF; w[1] = 0xBF; w[2] = 0xBD; w += 3
                i += 1
            }
        }
        return w - p
    }

    /// `s` as a JSON string with its quotes at `p` (room: `quotedCapacity`); the same
    /// bytes as `string(_:)`.
    public static func quoted(_ s: String, to p: UnsafeMutablePointer<UInt8>) -> Int {
        var s = s
        return s.withUTF8 { buf in
            var w = p
            w.pointee = UInt8(ascii: "\""); w += 1
            let n = buf.count
            var i = 0
            if let src = buf.baseAddress {
                // Eight bytes at a time while none needs an escape (ids, rule names).
                while i + 8 <= n {
                    let x = UnsafeRawPointer(src + i).loadUnaligned(as: UInt64.self)
                    if JSONWriter.needsEscape(x) { break }
                    UnsafeMutableRawPointer(w).storeBytes(of: x, as: UInt64.self)
                    w += 8
                    i += 8
                }
                while i < n {
                    let b = src[i]
                    if b < 0x20 || b == 0x22 || b == 0x5C || b == 0x7F { w += escapeASCII(b, to: w) } else { w.pointee = b; w += 1 }
                    i += 1
                }
            }
            w.pointee = UInt8(ascii: "\""); w += 1
            return w - p
        }
    }

    /// Whether any of the eight bytes of `x` is below 0x20, `"`, `\\` or 0x7F (bytes of
    /// 0x80 and above, UTF-8 continuations, never count): the classic zero-byte test on
    /// `x` and on `x` xor each special byte.
    @inline(__always) static func needsEscape(_ x: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
        let below = (x &- ones &* 0x20) & ~x & highs != 0
        return below || hasZero(x ^ (ones &* 0x22)) || hasZero(x ^ (ones &* 0x5C)) || hasZero(x ^ (ones &* 0x7F))
    }

    /// The escape of an ASCII byte that needs one (`\n`, `\"`, `\u001f`).
    private static func escapeASCII(_ b: UInt8, to w: UnsafeMutablePointer<UInt8>) -> Int {
        w[0] = UInt8(ascii: "\\")
        switch b {
        case 0x22, 0x5C: w[1] = b; return 2
        case 0x0A: w[1] = UInt8(ascii: "n"); return 2
        case 0x0D: w[1] = UInt8(ascii: "r"); return 2
        case 0x09: w[1] = UInt8(ascii: "t"); return 2
        default:
            w[1] = UInt8(ascii: "u"); w[2] = UInt8(ascii: "0"); w[3] = UInt8(ascii: "0")
            w[4] = hex[Int(b >> 4)]; w[5] = hex[Int(b & 0xF)]
            return 6
        }
    }

    /// `v` in decimal at `p` (room: 20 bytes); the number of bytes written.
    public static func decimal(_ v: Int, to p: UnsafeMutablePointer<UInt8>) -> Int {
        // Offsets, ids and sids are mostly below a million: their digits by a few
        // comparisons and pairs from the table, no loop.
        if v >= 0 && v < 1_000_000 {
            let pairs = digitPairText.utf8Start
            let x = v
            @inline(__always) func two(_ at: Int, _ d: Int) { p[at] = pairs[2 * d]; p[at + 1] = pairs[2 * d + 1] }
            if x < 100 {
                if x < 10 { p[0] = UInt8(ascii: "0") + UInt8(x); return 1 }
                two(0, x); return 2
            }
            if x < 10_000 {
                let hi = x / 100, lo = x % 100
                if hi < 10 { p[0] = UInt8(ascii: "0") + UInt8(hi); two(1, lo); return 3 }
                two(0, hi); two(2, lo); return 4
            }
            let hi = x / 10_000, rest = x % 10_000
            if hi < 10 { p[0] = UInt8(ascii: "0") + UInt8(hi); two(1, rest / 100); two(3, rest % 100); return 5 }
            two(0, hi); two(2, rest / 100); two(4, rest % 100); return 6
        }
        var x = v.magnitude
        var n = 1
        var limit: UInt = 10
        while n < 19 && x >= limit { n += 1; limit &*= 10 }
        if n == 19 && x >= limit { n = 20 }
        let sign = v < 0 ? 1 : 0
        if sign == 1 { p[0] = UInt8(ascii: "-") }
        var i = n + sign - 1
        // A string literal's bytes: constant data, no array to retain per call.
        let pairs = JSONWriter.digitPairText.utf8Start
        while x >= 100 {
            let r = Int(x % 100)
            x /= 100
            p[i] = pairs[2 * r + 1]
            p[i - 1] = pairs[2 * r]
            i -= 2
        }
        if x >= 10 {
            p[i] = pairs[2 * Int(x) + 1]
            p[i - 1] = pairs[2 * Int(x)]
        } else {
            p[i] = UInt8(ascii: "0") + UInt8(x)
        }
        return n + sign
    }

    /// A date as the string `"YYYY-MM-DD"`, without building the text first (every
    /// sentence record carries one).
    public mutating func date(_ d: CalendarDate) {
        guard (0...9999).contains(d.year), (0...99).contains(d.month), (0...99).contains(d.day) else {
            string(d.description)
            return
        }
        valuePrefix()
        append(UInt8(ascii: "\""))
        append4(digit(d.year / 1000), digit(d.year / 100), digit(d.year / 10), digit(d.year))
        append(UInt8(ascii: "-")); append(digit(d.month / 10)); append(digit(d.month))
        append(UInt8(ascii: "-")); append(digit(d.day / 10)); append(digit(d.day))
        append(UInt8(ascii: "\""))
    }

    @inline(__always) private func digit(_ v: Int) -> UInt8 { UInt8(ascii: "0") + UInt8(v % 10) }

    public mutating func int(_ v: Int) {
        valuePrefix()
        appendInt(v)
    }

    public mutating func bool(_ v: Bool) {
        valuePrefix()
        if v { append4(0x74, 0x72, 0x75, 0x65) } else { append4(0x66, 0x61, 0x6C, 0x73); append(0x65) }
    }

    public mutating func null() {
        valuePrefix()
        append4(0x6E, 0x75, 0x6C, 0x6C)
    }

    /// Writes a number: integral values without a fraction (13620000000, not 1.362e10),
    /// others with the shortest representation that round-trips.
    public mutating func number(_ v: Double) {
        valuePrefix()
        buffer.reserve(JSONWriter.numberCapacity)
        buffer.count += JSONWriter.number(v, to: buffer.base + buffer.count)
    }

    /// Room `number(_:to:)` may need.
    public static let numberCapacity = 32

    /// `v` as `number(_:)` writes it, at `p`; the number of bytes written.
    public static func number(_ v: Double, to p: UnsafeMutablePointer<UInt8>) -> Int {
        if v.isFinite, v == v.rounded(), abs(v) < 9.007199254740992e15 {
            return decimal(Int(v), to: p)
        } else if v.isFinite {
            var s = "\(v)"  // the shortest form that reads back as v: at most 24 bytes
            return s.withUTF8 { b in
                p.update(from: b.baseAddress!, count: b.count)
                return b.count
            }
        } else {
            p[0] = 0x6E; p[1] = 0x75; p[2] = 0x6C; p[3] = 0x6C
            return 4
        }
    }

    /// Appends bytes as they are, outside the comma bookkeeping: for the fixed pieces of
    /// a top-level record that its writer escaped once (a mention record's keys and its
    /// rule), where writing each key and escaping the same rule name again per record
    /// was a third of writing it.
    public mutating func verbatim(_ bytes: UnsafeBufferPointer<UInt8>) {
        append(bytes)
    }

    public mutating func verbatim(_ s: StaticString) {
        append(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// An integer, outside the comma bookkeeping (see `verbatim`).
    public mutating func verbatimInt(_ v: Int) {
        appendInt(v)
    }

    /// Appends raw, already-serialized JSON (a canonical value from elsewhere).
    public mutating func raw(_ json: [UInt8]) {
        valuePrefix()
        append(json)
    }

    private mutating func appendInt(_ v: Int) {
        // The digit count by comparisons, then two digits per step from a table: the
        // record writers format millions of offsets, and a division per digit to count
        // them first was a tenth of serializing.
        buffer.reserve(20)
        buffer.count += JSONWriter.decimal(v, to: buffer.base + buffer.count)
    }

    /// "00" "01" ... "99" back to back.
    static let digitPairText: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    @inline(__always) private mutating func append(_ b: UInt8) {
        buffer.reserve(1)
        buffer.base[buffer.count] = b
        buffer.count += 1
    }

    @inline(__always) private mutating func append4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        buffer.reserve(4)
        let p = buffer.base + buffer.count
        p[0] = a; p[1] = b; p[2] = c; p[3] = d
        buffer.count += 4
    }

    @inline(__always) private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let src = bytes.baseAddress, !bytes.isEmpty else { return }
        buffer.reserve(bytes.count)
        (buffer.base + buffer.count).update(from: src, count: bytes.count)
        buffer.count += bytes.count
    }

    @inline(__always) private mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    private mutating func appendEscaped(_ s: String) {
        buffer.reserve(JSONWriter.quotedCapacity(s))
        buffer.count += JSONWriter.quoted(s, to: buffer.base + buffer.count)
    }
}

/// A growable byte buffer with raw-pointer appends.
final class ByteBuffer {
    var base: UnsafeMutablePointer<UInt8>
    var count = 0
    var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always) func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private func grow(_ needed: Int) {
        var c = capacity * 2
        while c < needed { c *= 2 }
        let nb = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        nb.update(from: base, count: count)
        base.deallocate()
        base = nb
        capacity = c
    }

    var array: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }
}

/// A record's parts written one after another through a pointer, inside
/// `JSONWriter.appendRaw` (whose capacity must cover them): fixed bytes as they are,
/// strings quoted and escaped, numbers in decimal. Only a raw pointer is touched, so
/// its methods inline into the record writers of other modules.
@frozen public struct RecordCursor {
    public let start: UnsafeMutablePointer<UInt8>
    public var at: UnsafeMutablePointer<UInt8>

    @inlinable public init(_ p: UnsafeMutablePointer<UInt8>) { start = p; at = p }

    /// The bytes written so far (what the `appendRaw` body returns).
    @inlinable public var written: Int { at - start }

    @inlinable public mutating func put(_ s: StaticString) {
        at.update(from: s.utf8Start, count: s.utf8CodeUnitCount)
        at += s.utf8CodeUnitCount
    }

    @inlinable public mutating func put(_ b: UnsafeBufferPointer<UInt8>) {
        if let a = b.baseAddress { at.update(from: a, count: b.count) }
        at += b.count
    }

    @inlinable public mutating func put(byte b: UInt8) {
        at.pointee = b
        at += 1
    }

    /// Room: `JSONWriter.quotedCapacity(s)`.
    @inlinable public mutating func quoted(_ s: String) { at += JSONWriter.quoted(s, to: at) }
    /// Room: `JSONWriter.quotedCapacity(utf16:)`.
    @inlinable public mutating func quoted(utf16 u: UnsafeBufferPointer<UInt16>) { at += JSONWriter.quoted(utf16: u, to: at) }
    /// JSON string content without quotes. Room: 6 bytes per unit.
    @inlinable public mutating func escaped(utf16 u: UnsafeBufferPointer<UInt16>) { at += JSONWriter.escaped(utf16: u, to: at) }
    /// Room: 20 bytes.
    @inlinable public mutating func decimal(_ v: Int) { at += JSONWriter.decimal(v, to: at) }
    /// Room: `JSONWriter.numberCapacity`.
    @inlinable public mutating func number(_ v: Double) { at += JSONWriter.number(v, to: at) }
}
