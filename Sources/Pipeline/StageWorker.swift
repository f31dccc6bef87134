import Dispatch
import LianluCore
import Normalization
import Segmentation
import Extraction
import Linking

/// The stages a run goes through; a filter stops at its own stage.
public enum Stage: Int, Comparable, Sendable, CaseIterable {
    case normalize = 1
    case sentences = 2
    case extract = 3
    /// Relation frames (relations.jsonl); the same step groups entities (`.group`).
    case link = 4
    case group = 5

    public static func < (a: Stage, b: Stage) -> Bool { a.rawValue < b.rawValue }

    /// The file each stage writes into the output folder (SPEC.md).
    public var fileName: String {
        switch self {
        case .normalize: return "documents.jsonl"
        case .sentences: return "sentences.jsonl"
        case .extract: return "mentions.jsonl"
        case .link: return "relations.jsonl"
        case .group: return "entities.jsonl"
        }
    }
}

/// One value per stage, in an array indexed by the stage: read and written several
/// times per document, where a dictionary hashed the stage at every access.
public struct PerStage<Value> {
    private var values = [Value?](repeating: nil, count: Stage.allCases.count + 1)

    public init() {}

    public subscript(stage: Stage) -> Value? {
        get { values[stage.rawValue] }
        _modify { yield &values[stage.rawValue] }
    }
}

extension PerStage: Sendable where Value: Sendable {}

/// What one work item produced: serialized records per stage, or a reject.
public struct WorkResult: Sendable {
    public var docID: String?
    public var origin: InputOrigin?
    public var output = PerStage<[UInt8]>()
    public var reject: Reject?
    public var inputBytes = 0
    public var sentenceCount = 0
    public var mentionCount = 0
    public var relationCount = 0
    /// Warnings for stderr (regex time-outs), in input order.
    public var warnings: [String] = []
    /// Thread time spent per phase on this item (nanoseconds), for `--profile`.
    public var phaseNanos = PhaseTimes()
}

extension WorkResult {
    /// A warning per rule that hit the regex time limit, in rule order.
    mutating func warnTimeouts(_ timeouts: [String: Int], document: String) {
        for (rule, n) in timeouts.sorted(by: { $0.key < $1.key }) {
            warnings.append("\(origin?.file ?? "")\(origin?.line.map { ":\($0)" } ?? ""): warning: rule \(rule) hit the regex time limit \(n) time(s) in document \(document); those matches were skipped")
        }
    }
}

/// Time per phase of the work on documents: reading and parsing input, each stage, and
/// serializing records.
public struct PhaseTimes: Sendable, Equatable {
    public var input: UInt64 = 0
    public var normalize: UInt64 = 0
    public var sentences: UInt64 = 0
    public var extract: UInt64 = 0
    public var link: UInt64 = 0
    public var serialize: UInt64 = 0

    public static func += (a: inout PhaseTimes, b: PhaseTimes) {
        a.input += b.input
        a.normalize += b.normalize
        a.sentences += b.sentences
        a.extract += b.extract
        a.link += b.link
        a.serialize += b.serialize
    }
}

@inline(__always) func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Runs the stages for one document at a time. Holds the per-thread ICU objects, so each
/// worker thread owns one.
public final class StageWorker {
    let normalizer = DocumentNormalizer()
    let breaker: SentenceBreaker
    let extractor: Extractor?
    let linker: Linker?
    /// Kept between documents so its buffer is reused; taken out while one is written.
    var writer: JSONWriter? = JSONWriter(capacity: 1 << 16)
    public let through: Stage
    public let defaultDate: CalendarDate?

    public init(through: Stage, defaultDate: CalendarDate?, ruleSet: RuleSet?, linker: Linker? = nil) throws {
        breaker = try SentenceBreaker()
        self.through = through
        self.defaultDate = defaultDate
        if through >= .extract {
            guard let ruleSet else { throw RecordError("the extraction stage needs a rule set") }
            extractor = Extractor(ruleSet: ruleSet)
        } else {
            extractor = nil
        }
        if through >= .link {
            guard let linker else { throw RecordError("the link stage needs relation rules") }
            self.linker = linker
        } else {
            self.linker = nil
        }
    }

