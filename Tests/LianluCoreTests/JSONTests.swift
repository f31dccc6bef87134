import XCTest
@testable import LianluCore

final class JSONTests: XCTestCase {
    func testWriterEscapesAndNests() throws {
        var w = JSONWriter()
        w.beginObject()
        w.key("doc"); w.string("a\"b\\c\n\t\u{1}中文")
        w.key("n"); w.int(-42)
        w.key("big"); w.number(13_620_000_000)
        w.key("frac"); w.number(94.28)
        w.key("list"); w.beginArray(); w.int(1); w.string("x"); w.beginObject(); w.endObject(); w.endArray()
        w.key("flag"); w.bool(true)
        w.endObject()
        let s = String(decoding: w.bytes, as: UTF8.self)
        XCTAssertEqual(s, #"{"doc":"a\"b\\c\n\t\u0001中文","n":-42,"big":13620000000,"frac":94.28,"list":[1,"x",{}],"flag":true}"#)
        let v = try JSONParser.parse(w.bytes)
        XCTAssertEqual(v["doc"]?.stringValue, "a\"b\\c\n\t\u{1}中文")
        XCTAssertEqual(v["big"]?.intValue, 13_620_000_000)
        XCTAssertEqual(v["frac"]?.doubleValue, 94.28)
    }

    /// Commas stay right past the 64 levels the writer tracks in a bit stack.
    /// Integers as `String(v)` writes them, at every digit count and sign.
    func testWriterFormatsIntegers() {
        var values: [Int] = [0, 1, -1, 9, 10, 99, 100, 101, 999, 1000, Int.max, Int.min, Int.max - 1, Int.min + 1]
        var p = 1
        for _ in 0..<18 { p *= 10; values += [p - 1, p, p + 1, -p, -(p - 1), 3 * p + 7] }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 { values.append(Int.random(in: Int.min...Int.max, using: &rng) >> Int.random(in: 0...62, using: &rng)) }
        for v in values {
            var w = JSONWriter()
            w.int(v)
            XCTAssertEqual(String(decoding: w.bytes, as: UTF8.self), String(v))
        }
    }

    /// The UTF-8 the writer gives for each kind of UTF-16 unit: ASCII with its escapes,
    /// two- and three-byte forms, a surrogate pair as one four-byte scalar, and a
    /// surrogate without its other half as U+FFFD.
    func testUTF16IsWrittenAsUTF8() {
        let cases: [([UInt16], String)] = [
            ([0x41, 0x22, 0x0A, 0x1F], #""A\"\n\u001f""#),
            ([0xE9, 0x4E2D, 0xFFFF], "\"é中\u{FFFF}\""),
            ([0xD840, 0xDC00], "\"𠀀\""),
            ([0x41, 0xD800, 0x42, 0xDC00], "\"A\u{FFFD}B\u{FFFD}\""),
            ([0xDBFF], "\"\u{FFFD}\""),
        ]
        for (units, expected) in cases {
            var w = JSONWriter()
            units.withUnsafeBufferPointer { w.string(utf16: $0) }
            XCTAssertEqual(String(decoding: w.bytes, as: UTF8.self), expected, "\(units)")
        }
    }

    /// `appendRaw` with `quoted` and `decimal` (records written through one pointer)
    /// gives the bytes of `string` and `int`: escapes, surrogate pairs, a lone surrogate,
    /// and numbers of every length.
    func testPointerWritersMatchTheWriter() {
        let texts = ["", "m1_2", "a\"b\\c", "tab\there\nnew", "\u{1}\u{7F}x", "临清市", "𠀀a中", "é€"]
        var units = texts.map { Array($0.utf16) }
        units.append([0x4E2D, 0xD800, 0x41])  // an unpaired high surrogate
        units.append([0xDC00])
        for u in units {
            var a = JSONWriter(), b = JSONWriter()
            u.withUnsafeBufferPointer { buf in
                a.string(utf16: buf)
                b.appendRaw(capacity: JSONWriter.quotedCapacity(utf16: buf.count)) { JSONWriter.quoted(utf16: buf, to: $0) }
            }
            XCTAssertEqual(a.bytes, b.bytes, "\(u)")
        }
        // Every special byte at every place of an eight-byte word, beside plain ASCII
        // and multi-byte UTF-8 (the word-at-a-time scan must find each).
        var longer = texts
        for special in ["\"", "\\", "\u{1F}", "\u{7F}", "\n", "\u{0}"] {
            for k in 0..<17 { longer.append(String(repeating: "a", count: k) + special + "bcdefghij中文") }
        }
        longer.append(String(repeating: "m12_345,", count: 9))
        for t in longer {
            var a = JSONWriter(), b = JSONWriter()
            a.string(t)
            b.appendRaw(capacity: JSONWriter.quotedCapacity(t)) { JSONWriter.quoted(t, to: $0) }
            XCTAssertEqual(a.bytes, b.bytes, t)
        }
        var numbers = [0, 7, -7, 10, 99, 100, 12345, -98765, Int.max, Int.min]
        for k in 0..<8 { var x = 1; for _ in 0..<k { x *= 10 }; numbers += [x - 1, x, x + 1, 7 * x + 3] }
        for v in numbers + Array(0..<2000) {
            var b = JSONWriter()
            b.appendRaw(capacity: 20) { JSONWriter.decimal(v, to: $0) }
            XCTAssertEqual(String(decoding: b.bytes, as: UTF8.self), String(v))
        }
    }

    /// A value written whole through `rawValue` takes its commas like any other value.
    func testRawValueKeepsCommas() throws {
        var w = JSONWriter()
        w.beginObject()
        w.key("a"); w.rawValue(capacity: 8) { p in p[0] = UInt8(ascii: "{"); p[1] = UInt8(ascii: "}"); return 2 }
        w.key("b"); w.beginArray()
        for _ in 0..<3 { w.rawValue(capacity: 8) { JSONWriter.decimal(7, to: $0) } }
        w.int(8)
        w.endArray()
        w.endObject()
        XCTAssertEqual(String(decoding: w.bytes, as: UTF8.self), #"{"a":{},"b":[7,7,7,8]}"#)
    }

    func testWriterNestsDeeperThanItsBitStack() throws {
        var w = JSONWriter()
        for _ in 0..<70 { w.beginArray(); w.int(1) }
        for _ in 0..<70 { w.int(2); w.endArray() }
        let s = String(decoding: w.bytes, as: UTF8.self)
        XCTAssertEqual(s, String(repeating: "[1,", count: 70) + "2" + String(repeating: "],2", count: 69) + "]")
        _ = try JSONParser.parse(w.bytes)
    }

    func testUTF16StringTranscodesSurrogatePairs() {
        let text: [UInt16] = Array("𠀀a中\u{7F}".utf16)
        var w = JSONWriter()
        text.withUnsafeBufferPointer { w.string(utf16: $0) }
        XCTAssertEqual(String(decoding: w.bytes, as: UTF8.self), "\"𠀀a中\\u007f\"")
        // A pair across the writer's chunk boundary (4096 units) stays one character.
        for pad in 4094...4097 {
            let long = String(repeating: "a", count: pad) + "𠀀" + "b\n"
            var v = JSONWriter()
            Array(long.utf16).withUnsafeBufferPointer { v.string(utf16: $0) }
            XCTAssertEqual(String(decoding: v.bytes, as: UTF8.self), "\"" + String(repeating: "a", count: pad) + "𠀀b\\n\"")
        }
    }

    /// A document record written with its text in pieces (long documents) is the record
    /// written whole, whatever the piece size: a surrogate pair is never cut.
    func testDocumentRecordInPiecesIsTheWholeRecord() {
        let text: [UInt16] = Array("𠀀a中\u{7F}𠀁\"𠀂𠀃b\n".utf16)
        let doc = NormalizedDocument(id: "d", date: nil, dateSource: nil, source: nil, encoding: "UTF-8", wasTraditional: false, text: text,
                                     rawLength: text.count, alignment: Alignment(map: .identity(length: text.count), normalizedIndex: CodePointIndex(text)))
        var whole = JSONWriter()
        doc.write(to: &whole)
        for size in 1...4 {
            var w = JSONWriter()
            var streamed: [UInt8] = []
            var pieces = 0
            doc.write(to: &w, pieceUnits: size) { streamed += $0; pieces += 1 }
            streamed += w.drain()
            XCTAssertEqual(String(decoding: streamed, as: UTF8.self), String(decoding: whole.bytes, as: UTF8.self), "pieces of \(size)")
            XCTAssertGreaterThan(pieces, 2)
        }
    }

    func testParserReportsOffsets() {
        let cases: [(String, Int, String)] = [
            (#"{"id": "a", "text": }"#, 20, "expected a value"),
            (#"{"id" "a"}"#, 6, "expected ':'"),
            (#"{"id": "a""#, 10, "unexpected end of input"),
            (#"{"t": "a\qb"}"#, 9, "invalid escape"),
            ("[1,2] x", 6, "unexpected content"),
        ]
        for (text, offset, message) in cases {
            XCTAssertThrowsError(try JSONParser.parse(text), text) { e in
                let err = e as! JSONParseError
                XCTAssertEqual(err.offset, offset, text)
                XCTAssertTrue(err.message.contains(message), "\(text): \(err.message)")
            }
        }
    }

    func testParserHandlesEscapesAndSurrogates() throws {
        let v = try JSONParser.parse(#"{"a":"\u4e2d\ud840\udc00\/","b":[true,false,null,-1.5e2]}"#)
        XCTAssertEqual(v["a"]?.stringValue, "中𠀀/")
        XCTAssertEqual(v["b"], .array([.bool(true), .bool(false), .null, .number(-150)]))
        XCTAssertThrowsError(try JSONParser.parse(#""\ud840""#))
    }

    /// Strings of every length with quotes, backslashes, control characters and
    /// multi-byte text at every offset (the scan reads eight bytes at a time) decode as
    /// written, and a raw control character or a missing closing quote is reported at its
    /// byte.
    func testStringsAtEveryOffset() throws {
        let pieces = ["a", "中", "𠀀", "\"", "\\", "\n", "\t", "\u{1}", "é", "“", "/"]
        var rng = SystemRandomNumberGenerator()
        for length in 0..<40 {
            for _ in 0..<20 {
                let text = (0..<length).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &rng)] }.joined()
                var w = JSONWriter()
                w.beginObject(); w.key("id"); w.string("x"); w.key("text"); w.string(text); w.endObject()
                let (v, units) = try JSONParser.parseObject(w.bytes, utf16Key: "text")
                XCTAssertEqual(v["id"]?.stringValue, "x")
                XCTAssertEqual(units.map { String(decoding: $0, as: UTF16.self) }, text)
            }
        }
        for offset in 0..<20 {
            let prefix = #"{"text":""# + String(repeating: "中", count: offset / 3) + String(repeating: "a", count: offset % 3)
            var raw = Array(prefix.utf8)
            raw.append(0x0A)
            raw += Array(#"b"}"#.utf8)
            XCTAssertThrowsError(try JSONParser.parseObject(raw, utf16Key: "text")) { e in
                XCTAssertEqual((e as! JSONParseError).offset, prefix.utf8.count)
                XCTAssertTrue((e as! JSONParseError).message.contains("control character"))
            }
            let open = Array((prefix + "abc").utf8)
            XCTAssertThrowsError(try JSONParser.parseObject(open, utf16Key: "text")) { e in
                XCTAssertTrue((e as! JSONParseError).message.contains("unterminated"), (e as! JSONParseError).message)
            }
        }
    }

    func testParseObjectDecodesTextToUTF16() throws {
        let line = #"{"id":"a","text":"第一段\n\n“引号”\"\\\u4e2d\ud840\udc00 end","n":1}"#
        let (v, text) = try JSONParser.parseObject(Array(line.utf8), utf16Key: "text")
        XCTAssertEqual(v["id"]?.stringValue, "a")
        XCTAssertEqual(v["n"]?.intValue, 1)
        XCTAssertEqual(String(decoding: text!, as: UTF16.self), "第一段\n\n“引号”\"\\中𠀀 end")
        var bad = Array(#"{"id":"a","text":"ab\ncd"}"#.utf8)
        bad[22] = 0xFF
        XCTAssertThrowsError(try JSONParser.parseObject(bad, utf16Key: "text")) { e in
            XCTAssertTrue((e as! JSONParseError).isEncodingError)
            XCTAssertEqual((e as! JSONParseError).offset, 22)
        }
    }

    func testCanonicalFormSortsKeys() throws {
        let a = try JSONParser.parse(#"{"b":1,"a":{"d":2,"c":3}}"#)
        XCTAssertEqual(String(decoding: a.canonicalBytes(), as: UTF8.self), #"{"a":{"c":3,"d":2},"b":1}"#)
        XCTAssertEqual(a, try JSONParser.parse(#"{"a":{"c":3,"d":2},"b":1}"#))
    }
}

final class TextTests: XCTestCase {
    func testUTF8DecoderAcceptsValidAndFindsFirstInvalid() {
        if case let .text(t) = UTF8Decoder.decode(Array("a中𠀀".utf8)) {
            XCTAssertEqual(t, Array("a中𠀀".utf16))
        } else { XCTFail("valid UTF-8 rejected") }
        var bytes = Array("临清市".utf8)
        bytes.insert(0xFF, at: 3)
        guard case let .invalid(offset, valid, invalid) = UTF8Decoder.decode(bytes) else { return XCTFail("invalid accepted") }
        XCTAssertEqual(offset, 3)
        XCTAssertEqual(valid, 3)
        XCTAssertEqual(invalid, 1)
        // Overlong encoding and an encoded surrogate are invalid too.
        guard case .invalid(0, _, _) = UTF8Decoder.decode([0xC0, 0xAF]) else { return XCTFail("overlong accepted") }
        guard case .invalid(0, _, _) = UTF8Decoder.decode([0xED, 0xA0, 0x80]) else { return XCTFail("surrogate accepted") }
        guard case .invalid(1, _, _) = UTF8Decoder.decode([0x61, 0xE4, 0xB8]) else { return XCTFail("truncated accepted") }
    }

    func testCodePointIndexRoundTrips() {
        let s = "a𠀀b𠀁𠀂c中"
        let u = Array(s.utf16)
        let idx = CodePointIndex(u)
        XCTAssertEqual(idx.pairStarts, [1, 4, 6])
        var cp = 0
        var i = 0
        while i <= u.count {
            XCTAssertEqual(idx.codePointOffset(utf16: i), cp)
            XCTAssertEqual(idx.utf16Offset(codePoint: cp), i)
            if i < u.count, TextUnits.isHighSurrogate(u[i]) { i += 2 } else { i += 1 }
            cp += 1
        }
    }

    /// The four-at-a-time skip finds the same pairs as a unit-by-unit scan, with pairs,
    /// lone high and low surrogates and the edges of the surrogate range at every
    /// alignment and at the end of the text.
    func testCodePointIndexAgreesWithAUnitByUnitScan() {
        let pool: [UInt16] = [0x61, 0x4E2D, 0xD7FF, 0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xE000, 0xFFFF, 0x3000]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let n = Int.random(in: 0...23, using: &rng)
            let u = (0..<n).map { _ in Int.random(in: 0..<4, using: &rng) == 0 ? pool.randomElement(using: &rng)! : UInt16(0x4E00 + Int.random(in: 0..<100, using: &rng)) }
            var expected: [Int32] = []
            var i = 0
            while i < n {
                if u[i] & 0xFC00 == 0xD800, i + 1 < n, u[i + 1] & 0xFC00 == 0xDC00 { expected.append(Int32(i)); i += 2 } else { i += 1 }
            }
            XCTAssertEqual(CodePointIndex(u).pairStarts, expected, "\(u.map { String($0, radix: 16) })")
        }
    }

    func testCalendarDate() {
        XCTAssertEqual(CalendarDate(iso: "2020-02-29")?.description, "2020-02-29")
        XCTAssertNil(CalendarDate(iso: "2019-02-29"))
        XCTAssertNil(CalendarDate(iso: "2020-13-01"))
        XCTAssertNil(CalendarDate(iso: "2020-3-1"))
        XCTAssertNil(CalendarDate(iso: "20200301xx"))
    }
}
