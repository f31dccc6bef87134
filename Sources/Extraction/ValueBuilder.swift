import Foundation
import LianluCore

/// Builds a mention's value from what its pattern elements matched, by role:
///
/// - numbers: `number` (times every `multiplier*` role), `max` (times `multiplier_max`,
///   or the shared multiplier when only the max has one: 3至5万吨), `approx*` roles (the
///   first found), `currency`/`currency_prefix` (lexicon value `CNY` or `CNY*0.1`),
///   `unit*` (the unit as written);
/// - dates: `year`, `year4`, `year_cn`, `month`, `day` (numbers), `rel_year`,
///   `rel_month`, `rel_day` (offsets from the reference date), `part`, `mod`, `bound`,
///   `quarter`, `half`, and `month2`/`day2`/`year2` for the end of a range, `quarter2`
///   for the last of a run of quarters (前三季度: 1 to 3).
/// A rule's `set:` adds constant roles (`bound: on_or_after`).
public enum ValueBuilder {
    typealias Role = CaptureRole

    struct Roles<S: CaptureSource> {
        var caps: S
        var set: [String: String]
        /// The roles some capture has, as bits: a date asks for a dozen roles and holds
        /// two or three, and an absent one is answered without a scan.
        let present: UInt64

        init(caps: S, set: [String: String]) {
            self.caps = caps
            self.set = set
            var bits: UInt64 = 0
            for i in 0..<caps.count { if let k = caps.known(i) { bits |= 1 << UInt64(k.rawValue) } }
            present = bits
        }

        /// The index of the first capture with this role (a mention has a handful: a scan
        /// of integer codes beats any table). Callers read the fields they need in place:
        /// copying whole captures (three strings each) was most of the builder's time.
        func index(_ role: Role) -> Int? {
            guard present & (1 << UInt64(role.rawValue)) != 0 else { return nil }
            for i in 0..<caps.count where caps.known(i) == role { return i }
            return nil
        }
        func number(_ role: Role) -> Double? { index(role).flatMap { caps.number($0) } }
        func lexicon(_ role: Role) -> String? { index(role).flatMap { caps.lexiconValue($0) } }
        /// A whole number: the element's value, or its text as Chinese numerals, or the
        /// rule's constant (`set: {month: "1"}`: 前5个月 starts in January).
        func int(_ role: Role) -> Int? {
            guard let i = index(role) else { return set.isEmpty ? nil : set[role.name].flatMap { Int($0) } }
            if let n = caps.number(i), n == n.rounded() { return Int(n) }
            return ChineseNumber.parse(caps.text(i)).map { Int($0) }
        }
        /// The value of a role; "=" (当月, 当天: the date last told) reads as 0 here and is
        /// resolved against the previous date by the extractor.
        func string(_ role: Role) -> String? {
            let v = (set.isEmpty ? nil : set[role.name]) ?? lexicon(role)
            return v == "=" ? "0" : v
        }
        func has(_ role: Role) -> Bool { index(role) != nil || (!set.isEmpty && set[role.name] != nil) }
        func constant(_ name: String) -> String? { set.isEmpty ? nil : set[name] }
    }

    public static func build(type: MentionType, captures: [Capture], set: [String: String], referenceDate: CalendarDate?) -> MentionValue? {
        build(type: type, source: captures, set: set, referenceDate: referenceDate)
    }

    /// The value from any source of captures: resolved `Capture`s, or a candidate's raw
    /// captures read in place (`RuleMatcher.RawCaptureSource`), which spares a run the
    /// strings and the array of every capture.
    static func build<S: CaptureSource>(type: MentionType, source: S, set: [String: String], referenceDate: CalendarDate?) -> MentionValue? {
        let r = Roles(caps: source, set: set)
        switch type {
        case .money: return money(r)
        case .quantity: return quantity(r)
        case .percent: return percent(r)
        case .date: return date(r, referenceDate).map(MentionValue.date)
        default: return nil
        }
    }

