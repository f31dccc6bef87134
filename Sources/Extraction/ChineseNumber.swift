import LianluCore

/// Numbers written in Chinese numerals, and the built-in `{number}` element that finds
/// Arabic or Chinese numbers in text.
public enum ChineseNumber {
    /// The digit a unit stands for (零〇一壹二贰两三叁...九玖), or -1. Switches over UTF-16
    /// units, not dictionaries of Characters: hashing a Character costs more than the
    /// whole parse.
    @inline(__always)
    static func digitValue(_ u: UInt16) -> Int {
        switch u {
        case 0x96F6, 0x3007: return 0                 // 零 〇
        case 0x4E00, 0x58F9: return 1                 // 一 壹
        case 0x4E8C, 0x8D30, 0x4E24: return 2         // 二 贰 两
        case 0x4E09, 0x53C1: return 3                 // 三 叁
        case 0x56DB, 0x8086: return 4                 // 四 肆
        case 0x4E94, 0x4F0D: return 5                 // 五 伍
        case 0x516D, 0x9646: return 6                 // 六 陆
        case 0x4E03, 0x67D2: return 7                 // 七 柒
        case 0x516B, 0x634C: return 8                 // 八 捌
        case 0x4E5D, 0x7396: return 9                 // 九 玖
        default: return -1
        }
    }

    /// 十拾 10, 百佰 100, 千仟 1000, or 0.
    @inline(__always)
    static func smallUnitValue(_ u: UInt16) -> Int {
        switch u {
        case 0x5341, 0x62FE: return 10
        case 0x767E, 0x4F70: return 100
        case 0x5343, 0x4EDF: return 1000
        default: return 0
        }
    }

    /// 万 1e4, 亿 1e8, or 0.
    @inline(__always)
    static func bigUnitValue(_ u: UInt16) -> Int {
        switch u {
        case 0x4E07: return 10_000
        case 0x4EBF: return 100_000_000
        default: return 0
        }
    }

    static func isNumeralUnit(_ u: UInt16) -> Bool {
        digitValue(u) >= 0 || smallUnitValue(u) != 0 || bigUnitValue(u) != 0
    }

    static func isDigitUnit(_ u: UInt16) -> Bool { digitValue(u) >= 0 }

    /// Parses 一百二十 (120), 六亿三千万 (630000000), 二百零七 (207), 两千 (2000), 十二 (12),
    /// 三十二点八 (32.8), and digit strings such as 二〇一九 (2019). Nil when malformed.
    public static func parse(_ s: String) -> Double? {
        let units = Array(s.utf16)
        return units.withUnsafeBufferPointer { parse($0, 0..<$0.count) }
    }

    /// `parse` over a span of UTF-16 units.
    public static func parse(_ t: UnsafeBufferPointer<UInt16>, _ range: Range<Int>) -> Double? {
        if range.isEmpty { return nil }
        // Most Chinese numbers in news are one character (一, 两, 三...).
        if range.count == 1 {
            let d = digitValue(t[range.lowerBound])
            if d >= 0 { return Double(d) }
        }
        var intEnd = range.upperBound
        for i in range where t[i] == 0x70B9 { intEnd = i; break }  // 点
        guard let whole = parseInteger(t, range.lowerBound..<intEnd) else { return nil }
        if intEnd == range.upperBound { return Double(whole) }
        var f = 0.0, scale = 0.1
        for i in (intEnd + 1)..<range.upperBound {
            let d = digitValue(t[i])
            guard d >= 0 else { return nil }
            f += Double(d) * scale
            scale /= 10
        }
        if intEnd + 1 == range.upperBound { return nil }
        return Double(whole) + f
    }

    static func parseInteger(_ t: UnsafeBufferPointer<UInt16>, _ range: Range<Int>) -> Int? {
        if range.isEmpty { return nil }
        // A digit string without units: 二〇一九 -> 2019 (three digits at least, not
        // led by a zero: 单一零件 holds no number).
        if range.count >= 2, range.allSatisfy({ digitValue(t[$0]) >= 0 }) {
            let first = t[range.lowerBound]
            guard range.count >= 3, first != 0x96F6, first != 0x3007 else { return nil }
            var v = 0
            for i in range { v = v * 10 + digitValue(t[i]) }
            return range.contains(where: { t[$0] == 0x4E24 }) ? nil : v  // 两 is no digit of a year
        }
        var total = 0      // sum of completed 亿/万 sections
        var section = 0    // current section below 万
        var digit: Int?    // pending digit
        var lastUnit = Int.max
        for i in range {
            let c = t[i]
            let d = digitValue(c)
            if d >= 0 {
                // Two digits in a row are malformed, except after a zero (二百零七).
                if let prev = digit, prev != 0 || d == 0 { return nil }
                digit = d
            } else if case let u = smallUnitValue(c), u != 0 {
                guard u < lastUnit || lastUnit >= 10000 else { return nil }
                section += (digit ?? (section == 0 && u == 10 ? 1 : (u == 10 ? 1 : -1))) * u
                if digit == nil && u != 10 { return nil }
                digit = nil
                lastUnit = u
            } else if case let b = bigUnitValue(c), b != 0 {
                let val = section + (digit ?? 0)
                if b == 100_000_000 {
                    total = (total + val) * 100_000_000
                } else {
                    total += val * 10_000
                }
                if val == 0 && total == 0 { return nil }
                section = 0
                digit = nil
                lastUnit = Int.max
            } else {
                return nil
            }
        }
        // A trailing digit after a unit: 三千五 means 3500 in speech, but in news it
        // follows 零 (二百零七) or stands alone; take it as units.
        return total + section + (digit ?? 0)
    }

