/// A streaming JSON writer that appends UTF-8 straight into a byte buffer.
///
/// Why not `JSONEncoder`: it goes through `Encodable` boxes and Foundation strings and
/// was measured at a small fraction of this writer's speed on sentence records (see the
/// README's performance section). Records write their keys in the order SPEC.md lists
/// them, so output is canonical without sorting.
///
/// Usage: `w.beginObject(); w.key("doc"); w.string(id); ...; w.endObject(); w.newline()`.
public struct JSONWriter {
    public private(set) var bytes: [UInt8]
    /// Whether the next value inside the current container needs a leading comma.
    private var needsComma: [Bool] = []

    public init(capacity: Int = 4096) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func removeAll(keepingCapacity: Bool = true) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
        needsComma.removeAll(keepingCapacity: true)
        pendingValueAfterKey = false
    }

    @inline(__always) private mutating func separator() {
        if let last = needsComma.last {
            if last { bytes.append(UInt8(ascii: ",")) }
            needsComma[needsComma.count - 1] = true
        }
    }

    public mutating func beginObject() { valuePrefix(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    public mutating func endObject() { needsComma.removeLast(); bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray() { valuePrefix(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    public mutating func endArray() { needsComma.removeLast(); bytes.append(UInt8(ascii: "]")) }
    public mutating func newline() { bytes.append(0x0A) }

    /// Writes `"name":`; the value written next belongs to it.
    public mutating func key(_ name: StaticString) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        pendingValueAfterKey = true
    }

    /// Writes a key known only at run time (used by canonicalization and dynamic maps).
    public mutating func key(_ name: String) {
        separator()
        appendEscaped(name)
        bytes.append(UInt8(ascii: ":"))
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
        bytes.append(UInt8(ascii: "\""))
        var i = 0
        let n = units.count
        while i < n {
            let u = units[i]
            if u < 0x80 {
                appendEscapedASCII(UInt8(u))
                i += 1
            } else if u < 0x800 {
                bytes.append(UInt8(0xC0 | (u >> 6)))
                bytes.append(UInt8(0x80 | (u & 0x3F)))
                i += 1
            } else if u & 0xFC00 == 0xD800, i + 1 < n, units[i + 1] & 0xFC00 == 0xDC00 {
                let scalar = 0x10000 + ((UInt32(u) - 0xD800) << 10) + (UInt32(units[i + 1]) - 0xDC00)
                bytes.append(UInt8(0xF0 | (scalar >> 18)))
                bytes.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
                bytes.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
                bytes.append(UInt8(0x80 | (scalar & 0x3F)))
                i += 2
            } else {
                let v: UInt16 = (u & 0xF800 == 0xD800) ? 0xFFFD : u
                bytes.append(UInt8(0xE0 | (v >> 12)))
                bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
                bytes.append(UInt8(0x80 | (v & 0x3F)))
                i += 1
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func int(_ v: Int) {
        valuePrefix()
        appendInt(v)
    }

    public mutating func bool(_ v: Bool) {
        valuePrefix()
        if v { bytes.append(contentsOf: [0x74, 0x72, 0x75, 0x65]) } else { bytes.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65]) }
    }

    public mutating func null() {
        valuePrefix()
        bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
    }

    /// Writes a number: integral values without a fraction (13620000000, not 1.362e10),
    /// others with the shortest representation that round-trips.
    public mutating func number(_ v: Double) {
        valuePrefix()
        if v.isFinite, v == v.rounded(), abs(v) < 9.007199254740992e15 {
            appendInt(Int(v))
        } else if v.isFinite {
            bytes.append(contentsOf: Array("\(v)".utf8))
        } else {
            bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        }
    }

    /// Appends raw, already-serialized JSON (a canonical value from elsewhere).
    public mutating func raw(_ json: [UInt8]) {
        valuePrefix()
        bytes.append(contentsOf: json)
    }

    private mutating func appendInt(_ v: Int) {
        if v == 0 { bytes.append(UInt8(ascii: "0")); return }
        var x = v.magnitude
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                  UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &tmp) { buf in
            while x > 0 {
                buf[n] = UInt8(ascii: "0") + UInt8(x % 10)
                x /= 10
                n += 1
            }
            for i in stride(from: n - 1, through: 0, by: -1) { bytes.append(buf[i]) }
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    @inline(__always) private mutating func appendEscapedASCII(_ b: UInt8) {
        switch b {
        case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
        case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
        case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
        case 0..<0x20, 0x7F:
            bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            bytes.append(JSONWriter.hex[Int(b >> 4)])
            bytes.append(JSONWriter.hex[Int(b & 0xF)])
        default: bytes.append(b)
        }
    }

    private mutating func appendEscaped(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { buf in
            for b in buf {
                if b < 0x80 { appendEscapedASCII(b) } else { bytes.append(b) }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
