import Foundation
import LianluCore
import Pipeline

/// The formats `lianlu export` writes.
public enum GraphFormat: String, CaseIterable, Sendable {
    case ntriples, turtle, jsonld, neo4j
}

/// Exports a run folder as a graph. The output is written to a temporary file or folder
/// beside the target and moved into place only when every document went through, so a
/// bad input never leaves a partial graph that looks complete.
public struct GraphExporter {
    public let format: GraphFormat
    public let builder: GraphBuilder

    public init(format: GraphFormat, base: String = "https://lianlu.example/") {
        self.format = format
        builder = GraphBuilder(iri: IRIMinter(base: base))
    }

    public struct Summary: Sendable {
        public var documents = 0
        public var triples = 0
        public var inputBytes = 0
    }

    public func export(runFolder: String, to target: String) throws -> Summary {
        let reader = try RunFolderReader(folder: runFolder)
        let fm = FileManager.default
        let tmp = target + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        try? fm.removeItem(atPath: tmp)
        var summary = Summary()
        var described: Set<String> = []
        do {
            var sink: GraphSink
            switch format {
            case .ntriples: sink = try NTriplesSink(path: tmp)
            case .turtle: sink = try TurtleSink(path: tmp)
            case .jsonld: sink = try JSONLDSink(path: tmp)
            case .neo4j: sink = try Neo4jSink(folder: tmp)
            }
            while let d = try reader.next() {
                let triples = try builder.triples(d, described: &described, files: reader.fileNames)
                try sink.write(triples)
                summary.documents += 1
                summary.triples += triples.count
            }
            try sink.finish()
        } catch {
            try? fm.removeItem(atPath: tmp)
            throw error
        }
        summary.inputBytes = reader.bytesRead
        try? fm.removeItem(atPath: target)
        try fm.moveItem(atPath: tmp, toPath: target)
        return summary
    }
}

protocol GraphSink {
    mutating func write(_ triples: [Triple]) throws
    mutating func finish() throws
}

/// Bytes to a file in large writes.
struct ByteFile {
    let file: OutputFile
    var buffer: [UInt8] = []

    init(path: String) throws {
        file = try OutputFile(path: path)
        buffer.reserveCapacity(1 << 20)
    }

    mutating func append(_ s: String) { buffer.append(contentsOf: s.utf8) }
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) { buffer.append(contentsOf: bytes) }
    mutating func flushIfFull() { if buffer.count >= 1 << 20 { file.write(buffer); buffer.removeAll(keepingCapacity: true) } }
    mutating func close() throws { file.write(buffer); buffer.removeAll(); try file.close() }
}

struct NTriplesSink: GraphSink {
    var out: ByteFile
    init(path: String) throws { out = try ByteFile(path: path) }
    mutating func write(_ triples: [Triple]) {
        for t in triples { t.writeNTriplesLine(to: &out.buffer) }
        out.flushIfFull()
    }
    mutating func finish() throws { try out.close() }
}

/// Turtle with the prefixes of `NS`, one subject's statements grouped with `;`.
struct TurtleSink: GraphSink {
    var out: ByteFile
    init(path: String) throws {
        out = try ByteFile(path: path)
        for (p, ns) in NS.prefixes { out.append("@prefix \(p): <\(ns)> .\n") }
        out.append("\n")
    }

    /// Prefixed names of the vocabulary's IRIs (few and repeated), made once each.
    final class Names { var byIRI: [String: String] = [:] }
    let names = Names()

    /// Static, with the cache passed in: a method of the sink writing into its own buffer
    /// made Swift copy the buffer on every call (quadratic).
    static func writeName(_ i: String, _ names: Names, to out: inout [UInt8]) {
        if let n = names.byIRI[i] { out.append(contentsOf: n.utf8); return }
        let n = TurtleSink.name(i)
        if n.first == "<" { RDFTerm.appendIRI(i, to: &out); return }  // data IRIs: not cached
        names.byIRI[i] = n
        out.append(contentsOf: n.utf8)
    }

    static func writeTerm(_ t: RDFTerm, _ names: Names, to out: inout [UInt8]) {
        switch t {
        case let .iri(i):
            writeName(i, names, to: &out)
        case let .literal(s, dt, nil) where dt != nil && dt != NS.xsd + "string":
            out.append(0x22)
            RDFTerm.appendEscapedString(s, to: &out)
            out.append(0x22); out.append(0x5E); out.append(0x5E)
            writeName(dt!, names, to: &out)
        default:
            t.writeNTriples(to: &out)
        }
    }

