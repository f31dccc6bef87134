import XCTest
import LianluCore
@testable import Normalization

func units(_ s: String) -> [UInt16] { Array(s.utf16) }
func str(_ u: [UInt16]) -> String { String(decoding: u, as: UTF16.self) }

extension NormalizedDocument {
    var string: String { str(text) }
    /// The normalized text of a span given in code points (Python slicing semantics).
    func slice(_ start: Int, _ end: Int) -> String {
        let scalars = Array(string.unicodeScalars)
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars[start..<end])
        return String(s)
    }
}

final class CharacterNormalizerTests: XCTestCase {
    func normalized(_ s: String) -> String {
        let u = units(s)
        return u.withUnsafeBufferPointer { str(CharacterNormalizer().normalize($0).output) }
    }

    func testFullWidthFormsAndQuotes() {
        XCTAssertEqual(normalized("２０２０年３月，ＡＢＣ集团（聊城）：１２．５％！？；"), "2020年3月,ABC集团(聊城):12.5%!?;")
        XCTAssertEqual(normalized("「投资」、『专班』。“一号工程”"), "“投资”、‘专班’。“一号工程”")
        XCTAssertEqual(normalized("□记者\u{3000}王某\u{3000}报道"), "□记者 王某 报道")
        XCTAssertEqual(normalized("a\r\nb\rc"), "a\nb\nc")
    }

    /// Property: the fast path agrees with ICU's NFKC of the whole text (plus the quote
    /// rule), on random mixes of ideographs, full-width forms, compatibility characters
    /// and combining marks.
    func testAgreesWithICUOnRandomText() {
        let alphabet: [String] = ["中", "国", "a", "Z", "5", " ", "\n", "，", "。", "、", "１", "Ａ", "％", "\u{3000}", "…", "㎡", "①",
                                  "e\u{301}", "\u{301}", "ｶ", "ﾞ", "カ", "\u{FF9E}", "Å", "ﬁ", "〇", "“", "”", "·", "—", "𠀀", "\u{2028}", "℃", "¼"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let s = (0..<Int.random(in: 0...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }.joined()
            let u = units(s)
            let ours = u.withUnsafeBufferPointer { CharacterNormalizer().normalize($0).output }
            var icu = u.withUnsafeBufferPointer { ICUNormalizer.nfkc.normalize($0) }
            for k in icu.indices {
                switch icu[k] {
                case 0x3000: icu[k] = 0x20
                case 0x2028, 0x2029: icu[k] = 0x0A
                default: break
                }
            }
            XCTAssertEqual(str(ours), str(icu), "input \(s.unicodeScalars.map { String($0.value, radix: 16) }) ours \(ours.map { String($0, radix: 16) }) icu \(icu.map { String($0, radix: 16) })")
        }
    }
}

final class LayoutJoinerTests: XCTestCase {
    func join(_ s: String) -> (String, Int) {
        let u = units(s)
        let (ed, n) = u.withUnsafeBufferPointer { LayoutJoiner().join($0) }
        return (str(ed.output), n)
    }

    func testJoinsBreaksInsideSentences() {
        let body = "县领导帮包,专人对重点项目服务解难,各乡镇党员干部"
        XCTAssertEqual(join(body + "\n\n变身驻厂员,实行贴身服务。").0, body + "变身驻厂员,实行贴身服务。")
        XCTAssertEqual(join("会上,县委副书记、代县长王立\n军介绍了今年的重点工作。").0, "会上,县委副书记、代县长王立军介绍了今年的重点工作。")
        XCTAssertEqual(join("这家来自德国的Hamburg Logistics GmbH公司已经在园区投资,the\n\nproject starts soon.").0,
                       "这家来自德国的Hamburg Logistics GmbH公司已经在园区投资,the project starts soon.")
    }

