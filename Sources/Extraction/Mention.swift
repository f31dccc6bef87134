import LianluCore

/// The mention types of SPEC.md. Value-bearing types carry a `MentionValue`.
public enum MentionType: String, Sendable, CaseIterable {
    case person = "PER"
    case organization = "ORG"
    case location = "LOC"
    case project = "PROJECT"
    case title = "TITLE"
    case product = "PRODUCT"
    case money = "MONEY"
    case quantity = "QUANTITY"
    case percent = "PERCENT"
    case date = "DATE"

    /// 1 + the type's position in `allCases` (0 is left for "none" in tables).
    public var code: UInt8 {
        switch self {
        case .person: return 1
        case .organization: return 2
        case .location: return 3
        case .project: return 4
        case .title: return 5
        case .product: return 6
        case .money: return 7
        case .quantity: return 8
        case .percent: return 9
        case .date: return 10
        }
    }
    /// The type of a `code` (index 0 unused).
    public static let byCode: [MentionType] = [.person] + allCases

    /// MONEY, QUANTITY, PERCENT and DATE carry a value; the others are names.
    public var hasValue: Bool { !isName && self != .product }

    /// A name of something (no value). PROJECT is one, but see the conflict policy.
    public var isName: Bool {
        switch self {
        case .person, .organization, .location, .title, .project: return true
        default: return false
        }
    }
}

/// Approximation words on numeric values (SPEC.md `approx`).
public enum Approximation: String, Sendable {
    case about, over, under, nearly
}

/// A money amount: `136.2亿元` is 13620000000 CNY.
public struct MoneyValue: Sendable, Equatable {
    public var amount: Double
    public var max: Double?
    /// ISO 4217 code.
    public var currency: String
    public var approx: Approximation?

    public init(amount: Double, max: Double? = nil, currency: String, approx: Approximation? = nil) {
        self.amount = amount
        self.max = max
        self.currency = currency
        self.approx = approx
    }
}

/// A number with a unit or measure word, the unit as written without the multiplier.
public struct QuantityValue: Sendable, Equatable {
    public var amount: Double
    public var max: Double?
    public var unit: String
    public var approx: Approximation?

    public init(amount: Double, max: Double? = nil, unit: String, approx: Approximation? = nil) {
        self.amount = amount
        self.max = max
        self.unit = unit
        self.approx = approx
    }
}

/// A percentage: `94.28%` is 94.28.
public struct PercentValue: Sendable, Equatable {
    public var amount: Double
    public var max: Double?
    public var approx: Approximation?

    public init(amount: Double, max: Double? = nil, approx: Approximation? = nil) {
        self.amount = amount
        self.max = max
        self.approx = approx
    }
}

/// A date as ISO 8601 with TIMEX3 extensions (`2020-03-19TMO`, `2015-Q1`, intervals).
public struct DateValue: Sendable, Equatable {
    public enum Mod: String, Sendable { case start, mid, end, approx }
    public enum Bound: String, Sendable {
        case onOrBefore = "on_or_before"
        case onOrAfter = "on_or_after"
    }

    public var value: String
    public var mod: Mod?
    public var bound: Bound?

    public init(value: String, mod: Mod? = nil, bound: Bound? = nil) {
        self.value = value
        self.mod = mod
        self.bound = bound
    }
}

public enum MentionValue: Sendable, Equatable {
    case money(MoneyValue)
    case quantity(QuantityValue)
    case percent(PercentValue)
    case date(DateValue)

    public func write(to w: inout JSONWriter) {
        // One write through a pointer (see `JSONWriter.appendRaw`): the strings are ISO
        // codes, units and dates, short and checked by the writers below.
        let strings: Int
        switch self {
        case let .money(m): strings = JSONWriter.quotedCapacity(m.currency)
        case let .quantity(q): strings = JSONWriter.quotedCapacity(q.unit)
        case .percent: strings = 0
        case let .date(d): strings = JSONWriter.quotedCapacity(d.value)
        }
        w.rawValue(capacity: strings + 2 * JSONWriter.numberCapacity + 96) { p in
            var c = RecordCursor(p)
            func amounts(_ amount: Double, _ max: Double?) {
                c.put("{\"amount\":"); c.number(amount)
                if let max { c.put(",\"max\":"); c.number(max) }
            }
            func approx(_ a: Approximation?) {
                if let a { c.put(",\"approx\":"); c.quoted(a.rawValue) }
            }
            switch self {
            case let .money(m):
                amounts(m.amount, m.max)
                c.put(",\"currency\":"); c.quoted(m.currency)
                approx(m.approx)
            case let .quantity(v):
                amounts(v.amount, v.max)
                c.put(",\"unit\":"); c.quoted(v.unit)
                approx(v.approx)
            case let .percent(v):
                amounts(v.amount, v.max)
                approx(v.approx)
            case let .date(d):
                c.put("{\"value\":"); c.quoted(d.value)
                if let m = d.mod { c.put(",\"mod\":"); c.quoted(m.rawValue) }
                if let b = d.bound { c.put(",\"bound\":"); c.quoted(b.rawValue) }
            }
            c.put("}")
            return c.written
        }
    }
}

/// A mention (SPEC.md stage 3), located in its document's normalized text.
public struct Mention: Sendable, Equatable {
    /// Unique within the document (`m1`, `m2`, ... in text order).
    public var id: String
    public var sid: Int
    public var type: MentionType
    /// Range in the document's normalized UTF-16 text.
    public var utf16Range: Range<Int>
    public var value: MentionValue?
    /// The rule that produced it: `file#rule-id`.
    public var rule: String
    /// That rule's index in its rule set (-1: not known), for `MentionRecordPieces`.
    public var ruleIndex: Int32 = -1

