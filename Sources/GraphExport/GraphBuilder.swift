import LianluCore

/// One document's records from a run folder (SPEC.md stages 2 to 5), with the line each
/// came from for error messages.
public struct DocumentRecords {
    public var doc: String
    /// Sentence records stay unparsed until a frame needs one (their text is a quarter of
    /// a run folder's bytes).
    public var sentences: [Record] = []
    /// Mention records stay unparsed too: only those a frame names are read in full.
    public var mentions: [Record] = []
    public var relations: [Record] = []
    public var entities: [Record] = []

    public init(doc: String) { self.doc = doc }
}

/// A record's bytes and line, parsed when it was read or (sentences, mentions) when a
/// frame needs it.
public struct Record {
    public var bytes: [UInt8]
    public var line: Int
    public var parsed: JSONValue?

    /// The parsed record (`.null` if it cannot be parsed: the reader parses every record it
    /// does not leave lazy, and the builder parses lazy ones itself to report errors).
    public var value: JSONValue { parsed ?? .null }
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
        "PER": [V.schema_Person],
        "ORG": [V.schema_Organization, V.org_Organization],
        "LOC": [V.schema_Place],
        "PROJECT": [V.schema_Project],
        "PRODUCT": [V.schema_Product],
        "TITLE": [V.org_Role],
    ]
    static let factClasses: [String: String] = [
        "investment": "Investment", "output": "Output", "position": "PositionHeld", "located_in": "LocatedIn",
        "agreement": "Agreement", "introduction": "Introduction", "cooperation": "Cooperation",
    ]

    public func triples(_ d: DocumentRecords, described: inout Set<String>, files: (sentences: String, mentions: String, relations: String, entities: String)) throws -> [Triple] {
        var out: [Triple] = []
        func add(_ s: String, _ p: String, _ o: RDFTerm) { out.append(Triple(.iri(s), p, o)) }
        let docIRIs = iri.document(d.doc)
        let docIRI = docIRIs.document

        // Mentions by id, and the entity (key) of each name mention.
        var mentionAt: [String: Int] = [:]  // id -> index in d.mentions
        for (k, r) in d.mentions.enumerated() {
            guard let id = RunFolderReader.leadingStrings(r.bytes, keys: ["doc", "id"])?[1]
                ?? (r.parsed ?? (try? JSONParser.parse(r.bytes)))?["id"]?.stringValue else {
                throw GraphError(file: files.mentions, line: r.line, message: "a mention record needs \"id\"")
            }
            mentionAt[id] = k
        }
        var parsed: [String: JSONValue] = [:]
        func mention(_ id: String) throws -> JSONValue? {
            if let m = parsed[id] { return m }
            guard let k = mentionAt[id] else { return nil }
            do {
                let m = try d.mentions[k].parsed ?? JSONParser.parse(d.mentions[k].bytes)
                parsed[id] = m
                return m
            } catch {
                throw GraphError(file: files.mentions, line: d.mentions[k].line, message: "not a JSON record: \(error)")
            }
        }
        var entityOf: [String: String] = [:]  // mention id -> entity key
        var entityIRI: [String: String] = [:]  // mention id -> entity IRI (made once per entity)
        var keyIRI: [String: String] = [:]     // entity key -> IRI, for the shortcuts
        func node(_ key: String) -> String { keyIRI[key] ?? iri.entity(key: key) }
        for rec in d.entities {
            let e = rec.value, line = rec.line
            guard let key = e["key"]?.stringValue, let type = e["type"]?.stringValue, let name = e["name"]?.stringValue,
                  let ms = e["mentions"]?.arrayValue else {
                throw GraphError(file: files.entities, line: line, message: "an entity record needs key, type, name and mentions")
            }
            let node = iri.entity(key: key)
            keyIRI[key] = node
            for m in ms {
                guard let id = m.stringValue, mentionAt[id] != nil else {
                    throw GraphError(file: files.entities, line: line, message: "entity \(key) names mention \(m.stringValue ?? "?"), which document \(d.doc) does not have")
                }
                entityOf[id] = key
                entityIRI[id] = node
            }
            if described.insert(node).inserted {
                for c in GraphBuilder.entityClasses[type] ?? [V.schema_Thing] { add(node, NS.type, .iri(c)) }
                add(node, NS.label, .literal(name, datatype: nil, language: "zh"))
                add(node, V.schema_name, .literal(name, datatype: nil, language: "zh"))
                add(node, V.ll_key, .string(key))
            }
        }

        // The document and its sentences (only those a frame comes from).
        var sentenceText: [Int: (String, Int, Int)] = [:]
        func sentence(_ sid: Int) throws -> (String, Int, Int) {
            if sentenceText.isEmpty {
                for raw in d.sentences {
                    let s: JSONValue
                    do { s = try raw.parsed ?? JSONParser.parse(raw.bytes) } catch {
                        throw GraphError(file: files.sentences, line: raw.line, message: "not a JSON record: \(error)")
                    }
                    if let sid = s["sid"]?.intValue { sentenceText[sid] = (s["text"]?.stringValue ?? "", s["start"]?.intValue ?? 0, s["end"]?.intValue ?? 0) }
                }
            }
            return sentenceText[sid] ?? ("", 0, 0)
        }
        var sentencesUsed: Set<Int> = []
        var mentionsUsed: [String] = []
        var mentionSeen: Set<String> = []

        for rec in d.relations {
            let r = rec.value, line = rec.line
            guard let rid = r["id"]?.stringValue, let type = r["type"]?.stringValue, let sid = r["sid"]?.intValue,
                  let args = r["args"]?.members, let cls = GraphBuilder.factClasses[type] else {
                throw GraphError(file: files.relations, line: line, message: "a relation record needs id, sid, a known type and args")
            }
            let fact = docIRIs.fact(rid)
            add(fact, NS.type, .iri(NS.ll + cls))
            add(fact, NS.type, .iri(V.ll_Fact))
            add(fact, V.ll_rule, .string(r["rule"]?.stringValue ?? ""))
            add(fact, V.prov_wasDerivedFrom, .iri(docIRIs.sentence(sid)))
            sentencesUsed.insert(sid)
            var roleNodes: [String: [String]] = [:]  // role -> entity keys, for shortcuts
            for member in args {
                let role = member.key, filler = member.value
                let prop = V.role(role)
                if role == "period" || role == "kind" {
                    add(fact, prop, .string(filler.stringValue ?? ""))
                    continue
                }
                let ids = filler.arrayValue?.compactMap(\.stringValue) ?? filler.stringValue.map { [$0] } ?? []
                for id in ids {
                    guard let m = try mention(id), let mtype = m["type"]?.stringValue else {
                        throw GraphError(file: files.relations, line: line, message: "relation \(rid) names mention \(id) for \(role), which document \(d.doc) does not have")
                    }
                    add(fact, V.ll_evidence, .iri(docIRIs.mention(id)))
                    if mentionSeen.insert(id).inserted { mentionsUsed.append(id) }
                    switch mtype {
                    case "MONEY", "QUANTITY":
                        let v = docIRIs.value(id)
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
                        add(fact, prop, .iri(entityIRI[id] ?? node(key)))
                        roleNodes[role, default: []].append(key)
                    }
                }
            }
            // Shortcuts a query can use without going through the frame.
            switch type {
            case "located_in":
                if let e = roleNodes["entity"]?.first, let l = roleNodes["location"]?.first {
                    add(node(e), e.hasPrefix("LOC:") ? V.schema_containedInPlace : V.schema_location, .iri(node(l)))
                }
            case "position":
                if let p = roleNodes["person"]?.first, let t = roleNodes["title"]?.first {
                    let title = String(t.drop { $0 != ":" }.dropFirst())
                    let org = roleNodes["org"]?.first
                    let post = iri.post(orgKey: org, title: title)
                    add(fact, V.ll_post, .iri(post))
                    add(node(p), V.org_holds, .iri(post))
                    if described.insert(post).inserted {
                        add(post, NS.type, .iri(V.org_Post))
                        add(post, V.org_role, .iri(node(t)))
                        if let org { add(post, V.org_postIn, .iri(node(org))) }
                        let orgName = org.map { String($0.drop { $0 != ":" }.dropFirst()) } ?? ""
                        add(post, NS.label, .literal(orgName.isEmpty ? title : orgName + " " + title, datatype: nil, language: "zh"))
                    }
                }
            default:
                break
            }
        }

        // Provenance nodes: the mentions frames name, their sentences, the document. A
        // mention a frame names may sit in another sentence (an anaphor's antecedent, a
        // post shared from the sentence before): its sentence is described too, so every
        // IRI the graph points to is a node (Neo4j's import rejects dangling edges).
        for id in mentionsUsed {
            if let sid = try mention(id)?["sid"]?.intValue { sentencesUsed.insert(sid) }
        }
        if !sentencesUsed.isEmpty {
            add(docIRI, NS.type, .iri(V.schema_CreativeWork))
            add(docIRI, NS.type, .iri(V.prov_Entity))
            add(docIRI, V.dcterms_identifier, .string(d.doc))
            if let first = d.sentences.first, let date = (first.parsed ?? (try? JSONParser.parse(first.bytes)))?["date"]?.stringValue {
                add(docIRI, V.dcterms_date, .typed(date, V.xsd_date))
            }
        }
        for sid in sentencesUsed.sorted() {
            let s = docIRIs.sentence(sid)
            let (text, start, end) = try sentence(sid)
            add(s, NS.type, .iri(V.nif_Sentence))
            add(s, V.nif_isString, .literal(text, datatype: nil, language: "zh"))
            add(s, V.nif_beginIndex, .typed(String(start), V.xsd_nonNegativeInteger))
            add(s, V.nif_endIndex, .typed(String(end), V.xsd_nonNegativeInteger))
            add(s, V.dcterms_isPartOf, .iri(docIRI))
            add(s, V.ll_sid, .typed(String(sid), V.xsd_integer))
        }
        for id in mentionsUsed {
            guard let m = try mention(id) else { continue }
            let mnode = docIRIs.mention(id)
            add(mnode, NS.type, .iri(V.nif_Phrase))
            add(mnode, V.nif_anchorOf, .literal(m["text"]?.stringValue ?? "", datatype: nil, language: "zh"))
            add(mnode, V.nif_beginIndex, .typed(String(m["start"]?.intValue ?? 0), V.xsd_nonNegativeInteger))
            add(mnode, V.nif_endIndex, .typed(String(m["end"]?.intValue ?? 0), V.xsd_nonNegativeInteger))
            add(mnode, V.ll_rule, .string(m["rule"]?.stringValue ?? ""))
            if let sid = m["sid"]?.intValue { add(mnode, V.nif_sentence, .iri(docIRIs.sentence(sid))) }
            if let key = entityOf[id] { add(mnode, V.ll_mentionOf, .iri(entityIRI[id] ?? node(key))) }
        }
        return out
    }

    private func addValue(_ node: String, _ type: String, _ value: JSONValue?, text: String, _ add: (String, String, RDFTerm) -> Void) {
        add(node, NS.type, .iri(type == "MONEY" ? V.schema_MonetaryAmount : V.schema_QuantitativeValue))
        add(node, NS.label, .literal(text, datatype: nil, language: "zh"))
        if let a = value?["amount"]?.doubleValue { add(node, V.schema_value, .typed(GraphBuilder.decimal(a), V.xsd_decimal)) }
        if let a = value?["max"]?.doubleValue { add(node, V.schema_maxValue, .typed(GraphBuilder.decimal(a), V.xsd_decimal)) }
        if let c = value?["currency"]?.stringValue { add(node, V.schema_currency, .string(c)) }
        if let u = value?["unit"]?.stringValue { add(node, V.schema_unitText, .literal(u, datatype: nil, language: "zh")) }
        if let x = value?["approx"]?.stringValue { add(node, V.ll_approx, .string(x)) }
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
        case 4 where digits(0..<4): return .typed(v, V.xsd_gYear)
        case 7 where digits(0..<4) && u[4] == 0x2D && digits(5..<7): return .typed(v, V.xsd_gYearMonth)
        case 10 where digits(0..<4) && u[4] == 0x2D && digits(5..<7) && u[7] == 0x2D && digits(8..<10): return .typed(v, V.xsd_date)
        default: return nil
        }
    }
}