    public func process(_ item: WorkItem) -> WorkResult {
        runStages(item, sectionUnits: .max, chunkBytes: .max, out: nil)
    }

    /// The stages over one document. Records go to `out` in pieces of about `chunkBytes`
    /// as they are made (a long document, `processLong`), or without one into
    /// `result.output`, a stage's records in one piece. Extraction and linking run over
    /// sections of whole paragraphs of at least `sectionUnits` units: one section unless
    /// the document is long (see LongDocument.swift for what sections keep).
    func runStages(_ item: consuming WorkItem, sectionUnits: Int, chunkBytes: Int, out: LongDocumentOutput?) -> WorkResult {
        var result = WorkResult()
        result.inputBytes = item.byteCount
        switch item {
        case let .rejected(r):
            result.reject = r
            return result
        case let .sentenceRecordLines(path, firstLine, lines):
            return extractFromSentenceRecords(path: path, firstLine: firstLine, lines: lines, result: result)
        default:
            break
        }
        var isDocumentRecord = false
        if case .documentRecordLine = item { isDocumentRecord = true }
        // The input's bytes go as soon as the text is read out of them.
        guard let doc = document(of: consume item, &result) else { return result }
        if let out, let r = out.begin(result) {
            result.reject = r
            return result
        }
        // The worker's writer, moved into a local for the document: every record goes
        // through it, and as a class property each `&writer` was a dynamic exclusivity
        // check.
        var writer = self.writer.take() ?? JSONWriter(capacity: 1 << 16)
        defer { self.writer = writer }
        writer.removeAll()
        /// Hands the records written so far to `out` (or the result) once over `limit` bytes.
        /// The writer and the result are parameters, not captured: a captured variable is
        /// boxed, and every use of it, in every record, became a dynamic exclusivity check.
        func flush(_ stage: Stage, ifOver limit: Int, _ writer: inout JSONWriter, _ result: inout WorkResult) {
            guard writer.count > limit else { return }
            if let out {
                out.write(stage, writer.drain())
            } else if result.output[stage] == nil {
                result.output[stage] = writer.drain()
            } else {
                result.output[stage]! += writer.drain()
            }
        }
        // Sentences first, so a document record written whole can note where each
        // sentence's text lands in it and the sentence records copy those bytes.
        var sentences: [Sentence] = []
        if through >= .sentences {
            let t0 = now()
            sentences = breaker.sentences(of: doc)
            result.phaseNanos.sentences += now() - t0
        }
        let t1 = now()
        var docRecord: [UInt8]?
        var marks: [Int] = []
        if isDocumentRecord {
            // Already normalized: the documents stage has nothing to write.
        } else if let out {
            // A long document's text goes in pieces.
            doc.write(to: &writer, pieceUnits: max(1, chunkBytes / 3)) { out.write(.normalize, $0) }
            flush(.normalize, ifOver: 0, &writer, &result)
        } else {
            var wanted: [Int] = []
            wanted.reserveCapacity(sentences.count * 2)
            var sorted = true
            for s in sentences {
                if let l = wanted.last, s.utf16Range.lowerBound < l { sorted = false }
                wanted.append(s.utf16Range.lowerBound)
                wanted.append(s.utf16Range.upperBound)
            }
            if !sorted { wanted.removeAll() }
            marks = doc.write(to: &writer, textMarks: wanted)
            docRecord = writer.bytes
            flush(.normalize, ifOver: 0, &writer, &result)
        }
        if through >= .sentences {
            if let docRecord, marks.count == sentences.count * 2 {
                let (head, dateTail) = Sentence.recordPieces(document: doc)
                docRecord.withUnsafeBufferPointer { rec in
                    head.withUnsafeBufferPointer { h in
                        dateTail.withUnsafeBufferPointer { d in
                            for (k, s) in sentences.enumerated() {
                                s.write(document: doc, to: &writer, escapedText: UnsafeBufferPointer(rebasing: rec[marks[2 * k]..<marks[2 * k + 1]]),
                                        head: h, dateTail: d)
                            }
                        }
                    }
                }
            } else {
                for s in sentences {
                    s.write(document: doc, to: &writer)
                    flush(.sentences, ifOver: chunkBytes, &writer, &result)
                }
            }
            flush(.sentences, ifOver: 0, &writer, &result)
            result.sentenceCount = sentences.count
        }
        result.phaseNanos.serialize += now() - t1
        guard let extractor, through >= .extract else { return result }
        let sections = StageWorker.sections(sentences, units: sectionUnits)
        var grouper = through >= .link ? linker?.entityGrouper() : nil
        var before: [Mention] = []
        // Only a document of several sections carries dates and names between them.
        var carry: SectionCarry? = sections.count > 1 ? SectionCarry() : nil
        var timeouts: [String: Int] = [:]
        let head = MentionRecordPieces.head(documentID: doc.id)
        for section in sections {
            let part = sections.count == 1 ? sentences : Array(sentences[section])
            let t2 = now()
            let found = extractor.extract(document: doc, sentences: part, carry: &carry)
            let t3 = now()
            head.withUnsafeBufferPointer { h in
                for m in found.mentions {
                    m.write(document: doc, to: &writer, pieces: extractor.recordPieces, head: h)
                    flush(.extract, ifOver: chunkBytes, &writer, &result)
                }
            }
            flush(.extract, ifOver: 0, &writer, &result)
            result.mentionCount += found.mentions.count
            for (rule, n) in found.timeouts { timeouts[rule, default: 0] += n }
            result.phaseNanos.extract += t3 - t2
            result.phaseNanos.serialize += now() - t3
            guard let linker, through >= .link else { continue }
            let t4 = now()
            let linked = linker.link(text: doc.text, sentences: part, mentions: found.mentions, before: before,
                                     firstRelation: result.relationCount + 1, groupEntities: false)
            grouper?.add(text: doc.text, mentions: found.mentions)
            // What the next section's opening anaphor may look back to: this section's
            // last paragraph with mentions (sections hold whole paragraphs).
            if sections.count > 1, let last = found.mentions.last, let para = part.last(where: { $0.sid == last.sid })?.para {
                let sids = Set(part.filter { $0.para == para }.map(\.sid))
                before = found.mentions.filter { sids.contains($0.sid) }
            }
            let t5 = now()
            head.withUnsafeBufferPointer { h in
                for r in linked.relations {
                    r.write(head: h, to: &writer)
                    flush(.link, ifOver: chunkBytes, &writer, &result)
                }
            }
            flush(.link, ifOver: 0, &writer, &result)
            result.relationCount += linked.relations.count
            result.phaseNanos.link += t5 - t4
            result.phaseNanos.serialize += now() - t5
        }
        if let grouper {
            let t6 = now()
            let entities = grouper.entities()
            let t7 = now()
            head.withUnsafeBufferPointer { h in
                for e in entities {
                    e.write(head: h, to: &writer)
                    flush(.group, ifOver: chunkBytes, &writer, &result)
                }
            }
            flush(.group, ifOver: 0, &writer, &result)
            result.phaseNanos.link += t7 - t6
            result.phaseNanos.serialize += now() - t7
        }
        result.warnTimeouts(timeouts, document: doc.id)
        return result
    }

