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

extension RDFTerm {
    /// Appends the term in N-Triples syntax as UTF-8 bytes (the export's hot path: no
    /// intermediate strings; every character that needs escaping is ASCII, so the bytes
    /// can be checked one by one).
    public func writeNTriples(to out: inout [UInt8]) {
        switch self {
        case let .iri(i): RDFTerm.appendIRI(i, to: &out)
        case let .blank(b): out.append(0x5F); out.append(0x3A); out.append(contentsOf: b.utf8)
        case let .literal(s, dt, lang):
            out.append(0x22)
            RDFTerm.appendEscapedString(s, to: &out)
            out.append(0x22)
            if let lang { out.append(0x40); out.append(contentsOf: lang.utf8) } else if let dt, dt != "http://www.w3.org/2001/XMLSchema#string" {
                out.append(0x5E); out.append(0x5E)
                RDFTerm.appendIRI(dt, to: &out)
            }
        }
    }

    static let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
    /// 1 for the bytes an IRI writes as UCHAR (controls, space, <>"{}|^`\\), else 0:
    /// or-ed over an IRI in one branch-free pass.
    static let iriEscape: [UInt8] = (0..<256).map { b in
        (b <= 0x20 || [0x3C, 0x3E, 0x22, 0x7B, 0x7D, 0x7C, 0x5E, 0x60, 0x5C].contains(b)) ? 1 : 0
    }

    static func appendUCHAR(_ b: UInt8, to out: inout [UInt8]) {
        out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]])  // \u00XX
    }

    /// `<iri>` with the characters N-Triples forbids in an IRI as UCHAR escapes.
    public static func appendIRI(_ s: String, to out: inout [UInt8]) {
        out.append(0x3C)
        defer { out.append(0x3E) }
        // Nearly every IRI needs no escape: copy it in one step.
        let clean = s.utf8.withContiguousStorageIfAvailable { b in
            RDFTerm.iriEscape.withUnsafeBufferPointer { table in
                var bad: UInt8 = 0
                for x in b { bad |= table[Int(x)] }
                return bad == 0
            }
        }
        if clean == true { out.append(contentsOf: s.utf8); return }
        for b in s.utf8 {
            switch b {
            case 0...0x20, 0x3C, 0x3E, 0x22, 0x7B, 0x7D, 0x7C, 0x5E, 0x60, 0x5C: appendUCHAR(b, to: &out)
            default: out.append(b)
            }
        }
    }

    /// A string literal's body: ECHAR for " \ and line ends, UCHAR for other controls.
    public static func appendEscapedString(_ s: String, to out: inout [UInt8]) {
        let clean = s.utf8.withContiguousStorageIfAvailable { b in b.allSatisfy { $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C && $0 != 0x7F } }
        if clean == true { out.append(contentsOf: s.utf8); return }
        for b in s.utf8 {
            switch b {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0...0x1F, 0x7F: appendUCHAR(b, to: &out)
            default: out.append(b)
            }
        }
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

    /// The same line appended as bytes.
    public func writeNTriplesLine(to out: inout [UInt8]) {
        subject.writeNTriples(to: &out)
        out.append(0x20)
        RDFTerm.appendIRI(predicate, to: &out)
        out.append(0x20)
        object.writeNTriples(to: &out)
        out.append(0x20); out.append(0x2E); out.append(0x0A)
    }
}

import Foundation