    static func approx<S>(_ r: Roles<S>) -> Approximation? {
        if let s = r.constant("approx") { return Approximation(rawValue: s) }
        for i in 0..<r.caps.count where r.caps.family(i).contains(.approx) {
            if let v = r.caps.lexiconValue(i), let a = Approximation(rawValue: v) { return a }
        }
        return nil
    }

    /// (amount, max) with multipliers folded in.
    static func amounts<S>(_ r: Roles<S>) -> (Double, Double?)? {
        var mult = 1.0
        var hasMult = false
        for i in 0..<r.caps.count where r.caps.known(i) == .multiplier || (r.caps.known(i) != .multiplier_max && r.caps.family(i).contains(.multiplier)) {
            guard let v = r.caps.lexiconNumber(i) else { return nil }
            mult *= v
            hasMult = true
        }
        let base = r.number(.number) ?? (hasMult ? 1 : nil)
        guard let b = base else { return nil }
        var amount = b * mult
        var maxValue: Double?
        if let m = r.number(.max) {
            var mm = 1.0
            var maxHasMult = false
            if let k = r.index(.multiplier_max), let v = r.caps.lexiconNumber(k) { mm = v; maxHasMult = true }
            if !maxHasMult { mm = mult }
            maxValue = m * mm
            if maxHasMult && !hasMult && b * mm <= m * mm { amount = b * mm }  // 3至5万吨: the 万 is shared
        }
        return (amount, maxValue)
    }

    static func money<S>(_ r: Roles<S>) -> MentionValue? {
        guard let (a, mx) = amounts(r) else { return nil }
        var code = "CNY"
        var scale = 1.0
        // A currency named before the amount (新台币45亿元) says what 元 means.
        var suffix = r.lexicon(.currency)
        if let prefix = r.lexicon(.currency_prefix), suffix == nil || suffix == "CNY" { suffix = prefix }
        if let cur = suffix ?? r.constant("currency") {
            // `CNY` or `CNY*0.1` (a code and a scale), read without splitting into an array.
            if let star = cur.firstIndex(of: "*") {
                code = String(cur[..<star])
                if let s = Double(cur[cur.index(after: star)...]) { scale = s }
            } else {
                code = cur
            }
        }
        return .money(MoneyValue(amount: round(a * scale), max: mx.map { round($0 * scale) }, currency: code, approx: approx(r)))
    }

    static func quantity<S>(_ r: Roles<S>) -> MentionValue? {
        guard let (a, mx) = amounts(r) else { return nil }
        // The unit as written; `unit_rest` (两个多月) spells it through its lexicon value.
        let u = (0..<r.caps.count).first(where: { r.caps.known($0) == .unit || r.caps.known($0) == .unit_rest || r.caps.family($0).contains(.unit) })
        guard let unit = u.flatMap({ r.caps.known($0) == .unit_rest ? r.caps.lexiconValue($0) : r.caps.text($0) }) ?? r.constant("unit") else { return nil }
        return .quantity(QuantityValue(amount: round(a), max: mx.map(round), unit: unit, approx: approx(r)))
    }

    static func percent<S>(_ r: Roles<S>) -> MentionValue? {
        guard let n = r.number(.number) else { return nil }
        return .percent(PercentValue(amount: round(n), max: r.number(.max).map(round), approx: approx(r)))
    }

    /// Amounts to 12 significant digits: 136.2 * 1e8 is 13620000000, not
    /// 13619999999.999998 (binary floating point cannot hold 136.2 exactly).
    ///
    /// Scaling by a power of ten that is exact in binary (up to 1e22), rounding to an
    /// integer and scaling back gives the double nearest to the 12-digit decimal, as
    /// parsing its text would, without formatting any text (that cost a tenth of the
    /// extraction stage); other magnitudes go through text.
    static func round(_ x: Double) -> Double {
        guard x.isFinite, x != 0 else { return x }
        let e = Int(Foundation.floor(Foundation.log10(Swift.abs(x))))
        let k = 11 - e
        if k >= 0 && k <= 22 {
            let scale = exactPowersOfTen[k]
            return (x * scale).rounded() / scale
        }
        if k < 0 && -k <= 22 {
            let scale = exactPowersOfTen[-k]
            return (x / scale).rounded() * scale
        }
        return Double(String(format: "%.12g", x)) ?? x
    }

