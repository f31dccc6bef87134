/// Why an input (a file, a JSONL line, a document) could not be processed.
///
/// Codes are stable so that rejects files, scripts and issue notes can cite them.
public enum RejectCode: String, Sendable, CaseIterable {
    case missingPath = "E001"
    case unreadable = "E002"
    case binaryContent = "E003"
    case invalidUTF8 = "E004"
    case unknownEncoding = "E005"
    case invalidBytes = "E006"
    case malformedJSON = "E010"
    case badDocumentField = "E011"
    case duplicateID = "E013"
    case tooLarge = "E020"
    case unsupportedInput = "E021"

    public var summary: String {
        switch self {
        case .missingPath: return "input path does not exist"
        case .unreadable: return "input could not be read"
        case .binaryContent: return "binary content, not text"
        case .invalidUTF8: return "invalid UTF-8 byte sequence"
        case .unknownEncoding: return "encoding could not be determined"
        case .invalidBytes: return "byte sequence invalid in the detected encoding"
        case .malformedJSON: return "malformed JSON line"
        case .badDocumentField: return "JSONL document field missing or of the wrong type"
        case .duplicateID: return "document id already used by an earlier document"
        case .tooLarge: return "document larger than --max-doc-mb"
        case .unsupportedInput: return "input file type is not .txt or .jsonl"
        }
    }
}

/// One rejected input, as written to `rejects.jsonl` and printed on stderr.
public struct Reject: Error, Sendable, Equatable {
    public var code: RejectCode
    public var file: String
    /// 1-based line (JSONL lines; the line of a bad byte in a text file).
    public var line: Int?
    /// Byte offset of the problem within the file.
    public var byteOffset: Int?
    /// The document id, when one is known.
    public var doc: String?
    public var reason: String

    public init(code: RejectCode, file: String, line: Int? = nil, byteOffset: Int? = nil, doc: String? = nil, reason: String) {
        self.code = code
        self.file = file
        self.line = line
        self.byteOffset = byteOffset
        self.doc = doc
        self.reason = reason
    }

    /// `file:line: error E004: reason`, the form editors and CI logs understand.
    public var message: String {
        var loc = file
        if let line { loc += ":\(line)" }
        return "\(loc): error \(code.rawValue): \(reason)"
    }

    public func write(to w: inout JSONWriter) {
        w.beginObject()
        if let doc { w.key("doc"); w.string(doc) }
        w.key("file"); w.string(file)
        if let line { w.key("line"); w.int(line) }
        if let byteOffset { w.key("byte_offset"); w.int(byteOffset) }
        w.key("code"); w.string(code.rawValue)
        w.key("reason"); w.string(reason)
        w.endObject()
        w.newline()
    }
}