    /// Writes a non-negative integer in Chinese numerals (the inverse, for tests).
    public static func format(_ n: Int) -> String {
        let d = Array("零一二三四五六七八九")
        if n == 0 { return "零" }
        func below10000(_ x: Int) -> String {
            var out = ""
            let units = ["千", "百", "十", ""]
            let divs = [1000, 100, 10, 1]
            var zero = false
            var started = false
            for (k, div) in divs.enumerated() {
                let q = (x / div) % 10
                if q == 0 {
                    if started { zero = true }
                } else {
                    if zero { out += "零"; zero = false }
                    out += String(d[q]) + units[k]
                    started = true
                }
            }
            return out
        }
        var parts: [(Int, String)] = []
        var x = n
        let bigs = ["", "万", "亿", "万亿"]
        var k = 0
        while x > 0 {
            parts.append((x % 10000, bigs[k]))
            x /= 10000
            k += 1
        }
        var out = ""
        var needZero = false
        for (i, (v, unit)) in parts.enumerated().reversed() {
            if v == 0 { needZero = !out.isEmpty; continue }
            if needZero || (!out.isEmpty && v < 1000) { out += "零" }
            needZero = false
            out += below10000(v) + unit
            _ = i
        }
        if out.hasPrefix("一十") { out.removeFirst() }
        return out
    }
}

/// The built-in `{number}` element: an Arabic number (136.2, 2,500, 0.5) or a run of
/// Chinese numerals (一百二十, 六亿三千万, 三十二点八), with its value.
enum NumberScanner {
    static func isDigit(_ u: UInt16) -> Bool { u >= 0x30 && u <= 0x39 }

    /// Triggers: what a number can start with.
    static let triggers: Set<UInt16> = {
        var s = Set<UInt16>((0x30...0x39).map { UInt16($0) })
        for ch in "零〇一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾" { s.insert(ch.utf16.first!) }
        return s
    }()

    /// (end, value) of the number at `start`, or nil.
    static func scan(_ t: UnsafeBufferPointer<UInt16>, at start: Int, limit: Int) -> (end: Int, value: Double)? {
        guard start < limit else { return nil }
        // Not inside another number or a code (G105, 3.5 seen from the 5).
        if start > 0 {
            let p = t[start - 1]
            if isDigit(p) || p == 0x2E || TextUnits.isASCIILetter(p) { return nil }
        }
        if isDigit(t[start]) {
            // Digits, groups of three after thousands separators, then a decimal part,
            // accumulated without building a string.
            var i = start
            var whole = 0.0
            var digits = 0
            while i < limit, isDigit(t[i]) { whole = whole * 10 + Double(t[i] - 0x30); digits += 1; i += 1 }
            while i + 3 < limit + 0 && i < limit, t[i] == 0x2C, i + 3 <= limit,
                  isDigit(t[i + 1]), isDigit(t[i + 2]), isDigit(t[i + 3]), i + 4 >= limit || !isDigit(t[i + 4]) {
                whole = whole * 1000 + Double(t[i + 1] - 0x30) * 100 + Double(t[i + 2] - 0x30) * 10 + Double(t[i + 3] - 0x30)
                i += 4
            }
            var value = whole
            if i + 1 < limit, t[i] == 0x2E, isDigit(t[i + 1]) {
                // The decimal part through Double's parser, for exact rounding (136.2).
                var j = i + 1
                while j < limit, isDigit(t[j]) { j += 1 }
                var text = ""
                text.unicodeScalars.reserveCapacity(j - start)
                for k in start..<j where t[k] != 0x2C { text.unicodeScalars.append(Unicode.Scalar(UInt8(t[k]))) }
                if let v = Double(text) { value = v }
                i = j
            }
            // A letter right after digits may be a unit (12GWh) or make a code (5G, 304L):
            // the number stands, and the `code` blocker (in the rules) holds a code's span
            // unless a quantity with a Latin unit covers all of it.
            _ = digits
            return (i, value)
        }
        // Chinese numerals.
        var i = start
        var hasDigit = false
        while i < limit, ChineseNumber.isNumeralUnit(t[i]) || (t[i] == 0x70B9 /* 点 */ && i + 1 < limit && ChineseNumber.isDigitUnit(t[i + 1]) && hasDigit) {
            if ChineseNumber.isDigitUnit(t[i]) { hasDigit = true }
            i += 1
        }
        // Back off trailing 万/亿 that may be a multiplier of a later unit? They are part
        // of the numeral (三千万 = 30000000), and a lone 万 or 亿 is not a number.
        guard i > start else { return nil }
        let first = t[start]
        guard hasDigit || first == 0x5341 /* 十 */ || first == 0x62FE else { return nil }
        // 零 and 〇 do not start a number (零件, 零售, 零部件).
        if first == 0x96F6 || first == 0x3007 { return nil }
        var end = i
        while end > start {
            if let v = ChineseNumber.parse(t, start..<end) { return (end, v) }
            end -= 1
        }
        return nil
    }
}
