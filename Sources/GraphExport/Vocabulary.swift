/// The namespaces the export uses. Lianlu's own classes and properties are described in
/// Graph/lianlu.ttl; everything else is W3C or schema.org.
public enum NS {
    public static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    public static let rdfs = "http://www.w3.org/2000/01/rdf-schema#"
    public static let xsd = "http://www.w3.org/2001/XMLSchema#"
    public static let schema = "http://schema.org/"
    public static let org = "http://www.w3.org/ns/org#"
    public static let prov = "http://www.w3.org/ns/prov#"
    public static let dcterms = "http://purl.org/dc/terms/"
    public static let nif = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
    public static let ll = "https://lianlu.example/vocab#"

    /// Prefixes for Turtle and JSON-LD, longest namespace first when two could match.
    public static let prefixes: [(String, String)] = [
        ("rdf", rdf), ("rdfs", rdfs), ("xsd", xsd), ("schema", schema), ("org", org), ("prov", prov),
        ("dcterms", dcterms), ("nif", nif), ("ll", ll),
    ]

    public static let type = rdf + "type"
    public static let label = rdfs + "label"
}

/// Where the data's IRIs live: `--base`, by default `https://lianlu.example/`. Every IRI
/// comes from what the records say, never from the run (a corpus exported in several
/// batches gives the same IRIs as in one).
public struct IRIMinter: Sendable {
    public let base: String

    public init(base: String = "https://lianlu.example/") {
        self.base = base.hasSuffix("/") ? base : base + "/"
    }

    /// `id/ORG/山东肯石重工机械有限公司` from the corpus-wide key `ORG:山东肯石重工机械有限公司`.
    public func entity(key: String) -> String {
        guard let colon = key.firstIndex(of: ":") else { return base + "id/" + IRIMinter.segment(key) }
        return base + "id/" + IRIMinter.segment(String(key[..<colon])) + "/" + IRIMinter.segment(String(key[key.index(after: colon)...]))
    }

    /// A post: one title in one body or place (临清 市委书记), the same in every document.
    public func post(orgKey: String?, title: String) -> String {
        base + "id/Post/" + IRIMinter.segment(orgKey ?? "-") + "/" + IRIMinter.segment(title)
    }

    public func role(title: String) -> String { base + "id/Role/" + IRIMinter.segment(title) }
    /// The IRIs of one document and of what it holds (`doc/DOC`, `doc/DOC/s3`, `doc/DOC/m3_1`,
    /// `doc/DOC/r2`, `doc/DOC/m3_1/value`); the prefix is made once per document.
    public func document(_ doc: String) -> DocumentIRIs { DocumentIRIs(document: base + "doc/" + IRIMinter.segment(doc)) }

    static let asciiUnsafe: [Bool] = (0..<128).map { v in
        v <= 0x20 || v == 0x7F || "/?#%<>\"{}|\\^`[]".unicodeScalars.contains(Unicode.Scalar(UInt8(v)))
    }

    /// A path segment: readable (Chinese stays as written, IRIs allow it), with what
    /// would end or break a segment percent-encoded (space, / ? # % and the characters
    /// N-Triples forbids in an IRI).
    public static func segment(_ s: String) -> String {
        // Fast path: no unsafe ASCII and no byte that can start one of the invisible or
        // spacing characters below (C2, E1, E2, E3, EF); Chinese names (E4-E9) pass as is.
        let plain = s.utf8.withContiguousStorageIfAvailable { b in
            b.allSatisfy { $0 >= 0x80 ? ($0 != 0xC2 && $0 != 0xE1 && $0 != 0xE2 && $0 != 0xE3 && $0 != 0xEF) : !asciiUnsafe[Int($0)] }
        }
        if plain == true { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            let v = scalar.value
            let unsafe: Bool
            if v < 0x80 {
                unsafe = IRIMinter.asciiUnsafe[Int(v)]
            } else {
                // Invisible or spacing characters (NBSP, U+3000, zero-widths, bidi marks,
                // BOM): what an IRI must not hide. Everything else, CJK above all, stays.
                unsafe = v < 0xA1 || v == 0x3000 || v == 0xFEFF || (0x2000...0x200F).contains(v) || (0x2028...0x202F).contains(v)
                    || (0x205F...0x206F).contains(v) || v == 0x1680
            }
            if unsafe {
                for b in String(scalar).utf8 { out += "%" + String(b, radix: 16, uppercase: true).leftPadded(2) }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

public struct DocumentIRIs: Sendable {
    public let document: String
    let prefix: String

    init(document: String) {
        self.document = document
        prefix = document + "/"
    }

    public func sentence(_ sid: Int) -> String { prefix + "s" + String(sid) }
    public func mention(_ id: String) -> String { prefix + IRIMinter.segment(id) }
    public func fact(_ id: String) -> String { prefix + IRIMinter.segment(id) }
    /// The schema:MonetaryAmount or schema:QuantitativeValue a value mention stands for.
    public func value(_ mentionID: String) -> String { mention(mentionID) + "/value" }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
