import LianluCore

/// One document's records from a run folder (SPEC.md stages 2 to 5), with the line each
/// came from for error messages.
public struct DocumentRecords {
    public var doc: String
    public var sentences: [(JSONValue, Int)] = []
    public var mentions: [(JSONValue, Int)] = []
    public var relations: [(JSONValue, Int)] = []
    public var entities: [(JSONValue, Int)] = []

    public init(doc: String) { self.doc = doc }
}

/// A record that names something the run does not have (a mention id no mention has).
public struct GraphError: Error, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let message: String
    public var description: String { "\(file):\(line): error: \(message)" }
}

/// Turns one document's records into triples (Graph/README.md has the model):
/// - entities are nodes whose IRIs come from their corpus-wide key, typed with schema.org
///   (Person, Organization, Place, Project, Product) or W3C ORG (a post's role);
/// - each relation frame is a node of its own class (W3C n-ary relations, pattern 1:
///   ll:Investment, ll:Output, ...) with one property per role; money and quantities are
///   schema:MonetaryAmount and schema:QuantitativeValue nodes, dates typed literals by
///   precision (xsd:date, xsd:gYearMonth, xsd:gYear) beside their TIMEX value;
/// - a position also gives org:Post nodes (one per body and title) that people org:holds,
///   and located_in a direct schema:containedInPlace / schema:location;
/// - provenance: every frame prov:wasDerivedFrom its sentence (nif:Sentence, part of the
///   document), names its rule, and points (ll:evidence) at the mentions that fill it,
///   each with its offsets (nif:beginIndex, nif:endIndex) and rule.
/// Entity nodes are described once per export (`described`), so batches merge cleanly.
public struct GraphBuilder {
    public let iri: IRIMinter
    public init(iri: IRIMinter) { self.iri = iri }

    static let entityClasses: [String: [String]] = [
        "PER": [NS.schema + "Person"],
        "ORG": [NS.schema + "Organization", NS.org + "Organization"],
        "LOC": [NS.schema + "Place"],
        "PROJECT": [NS.schema + "Project"],
        "PRODUCT": [NS.schema + "Product"],
        "TITLE": [NS.org + "Role"],
    ]
    static let factClasses: [String: String] = [
        "investment": "Investment", "output": "Output", "position": "PositionHeld", "located_in": "LocatedIn",
        "agreement": "Agreement", "introduction": "Introduction", "cooperation": "Cooperation",
    ]

