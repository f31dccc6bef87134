import XCTest
import LianluCore
@testable import Extraction

final class MentionRecordTests: XCTestCase {
    func document(_ text: String) -> NormalizedDocument {
        let u = Array(text.utf16)
        return NormalizedDocument(id: "d1", date: nil, dateSource: nil, source: nil, encoding: "UTF-8", wasTraditional: false,
                                  text: u, rawLength: text.unicodeScalars.count,
                                  alignment: Alignment(map: .identity(length: text.unicodeScalars.count), normalizedIndex: CodePointIndex(u)))
    }

    /// Records follow SPEC.md: key order, amounts with the multiplier folded in and
    /// written as plain integers, absent values omitted.
    func testMoneyMentionRecord() {
        let doc = document("𠀀总投资136.2亿元。")
        let r = (doc.text.count - 8)..<(doc.text.count - 1)
        let m = Mention(id: "m1", sid: 0, type: .money, utf16Range: r,
                        value: .money(MoneyValue(amount: 13_620_000_000, currency: "CNY")), rule: "money.yaml#yi_yuan")
        var w = JSONWriter()
        m.write(document: doc, to: &w)
        XCTAssertEqual(String(decoding: w.bytes, as: UTF8.self),
                       #"{"doc":"d1","id":"m1","sid":0,"type":"MONEY","text":"136.2亿元","start":4,"end":11,"raw_start":4,"raw_end":11,"value":{"amount":13620000000,"currency":"CNY"},"rule":"money.yaml#yi_yuan"}"# + "\n")
    }

    /// Records written through a rule set's pieces, with the rule known by index, by
    /// name only, or (when the index names another rule) by name again, and with ids and
    /// rules that need escapes.
    func testRecordPieces() {
        let doc = document("总投资136.2亿元，“新”项目。")
        let pieces = MentionRecordPieces(ruleIDs: ["money.yaml#yi_yuan", "project.yaml#p\"q"])
        let head = MentionRecordPieces.head(documentID: doc.id)
        let cases: [(Mention, String)] = [
            (Mention(id: "m1_1", sid: 1, type: .money, utf16Range: 3..<10, value: .money(MoneyValue(amount: 13_620_000_000, currency: "CNY")),
                     rule: "money.yaml#yi_yuan", ruleIndex: 0),
             #"{"doc":"d1","id":"m1_1","sid":1,"type":"MONEY","text":"136.2亿元","start":3,"end":10,"raw_start":3,"raw_end":10,"value":{"amount":13620000000,"currency":"CNY"},"rule":"money.yaml#yi_yuan"}"#),
            (Mention(id: "m1_2", sid: 1, type: .project, utf16Range: 11..<16, value: nil, rule: "project.yaml#p\"q", ruleIndex: 1),
             #"{"doc":"d1","id":"m1_2","sid":1,"type":"PROJECT","text":"“新”项目","start":11,"end":16,"raw_start":11,"raw_end":16,"rule":"project.yaml#p\"q"}"#),
            (Mention(id: "m1_3", sid: 1, type: .project, utf16Range: 11..<16, value: nil, rule: "other.yaml#x", ruleIndex: 1),
             #"{"doc":"d1","id":"m1_3","sid":1,"type":"PROJECT","text":"“新”项目","start":11,"end":16,"raw_start":11,"raw_end":16,"rule":"other.yaml#x"}"#),
            (Mention(id: "m\"4", sid: 1, type: .project, utf16Range: 11..<16, value: nil, rule: "other.yaml#x"),
             #"{"doc":"d1","id":"m\"4","sid":1,"type":"PROJECT","text":"“新”项目","start":11,"end":16,"raw_start":11,"raw_end":16,"rule":"other.yaml#x"}"#),
        ]
        for (m, expected) in cases {
            var fast = JSONWriter(), plain = JSONWriter()
            head.withUnsafeBufferPointer { m.write(document: doc, to: &fast, pieces: pieces, head: $0) }
            m.write(document: doc, to: &plain)
            XCTAssertEqual(String(decoding: fast.bytes, as: UTF8.self), expected + "\n")
            XCTAssertEqual(String(decoding: plain.bytes, as: UTF8.self), expected + "\n")
        }
    }

    func testValueShapes() {
        func json(_ v: MentionValue) -> String {
            var w = JSONWriter()
            v.write(to: &w)
            return String(decoding: w.bytes, as: UTF8.self)
        }
        XCTAssertEqual(json(.quantity(QuantityValue(amount: 20, unit: "台套", approx: .over))), #"{"amount":20,"unit":"台套","approx":"over"}"#)
        XCTAssertEqual(json(.quantity(QuantityValue(amount: 3000, max: 5000, unit: "吨"))), #"{"amount":3000,"max":5000,"unit":"吨"}"#)
        XCTAssertEqual(json(.percent(PercentValue(amount: 94.28))), #"{"amount":94.28}"#)
        XCTAssertEqual(json(.date(DateValue(value: "2020-05", mod: .end, bound: .onOrBefore))), #"{"value":"2020-05","mod":"end","bound":"on_or_before"}"#)
    }
}

final class MentionIDTests: XCTestCase {
    func testIDsAreWrittenLikeInterpolation() {
        for (sid, k) in [(0, 1), (9, 10), (12, 3), (123456, 99), (999_999_999, 1_000_000_000)] {
            XCTAssertEqual(Mention.id(sid: sid, k: k), "m\(sid)_\(k)")
        }
    }
}

final class MentionTypeCodeTests: XCTestCase {
    func testCodesRoundTrip() {
        for t in MentionType.allCases { XCTAssertEqual(MentionType.byCode[Int(t.code)], t) }
        XCTAssertEqual(Set(MentionType.allCases.map(\.code)).count, MentionType.allCases.count)
    }
}
