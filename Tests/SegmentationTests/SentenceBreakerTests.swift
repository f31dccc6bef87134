import XCTest
import LianluCore
import Normalization
@testable import Segmentation

final class SentenceBreakerTests: XCTestCase {
    /// (kind, para, text) of each unit of a normalized text.
    func units(_ text: String) throws -> [(SentenceKind, Int, String)] {
        let doc = DocumentNormalizer().normalize(raw: Array(text.utf16), id: "t", encoding: "UTF-8", date: nil, source: nil, defaultDate: nil)
        return try SentenceBreaker().sentences(of: doc).map { s in
            (s.kind, s.para, String(decoding: doc.text[s.utf16Range], as: UTF16.self))
        }
    }

    func texts(_ text: String) throws -> [String] { try units(text).map(\.2) }

    func testClosingQuoteStaysAndOpeningQuoteMovesOn() throws {
        XCTAssertEqual(try texts("“项目一定按期完成！”他说。“我们有信心。”"),
                       ["“项目一定按期完成!”", "他说。", "“我们有信心。”"])
        XCTAssertEqual(try texts("产业集群已经形成。“去年以来，我们加大招商力度。”"),
                       ["产业集群已经形成。", "“去年以来,我们加大招商力度。”"])
    }

    func testEllipsisDoesNotEndASentence() throws {
        XCTAssertEqual(try texts("拍摄防护图片……仅用5分钟，就打印出了手续。"), ["拍摄防护图片......仅用5分钟,就打印出了手续。"])
        XCTAssertEqual(try texts("总投资136.2亿元，年产50万根。"), ["总投资136.2亿元,年产50万根。"])
    }

    /// A period in a Latin company name's abbreviation ends no sentence; a Latin
    /// sentence's own end still does when a longer word comes before it.
    func testAbbreviationsInLatinNamesDoNotEndASentence() throws {
        XCTAssertEqual(try texts("管委会与新加坡Harbor Line Pte. Ltd.签约。项目明年投产。"),
                       ["管委会与新加坡Harbor Line Pte. Ltd.签约。", "项目明年投产。"])
        // A bracket right after the name's period: ICU keeps it with the period.
        XCTAssertEqual(try texts("越南Delta Textile Co., Ltd.(以下简称“德尔塔”)投资建厂。项目年底投产。"),
                       ["越南Delta Textile Co., Ltd.(以下简称“德尔塔”)投资建厂。", "项目年底投产。"])
        XCTAssertEqual(try texts("他在信中写道:We keep going. Then we rest。我们同意。"),
                       ["他在信中写道:We keep going.", "Then we rest。", "我们同意。"])
    }

    func testBylinesDatelinesAndHeadlines() throws {
        let page = """
        线上签约 云端招商 两个项目落地

        □记者 孔令辉 通讯员 尚晓燕 吴冬梅 报道 本报聊城讯 4月9日，两家企业签约。项目下月开工。

        本报讯(记者 马丽 通讯员 田文亮) 4月8日，停车场投入使用。

        【记者林怡君／彰化报导】厂商昨日签约。

        □本报记者 许文静

        工人在车间调试新设备。

        □记者 韩晓东 摄

        图为工作人员在签约现场连线。
        """
        let u = try units(page)
        let expected: [(SentenceKind, Int, String)] = [
            (.headline, 0, "线上签约 云端招商 两个项目落地"),
            (.byline, 1, "□记者 孔令辉 通讯员 尚晓燕 吴冬梅 报道"),
            (.dateline, 1, "本报聊城讯"),
            (.body, 1, "4月9日,两家企业签约。"),
            (.body, 1, "项目下月开工。"),
            (.dateline, 2, "本报讯(记者 马丽 通讯员 田文亮)"),
            (.body, 2, "4月8日,停车场投入使用。"),
            (.byline, 3, "【记者林怡君/彰化报导】"),
            (.body, 3, "厂商昨日签约。"),
            (.byline, 4, "□本报记者 许文静"),
            (.caption, 5, "工人在车间调试新设备。"),
            (.byline, 6, "□记者 韩晓东 摄"),
            (.caption, 7, "图为工作人员在签约现场连线。"),
        ]
        XCTAssertEqual(u.count, expected.count, "\(u)")
        for (a, b) in zip(u, expected) {
            XCTAssertEqual(a.0, b.0, b.2)
            XCTAssertEqual(a.1, b.1, b.2)
            XCTAssertEqual(a.2, b.2)
        }
    }

    func testSentencesNeverCrossParagraphsAndAreTrimmed() throws {
        let u = try units("第一段没有句号\n\n  第二段有两句。这是第二句。  \n第三段。")
        XCTAssertEqual(u.map(\.1), [0, 1, 1, 2])
        XCTAssertEqual(u.map(\.2), ["第一段没有句号", "第二段有两句。", "这是第二句。", "第三段。"])
    }

    func testNoPunctuationParagraphLongerThanAHeadlineIsBody() throws {
        let long = String(repeating: "项目建设进度加快", count: 10)
        XCTAssertEqual(try units(long).map(\.0), [.body])
    }
}

/// The sentence record written through the document's pieces is byte for byte the plain
/// one: with and without a date, with edits inside sentences (full-width digits, a layout
/// break inside a word), with escapes in the text and the document id.
final class SentenceRecordPiecesTests: XCTestCase {
    func testPiecesWriteTheSameBytes() throws {
        let text = "本报讯 ２０２０年３月，园区“新”项目\n开工。\n\n记者 王\n立军 报道\t结束\\。"
        for date in [nil, CalendarDate(year: 2020, month: 3, day: 23)] {
            let doc = DocumentNormalizer().normalize(raw: Array(text.utf16), id: "d\"1", encoding: "UTF-8", date: date, source: nil, defaultDate: nil)
            let sentences = try SentenceBreaker().sentences(of: doc)
            XCTAssertGreaterThan(sentences.count, 1)
            var record = JSONWriter()
            let marks = doc.write(to: &record, textMarks: sentences.flatMap { [$0.utf16Range.lowerBound, $0.utf16Range.upperBound] })
            XCTAssertEqual(marks.count, sentences.count * 2)
            let (head, dateTail) = Sentence.recordPieces(document: doc)
            var withEdits = 0
            try record.withBytes { rec in
                for (k, s) in sentences.enumerated() {
                    var plain = JSONWriter(), fast = JSONWriter()
                    s.write(document: doc, to: &plain)
                    let escaped = UnsafeBufferPointer(rebasing: rec[marks[2 * k]..<marks[2 * k + 1]])
                    head.withUnsafeBufferPointer { h in dateTail.withUnsafeBufferPointer { d in
                        s.write(document: doc, to: &fast, escapedText: escaped, head: h, dateTail: d)
                    } }
                    XCTAssertEqual(String(decoding: fast.bytes, as: UTF8.self), String(decoding: plain.bytes, as: UTF8.self))
                    if try JSONParser.parse(fast.bytes)["edits"] != nil { withEdits += 1 }
                }
            }
            XCTAssertGreaterThan(withEdits, 0, "the text should give sentences with edits")
        }
    }
}
