/// RDF terms and N-Triples serialization (W3C RDF 1.1 N-Triples), the minimum graph
/// export SPEC.md asks for.
public enum RDFTerm: Sendable, Hashable {
    case iri(String)
    case blank(String)
    /// A literal with a datatype IRI (xsd:string when nil) or a language tag.
    case literal(String, datatype: String?, language: String?)

    public static func string(_ s: String) -> RDFTerm { .literal(s, datatype: nil, language: nil) }
    public static func typed(_ s: String, _ datatype: String) -> RDFTerm { .literal(s, datatype: datatype, language: nil) }

    /// The term in N-Triples syntax.
    public var nTriples: String {
        switch self {
        case let .iri(i): return "<\(RDFTerm.escapeIRI(i))>"
        case let .blank(b): return "_:\(b)"
        case let .literal(s, dt, lang):
            var out = "\"\(RDFTerm.escapeString(s))\""
            if let lang { out += "@\(lang)" } else if let dt, dt != "http://www.w3.org/2001/XMLSchema#string" { out += "^^<\(RDFTerm.escapeIRI(dt))>" }
            return out
        }
    }

    static func escapeString(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if ch.value < 0x20 || ch.value == 0x7F {
                    out += String(format: "\\u%04X", ch.value)
                } else {
                    out.unicodeScalars.append(ch)
                }
            }
        }
        return out
    }

    /// Characters N-Triples forbids inside `<...>` are written as UCHAR escapes.
    static func escapeIRI(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "<", ">", "\"", "{", "}", "|", "^", "`", "\\", " ":
                out += String(format: "\\u%04X", ch.value)
            default:
                if ch.value <= 0x20 { out += String(format: "\\u%04X", ch.value) } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }
}

/// One statement.
public struct Triple: Sendable, Hashable {
    public var subject: RDFTerm
    public var predicate: String
    public var object: RDFTerm

    public init(_ subject: RDFTerm, _ predicate: String, _ object: RDFTerm) {
        self.subject = subject
        self.predicate = predicate
        self.object = object
    }

    /// `<s> <p> <o> .` with a newline.
    public var nTriplesLine: String { "\(subject.nTriples) <\(RDFTerm.escapeIRI(predicate))> \(object.nTriples) .\n" }
}

import Foundation
