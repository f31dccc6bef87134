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

        func peek() throws -> (JSONValue, String, Int)? {
            if pending == nil && !done {
                while let line = reader.next() {
                    bytes += line.count + 1
                    if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { continue }
                    let v: JSONValue
                    do { v = try JSONParser.parse(line) } catch {
                        throw GraphError(file: name, line: reader.lineNumber, message: "not a JSON record: \(error)")
                    }
                    guard let doc = v["doc"]?.stringValue else { throw GraphError(file: name, line: reader.lineNumber, message: "a record without \"doc\"") }
                    pending = (v, doc, reader.lineNumber)
                    return pending
                }
                done = true
            }
            return pending
        }

        /// The records of `doc` at the head of the stream.
        func take(_ doc: String) throws -> [(JSONValue, Int)] {
            var out: [(JSONValue, Int)] = []
            while let (v, d, line) = try peek(), d == doc {
                out.append((v, line))
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
    }

    public var fileNames: (mentions: String, relations: String, entities: String) { (mentions.name, relations.name, entities.name) }
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
        d.sentences = try sentences.take(doc)
        d.mentions = try mentions.take(doc)
        d.relations = try relations.take(doc)
        d.entities = try entities.take(doc)
        return d
    }

    static func lineCount(_ path: String) -> Int {
        guard let r = LineReader(path: path) else { return 0 }
        while r.next() != nil {}
        return r.lineNumber
    }
}
