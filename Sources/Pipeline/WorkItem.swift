import LianluCore

/// A unit of work as the reader hands it to the workers. Parsing and decoding happen in
/// the workers, so the reading thread only moves bytes.
public enum WorkItem: Sendable {
    /// A text file (its id is the file name without extension). `path` is read;
    /// `displayPath` names it in records. `preloaded` holds its bytes when the reading
    /// thread got them (see `BatchPrefetcher`); otherwise the worker reads the file.
    case textFile(path: String, displayPath: String, size: Int, preloaded: [UInt8]?)
    /// One line of a JSONL file of input documents (`{"id","text","date","source"}`).
    case inputLine(path: String, line: Int, byteOffset: Int, bytes: [UInt8])
    /// One line of a `documents.jsonl` (the input of `lianlu sentences`).
    case documentRecordLine(path: String, line: Int, byteOffset: Int, bytes: [UInt8])
    /// The `sentences.jsonl` lines of one document (the input of `lianlu extract`).
    case sentenceRecordLines(path: String, firstLine: Int, lines: [[UInt8]])
    /// Something already known to be unprocessable (missing path, too large ...).
    case rejected(Reject)

    public var byteCount: Int {
        switch self {
        case let .textFile(_, _, size, _): return size
        case let .inputLine(_, _, _, b): return b.count + 1
        case let .documentRecordLine(_, _, _, b): return b.count + 1
        case let .sentenceRecordLines(_, _, lines): return lines.reduce(0) { $0 + $1.count + 1 }
        case .rejected: return 0
        }
    }
}

/// Turns input files into work items, streaming JSONL files line by line.
public final class FileItemReader: IteratorProtocol {
    private var files: [InputFile]
    private var pending: [Reject]
    private var fileIndex = 0
    private var lines: LineReader?
    private var currentPath = ""
    private let maxDocumentBytes: Int
    private let recordsAreDocuments: Bool

    /// - Parameter recordsAreDocuments: JSONL lines are `documents.jsonl` records (for
    ///   `lianlu sentences` over files) instead of input documents.
    public init(files: [InputFile], rejects: [Reject], maxDocumentBytes: Int, recordsAreDocuments: Bool = false) {
        self.files = files
        pending = rejects
        self.maxDocumentBytes = maxDocumentBytes
        self.recordsAreDocuments = recordsAreDocuments
    }

    public func next() -> WorkItem? {
        if !pending.isEmpty { return .rejected(pending.removeFirst()) }
        while true {
            if let reader = lines {
                if let line = reader.next() {
                    if isBlank(line) { continue }
                    if line.count > maxDocumentBytes {
                        return .rejected(Reject(code: .tooLarge, file: currentPath, line: reader.lineNumber, byteOffset: reader.lineOffset,
                                                reason: "JSONL line of \(line.count) bytes is larger than the limit of \(maxDocumentBytes) bytes"))
                    }
                    return recordsAreDocuments
                        ? .documentRecordLine(path: currentPath, line: reader.lineNumber, byteOffset: reader.lineOffset, bytes: line)
                        : .inputLine(path: currentPath, line: reader.lineNumber, byteOffset: reader.lineOffset, bytes: line)
                }
                lines = nil
            }
            guard fileIndex < files.count else { return nil }
            let f = files[fileIndex]
            fileIndex += 1
            switch f.kind {
            case .jsonl:
                guard let r = LineReader(path: f.path) else {
                    return .rejected(Reject(code: .unreadable, file: f.displayPath, reason: "cannot open: \(String(cString: strerror(errno)))"))
                }
                lines = r
                currentPath = f.displayPath
            case .text:
                if f.size > maxDocumentBytes {
                    return .rejected(Reject(code: .tooLarge, file: f.displayPath, doc: InputCollector.documentID(forPath: f.path),
                                            reason: "file of \(f.size) bytes is larger than the limit of \(maxDocumentBytes) bytes (--max-doc-mb)"))
                }
                return .textFile(path: f.path, displayPath: f.displayPath, size: f.size, preloaded: nil)
            }
        }
    }

    private func isBlank(_ line: [UInt8]) -> Bool {
        for b in line where b != 0x20 && b != 0x09 && b != 0x0D { return false }
        return true
    }
}

/// Reads JSONL work items from standard input (the filters).
public final class StdinItemReader: IteratorProtocol {
    private let reader = LineReader(fd: 0)
    private let recordsAreDocuments: Bool
    private let recordsAreSentences: Bool
    private var pending: [UInt8]?
    private var pendingLine = 0

    public init(recordsAreDocuments: Bool, recordsAreSentences: Bool = false) {
        self.recordsAreDocuments = recordsAreDocuments
        self.recordsAreSentences = recordsAreSentences
    }

    /// The value of `"doc"` at the start of a sentences.jsonl line, without parsing it all.
    private func docKey(_ line: [UInt8]) -> ArraySlice<UInt8>? {
        let prefix = Array(#"{"doc":""#.utf8)
        guard line.count > prefix.count, Array(line[0..<prefix.count]) == prefix else { return nil }
        var i = prefix.count
        while i < line.count, line[i] != 0x22 { if line[i] == 0x5C { i += 1 }; i += 1 }
        return line[prefix.count..<min(i, line.count)]
    }

    public func next() -> WorkItem? {
        if recordsAreSentences { return nextSentenceGroup() }
        while let line = reader.next() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            return recordsAreDocuments
                ? .documentRecordLine(path: "<stdin>", line: reader.lineNumber, byteOffset: reader.lineOffset, bytes: line)
                : .inputLine(path: "<stdin>", line: reader.lineNumber, byteOffset: reader.lineOffset, bytes: line)
        }
        return nil
    }
}

extension StdinItemReader {
    /// Consecutive lines of the same document form one item (a line whose document
    /// cannot be read off goes alone, and is rejected by the worker if malformed).
    fileprivate func nextSentenceGroup() -> WorkItem? {
        var lines: [[UInt8]] = []
        var first = 0
        var key: ArraySlice<UInt8>?
        if let p = pending {
            lines.append(p)
            first = pendingLine
            key = docKey(p)
            pending = nil
            if key == nil { return .sentenceRecordLines(path: "<stdin>", firstLine: first, lines: lines) }
        }
        while let line = reader.next() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let k = docKey(line)
            if lines.isEmpty {
                lines.append(line)
                first = reader.lineNumber
                key = k
                if k == nil { break }
                continue
            }
            if k != nil && k == key {
                lines.append(line)
            } else {
                pending = line
                pendingLine = reader.lineNumber
                break
            }
        }
        return lines.isEmpty ? nil : .sentenceRecordLines(path: "<stdin>", firstLine: first, lines: lines)
    }
}

#if canImport(Glibc)
import Glibc
#endif