/// The IRIs the builder writes, made once (a string concatenation per triple was a
/// measurable part of the export).
enum V {
    /// ll:<role> for the roles of SPEC.md, made once.
    static let roles: [String: String] = Dictionary(uniqueKeysWithValues: ["investor", "project", "amount", "location", "date", "subject",
        "product", "quantity", "period", "kind", "person", "title", "org", "entity", "parties", "introducer", "origin"].map { ($0, NS.ll + $0) })
    static func role(_ r: String) -> String { roles[r] ?? NS.ll + r }
    static let dcterms_date = NS.dcterms + "date"
    static let dcterms_identifier = NS.dcterms + "identifier"
    static let dcterms_isPartOf = NS.dcterms + "isPartOf"
    static let ll_Fact = NS.ll + "Fact"
    static let ll_approx = NS.ll + "approx"
    static let ll_evidence = NS.ll + "evidence"
    static let ll_key = NS.ll + "key"
    static let ll_mentionOf = NS.ll + "mentionOf"
    static let ll_post = NS.ll + "post"
    static let ll_rule = NS.ll + "rule"
    static let ll_sid = NS.ll + "sid"
    static let nif_Phrase = NS.nif + "Phrase"
    static let nif_Sentence = NS.nif + "Sentence"
    static let nif_anchorOf = NS.nif + "anchorOf"
    static let nif_beginIndex = NS.nif + "beginIndex"
    static let nif_endIndex = NS.nif + "endIndex"
    static let nif_isString = NS.nif + "isString"
    static let nif_sentence = NS.nif + "sentence"
    static let org_Organization = NS.org + "Organization"
    static let org_Post = NS.org + "Post"
    static let org_Role = NS.org + "Role"
    static let org_holds = NS.org + "holds"
    static let org_postIn = NS.org + "postIn"
    static let org_role = NS.org + "role"
    static let prov_Entity = NS.prov + "Entity"
    static let prov_wasDerivedFrom = NS.prov + "wasDerivedFrom"
    static let schema_CreativeWork = NS.schema + "CreativeWork"
    static let schema_MonetaryAmount = NS.schema + "MonetaryAmount"
    static let schema_Organization = NS.schema + "Organization"
    static let schema_Person = NS.schema + "Person"
    static let schema_Place = NS.schema + "Place"
    static let schema_Product = NS.schema + "Product"
    static let schema_Project = NS.schema + "Project"
    static let schema_QuantitativeValue = NS.schema + "QuantitativeValue"
    static let schema_Thing = NS.schema + "Thing"
    static let schema_containedInPlace = NS.schema + "containedInPlace"
    static let schema_currency = NS.schema + "currency"
    static let schema_location = NS.schema + "location"
    static let schema_maxValue = NS.schema + "maxValue"
    static let schema_name = NS.schema + "name"
    static let schema_unitText = NS.schema + "unitText"
    static let schema_value = NS.schema + "value"
    static let xsd_date = NS.xsd + "date"
    static let xsd_decimal = NS.xsd + "decimal"
    static let xsd_gYear = NS.xsd + "gYear"
    static let xsd_gYearMonth = NS.xsd + "gYearMonth"
    static let xsd_integer = NS.xsd + "integer"
    static let xsd_nonNegativeInteger = NS.xsd + "nonNegativeInteger"
}