    /// A prefixed name where the local part is plain (letters, digits, _ and -), else `<iri>`.
    static func name(_ i: String) -> String {
        if i == NS.type { return "a" }
        if !i.hasPrefix(NS.ll), i.hasPrefix("https://") { return "<\(RDFTerm.escapeIRI(i))>" }
        for (p, ns) in NS.prefixes where i.hasPrefix(ns) {
            let local = i.dropFirst(ns.count)
            if !local.isEmpty, local.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }),
               local.first != "-" {
                return p + ":" + local
            }
        }
        return "<\(RDFTerm.escapeIRI(i))>"
    }

    mutating func write(_ triples: [Triple]) {
        var i = 0
        while i < triples.count {
            let s = triples[i].subject
            s.writeNTriples(to: &out.buffer)
            var first = true
            while i < triples.count, triples[i].subject == s {
                out.append(first ? " " : " ;\n    ")
                first = false
                let p = triples[i].predicate
                if p == NS.type { out.buffer.append(0x61) } else { TurtleSink.writeName(p, names, to: &out.buffer) }
                out.buffer.append(0x20)
                TurtleSink.writeTerm(triples[i].object, names, to: &out.buffer)
                i += 1
            }
            out.append(" .\n")
        }
        out.flushIfFull()
    }
    mutating func finish() throws { try out.close() }
}

/// JSON-LD: one `@graph` of node objects with full IRIs for properties and prefixed
/// types in `@context`.
struct JSONLDSink: GraphSink {
    var out: ByteFile
    var first = true
    init(path: String) throws {
        out = try ByteFile(path: path)
        var w = JSONWriter()
        w.beginObject()
        for (p, ns) in NS.prefixes { w.key(dynamic: p); w.string(ns) }
        w.endObject()
        out.append("{\"@context\":")
        out.buffer.append(contentsOf: w.bytes)
        out.append(",\"@graph\":[\n")
    }

    mutating func write(_ triples: [Triple]) {
        var i = 0
        while i < triples.count {
            let s = triples[i].subject
            var j = i
            while j < triples.count, triples[j].subject == s { j += 1 }
            var w = JSONWriter()
            w.beginObject()
            if case let .iri(id) = s { w.key("@id"); w.string(id) }
            let types = triples[i..<j].compactMap { t -> String? in if t.predicate == NS.type, case let .iri(c) = t.object { return c }; return nil }
            if !types.isEmpty {
                w.key("@type")
                w.beginArray()
                for c in types { w.string(c) }
                w.endArray()
            }
            // Properties in order of first appearance, each with all its values.
            var order: [String] = []
            var values: [String: [RDFTerm]] = [:]
            for t in triples[i..<j] where t.predicate != NS.type {
                if values[t.predicate] == nil { order.append(t.predicate) }
                values[t.predicate, default: []].append(t.object)
            }
            for p in order {
                w.key(dynamic: p)
                w.beginArray()
                for o in values[p]! {
                    w.beginObject()
                    switch o {
                    case let .iri(x): w.key("@id"); w.string(x)
                    case let .blank(b): w.key("@id"); w.string("_:" + b)
                    case let .literal(v, dt, lang):
                        w.key("@value"); w.string(v)
                        if let lang { w.key("@language"); w.string(lang) } else if let dt, dt != NS.xsd + "string" { w.key("@type"); w.string(dt) }
                    }
                    w.endObject()
                }
                w.endArray()
            }
            w.endObject()
            if !first { out.append(",\n") }
            first = false
            out.buffer.append(contentsOf: w.bytes)
            i = j
        }
        out.flushIfFull()
    }

    mutating func finish() throws {
        out.append("\n]}\n")
        try out.close()
    }
}

/// Neo4j bulk-import CSV (`neo4j-admin database import full`): the graph as a property
/// graph. A node is a subject with an rdf:type, labelled with its types' local names
/// (Person, Organization, Investment, MonetaryAmount, ...), its literal properties typed
/// columns; an IRI-valued property is a relationship typed by its local name
/// (ll:investor -> INVESTOR, prov:wasDerivedFrom -> WAS_DERIVED_FROM). One ID space, the
/// IRI, so files from several exports name the same node the same way. Files per label
/// (`nodes-<Label>.csv`) and per type (`rels-<TYPE>.csv`), UTF-8 without BOM, and
/// `import-args.txt` with the arguments for neo4j-admin.
///
/// It streams, so a corpus of any size exports in bounded memory (holding the graph took
/// 410 MB for 22 MB of news): a node's types and properties all come in one document's
/// triples (`GraphBuilder` describes an entity once per export), so its row is written
/// once that document is seen, as a JSON line in a part file of its label; a label's
/// columns are only known at the end, when `finish` turns each part file into the CSV.
/// Relationships go straight to their files: every IRI the builder points to is a node it
/// describes (scripts/check-graph checks that no relationship dangles).
struct Neo4jSink: GraphSink {
    let folder: String
    /// Per label: its part file of node rows and its columns (name, type), first seen first.
    var parts: [String: ByteFile] = [:]
    var labelOrder: [String] = []
    var columns: [String: [(name: String, type: String)]] = [:]
    var rels: [String: ByteFile] = [:]
    var relOrder: [String] = []
    private var row = JSONWriter(capacity: 4096)

