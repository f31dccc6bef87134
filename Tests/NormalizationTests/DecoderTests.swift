import XCTest
import LianluCore
@testable import Normalization

final class TextDecoderTests: XCTestCase {
    let sample = "聊城市冠县新签约项目12个，总投资达到86.5亿元，其中亿元以上项目9个。记者从县发改局了解到，这些项目将于今年年底前全部开工。"
    let sampleHant = "雲林縣政府昨天與業者簽約，由該公司投資新臺幣6.2億元，在斗六工業區興建冷凍蔬菜加工廠，預計明年底完工。縣長表示，這項投資將帶動農民增加收入。"

    func decode(_ b: [UInt8]) -> Result<TextDecoder.Decoded, TextDecoder.Failure> { TextDecoder.decode(b) }

    func encoded(_ s: String, _ charset: String) -> [UInt8] {
        // Encode through ICU by converting UTF-8 -> charset with iconv-like round trip.
        let u = Array(s.utf16)
        return ICUEncoding.encode(u, charset)
    }

    func testUTF8AndBOMs() throws {
        XCTAssertEqual(try decode(Array(sample.utf8)).get().encoding, "UTF-8")
        XCTAssertEqual(try decode([0xEF, 0xBB, 0xBF] + Array(sample.utf8)).get().text, Array(sample.utf16))
        var le: [UInt8] = [0xFF, 0xFE]
        for u in sample.utf16 { le += [UInt8(u & 0xFF), UInt8(u >> 8)] }
        XCTAssertEqual(try decode(le).get().encoding, "UTF-16LE")
        XCTAssertEqual(try decode(le).get().text, Array(sample.utf16))
        var be: [UInt8] = [0xFE, 0xFF]
        for u in sample.utf16 { be += [UInt8(u >> 8), UInt8(u & 0xFF)] }
        XCTAssertEqual(try decode(be).get().encoding, "UTF-16BE")
        XCTAssertEqual(try decode([]).get().text, [])
    }

    func testGBKAndBig5() throws {
        let gbk = encoded(sample + sample, "GBK")
        let d = try decode(gbk).get()
        XCTAssertEqual(d.encoding, "GB18030")
        XCTAssertEqual(str(d.text), sample + sample)
        let big5 = encoded(sampleHant + sampleHant, "Big5")
        let b = try decode(big5).get()
        XCTAssertEqual(b.encoding, "Big5")
        XCTAssertEqual(str(b.text), sampleHant + sampleHant)
    }

    func testBinaryIsRejectedWithOffset() {
        var bytes = Array(sample.utf8)
        bytes.insert(0, at: 10)
        guard case let .failure(f) = decode(bytes) else { return XCTFail("binary accepted") }
        XCTAssertEqual(f.code, .binaryContent)
        XCTAssertEqual(f.byteOffset, 10)
        XCTAssertTrue(f.reason.contains("NUL byte at offset 10"), f.reason)
    }

    func testBrokenUTF8IsRejectedAtTheFirstBadByte() {
        var bytes = Array((sample + sample).utf8)
        bytes[30] = 0xFF
        guard case let .failure(f) = decode(bytes) else { return XCTFail("broken UTF-8 accepted") }
        XCTAssertEqual(f.code, .invalidUTF8)
        XCTAssertEqual(f.byteOffset, 30)
        XCTAssertTrue(f.reason.contains("byte offset 30"), f.reason)
    }

    func testUndecodableBytesAreRejected() {
        // Bytes that are neither UTF-8 nor GB18030 nor Big5 Chinese text.
        var rng = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        for _ in 0..<400 { bytes.append(UInt8.random(in: 0x80...0xFF, using: &rng)); bytes.append(UInt8.random(in: 0x21...0x2F, using: &rng)) }
        guard case let .failure(f) = decode(bytes) else { return XCTFail("random bytes accepted") }
        XCTAssertTrue([.unknownEncoding, .invalidBytes].contains(f.code), "\(f)")
        XCTAssertTrue(f.reason.contains("offset"), f.reason)
    }
}

/// Test helper: encodes UTF-16 into a legacy charset with ICU (via the shim's converter
/// in the other direction is not exposed, so go through Python-free table: ICU ucnv).
enum ICUEncoding {
    static func encode(_ text: [UInt16], _ charset: String) -> [UInt8] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["iconv", "-f", "UTF-16LE", "-t", charset]
        let inPipe = Pipe(), outPipe = Pipe()
        p.standardInput = inPipe
        p.standardOutput = outPipe
        try! p.run()
        var bytes: [UInt8] = []
        for u in text { bytes += [UInt8(u & 0xFF), UInt8(u >> 8)] }
        inPipe.fileHandleForWriting.write(Data(bytes))
        try! inPipe.fileHandleForWriting.close()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Array(out)
    }
}
import Foundation