    public init(id: String, sid: Int, type: MentionType, utf16Range: Range<Int>, value: MentionValue?, rule: String, ruleIndex: Int = -1) {
        self.id = id
        self.sid = sid
        self.type = type
        self.utf16Range = utf16Range
        self.value = value
        self.rule = rule
        self.ruleIndex = Int32(ruleIndex)
    }

    /// `m<sid>_<k>`, written digit by digit: string interpolation of two numbers cost
    /// more per mention than finding it.
    public static func id(sid: Int, k: Int) -> String {
        guard sid >= 0, k >= 0, sid < 1_000_000_000, k < 1_000_000_000 else { return "m\(sid)_\(k)" }
        func count(_ v: Int) -> Int { var n = 1, x = v; while x >= 10 { x /= 10; n += 1 }; return n }
        let ns = count(sid), nk = count(k)
        return String(unsafeUninitializedCapacity: 2 + ns + nk) { buf in
            buf[0] = UInt8(ascii: "m")
            var x = sid
            for i in stride(from: ns, through: 1, by: -1) { buf[i] = UInt8(ascii: "0") + UInt8(x % 10); x /= 10 }
            buf[ns + 1] = UInt8(ascii: "_")
            x = k
            for i in stride(from: ns + 1 + nk, through: ns + 2, by: -1) { buf[i] = UInt8(ascii: "0") + UInt8(x % 10); x /= 10 }
            return 2 + ns + nk
        }
    }

    /// Writes the record through pieces escaped once per rule set and per document (see
    /// `MentionRecordPieces`): keys and the same rule name escaped again for every record
    /// were a third of writing it. A rule the pieces do not hold is escaped here.
    public func write(document doc: NormalizedDocument, to w: inout JSONWriter, pieces: MentionRecordPieces,
                      head: UnsafeBufferPointer<UInt8>, base: (start: Int, rawStart: Int) = (0, 0)) {
        var o = doc.alignment.spanOffsets(normalizedUTF16: utf16Range)
        o.start += base.start; o.end += base.start; o.rawStart += base.rawStart; o.rawEnd += base.rawStart
        // Everything up to the value in one write through a pointer (see `appendRaw`).
        pieces.typeText[Int(type.code)].withUnsafeBufferPointer { typeText in
            doc.text.withUnsafeBufferPointer { buf in
                let text = UnsafeBufferPointer(rebasing: buf[utf16Range])
                let capacity = head.count + JSONWriter.quotedCapacity(id) + typeText.count + JSONWriter.quotedCapacity(utf16: text.count) + 5 * 20 + 48
                w.appendRaw(capacity: capacity) { p in
                    var c = RecordCursor(p)
                    c.put(head)
                    c.quoted(id)  // the head ends with its key
                    c.put(",\"sid\":"); c.decimal(sid)
                    c.put(typeText)
                    c.quoted(utf16: text)
                    c.put(",\"start\":"); c.decimal(o.start)
                    c.put(",\"end\":"); c.decimal(o.end)
                    c.put(",\"raw_start\":"); c.decimal(o.rawStart)
                    c.put(",\"raw_end\":"); c.decimal(o.rawEnd)
                    return c.written
                }
            }
        }
        if let value { w.verbatim(",\"value\":"); value.write(to: &w) }
        if ruleIndex >= 0 && Int(ruleIndex) < pieces.ruleTail.count && pieces.ruleID[Int(ruleIndex)] == rule {
            pieces.ruleTail[Int(ruleIndex)].withUnsafeBufferPointer { w.verbatim($0) }
        } else {
            MentionRecordPieces(ruleIDs: [rule]).ruleTail[0].withUnsafeBufferPointer { w.verbatim($0) }
        }
    }

    /// `base`: added to the offsets when `doc` is one sentence of a larger document
    /// (`lianlu extract` works sentence by sentence). The pieces are made for this one
    /// record: for tests and one-off records; runs keep theirs.
    public func write(document doc: NormalizedDocument, to w: inout JSONWriter, base: (start: Int, rawStart: Int) = (0, 0)) {
        MentionRecordPieces.head(documentID: doc.id).withUnsafeBufferPointer { head in
            write(document: doc, to: &w, pieces: MentionRecordPieces(ruleIDs: []), head: head, base: base)
        }
    }
}

/// The fixed parts of mention records, escaped once: per rule the record's tail
/// (`,"rule":"money.yaml#money_amount"}` and the newline), per type the bytes between
/// the sid and the text (`,"type":"MONEY","text":`), and per document its head
/// (`{"doc":"d1","id":`).
public struct MentionRecordPieces: Sendable {
    public let ruleID: [String]
    let ruleTail: [[UInt8]]
    let typeText: [[UInt8]]

    public init(ruleIDs: [String]) {
        ruleID = ruleIDs
        ruleTail = ruleIDs.map { id in
            var w = JSONWriter(capacity: 64)
            w.beginObject(); w.key("rule"); w.string(id); w.endObject(); w.newline()
            var b = w.bytes
            b[0] = UInt8(ascii: ",")  // the record's own opening brace came first
            return b
        }
        typeText = MentionType.byCode.map { t in
            Array(",\"type\":\"\(t.rawValue)\",\"text\":".utf8)
        }
    }

    /// `{"doc":"<id>","id":` for one document.
    public static func head(documentID: String) -> [UInt8] {
        var w = JSONWriter(capacity: 64)
        w.beginObject(); w.key("doc"); w.string(documentID)
        var b = w.bytes
        b += Array(",\"id\":".utf8)
        return b
    }
}
