import XCTest
import LianluCore
@testable import Normalization

/// Property tests for the offset alignment: documents are generated from tokens whose raw
/// and normalized forms are known, so the exact raw range of every normalized token is
/// known too; the normalizer's alignment must reproduce it for every token, and every
/// span's normalized text must be what its offsets cut out.
final class OffsetPropertyTests: XCTestCase {
    struct Token {
        var raw: String
        var norm: String
        /// False for paragraph breaks whose deleted parts (CR, indents) legitimately
        /// fall outside the kept newlines' raw range.
        var exact = true
    }

    static let simplifiedWords: [Token] = [
        ("聊城", "聊城"), ("项目", "项目"), ("投资", "投资"), ("建设", "建设"), ("企业", "企业"), ("12", "12"),
        ("１２", "12"), ("亿元", "亿元"), ("Ａ", "A"), ("ｂ", "b"), ("%", "%"), ("％", "%"), ("「", "“"), ("」", "”"),
        ("『", "‘"), ("』", "’"), ("“", "“"), ("”", "”"), ("…", "..."), ("㎡", "m2"), ("𠀀", "𠀀"), ("①", "1"),
        ("、", "、"), ("·", "·"), ("（", "("), ("）", ")"), ("ｶ", "カ"), ("℃", "°C"),
    ].map { Token(raw: $0.0, norm: $0.1) }

    static let traditionalWords: [Token] = [
        ("這個", "这个"), ("項目", "项目"), ("投資", "投资"), ("縣", "县"), ("國際", "国际"), ("產業", "产业"), ("園區", "园区"),
        ("發展", "发展"), ("１２", "12"), ("「", "“"), ("」", "”"), ("𠀀", "𠀀"), ("億元", "亿元"), ("經濟", "经济"),
    ].map { Token(raw: $0.0, norm: $0.1) }

    /// A generated document: tokens in order (line breaks are tokens too).
    func generate(_ words: [Token], _ rng: inout SystemRandomNumberGenerator) -> [Token] {
        var tokens: [Token] = []
        let paragraphs = Int.random(in: 1...5, using: &rng)
        for p in 0..<paragraphs {
            if p > 0 {
                // Paragraph break, sometimes with CR LF or an indent (both normalized away).
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: tokens.append(Token(raw: "\n\n", norm: "\n\n"))
                case 1: tokens.append(Token(raw: "\r\n\r\n", norm: "\n\n", exact: false))
                default: tokens.append(Token(raw: "\n\n\u{3000}\u{3000}", norm: "\n\n", exact: false))
                }
            }
            let sentences = Int.random(in: 1...3, using: &rng)
            for s in 0..<sentences {
                // Start with an ideograph so a preceding layout break can join.
                tokens.append(Token(raw: "县里", norm: "县里"))
                for k in 0..<Int.random(in: 6...14, using: &rng) {
                    if k == 3 { tokens.append(Token(raw: "，", norm: ",")) }
                    if k == 5 && Int.random(in: 0..<3, using: &rng) == 0 { tokens.append(Token(raw: "\u{3000}", norm: " ")) }
                    tokens.append(words.randomElement(using: &rng)!)
                    if k == 8 && Int.random(in: 0..<3, using: &rng) == 0 {
                        // A layout break inside the sentence: joined.
                        tokens.append(Token(raw: "完成", norm: "完成"))
                        tokens.append(Token(raw: Bool.random(using: &rng) ? "\n\n" : "\n", norm: ""))
                        tokens.append(Token(raw: "进度", norm: "进度"))
                        tokens.append(Token(raw: "，并且全面推进各项建设工作", norm: ",并且全面推进各项建设工作"))
                    }
                }
                tokens.append(Token(raw: s == sentences - 1 ? "。" : "；", norm: s == sentences - 1 ? "。" : ";"))
            }
        }
        return tokens
    }

    func check(_ words: [Token], traditional: Bool) {
        var rng = SystemRandomNumberGenerator()
        let normalizer = DocumentNormalizer()
        for _ in 0..<200 {
            var tokens = generate(words, &rng)
            // A Traditional document has enough Traditional characters to be detected
            // (at least 3, and 5% of its ideographs).
            if traditional { tokens.insert(Token(raw: "這個縣的經濟發展", norm: "这个县的经济发展"), at: 0) }
            let raw = tokens.map(\.raw).joined()
            let doc = normalizer.normalize(raw: Array(raw.utf16), id: "t", encoding: "UTF-8", date: nil, source: nil, defaultDate: nil)
            XCTAssertEqual(doc.string, tokens.map(\.norm).joined(), "raw: \(raw.debugDescription)")
            XCTAssertEqual(doc.wasTraditional, traditional)
            XCTAssertEqual(doc.rawLength, raw.unicodeScalars.count)
            guard doc.string == tokens.map(\.norm).joined() else { continue }
            // Walk the tokens: normalized and raw positions in UTF-16 and code points.
            var n16 = 0, rawCP = 0
            let rawScalars = Array(raw.unicodeScalars)
            for t in tokens {
                let nLen16 = t.norm.utf16.count
                let rLen = t.raw.unicodeScalars.count
                if nLen16 > 0 && t.exact {
                    let o = doc.alignment.spanOffsets(normalizedUTF16: n16..<(n16 + nLen16))
                    XCTAssertEqual(o.rawStart, rawCP, "token \(t.raw.debugDescription) in \(raw.debugDescription)")
                    XCTAssertEqual(o.rawEnd, rawCP + rLen, "token \(t.raw.debugDescription) in \(raw.debugDescription)")
                    XCTAssertEqual(doc.slice(o.start, o.end), t.norm)
                    var rs = String.UnicodeScalarView()
                    rs.append(contentsOf: rawScalars[o.rawStart..<o.rawEnd])
                    XCTAssertEqual(String(rs), t.raw)
                }
                n16 += nLen16
                rawCP += rLen
            }
            // Serialized edits rebuild the same alignment (what `lianlu sentences` reads).
            let rebuilt = try! Alignment(edits: doc.alignment.map.edits, normalizedLength: doc.string.unicodeScalars.count,
                                         rawLength: doc.rawLength, normalizedIndex: CodePointIndex(doc.text))
            for s in stride(from: 0, to: doc.text.count, by: 3) {
                let e = min(doc.text.count, s + 7)
                XCTAssertEqual(rebuilt.spanOffsets(normalizedUTF16: s..<e).rawStart, doc.alignment.spanOffsets(normalizedUTF16: s..<e).rawStart)
                XCTAssertEqual(rebuilt.spanOffsets(normalizedUTF16: s..<e).rawEnd, doc.alignment.spanOffsets(normalizedUTF16: s..<e).rawEnd)
            }
        }
    }

    func testSimplifiedTokensMapBackExactly() { check(Self.simplifiedWords, traditional: false) }
    func testTraditionalTokensMapBackExactly() { check(Self.traditionalWords, traditional: true) }
}