    /// The normalized document of an input item (a text file, a JSONL input line, a
    /// documents.jsonl record), or nil with `result.reject` set.
    func document(of item: consuming WorkItem, _ result: inout WorkResult) -> NormalizedDocument? {
        switch consume item {
        case .rejected, .sentenceRecordLines:
            preconditionFailure("not a document")
        case let .textFile(readPath, path, _, preloaded):
            let t0 = now()
            defer { result.phaseNanos.normalize = now() - t0 - result.phaseNanos.input }
            let id = InputCollector.documentID(forPath: path)
            let src: SourceDocument
            do {
                let bytes = try preloaded ?? readWholeFile(readPath)
                result.phaseNanos.input = now() - t0
                result.inputBytes = bytes.count
                src = SourceDocument(id: id, origin: InputOrigin(file: path), content: .bytes(bytes))
            } catch {
                result.reject = Reject(code: .unreadable, file: path, doc: id, reason: "cannot read: \(error)")
                return nil
            }
            result.docID = id
            result.origin = InputOrigin(file: path)
            switch normalizer.normalize(consume src, defaultDate: defaultDate) {
            case let .success(d): return d
            case let .failure(f):
                result.reject = Reject(code: f.code, file: path, line: f.line, byteOffset: f.byteOffset, doc: id, reason: f.reason)
                return nil
            }
        case let .inputLine(path, line, offset, bytes):
            let t0 = now()
            defer { result.phaseNanos.normalize = now() - t0 - result.phaseNanos.input }
            result.origin = InputOrigin(file: path, line: line)
            // The line's bytes go once parsed: a 50 MB line need not be held beside its text.
            let parsed = InputDocumentParser.parse(consume bytes, path: path, line: line, byteOffset: offset)
            result.phaseNanos.input = now() - t0
            switch consume parsed {
            case let .failure(r):
                result.reject = r
                return nil
            case let .success(src):
                let id = src.id
                result.docID = id
                guard case let .success(d) = normalizer.normalize(consume src, defaultDate: defaultDate) else {
                    result.reject = Reject(code: .badDocumentField, file: path, line: line, doc: id, reason: "text could not be normalized")
                    return nil
                }
                return d
            }
        case let .documentRecordLine(path, line, offset, bytes):
            let t0 = now()
            defer { result.phaseNanos.input = now() - t0 }
            result.origin = InputOrigin(file: path, line: line)
            switch InputDocumentParser.parseDocumentRecord(bytes, path: path, line: line, byteOffset: offset) {
            case let .failure(r):
                result.reject = r
                return nil
            case let .success(d):
                result.docID = d.id
                return d
            }
        }
    }
}

