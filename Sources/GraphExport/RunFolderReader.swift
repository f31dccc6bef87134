import Foundation
import LianluCore
import Pipeline

/// Reads a run's output folder document by document: sentences.jsonl, mentions.jsonl,
/// relations.jsonl and entities.jsonl are written in the same document order, so four
/// streams advance together and memory holds one document.
///
/// A missing stage file, a line that is not JSON, a last line cut short (no newline at
/// the end of the file: the run did not finish writing it) or a document that turns up
/// out of order is an error naming the file and line.
public final class RunFolderReader {
    public static let stageFiles = ["documents.jsonl", "sentences.jsonl", "mentions.jsonl", "relations.jsonl", "entities.jsonl"]

    final class Stream {
        let name: String
        let reader: LineReader
        var pending: (JSONValue, String, Int)?  // record, doc, line
        var done = false
        var bytes = 0

        init(path: String, name: String) throws {
            guard let r = LineReader(path: path) else { throw GraphError(file: name, line: 0, message: "cannot read the file") }
            reader = r
            self.name = name
            // A complete JSONL file ends with a newline (or is empty).
            if let h = FileHandle(forReadingAtPath: path) {
                defer { try? h.close() }
                let size = (try? h.seekToEnd()) ?? 0
                if size > 0 {
                    try? h.seek(toOffset: size - 1)
                    if h.readData(ofLength: 1).first != 0x0A {
                        throw GraphError(file: name, line: RunFolderReader.lineCount(path), message: "the last line is cut short (no newline at the end): the run did not finish writing this file")
                    }
                }
            }
        }

        /// Keep records as bytes, reading only their `doc` (sentences.jsonl).
        var lazy = false
        var pendingBytes: [UInt8] = []

        func peek() throws -> (JSONValue, String, Int)? {
            if pending == nil && !done {
                while let line = reader.next() {
                    bytes += line.count + 1
                    if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { continue }
                    if lazy, let doc = RunFolderReader.leadingDoc(line) {
                        pendingBytes = line
                        pending = (.null, doc, reader.lineNumber)
                        return pending
                    }
                    let v: JSONValue
                    do { v = try JSONParser.parse(line) } catch {
                        throw GraphError(file: name, line: reader.lineNumber, message: "not a JSON record: \(error)")
                    }
                    guard let doc = v["doc"]?.stringValue else { throw GraphError(file: name, line: reader.lineNumber, message: "a record without \"doc\"") }
                    pendingBytes = line
                    pending = (v, doc, reader.lineNumber)
                    return pending
                }
                done = true
            }
            return pending
        }

        /// The records of `doc` at the head of the stream.
        func take(_ doc: String) throws -> [Record] {
            var out: [Record] = []
            while let (v, d, line) = try peek(), d == doc {
                out.append(Record(value: v, line: line))
                pending = nil
            }
            return out
        }

        func takeRaw(_ doc: String) throws -> [RawRecord] {
            var out: [RawRecord] = []
            while let (_, d, line) = try peek(), d == doc {
                out.append(RawRecord(bytes: pendingBytes, line: line))
                pending = nil
            }
            return out
        }
    }

    let sentences, mentions, relations, entities: Stream
    public let folder: String

    public init(folder: String) throws {
        self.folder = folder
        for f in RunFolderReader.stageFiles where !FileManager.default.fileExists(atPath: folder + "/" + f) {
            throw GraphError(file: folder + "/" + f, line: 0, message: "missing: a run folder has \(RunFolderReader.stageFiles.joined(separator: ", "))")
        }
        // documents.jsonl is checked for being complete; the graph reads the others.
        _ = try Stream(path: folder + "/documents.jsonl", name: folder + "/documents.jsonl")
        sentences = try Stream(path: folder + "/sentences.jsonl", name: folder + "/sentences.jsonl")
        mentions = try Stream(path: folder + "/mentions.jsonl", name: folder + "/mentions.jsonl")
        relations = try Stream(path: folder + "/relations.jsonl", name: folder + "/relations.jsonl")
        entities = try Stream(path: folder + "/entities.jsonl", name: folder + "/entities.jsonl")
        // Sentences and mentions are parsed only where a frame needs them.
        sentences.lazy = true
        mentions.lazy = true
    }

    public var fileNames: (sentences: String, mentions: String, relations: String, entities: String) { (sentences.name, mentions.name, relations.name, entities.name) }
    /// Bytes read so far from the four streams.
    public var bytesRead: Int { sentences.bytes + mentions.bytes + relations.bytes + entities.bytes }

    /// The next document's records, or nil at the end. Every document has sentences
    /// (an empty one has nothing at all); the other files follow the same order.
    public func next() throws -> DocumentRecords? {
        guard let (_, doc, _) = try sentences.peek() else {
            for s in [mentions, relations, entities] {
                if let (_, d, line) = try s.peek() {
                    throw GraphError(file: s.name, line: line, message: "document \(d) has no sentences in sentences.jsonl, or comes out of the run's order")
                }
            }
            return nil
        }
        var d = DocumentRecords(doc: doc)
        d.sentences = try sentences.takeRaw(doc)
        d.mentions = try mentions.takeRaw(doc)
        d.relations = try relations.take(doc)
        d.entities = try entities.take(doc)
        return d
    }

    /// The `doc` of a record that starts `{"doc":"...",` with no escapes in the id (as a
    /// run writes them); nil sends the line through the full parser.
    static func leadingDoc(_ line: [UInt8]) -> String? {
        let head: [UInt8] = Array("{\"doc\":\"".utf8)
        guard line.count > head.count, line.starts(with: head) else { return nil }
        var i = head.count
        while i < line.count, line[i] != 0x22 {
            if line[i] == 0x5C || line[i] < 0x20 { return nil }
            i += 1
        }
        guard i < line.count else { return nil }
        return String(validating: line[head.count..<i], as: UTF8.self)
    }

    /// The string value of `named` when it directly follows the `after` field at the start
    /// of a record as a run writes it (`{"doc":"d1","id":"m5_1",...`), else nil.
    static func leadingField(_ line: [UInt8], after: String, named: String) -> String? {
        var i = 0
        func expect(_ s: String) -> Bool {
            for b in s.utf8 { guard i < line.count, line[i] == b else { return false }; i += 1 }
            return true
        }
        func skipString() -> Bool {
            while i < line.count, line[i] != 0x22 { if line[i] == 0x5C { return false }; i += 1 }
            guard i < line.count else { return false }
            i += 1
            return true
        }
        guard expect("{\"\(after)\":\""), skipString(), expect(",\"\(named)\":\"") else { return nil }
        let start = i
        guard skipString() else { return nil }
        return String(validating: line[start..<(i - 1)], as: UTF8.self)
    }

    static func lineCount(_ path: String) -> Int {
        guard let r = LineReader(path: path) else { return 0 }
        while r.next() != nil {}
        return r.lineNumber
    }
}
