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

    public func normalize(_ doc: SourceDocument, defaultDate: CalendarDate?) -> Result<NormalizedDocument, TextDecoder.Failure> {
        let raw: [UInt16]
        let encoding: String
        switch doc.content {
        case let .bytes(bytes):
            switch TextDecoder.decode(bytes) {
            case let .success(d):
                raw = d.text
                encoding = d.encoding
            case let .failure(f):
                return .failure(f)
            }
        case let .text(t, enc):
            raw = t
            encoding = enc
        }
        return .success(normalize(raw: raw, id: doc.id, encoding: encoding, date: doc.date, source: doc.source, defaultDate: defaultDate))
    }

    /// Normalizes already-decoded text.
    public func normalize(raw: [UInt16], id: String, encoding: String, date: CalendarDate?, source: String?,
                          defaultDate: CalendarDate?) -> NormalizedDocument {
        var raw = raw
        // A BOM inside decoded text (e.g. a UTF-8 BOM inside a JSONL text) is not content.
        if raw.first == 0xFEFF { raw.removeFirst() }
        let rawIndex = CodePointIndex(raw)
        let rawCodePoints = raw.count - rawIndex.pairStarts.count

        var step1 = raw.withUnsafeBufferPointer { characters.normalize($0) }
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