    public func triples(_ d: DocumentRecords, described: inout Set<String>, files: (mentions: String, relations: String, entities: String)) throws -> [Triple] {
        var out: [Triple] = []
        func add(_ s: String, _ p: String, _ o: RDFTerm) { out.append(Triple(.iri(s), p, o)) }
        let docIRI = iri.document(d.doc)

        // Mentions by id, and the entity (key) of each name mention.
        var mentions: [String: JSONValue] = [:]
        for (m, _) in d.mentions { if let id = m["id"]?.stringValue { mentions[id] = m } }
        var entityOf: [String: String] = [:]  // mention id -> entity key
        for (e, line) in d.entities {
            guard let key = e["key"]?.stringValue, let type = e["type"]?.stringValue, let name = e["name"]?.stringValue,
                  let ms = e["mentions"]?.arrayValue else {
                throw GraphError(file: files.entities, line: line, message: "an entity record needs key, type, name and mentions")
            }
            let node = iri.entity(key: key)
            for m in ms {
                guard let id = m.stringValue, mentions[id] != nil else {
                    throw GraphError(file: files.entities, line: line, message: "entity \(key) names mention \(m.stringValue ?? "?"), which document \(d.doc) does not have")
                }
                entityOf[id] = key
            }
            if described.insert(node).inserted {
                for c in GraphBuilder.entityClasses[type] ?? [NS.schema + "Thing"] { add(node, NS.type, .iri(c)) }
                add(node, NS.label, .literal(name, datatype: nil, language: "zh"))
                add(node, NS.schema + "name", .literal(name, datatype: nil, language: "zh"))
                add(node, NS.ll + "key", .string(key))
            }
        }

        // The document and its sentences (only those a frame comes from).
        var sentenceText: [Int: (String, Int, Int)] = [:]
        for (s, _) in d.sentences {
            if let sid = s["sid"]?.intValue { sentenceText[sid] = (s["text"]?.stringValue ?? "", s["start"]?.intValue ?? 0, s["end"]?.intValue ?? 0) }
        }
        var sentencesUsed: Set<Int> = []
        var mentionsUsed: [String] = []
        var mentionSeen: Set<String> = []

        for (r, line) in d.relations {
            guard let rid = r["id"]?.stringValue, let type = r["type"]?.stringValue, let sid = r["sid"]?.intValue,
                  let args = r["args"]?.objectValue, let cls = GraphBuilder.factClasses[type] else {
                throw GraphError(file: files.relations, line: line, message: "a relation record needs id, sid, a known type and args")
            }
            let fact = iri.fact(d.doc, rid)
            add(fact, NS.type, .iri(NS.ll + cls))
            add(fact, NS.type, .iri(NS.ll + "Fact"))
            add(fact, NS.ll + "rule", .string(r["rule"]?.stringValue ?? ""))
            add(fact, NS.prov + "wasDerivedFrom", .iri(iri.sentence(d.doc, sid)))
            sentencesUsed.insert(sid)
            var roleNodes: [String: [String]] = [:]  // role -> entity keys, for shortcuts
            for (role, filler) in args {
                let prop = NS.ll + role
                if role == "period" || role == "kind" {
                    add(fact, prop, .string(filler.stringValue ?? ""))
                    continue
                }
                let ids = filler.arrayValue?.compactMap(\.stringValue) ?? filler.stringValue.map { [$0] } ?? []
                for id in ids {
                    guard let m = mentions[id], let mtype = m["type"]?.stringValue else {
                        throw GraphError(file: files.relations, line: line, message: "relation \(rid) names mention \(id) for \(role), which document \(d.doc) does not have")
                    }
                    add(fact, NS.ll + "evidence", .iri(iri.mention(d.doc, id)))
                    if mentionSeen.insert(id).inserted { mentionsUsed.append(id) }
                    switch mtype {
                    case "MONEY", "QUANTITY":
                        let v = iri.value(d.doc, id)
                        add(fact, prop, .iri(v))
                        addValue(v, mtype, m["value"], text: m["text"]?.stringValue ?? "", add)
                    case "DATE":
                        let timex = m["value"]?["value"]?.stringValue ?? ""
                        if let typed = GraphBuilder.typedDate(timex) { add(fact, prop, typed) }
                        add(fact, NS.ll + role + "Timex", .string(timex))
                        add(fact, NS.ll + role + "Text", .literal(m["text"]?.stringValue ?? "", datatype: nil, language: "zh"))
                        if let b = m["value"]?["bound"]?.stringValue { add(fact, NS.ll + role + "Bound", .string(b)) }
                    default:
                        guard let key = entityOf[id] else {
                            throw GraphError(file: files.relations, line: line, message: "relation \(rid) fills \(role) with mention \(id), which no entity of document \(d.doc) groups")
                        }
                        add(fact, prop, .iri(iri.entity(key: key)))
                        roleNodes[role, default: []].append(key)
                    }
                }
            }
            // Shortcuts a query can use without going through the frame.
            switch type {
            case "located_in":
                if let e = roleNodes["entity"]?.first, let l = roleNodes["location"]?.first {
                    add(iri.entity(key: e), e.hasPrefix("LOC:") ? NS.schema + "containedInPlace" : NS.schema + "location", .iri(iri.entity(key: l)))
                }
            case "position":
                if let p = roleNodes["person"]?.first, let t = roleNodes["title"]?.first {
                    let title = String(t.drop { $0 != ":" }.dropFirst())
                    let org = roleNodes["org"]?.first
                    let post = iri.post(orgKey: org, title: title)
                    add(fact, NS.ll + "post", .iri(post))
                    add(iri.entity(key: p), NS.org + "holds", .iri(post))
                    if described.insert(post).inserted {
                        add(post, NS.type, .iri(NS.org + "Post"))
                        add(post, NS.org + "role", .iri(iri.entity(key: t)))
                        if let org { add(post, NS.org + "postIn", .iri(iri.entity(key: org))) }
                        let orgName = org.map { String($0.drop { $0 != ":" }.dropFirst()) } ?? ""
                        add(post, NS.label, .literal(orgName.isEmpty ? title : orgName + " " + title, datatype: nil, language: "zh"))
                    }
                }
            default:
                break
            }
        }

        // Provenance nodes: the mentions frames name, their sentences, the document.
        if !sentencesUsed.isEmpty {
            add(docIRI, NS.type, .iri(NS.schema + "CreativeWork"))
            add(docIRI, NS.type, .iri(NS.prov + "Entity"))
            add(docIRI, NS.dcterms + "identifier", .string(d.doc))
            if let date = d.sentences.first?.0["date"]?.stringValue { add(docIRI, NS.dcterms + "date", .typed(date, NS.xsd + "date")) }
        }
        for sid in sentencesUsed.sorted() {
            let s = iri.sentence(d.doc, sid)
            let (text, start, end) = sentenceText[sid] ?? ("", 0, 0)
            add(s, NS.type, .iri(NS.nif + "Sentence"))
            add(s, NS.nif + "isString", .literal(text, datatype: nil, language: "zh"))
            add(s, NS.nif + "beginIndex", .typed(String(start), NS.xsd + "nonNegativeInteger"))
            add(s, NS.nif + "endIndex", .typed(String(end), NS.xsd + "nonNegativeInteger"))
            add(s, NS.dcterms + "isPartOf", .iri(docIRI))
            add(s, NS.ll + "sid", .typed(String(sid), NS.xsd + "integer"))
        }
        for id in mentionsUsed {
            let m = mentions[id]!
            let node = iri.mention(d.doc, id)
            add(node, NS.type, .iri(NS.nif + "Phrase"))
            add(node, NS.nif + "anchorOf", .literal(m["text"]?.stringValue ?? "", datatype: nil, language: "zh"))
            add(node, NS.nif + "beginIndex", .typed(String(m["start"]?.intValue ?? 0), NS.xsd + "nonNegativeInteger"))
            add(node, NS.nif + "endIndex", .typed(String(m["end"]?.intValue ?? 0), NS.xsd + "nonNegativeInteger"))
            add(node, NS.ll + "rule", .string(m["rule"]?.stringValue ?? ""))
            if let sid = m["sid"]?.intValue { add(node, NS.nif + "sentence", .iri(iri.sentence(d.doc, sid))) }
            if let key = entityOf[id] { add(node, NS.ll + "mentionOf", .iri(iri.entity(key: key))) }
        }
        return out
    }

