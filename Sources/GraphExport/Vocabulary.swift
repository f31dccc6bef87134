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
    public func document(_ doc: String) -> String { base + "doc/" + IRIMinter.segment(doc) }
    public func sentence(_ doc: String, _ sid: Int) -> String { document(doc) + "/s" + String(sid) }
    public func mention(_ doc: String, _ id: String) -> String { document(doc) + "/" + IRIMinter.segment(id) }
    public func fact(_ doc: String, _ id: String) -> String { document(doc) + "/" + IRIMinter.segment(id) }
    public func value(_ doc: String, _ mentionID: String) -> String { document(doc) + "/" + IRIMinter.segment(mentionID) + "/value" }

    /// A path segment: readable (Chinese stays as written, IRIs allow it), with what
    /// would end or break a segment percent-encoded (space, / ? # % and the characters
    /// N-Triples forbids in an IRI).
    public static func segment(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            let v = scalar.value
            let unsafe = v <= 0x20 || v == 0x7F || "/?#%<>\"{}|\\^`[]".unicodeScalars.contains(scalar)
                || (v >= 0x80 && (scalar.properties.generalCategory == .spaceSeparator || scalar.properties.generalCategory == .control
                    || scalar.properties.generalCategory == .format))
            if unsafe {
                for b in String(scalar).utf8 { out += "%" + String(b, radix: 16, uppercase: true).leftPadded(2) }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