extension StageWorker {
    /// `lianlu extract`: one document's sentence records in, its mentions out.
    func extractFromSentenceRecords(path: String, firstLine: Int, lines: [[UInt8]], result: WorkResult) -> WorkResult {
        var result = result
        result.origin = InputOrigin(file: path, line: firstLine)
        var records: [SentenceRecord] = []
        for (k, line) in lines.enumerated() {
            do {
                records.append(try SentenceRecord(record: try JSONParser.parse(line)))
            } catch {
                let r = error is JSONParseError
                    ? InputDocumentParser.reject(error, path: path, line: firstLine + k, byteOffset: 0)
                    : Reject(code: .badDocumentField, file: path, line: firstLine + k, reason: "not a sentences.jsonl record: \(error)")
                result.reject = r
                return result
            }
        }
        result.docID = records.first?.doc
        guard let extractor else { return result }
        let t0 = now()
        let pairs = records.map { r in
            (document: r.document, sentence: Sentence(sid: r.sid, utf16Range: 0..<r.document.text.count, para: r.para, kind: r.kind))
        }
        let found = extractor.extract(sentences: pairs)
        let t1 = now()
        var w = JSONWriter(capacity: 4096)
        // The records are one document's, so its record head is built once, not per mention.
        var headID: String?
        var head: [UInt8] = []
        for (i, m) in found.mentions.enumerated() {
            let r = records[found.source[i]]
            if headID != r.document.id {
                head = MentionRecordPieces.head(documentID: r.document.id)
                headID = r.document.id
            }
            head.withUnsafeBufferPointer { h in
                m.write(document: r.document, to: &w, pieces: extractor.recordPieces, head: h, base: (r.start, r.rawStart))
            }
        }
        result.output[.extract] = w.bytes
        result.mentionCount = found.mentions.count
        result.phaseNanos.extract += t1 - t0
        result.phaseNanos.serialize += now() - t1
        return result
    }
}

