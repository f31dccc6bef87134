import LianluCore

/// Numbers written in Chinese numerals, and the built-in `{number}` element that finds
/// Arabic or Chinese numbers in text.
public enum ChineseNumber {
    static let digits: [Character: Int] = [
        "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
        "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
    ]
    static let smallUnits: [Character: Int] = ["十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000]
    static let bigUnits: [Character: Double] = ["万": 1e4, "亿": 1e8]

    static func isNumeralUnit(_ u: UInt16) -> Bool {
        switch u {
        case 0x96F6, 0x3007, 0x4E00, 0x58F9, 0x4E8C, 0x8D30, 0x4E24, 0x4E09, 0x53C1, 0x56DB, 0x8086, 0x4E94, 0x4F0D,
             0x516D, 0x9646, 0x4E03, 0x67D2, 0x516B, 0x634C, 0x4E5D, 0x7396,  // digits
             0x5341, 0x62FE, 0x767E, 0x4F70, 0x5343, 0x4EDF, 0x4E07, 0x4EBF:   // 十拾百佰千仟万亿
            return true
        default: return false
        }
    }

    static func isDigitUnit(_ u: UInt16) -> Bool {
        guard let s = Unicode.Scalar(u) else { return false }
        return digits[Character(s)] != nil
    }

    /// Parses 一百二十 (120), 六亿三千万 (630000000), 二百零七 (207), 两千 (2000), 十二 (12),
    /// 三十二点八 (32.8), and digit strings such as 二〇一九 (2019). Nil when malformed.
    public static func parse(_ s: String) -> Double? {
        if s.isEmpty { return nil }
        // Most Chinese numbers in news are one character (一, 两, 三...).
        if s.unicodeScalars.count == 1, let d = digits[Character(s)] { return Double(d) }
        var intPart = s
        var fracPart: String?
        if let dot = s.firstIndex(of: "点") {
            intPart = String(s[..<dot])
            fracPart = String(s[s.index(after: dot)...])
        }
        guard let whole = parseInteger(intPart) else { return nil }
        guard let frac = fracPart else { return Double(whole) }
        var f = 0.0, scale = 0.1
        for ch in frac {
            guard let d = digits[ch] else { return nil }
            f += Double(d) * scale
            scale /= 10
        }
        if frac.isEmpty { return nil }
        return Double(whole) + f
    }

    static func parseInteger(_ s: String) -> Int? {
        if s.isEmpty { return nil }
        let chars = Array(s)
        // A digit string without units: 二〇一九 -> 2019 (three digits at least, not
        // led by a zero: 单一零件 holds no number).
        if chars.count >= 2, chars.allSatisfy({ digits[$0] != nil }) {
            guard chars.count >= 3, chars[0] != "零", chars[0] != "〇" else { return nil }
            var v = 0
            for c in chars { v = v * 10 + digits[c]! }
            return chars.contains("两") ? nil : v
        }
        var total = 0      // sum of completed 亿/万 sections
        var section = 0    // current section below 万
        var digit: Int?    // pending digit
        var lastUnit = Int.max
        for c in chars {
            if let d = digits[c] {
                // Two digits in a row are malformed, except after a zero (二百零七).
                if let prev = digit, prev != 0 || d == 0 { return nil }
                digit = d
            } else if let u = smallUnits[c] {
                guard u < lastUnit || lastUnit >= 10000 else { return nil }
                section += (digit ?? (section == 0 && u == 10 ? 1 : (u == 10 ? 1 : -1))) * u
                if digit == nil && u != 10 { return nil }
                digit = nil
                lastUnit = u
            } else if let b = bigUnits[c] {
                let val = section + (digit ?? 0)
                if b == 1e8 {
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
            // A letter right after digits makes a code (5G, 304L): not a number.
            if i < limit, TextUnits.isASCIILetter(t[i]) { return nil }
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
            if let v = ChineseNumber.parse(TextUnits.string(t, start..<end)) { return (end, v) }
            end -= 1
        }
        return nil
    }
}