    private func addValue(_ node: String, _ type: String, _ value: JSONValue?, text: String, _ add: (String, String, RDFTerm) -> Void) {
        add(node, NS.type, .iri(type == "MONEY" ? NS.schema + "MonetaryAmount" : NS.schema + "QuantitativeValue"))
        add(node, NS.label, .literal(text, datatype: nil, language: "zh"))
        if let a = value?["amount"]?.doubleValue { add(node, NS.schema + "value", .typed(GraphBuilder.decimal(a), NS.xsd + "decimal")) }
        if let a = value?["max"]?.doubleValue { add(node, NS.schema + "maxValue", .typed(GraphBuilder.decimal(a), NS.xsd + "decimal")) }
        if let c = value?["currency"]?.stringValue { add(node, NS.schema + "currency", .string(c)) }
        if let u = value?["unit"]?.stringValue { add(node, NS.schema + "unitText", .literal(u, datatype: nil, language: "zh")) }
        if let x = value?["approx"]?.stringValue { add(node, NS.ll + "approx", .string(x)) }
    }

    /// xsd:decimal's lexical form of an amount (no exponent: 13620000000, 0.5).
    static func decimal(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e18 { return String(Int64(d)) }
        var s = String(d)
        if s.contains("e") || s.contains("E") {
            // Rare (tiny amounts): write the plain digits.
            s = String(format: "%.12f", d)
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    /// A TIMEX value as a typed literal by its precision; nil for what no XSD type holds
    /// (quarters, half years, dates with an unknown year).
    static func typedDate(_ v: String) -> RDFTerm? {
        let u = Array(v.utf8)
        func digits(_ r: Range<Int>) -> Bool { r.upperBound <= u.count && u[r].allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        switch u.count {
        case 4 where digits(0..<4): return .typed(v, NS.xsd + "gYear")
        case 7 where digits(0..<4) && u[4] == 0x2D && digits(5..<7): return .typed(v, NS.xsd + "gYearMonth")
        case 10 where digits(0..<4) && u[4] == 0x2D && digits(5..<7) && u[7] == 0x2D && digits(8..<10): return .typed(v, NS.xsd + "date")
        default: return nil
        }
    }
}