    func testKeepsRealBreaks() {
        let cases = [
            "聊城制造企业重塑鲁西制造版图\n\n◆制造业是聊城的强市之本,是支撑全市经济发展的动力。",
            "□记者 孙亚飞 通讯员 许永飞 报道\n\n更多详细报道请见客户端",
            "项目建设进度明显加快,各项手续已经办结。\n\n下一步,全县将继续推进。",
            "全县上下要坚定信心,克服困难,抢抓机遇,加快推进\n\n冠县复工达产精准",            // next line is a headline
            "全县上下要坚定信心,克服困难,抢抓机遇,加快推进\n\n本报冠县讯 3月1日,县里召开会议。", // next opens a dateline
            "服务“沉”下去 生产“提”上来\n\n冠县复工达产“靶向”精准",                          // two headlines
            "聊城启动扶贫领域问题整改“清零”大行动——\n\n“再小的问题也不放过”",
            // A page header's colon is no prose, and its section name (经济) no open end.
            "2025年03月09日 第02版:经济\n芜湖光伏组件项目满负荷生产订单已经排到年底",
            // A headline of two parts split by a space, however long.
            "全县上下要坚定信心,克服困难,抢抓机遇,加快推进\n\n蒙城新能源电池项目进入设备调试阶段 预计三季度试产",
        ]
        for c in cases { XCTAssertEqual(join(c).0, c, c) }
    }

    func testTrimsIndentsAndBlankLines() {
        XCTAssertEqual(join("  标题\n \t \n  正文第一句。 \n").0, "标题\n\n正文第一句。\n")
    }
}

final class ScriptConverterTests: XCTestCase {
    func testDetectsAndConvertsTraditional() {
        let hant = "這個項目預計明年動工,達產後可創造三百個就業機會,縣政府會持續協助廠商解決問題。"
        let hans = "这个项目预计明年动工,达产后可创造三百个就业机会,县政府会持续协助厂商解决问题。"
        XCTAssertTrue(units(hant).withUnsafeBufferPointer { ScriptConverter.isTraditional($0) })
        XCTAssertFalse(units(hans).withUnsafeBufferPointer { ScriptConverter.isTraditional($0) })
        // A Simplified article quoting one Traditional name stays Simplified.
        XCTAssertFalse(units(hans + hans + "台湾的「鴻海」集团也来考察。").withUnsafeBufferPointer { ScriptConverter.isTraditional($0) })
        let out = units(hant).withUnsafeBufferPointer { ScriptConverter().toSimplified($0) }
        XCTAssertEqual(str(out.output), hans)
        XCTAssertTrue(out.map.isIdentity || out.map.edits.isEmpty)
    }

    /// The lookup table agrees with ICU's transliterator on random Traditional text.
    func testTableAgreesWithICUTransliterator() throws {
        let icu = try ICUTransliterator(id: "Traditional-Simplified")
        let pool = Array("這個項目預計明年動工達產後可創造三百個就業機會縣政府會持續協助廠商解決問題國際經濟發展園區億元臺灣彰濱雲林農產業與為們來說對於時間開關電話號碼乾坤後面麵條著名藝術餘地薑片崑崙單于")
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let s = String((0..<Int.random(in: 1...60, using: &rng)).map { _ in pool.randomElement(using: &rng)! })
            let u = units(s)
            let ours = u.withUnsafeBufferPointer { ScriptConverter().toSimplified($0).output }
            let theirs = u.withUnsafeBufferPointer { icu.transliterate($0) }
            XCTAssertEqual(str(ours), str(theirs), s)
        }
    }
}

final class ReferenceDateTests: XCTestCase {
    func find(_ s: String) -> String? { units(s).withUnsafeBufferPointer { ReferenceDateFinder.find(in: $0)?.description } }

    func testFindsDateLineNearTop() {
        XCTAssertEqual(find("聊城日报\n\n2019年07月02日 星期二\n\n第3版"), "2019-07-02")
        XCTAssertEqual(find("2020 年 3 月 23 日\n正文"), "2020-03-23")
        XCTAssertNil(find("2019年13月02日\n正文"))
        // A date inside prose is an event date, not the page date.
        XCTAssertNil(find("2020年3月18日,聊城市召开会议,部署全年工作。"))
        let deep = (0..<10).map { "第\($0)行" }.joined(separator: "\n") + "\n2019年07月02日"
        XCTAssertNil(find(deep))
    }
}
