/// Record ids made of one ASCII letter and a number (`r12`, `e3`), written digit by
/// digit: string interpolation allocates a buffer per call, and a run makes one id per
/// relation and entity (hundreds of thousands per 100 MB). Ids this short are small
/// strings, stored inline without a heap object.
public enum RecordID {
    public static func make(_ prefix: Unicode.Scalar, _ n: Int) -> String {
        guard n >= 0, n < 1_000_000_000_000, prefix.isASCII else { return "\(prefix)\(n)" }
        var digits = 1, x = n
        while x >= 10 { x /= 10; digits += 1 }
        return String(unsafeUninitializedCapacity: 1 + digits) { buf in
            buf[0] = UInt8(prefix.value)
            var v = n
            for i in stride(from: digits, through: 1, by: -1) { buf[i] = UInt8(ascii: "0") + UInt8(v % 10); v /= 10 }
            return 1 + digits
        }
    }
}
