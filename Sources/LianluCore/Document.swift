/// A calendar date without time zone: the reference date that resolves 去年, 3月19日 ...
public struct CalendarDate: Sendable, Equatable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= CalendarDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` strictly.
    public init?(iso: String) {
        let u = Array(iso.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                guard u[i] >= 0x30, u[i] <= 0x39 else { return nil }
                v = v * 10 + Int(u[i] - 0x30)
            }
            return v
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public var description: String {
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }
}

/// Where a document came from, for messages and the rejects file.
public struct InputOrigin: Sendable, Equatable {
    public var file: String
    /// 1-based line for documents read from JSONL.
    public var line: Int?

    public init(file: String, line: Int? = nil) {
        self.file = file
        self.line = line
    }
}

/// A document as read, before normalization.
public struct SourceDocument: Sendable {
    public enum Content: Sendable {
        /// Bytes of a text file, still to be decoded (encoding detection runs in the worker).
        case bytes([UInt8])
        /// Text already decoded (the `text` of a JSONL record).
        case text([UInt16], encoding: String)
    }

    public var id: String
    public var date: CalendarDate?
    public var source: String?
    public var origin: InputOrigin
    public var content: Content

    public init(id: String, date: CalendarDate? = nil, source: String? = nil, origin: InputOrigin, content: Content) {
        self.id = id
        self.date = date
        self.source = source
        self.origin = origin
        self.content = content
    }

    public var byteSize: Int {
        switch content {
        case let .bytes(b): return b.count
        case let .text(t, _): return t.count * 2
        }
    }
}

/// Which evidence set a document's reference date.
public enum DateSource: String, Sendable {
    /// The input record's own `date`.
    case input
    /// A date line in the text (an e-paper header such as `2019年07月02日`).
    case text
    /// The run's `--date` option.
    case option
}

/// A normalized document: the `documents.jsonl` record (SPEC.md stage 1).
public struct NormalizedDocument: Sendable {
    public var id: String
    public var date: CalendarDate?
    public var dateSource: DateSource?
    public var source: String?
    /// The detected or declared input encoding (ICU names: UTF-8, UTF-16LE, GB18030, Big5).
    public var encoding: String
    /// True when the text was Traditional Chinese and was converted to Simplified.
    public var wasTraditional: Bool
    public var text: [UInt16]
    /// Length of the raw (decoded) text in code points.
    public var rawLength: Int
    public var alignment: Alignment

    public init(id: String, date: CalendarDate?, dateSource: DateSource?, source: String?, encoding: String,
                wasTraditional: Bool, text: [UInt16], rawLength: Int, alignment: Alignment) {
        self.id = id
        self.date = date
        self.dateSource = dateSource
        self.source = source
        self.encoding = encoding
        self.wasTraditional = wasTraditional
        self.text = text
        self.rawLength = rawLength
        self.alignment = alignment
    }

    /// Writes the record in SPEC key order, followed by Lianlu's additions
    /// (`script`, `date_source`, `edits`).
    /// `textMarks`: UTF-16 offsets into `text` whose serialized byte offsets are returned
    /// (see `JSONWriter.string(utf16:marks:)`).
    /// `emitText`: when given, the text is written in pieces of `pieceUnits` units and the
    /// record so far is handed to it after each (`JSONWriter.drain`), so a 50 MB text
    /// is never serialized whole in memory; marks are not computed then.
    @discardableResult
    public func write(to w: inout JSONWriter, textMarks: [Int] = [], pieceUnits: Int = 1 << 20,
                      emitText: (([UInt8]) -> Void)? = nil) -> [Int] {
        w.beginObject()
        w.key("doc"); w.string(id)
        if let date { w.key("date"); w.date(date) }
        if let source { w.key("source"); w.string(source) }
        w.key("encoding"); w.string(encoding)
        var markOffsets: [Int] = []
        text.withUnsafeBufferPointer { buf in
            w.key("text")
            if let emitText {
                w.beginString()
                var a = 0
                while a < buf.count {
                    var b = min(buf.count, a + max(1, pieceUnits))
                    if b < buf.count, buf[b] & 0xFC00 == 0xDC00 { b += 1 }  // a surrogate pair stays whole
                    w.stringPiece(utf16: UnsafeBufferPointer(rebasing: buf[a..<b]))
                    emitText(w.drain())
                    a = b
                }
                w.endString()
            } else if textMarks.isEmpty {
                w.string(utf16: buf)
            } else {
                markOffsets = w.string(utf16: buf, marks: textMarks)
            }
        }
        w.key("raw_length"); w.int(rawLength)
        if wasTraditional { w.key("script"); w.string("Hant") }
        if let dateSource { w.key("date_source"); w.string(dateSource.rawValue) }
        let edits = alignment.map.edits
        if !edits.isEmpty {
            w.key("edits")
            w.beginArray()
            for e in edits {
                w.beginArray()
                for v in e { w.int(v) }
                w.endArray()
            }
            w.endArray()
        }
        w.endObject()
        w.newline()
        return markOffsets
    }

    /// Reads a `documents.jsonl` record (the input of `lianlu sentences`).
    public init(record: JSONValue) throws {
        guard case .object = record else { throw RecordError("a documents.jsonl record must be a JSON object") }
        guard let id = record["doc"]?.stringValue else { throw RecordError("missing string field \"doc\"") }
        guard let text = record["text"]?.stringValue else { throw RecordError("missing string field \"text\"") }
        var date: CalendarDate?
        if let d = record["date"] {
            guard let s = d.stringValue, let cd = CalendarDate(iso: s) else { throw RecordError("\"date\" must be YYYY-MM-DD") }
            date = cd
        }
        let units = TextUnits.units(text)
        let index = CodePointIndex(units)
        let cpLength = units.count - index.pairStarts.count
        let rawLength = record["raw_length"]?.intValue ?? cpLength
        var edits: [[Int]] = []
        if let e = record["edits"] {
            guard let arr = e.arrayValue else { throw RecordError("\"edits\" must be an array") }
            for item in arr {
                guard let xs = item.arrayValue?.compactMap({ $0.intValue }), xs.count == 4 else {
                    throw RecordError("each of \"edits\" must be [start,end,raw_start,raw_end]")
                }
                edits.append(xs)
            }
        }
        let alignment: Alignment
        do {
            alignment = try Alignment(edits: edits, normalizedLength: cpLength, rawLength: rawLength, normalizedIndex: index)
        } catch {
            throw RecordError("\(error)")
        }
        self.init(id: id, date: date, dateSource: record["date_source"]?.stringValue.flatMap(DateSource.init(rawValue:)),
                  source: record["source"]?.stringValue, encoding: record["encoding"]?.stringValue ?? "UTF-8",
                  wasTraditional: record["script"]?.stringValue == "Hant", text: units, rawLength: rawLength,
                  alignment: alignment)
    }
}

public struct RecordError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What a sentence-level unit is: body sentences, and the units an e-paper page has
/// besides them. Later stages use it (bylines hold reporters' names; headlines rarely
/// hold facts worth linking).
public enum SentenceKind: String, Sendable {
    case body
    case headline
    case byline
    case dateline
    case caption
}

/// A sentence (SPEC.md stage 2), located in its document's normalized text.
public struct Sentence: Sendable, Equatable {
    public var sid: Int
    /// Range in the document's normalized UTF-16 text.
    public var utf16Range: Range<Int>
    public var para: Int
    public var kind: SentenceKind

    public init(sid: Int, utf16Range: Range<Int>, para: Int, kind: SentenceKind) {
        self.sid = sid
        self.utf16Range = utf16Range
        self.para = para
        self.kind = kind
    }

    /// Writes the record through the document's fixed pieces escaped once (`head`:
    /// `{"doc":"<id>","sid":`; `dateTail`: `,"date":"…"` or nothing), with the text
    /// already serialized (`escapedText`, from its document's record): keys and the
    /// document id were a third of writing a sentence record.
    public func write(document doc: NormalizedDocument, to w: inout JSONWriter, escapedText: UnsafeBufferPointer<UInt8>,
                      head: UnsafeBufferPointer<UInt8>, dateTail: UnsafeBufferPointer<UInt8>) {
        let o = doc.alignment.spanOffsets(normalizedUTF16: utf16Range)
        var kindName = kind.rawValue  // plain ASCII words
        // Up to the edits in one write through a pointer (see `JSONWriter.appendRaw`).
        kindName.withUTF8 { kindBytes in
            w.appendRaw(capacity: head.count + escapedText.count + kindBytes.count + dateTail.count + 6 * 20 + 80) { p in
                var c = RecordCursor(p)
                c.put(head); c.decimal(sid)
                c.put(",\"start\":"); c.decimal(o.start)
                c.put(",\"end\":"); c.decimal(o.end)
                c.put(",\"raw_start\":"); c.decimal(o.rawStart)
                c.put(",\"raw_end\":"); c.decimal(o.rawEnd)
                c.put(",\"text\":\""); c.put(escapedText)
                c.put("\",\"para\":"); c.decimal(para)
                c.put(",\"kind\":\""); c.put(kindBytes); c.put("\"")
                // What `lianlu extract` needs to work from this record alone: the reference
                // date, and the document's edits that fall inside the sentence.
                c.put(dateTail)
                return c.written
            }
        }
        var first = true
        doc.alignment.map.forEachPiece(startingIn: o.start..<o.end) { po, i, ol, il, linear in
            if !linear, po >= o.start, po + ol <= o.end, !(ol == 0 && (po == o.start || po == o.end)) {
                w.verbatim(first ? ",\"edits\":[[" : ",[")
                first = false
                w.verbatimInt(po); w.verbatim(","); w.verbatimInt(po + ol); w.verbatim(",")
                w.verbatimInt(i); w.verbatim(","); w.verbatimInt(i + il); w.verbatim("]")
            }
        }
        if !first { w.verbatim("]") }
        w.verbatim("}\n")
    }

    /// `{"doc":"<id>","sid":` and `,"date":"YYYY-MM-DD"` (empty without a date) for the
    /// fast `write(document:to:escapedText:head:dateTail:)`.
    public static func recordPieces(document doc: NormalizedDocument) -> (head: [UInt8], dateTail: [UInt8]) {
        var w = JSONWriter(capacity: 64)
        w.beginObject(); w.key("doc"); w.string(doc.id)
        var head = w.bytes
        head += Array(",\"sid\":".utf8)
        var d = JSONWriter(capacity: 32)
        if let date = doc.date { d.beginObject(); d.key("date"); d.date(date) }
        var tail = d.bytes
        if !tail.isEmpty { tail[0] = UInt8(ascii: ",") }
        return (head, tail)
    }

    /// The record on its own: the pieces and the text serialized here (for `lianlu
    /// extract`'s records and tests; a run writes through its document's pieces).
    public func write(document doc: NormalizedDocument, to w: inout JSONWriter) {
        var text = JSONWriter(capacity: utf16Range.count * 3 + 2)
        doc.text.withUnsafeBufferPointer { buf in text.string(utf16: UnsafeBufferPointer(rebasing: buf[utf16Range])) }
        let (head, dateTail) = Sentence.recordPieces(document: doc)
        text.withBytes { quoted in
            head.withUnsafeBufferPointer { h in
                dateTail.withUnsafeBufferPointer { d in
                    write(document: doc, to: &w, escapedText: UnsafeBufferPointer(rebasing: quoted.dropFirst().dropLast()), head: h, dateTail: d)
                }
            }
        }
    }
}

/// A `sentences.jsonl` record read back (the input of `lianlu extract`), as a small
/// document of its own whose offsets are shifted back when mentions are written.
public struct SentenceRecord: Sendable {
    public var doc: String
    public var sid: Int
    public var start: Int
    public var rawStart: Int
    public var para: Int
    public var kind: SentenceKind
    /// The sentence as a document: its text, date and the alignment inside it.
    public var document: NormalizedDocument

    public init(record v: JSONValue) throws {
        guard case .object = v else { throw RecordError("a sentences.jsonl record must be a JSON object") }
        guard let doc = v["doc"]?.stringValue else { throw RecordError("missing string field \"doc\"") }
        guard let sid = v["sid"]?.intValue, let start = v["start"]?.intValue, let end = v["end"]?.intValue,
              let rawStart = v["raw_start"]?.intValue, let rawEnd = v["raw_end"]?.intValue else {
            throw RecordError("fields sid, start, end, raw_start, raw_end must be integers")
        }
        guard let text = v["text"]?.stringValue else { throw RecordError("missing string field \"text\"") }
        var date: CalendarDate?
        if let d = v["date"] {
            guard let s = d.stringValue, let cd = CalendarDate(iso: s) else { throw RecordError("\"date\" must be YYYY-MM-DD") }
            date = cd
        }
        var edits: [[Int]] = []
        for item in v["edits"]?.arrayValue ?? [] {
            guard let xs = item.arrayValue?.compactMap({ $0.intValue }), xs.count == 4 else {
                throw RecordError("each of \"edits\" must be [start,end,raw_start,raw_end]")
            }
            edits.append([xs[0] - start, xs[1] - start, xs[2] - rawStart, xs[3] - rawStart])
        }
        let units = TextUnits.units(text)
        let index = CodePointIndex(units)
        guard units.count - index.pairStarts.count == end - start else { throw RecordError("text length does not match start/end") }
        let alignment: Alignment
        do {
            alignment = try Alignment(edits: edits, normalizedLength: end - start, rawLength: rawEnd - rawStart, normalizedIndex: index)
        } catch {
            throw RecordError("\(error)")
        }
        self.doc = doc
        self.sid = sid
        self.start = start
        self.rawStart = rawStart
        self.para = v["para"]?.intValue ?? 0
        self.kind = v["kind"]?.stringValue.flatMap(SentenceKind.init(rawValue:)) ?? .body
        self.document = NormalizedDocument(id: doc, date: date, dateSource: nil, source: nil, encoding: "UTF-8", wasTraditional: false,
                                           text: units, rawLength: rawEnd - rawStart, alignment: alignment)
    }
}