    init(folder: String) throws {
        self.folder = folder
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    static func local(_ iri: String) -> String {
        var s = Substring(iri)
        if let h = s.lastIndex(where: { $0 == "#" || $0 == "/" }) { s = s[s.index(after: h)...] }
        return String(s)
    }

    /// camelCase -> CAMEL_CASE.
    static func relType(_ iri: String) -> String {
        var out = ""
        for ch in local(iri) {
            if ch.isUppercase, !out.isEmpty { out += "_" }
            out += ch.uppercased()
        }
        return out
    }

    static func column(_ t: RDFTerm) -> (String, String) {
        guard case let .literal(v, dt, _) = t else { return ("string", "") }
        switch dt ?? "" {
        case NS.xsd + "decimal", NS.xsd + "double": return ("double", v)
        case NS.xsd + "integer", NS.xsd + "nonNegativeInteger": return ("long", v)
        case NS.xsd + "date": return ("date", v)
        default: return ("string", v)
        }
    }

    /// One document's triples: its nodes' rows into their labels' part files, its
    /// relationships into their files.
    mutating func write(_ triples: [Triple]) throws {
        var order: [String] = []
        var nodes: [String: (labels: [String], props: [(name: String, type: String, value: String)])] = [:]
        for t in triples {
            guard case let .iri(s) = t.subject else { continue }
            if t.predicate == NS.type, case let .iri(c) = t.object {
                if nodes[s] == nil { nodes[s] = ([], []); order.append(s) }
                let l = Neo4jSink.local(c)
                if !nodes[s]!.labels.contains(l) { nodes[s]!.labels.append(l) }
            } else if case let .iri(o) = t.object {
                let type = Neo4jSink.relType(t.predicate)
                if rels[type] == nil {
                    rels[type] = try ByteFile(path: folder + "/rels-\(type).csv")
                    rels[type]!.append(":START_ID(Node),:END_ID(Node),:TYPE\n")
                    relOrder.append(type)
                }
                rels[type]!.append(Neo4jSink.csv(s) + "," + Neo4jSink.csv(o) + "," + type + "\n")
                rels[type]!.flushIfFull()
            } else {
                if nodes[s] == nil { nodes[s] = ([], []); order.append(s) }
                let (ctype, v) = Neo4jSink.column(t.object)
                nodes[s]!.props.append((Neo4jSink.local(t.predicate), ctype, v))
            }
        }
        for iri in order {
            let n = nodes[iri]!
            guard let label = n.labels.first else { continue }
            if parts[label] == nil {
                parts[label] = try ByteFile(path: folder + "/nodes-\(label).part")
                labelOrder.append(label)
                columns[label] = []
            }
            // [iri, labels, name, value, name, value, ...]: a property's first value only
            // (one column each).
            row.removeAll()
            row.beginArray()
            row.string(iri)
            row.string(n.labels.joined(separator: ";"))
            var seen: Set<String> = []
            for p in n.props where seen.insert(p.name).inserted {
                if !columns[label]!.contains(where: { $0.name == p.name }) { columns[label]!.append((p.name, p.type)) }
                row.string(p.name)
                row.string(p.value)
            }
            row.endArray()
            row.newline()
            row.withBytes { parts[label]!.append($0) }
            parts[label]!.flushIfFull()
        }
    }

    static func csv(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == ";" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    mutating func finish() throws {
        var args: [String] = []
        for label in labelOrder {
            try parts[label]!.close()
            let partPath = folder + "/nodes-\(label).part"
            let cols = columns[label]!
            var index: [String: Int] = [:]
            for (k, c) in cols.enumerated() { index[c.name] = k }
            var f = try ByteFile(path: folder + "/nodes-\(label).csv")
            f.append("iri:ID(Node),:LABEL" + cols.map { ",\($0.name):\($0.type)" }.joined() + "\n")
            guard let lines = LineReader(path: partPath) else { throw GraphError(file: partPath, line: 0, message: "cannot read the node rows back") }
            var values = [String](repeating: "", count: cols.count)
            while let line = lines.next() {
                guard let a = try JSONParser.parse(line).arrayValue, a.count >= 2, a.count % 2 == 0 else {
                    throw GraphError(file: partPath, line: lines.lineNumber, message: "not a node row")
                }
                for k in values.indices { values[k] = "" }
                var i = 2
                while i < a.count {
                    if let name = a[i].stringValue, let k = index[name] { values[k] = a[i + 1].stringValue ?? "" }
                    i += 2
                }
                var out = Neo4jSink.csv(a[0].stringValue ?? "") + "," + Neo4jSink.csv(a[1].stringValue ?? "")
                for v in values { out += "," + Neo4jSink.csv(v) }
                f.append(out + "\n")
                f.flushIfFull()
            }
            try f.close()
            try FileManager.default.removeItem(atPath: partPath)
            args.append("--nodes=nodes-\(label).csv")
        }
        for type in relOrder {
            try rels[type]!.close()
            args.append("--relationships=rels-\(type).csv")
        }
        try (args.joined(separator: "\n") + "\n").write(toFile: folder + "/import-args.txt", atomically: true, encoding: .utf8)
    }
}
