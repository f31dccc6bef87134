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
        var pending: (Record, String)?  // the next record and its doc
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

        /// Keep records as bytes, reading only their `doc` (sentences, mentions): the
        /// builder parses the few a frame uses.
        var lazy = false

        func peek() throws -> (Record, String)? {
            if pending == nil && !done {
                while let line = reader.next() {
                    bytes += line.count + 1
                    if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { continue }
                    if lazy, let doc = RunFolderReader.leadingStrings(line, keys: ["doc"])?.first {
                        pending = (Record(bytes: line, line: reader.lineNumber, parsed: nil), doc)
                        return pending
                    }
                    let v: JSONValue
                    do { v = try JSONParser.parse(line) } catch {
                        throw GraphError(file: name, line: reader.lineNumber, message: "not a JSON record: \(error)")
                    }
                    guard let doc = v["doc"]?.stringValue else { throw GraphError(file: name, line: reader.lineNumber, message: "a record without \"doc\"") }
                    pending = (Record(bytes: line, line: reader.lineNumber, parsed: v), doc)
                    return pending
                }
                done = true
            }
            return pending
        }

        /// The records of `doc` at the head of the stream.
        func take(_ doc: String) throws -> [Record] {
            var out: [Record] = []
            while let (r, d) = try peek(), d == doc {
                out.append(r)
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
        guard let (_, doc) = try sentences.peek() else {
            for s in [mentions, relations, entities] {
                if let (r, d) = try s.peek() {
                    throw GraphError(file: s.name, line: r.line, message: "document \(d) has no sentences in sentences.jsonl, or comes out of the run's order")
                }
            }
            return nil
        }
        var d = DocumentRecords(doc: doc)
        d.sentences = try sentences.take(doc)
        d.mentions = try mentions.take(doc)
        d.relations = try relations.take(doc)
        d.entities = try entities.take(doc)
        return d
    }

    /// The string values of `keys` when a record starts with exactly those fields in that
    /// order and without escapes, as a run writes them (`{"doc":"d1","id":"m5_1",...`);
    /// nil sends the record through the full parser.
    static func leadingStrings(_ line: [UInt8], keys: [String]) -> [String]? {
        var i = 0
        func expect(_ s: String) -> Bool {
            for b in s.utf8 { guard i < line.count, line[i] == b else { return false }; i += 1 }
            return true
        }
        var out: [String] = []
        for (n, key) in keys.enumerated() {
            guard expect((n == 0 ? "{\"" : ",\"") + key + "\":\"") else { return nil }
            let start = i
            while i < line.count, line[i] != 0x22 { if line[i] == 0x5C || line[i] < 0x20 { return nil }; i += 1 }
            guard i < line.count else { return nil }
            let valid = line.withUnsafeBufferPointer { UTF8Decoder.isValid(UnsafeBufferPointer(rebasing: $0[start..<i])) }
            guard valid else { return nil }
            out.append(String(decoding: line[start..<i], as: UTF8.self))
            i += 1
        }
        return out
    }

    static func lineCount(_ path: String) -> Int {
        guard let r = LineReader(path: path) else { return 0 }
        while r.next() != nil {}
        return r.lineNumber
    }
}