/// Parses JSONL input records into documents, with `file:line` rejects.
public enum InputDocumentParser {
    static func reject(_ e: Error, path: String, line: Int, byteOffset: Int) -> Reject {
        if let e = e as? JSONParseError {
            if e.isEncodingError {
                return Reject(code: .invalidUTF8, file: path, line: line, byteOffset: byteOffset + e.offset,
                              reason: "invalid UTF-8 byte sequence at column \(e.offset + 1) (JSONL must be UTF-8)")
            }
            return Reject(code: .malformedJSON, file: path, line: line, byteOffset: byteOffset + e.offset,
                          reason: "malformed JSON at column \(e.offset + 1): \(e.message)")
        }
        return Reject(code: .malformedJSON, file: path, line: line, byteOffset: byteOffset, reason: "malformed JSON: \(e)")
    }

    public static func parse(_ bytes: [UInt8], path: String, line: Int, byteOffset: Int) -> Result<SourceDocument, Reject> {
        let value: JSONValue
        let textUnits: [UInt16]?
        do {
            (value, textUnits) = try JSONParser.parseObject(bytes, utf16Key: "text")
        } catch {
            return .failure(reject(error, path: path, line: line, byteOffset: byteOffset))
        }
        func bad(_ why: String, id: String? = nil) -> Result<SourceDocument, Reject> {
            .failure(Reject(code: .badDocumentField, file: path, line: line, byteOffset: byteOffset, doc: id, reason: why))
        }
        guard case .object = value else { return bad("a document must be a JSON object, found \(kindName(value))") }
        guard let idValue = value["id"] else { return bad("missing field \"id\"") }
        let id: String
        switch idValue {
        case let .string(s) where !s.isEmpty: id = s
        case let .number(n) where n == n.rounded(): id = String(Int(n))
        default: return bad("field \"id\" must be a non-empty string, found \(kindName(idValue))")
        }
        guard let textValue = value["text"] else { return bad("missing field \"text\"", id: id) }
        guard let text = textUnits else { return bad("field \"text\" must be a string, found \(kindName(textValue))", id: id) }
        var date: CalendarDate?
        if let d = value["date"], d != .null {
            guard let s = d.stringValue, let cd = CalendarDate(iso: s) else {
                return bad("field \"date\" must be a valid date YYYY-MM-DD, found \(renderShort(d))", id: id)
            }
            date = cd
        }
        var source: String?
        if let s = value["source"], s != .null {
            guard let str = s.stringValue else { return bad("field \"source\" must be a string, found \(kindName(s))", id: id) }
            source = str
        }
        return .success(SourceDocument(id: id, date: date, source: source, origin: InputOrigin(file: path, line: line),
                                       content: .text(text, encoding: "UTF-8")))
    }

    public static func parseDocumentRecord(_ bytes: [UInt8], path: String, line: Int, byteOffset: Int) -> Result<NormalizedDocument, Reject> {
        let v: JSONValue
        do {
            v = try JSONParser.parse(bytes)
        } catch {
            return .failure(reject(error, path: path, line: line, byteOffset: byteOffset))
        }
        do {
            return .success(try NormalizedDocument(record: v))
        } catch {
            return .failure(Reject(code: .badDocumentField, file: path, line: line, byteOffset: byteOffset,
                                   doc: v["doc"]?.stringValue, reason: "not a documents.jsonl record: \(error)"))
        }
    }

    static func kindName(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    static func renderShort(_ v: JSONValue) -> String {
        let s = String(decoding: v.canonicalBytes(), as: UTF8.self)
        return s.count > 40 ? String(s.prefix(40)) + "..." : s
    }
}