    static let exactPowersOfTen: [Double] = (0...22).map { Foundation.pow(10.0, Double($0)) }

    // MARK: Dates

    struct YMD {
        var year: Int?
        var month: Int?
        var day: Int?
        var unresolvedYear = false
    }

    static func pad(_ v: Int, _ w: Int) -> String {
        // Digits written straight into the string: dates are built for every DATE mention,
        // and a String(v) plus a padding string plus a concatenation per part added up.
        var digits = 1, x = v
        while x >= 10 { x /= 10; digits += 1 }
        guard v >= 0 else {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        let n = max(w, digits)
        return String(unsafeUninitializedCapacity: n) { buf in
            var x = v
            for i in stride(from: n - 1, through: 0, by: -1) {
                buf[i] = UInt8(ascii: "0") + UInt8(x % 10)
                x /= 10
            }
            return n
        }
    }

    static let yearRoles: [Role] = [.year, .year4, .year_cn]

    static func date<S>(_ r: Roles<S>, _ ref: CalendarDate?) -> DateValue? {
        func resolve(year yRole: [Role], month mRole: Role, day dRole: Role, relYear: Role, relMonth: Role, relDay: Role) -> YMD? {
            var v = YMD()
            if let y = yRole.lazy.compactMap({ r.int($0) }).first { v.year = y }
            if let ry = r.string(relYear).flatMap(Int.init) {
                guard let ref else { v.unresolvedYear = true; return v }
                v.year = ref.year + ry
            }
            if let m = r.int(mRole) { guard (1...12).contains(m) else { return nil }; v.month = m }
            if let rm = r.string(relMonth).flatMap(Int.init) {
                guard let ref else { v.unresolvedYear = true; return v }
                var total = ref.year * 12 + (ref.month - 1) + rm
                if total < 0 { total = 0 }
                v.year = total / 12
                v.month = total % 12 + 1
            }
            if let d = r.int(dRole) { v.day = d }
            if let rd = r.string(relDay).flatMap(Int.init) {
                guard let ref else { v.unresolvedYear = true; return v }
                let shifted = addDays(ref, rd)
                v.year = shifted.year; v.month = shifted.month; v.day = shifted.day
            }
            if v.year == nil, v.month != nil || v.day != nil {
                if let ref { v.year = ref.year } else { v.unresolvedYear = true }
            }
            if v.month == nil, v.day != nil {
                if let ref, v.year == ref.year || v.year == nil { v.month = ref.month } else { return nil }
            }
            if let y = v.year, let m = v.month, let d = v.day, CalendarDate(year: y, month: m, day: d) == nil { return nil }
            return v
        }
        func render(_ v: YMD) -> String? {
            if v.year == nil && !v.unresolvedYear { return nil }
            if v.month == nil && v.day != nil { return nil }
            // YYYY, YYYY-MM or YYYY-MM-DD written in place; a year past four digits or a
            // part past two (a day never checked against a month) take the general path.
            if (v.year ?? 0) >= 0, (v.year ?? 0) <= 9999, (v.month ?? 0) >= 0, (v.month ?? 0) <= 99, (v.day ?? 0) >= 0, (v.day ?? 0) <= 99 {
                let n = v.day != nil ? 10 : v.month != nil ? 7 : 4
                return String(unsafeUninitializedCapacity: n) { b in
                    if let y = v.year {
                        b[0] = 0x30 + UInt8(y / 1000); b[1] = 0x30 + UInt8(y / 100 % 10); b[2] = 0x30 + UInt8(y / 10 % 10); b[3] = 0x30 + UInt8(y % 10)
                    } else {
                        for i in 0..<4 { b[i] = UInt8(ascii: "X") }
                    }
                    func part(_ p: Int, at i: Int) { b[i] = UInt8(ascii: "-"); b[i + 1] = 0x30 + UInt8(p / 10); b[i + 2] = 0x30 + UInt8(p % 10) }
                    if let m = v.month { part(m, at: 4) }
                    if let d = v.day { part(d, at: 7) }
                    return n
                }
            }
            var s: String
            if let y = v.year { s = pad(y, 4) } else { s = "XXXX" }
            if let m = v.month { s += "-" + pad(m, 2) }
            if let d = v.day { s += "-" + pad(d, 2) }
            return s
        }
        guard let start = resolve(year: yearRoles, month: .month, day: .day, relYear: .rel_year, relMonth: .rel_month, relDay: .rel_day) else { return nil }
        var value: String
        if let q = r.string(.quarter).flatMap(Int.init) {
            guard let y = render(YMD(year: start.year, unresolvedYear: start.unresolvedYear || start.year == nil && ref == nil)) ?? ref.map({ pad($0.year, 4) }) else { return nil }
            value = "\(y)-Q\(q)"
            if r.has(.quarter2) {
                guard let q2 = r.int(.quarter2), (q + 1...4).contains(q2) else { return nil }
                value += "/\(y)-Q\(q2)"
            }
        } else if let h = r.string(.half).flatMap(Int.init) {
            guard let y = render(YMD(year: start.year, unresolvedYear: start.unresolvedYear || start.year == nil && ref == nil)) ?? ref.map({ pad($0.year, 4) }) else { return nil }
            value = "\(y)-H\(h)"
        } else {
            guard let s = render(start) else { return nil }
            value = s
        }
        // The end of a range: missing parts come from the start (3月1日至3日).
        if r.has(.day2) || r.has(.month2) || r.has(.year2) || r.has(.rel_year2) {
            var endYear = r.int(.year2) ?? start.year
            if let ry = r.string(.rel_year2).flatMap(Int.init), let ref { endYear = ref.year + ry }
            var end = YMD(year: endYear, month: r.int(.month2) ?? start.month,
                          day: r.int(.day2), unresolvedYear: start.unresolvedYear)
            if r.index(.month2) != nil && r.index(.day2) == nil { end.day = nil }
            if let y = end.year, let m = end.month, let d = end.day, CalendarDate(year: y, month: m, day: d) == nil { return nil }
            guard let e = render(end) else { return nil }
            value += "/" + e
        }
        if let part = r.string(.part) { value += "T" + part }
        return DateValue(value: value, mod: r.string(.mod).flatMap(DateValue.Mod.init(rawValue:)),
                         bound: r.string(.bound).flatMap(DateValue.Bound.init(rawValue:)))
    }

    static func addDays(_ d: CalendarDate, _ n: Int) -> CalendarDate {
        var y = d.year, m = d.month, day = d.day + n
        while day < 1 {
            m -= 1
            if m < 1 { m = 12; y -= 1 }
            day += CalendarDate.daysIn(month: m, year: y)
        }
        while day > CalendarDate.daysIn(month: m, year: y) {
            day -= CalendarDate.daysIn(month: m, year: y)
            m += 1
            if m > 12 { m = 1; y += 1 }
        }
        return CalendarDate(year: y, month: m, day: day)!
    }
}

/// What the value builder reads of a candidate's captures, by index.
protocol CaptureSource {
    var count: Int { get }
    func known(_ i: Int) -> CaptureRole?
    func family(_ i: Int) -> RoleFamily
    func number(_ i: Int) -> Double?
    func lexiconValue(_ i: Int) -> String?
    /// The lexicon value as a number (a multiplier's 10000), when it is one.
    func lexiconNumber(_ i: Int) -> Double?
    func text(_ i: Int) -> String
}

extension Array: CaptureSource where Element == Capture {
    func known(_ i: Int) -> CaptureRole? { self[i].known }
    func family(_ i: Int) -> RoleFamily { self[i].family }
    func number(_ i: Int) -> Double? { self[i].number }
    func lexiconValue(_ i: Int) -> String? { self[i].lexiconValue }
    func lexiconNumber(_ i: Int) -> Double? { Lexicon.number(of: self[i].lexiconValue) }
    func text(_ i: Int) -> String { self[i].text }
}
