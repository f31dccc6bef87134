import LianluCore

/// Finds an e-paper date line (`2019年07月02日 星期二`) near the top of a page: the
/// reference date for 去年, 3月19日 and the like when the input record has none.
public enum ReferenceDateFinder {
    /// How many non-blank lines from the top are searched.
    public static let linesSearched = 8
    /// A date line is short; longer lines are prose that merely mentions a date.
    public static let maximumLineLength = 40

    public static func find(in text: UnsafeBufferPointer<UInt16>) -> CalendarDate? {
        var seen = 0
        var s = 0
        let n = text.count
        while s < n && seen < linesSearched {
            var e = s
            while e < n, text[e] != 0x0A { e += 1 }
            if e > s {
                seen += 1
                if e - s <= maximumLineLength, let d = dateInLine(text, s, e) { return d }
            }
            s = e + 1
        }
        return nil
    }

    /// `YYYY年M月D日` with optional spaces, in a line without sentence punctuation.
    static func dateInLine(_ t: UnsafeBufferPointer<UInt16>, _ s: Int, _ e: Int) -> CalendarDate? {
        for i in s..<e where t[i] == 0x3002 || t[i] == 0x2C || t[i] == 0xFF0C { return nil }  // 。 ,
        var i = s
        while i < e {
            if let (d, _) = parseDate(t, i, e) { return d }
            i += 1
        }
        return nil
    }

    static func parseDate(_ t: UnsafeBufferPointer<UInt16>, _ start: Int, _ e: Int) -> (CalendarDate, Int)? {
        var i = start
        func digits(max: Int) -> Int? {
            var v = 0, k = 0
            while i < e, k < max, t[i] >= 0x30, t[i] <= 0x39 { v = v * 10 + Int(t[i] - 0x30); i += 1; k += 1 }
            return k > 0 ? v : nil
        }
        func skipSpaces() { while i < e, t[i] == 0x20 { i += 1 } }
        func expect(_ u: UInt16) -> Bool { skipSpaces(); if i < e, t[i] == u { i += 1; skipSpaces(); return true }; return false }
        if start > 0, t[start - 1] >= 0x30, t[start - 1] <= 0x39 { return nil }
        let ys = i
        guard let y = digits(max: 4), i - ys == 4, expect(0x5E74) else { return nil }  // 年
        guard let m = digits(max: 2), expect(0x6708) else { return nil }                // 月
        guard let d = digits(max: 2) else { return nil }
        skipSpaces()
        guard i < e, t[i] == 0x65E5 || t[i] == 0x53F7 else { return nil }               // 日 号
        i += 1
        guard let date = CalendarDate(year: y, month: m, day: d) else { return nil }
        return (date, i)
    }
}
