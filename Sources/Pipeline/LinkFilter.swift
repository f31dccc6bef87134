import LianluCore
import Extraction
import Linking

/// `lianlu link`: mentions.jsonl records on stdin, sentences.jsonl beside them (the
/// patterns read the words between mentions), relations.jsonl on stdout and
/// entities.jsonl into a file.
///
/// Both inputs are read as streams in the order a run writes them (documents in the same
/// order; a document without mentions has no mention records and is skipped), so memory
/// holds one document. A bad line rejects its document with `file:line`; the others go on.
public struct LinkFilter {
    public let linker: Linker
    public init(linker: Linker) { self.linker = linker }

    public struct Summary: Sendable {
        public var documents = 0
        public var relations = 0
        public var rejected = 0
    }

    struct Doc {
        var id: String
        var mentions: [Mention] = []
        var firstLine: Int
        var failed: Reject?
    }

    public func run(mentions: LineReader, mentionsName: String, sentences: LineReader, sentencesName: String,
                    relations: RecordSink, entities: RecordSink?, onReject: (Reject) -> Void) -> Summary {
        var summary = Summary()
        var pendingSentence: (record: SentenceRecord, line: Int)?
        var sentencesDone = false
        var writer = JSONWriter(capacity: 1 << 16)
        var entityWriter = JSONWriter(capacity: 1 << 16)

        func finish(_ d: Doc) {
            summary.documents += 1
            if let r = d.failed {
                summary.rejected += 1
                onReject(r)
                return
            }
            // The document's sentences: skip earlier documents' (they had no mentions).
            var own: [SentenceRecord] = []
            while !sentencesDone {
                if pendingSentence == nil {
                    guard let line = sentences.next() else { sentencesDone = true; break }
                    do {
                        pendingSentence = (try SentenceRecord(record: try JSONParser.parse(line)), sentences.lineNumber)
                    } catch {
                        summary.rejected += 1
                        onReject(Reject(code: .malformedJSON, file: sentencesName, line: sentences.lineNumber, reason: "not a sentences.jsonl record: \(error)"))
                        continue
                    }
                }
                let s = pendingSentence!.record
                if s.doc == d.id {
                    own.append(s)
                    pendingSentence = nil
                } else if !own.isEmpty {
                    break
                } else {
                    pendingSentence = nil
                }
            }
            if own.isEmpty {
                summary.rejected += 1
                onReject(Reject(code: .badDocumentField, file: mentionsName, line: d.firstLine, doc: d.id,
                                reason: "document \(d.id) has mentions but no sentences in \(sentencesName) (both files must come from one run, in its order)"))
                return
            }
            // The text as far as the sentences tell it; the gaps between them stay blank.
            let length = own.map { $0.start + $0.document.text.count }.max() ?? 0
            var text = [UInt16](repeating: 0x20, count: length)
            var sentenceList: [Sentence] = []
            for s in own {
                text.replaceSubrange(s.start..<(s.start + s.document.text.count), with: s.document.text)
                sentenceList.append(Sentence(sid: s.sid, utf16Range: s.start..<(s.start + s.document.text.count), para: s.para, kind: s.kind))
            }
            for m in d.mentions where m.utf16Range.upperBound > length {
                summary.rejected += 1
                onReject(Reject(code: .badDocumentField, file: mentionsName, line: d.firstLine, doc: d.id,
                                reason: "mention \(m.id) ends at \(m.utf16Range.upperBound), past the document's last sentence (\(length))"))
                return
            }
            let linked = linker.link(text: text, sentences: sentenceList, mentions: d.mentions)
            writer.removeAll()
            for r in linked.relations { r.write(doc: d.id, to: &writer) }
            relations.write(writer.bytes)
            summary.relations += linked.relations.count
            if let entities {
                entityWriter.removeAll()
                for e in linked.entities { e.write(doc: d.id, to: &entityWriter) }
                entities.write(entityWriter.bytes)
            }
        }

        var current: Doc?
        while let line = mentions.next() {
            let n = mentions.lineNumber
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let v: JSONValue
            do {
                v = try JSONParser.parse(line)
            } catch {
                let r = Reject(code: .malformedJSON, file: mentionsName, line: n, doc: current?.id, reason: "malformed JSON: \(error)")
                if current != nil, current!.failed == nil { current!.failed = r } else if current == nil { summary.rejected += 1; onReject(r) }
                continue
            }
            guard let doc = v["doc"]?.stringValue else {
                let r = Reject(code: .badDocumentField, file: mentionsName, line: n, reason: "a mention record needs \"doc\"")
                if current != nil, current!.failed == nil { current!.failed = r } else if current == nil { summary.rejected += 1; onReject(r) }
                continue
            }
            if current?.id != doc {
                if let c = current { finish(c) }
                current = Doc(id: doc, firstLine: n)
            }
            do {
                current!.mentions.append(try LinkFilter.mention(v))
            } catch {
                if current!.failed == nil {
                    current!.failed = Reject(code: .badDocumentField, file: mentionsName, line: n, doc: doc, reason: "not a mentions.jsonl record: \(error)")
                }
            }
        }
        if let c = current { finish(c) }
        return summary
    }

    static func mention(_ v: JSONValue) throws -> Mention {
        guard let id = v["id"]?.stringValue else { throw RecordError("missing \"id\"") }
        guard let sid = v["sid"]?.intValue else { throw RecordError("missing \"sid\"") }
        guard let typeName = v["type"]?.stringValue, let type = MentionType(rawValue: typeName) else { throw RecordError("missing or unknown \"type\"") }
        guard let start = v["start"]?.intValue, let end = v["end"]?.intValue, start >= 0, end > start else { throw RecordError("\"start\" and \"end\" must be offsets with start < end") }
        return Mention(id: id, sid: sid, type: type, utf16Range: start..<end, value: nil, rule: v["rule"]?.stringValue ?? "")
    }
}
