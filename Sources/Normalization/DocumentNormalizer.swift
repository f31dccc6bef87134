import LianluCore

/// Stage 1: a `SourceDocument` in, a `NormalizedDocument` (a `documents.jsonl` record) out.
///
/// Steps, each recording where its output came from so every later span can be mapped
/// back to the raw text: decode -> characters (NFKC, quotes, line endings) ->
/// Traditional to Simplified when the text is Traditional -> layout joins. Then the
/// reference date: the record's own, else a date line in the text, else `--date`.
///
/// Not thread-safe (it owns an ICU transliterator): use one per worker.
public final class DocumentNormalizer {
    private let characters = CharacterNormalizer()
    private let script = ScriptConverter()
    private let layout = LayoutJoiner()

    public init() {}

    public struct Statistics {
        public var layoutJoins = 0
    }

    public private(set) var lastStatistics = Statistics()

    /// Takes the document: its bytes are let go once decoded, and the decoded text once
    /// the first step has copied it (a 50 MB page is three such copies).
    public func normalize(_ doc: consuming SourceDocument, defaultDate: CalendarDate?) -> Result<NormalizedDocument, TextDecoder.Failure> {
        let id = doc.id, date = doc.date, source = doc.source
        let content = doc.content
        _ = consume doc
        var raw: [UInt16]
        let encoding: String
        switch consume content {
        case let .bytes(bytes):
            switch TextDecoder.decode(bytes) {
            case let .success(d):
                raw = d.text
                encoding = d.encoding
            case var .failure(f):
                f.line = f.byteOffset.map { off in bytes.withUnsafeBufferPointer { lineAndColumn(of: off, in: $0).line } }
                return .failure(f)
            }
        case let .text(t, enc):
            raw = t
            encoding = enc
        }
        return .success(normalize(raw: consume raw, id: id, encoding: encoding, date: date, source: source, defaultDate: defaultDate))
    }

    /// Normalizes already-decoded text.
    public func normalize(raw: consuming [UInt16], id: String, encoding: String, date: CalendarDate?, source: String?,
                          defaultDate: CalendarDate?) -> NormalizedDocument {
        var raw = raw  // (a consuming parameter mutated in place does not compile here)
        // A BOM inside decoded text (e.g. a UTF-8 BOM inside a JSONL text) is not content.
        if raw.first == 0xFEFF { raw.removeFirst() }
        let rawIndex = CodePointIndex(raw)
        let rawCodePoints = raw.count - rawIndex.pairStarts.count

        var step1 = raw.withUnsafeBufferPointer { characters.normalize($0) }
        raw = []
        var map = step1.map
        var text = step1.withOutput { $0 }
        step1 = TextEditor(capacity: 0)

        let traditional = text.withUnsafeBufferPointer { ScriptConverter.isTraditional($0) }
        if traditional {
            let step2 = text.withUnsafeBufferPointer { script.toSimplified($0) }
            map = step2.map.composed(after: map)
            text = step2.output
        }

        let (step3, joins) = text.withUnsafeBufferPointer { layout.join($0) }
        lastStatistics.layoutJoins = joins
        map = step3.map.composed(after: map)
        text = step3.output

        let normIndex = CodePointIndex(text)
        let cpMap = map.inCodePoints(output: normIndex, input: rawIndex)
        precondition(cpMap.inputLength == rawCodePoints, "offset map does not cover the raw text")

        var refDate = date
        var dateSource: DateSource? = date == nil ? nil : .input
        if refDate == nil, let d = text.withUnsafeBufferPointer({ ReferenceDateFinder.find(in: $0) }) {
            refDate = d
            dateSource = .text
        }
        if refDate == nil, let d = defaultDate {
            refDate = d
            dateSource = .option
        }
        return NormalizedDocument(id: id, date: refDate, dateSource: dateSource, source: source, encoding: encoding,
                                  wasTraditional: traditional, text: text, rawLength: rawCodePoints,
                                  alignment: Alignment(map: cpMap, normalizedIndex: normIndex))
    }
}
