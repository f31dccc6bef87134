import LianluCore

/// Runs every rule's examples through the whole extraction stage (sentence breaking and
/// every rule, not the rule alone), so a conflict between rules shows up as a failure
/// of the rule whose example broke.
///
/// A positive example passes when each ⏩…⏪ span comes out as a mention of the rule's
/// type with exactly that span (and the example's value, when given), and no other
/// mention of that type overlaps it. A negative example passes when no mention of the
/// rule's type (for a blocker: of any type) comes out at all. Examples are normalized
/// text; relative dates resolve against `RuleSet.exampleDate` unless the example says.
public struct RuleTester {
    public struct Failure: Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var rule: String
        public var message: String
        public var description: String { "\(file):\(line): \(rule): \(message)" }

        public init(file: String, line: Int, rule: String, message: String) {
            self.file = file
            self.line = line
            self.rule = rule
            self.message = message
        }
    }

    public let ruleSet: RuleSet
    private let extractor: Extractor
    private let breaker: (NormalizedDocument) -> [Sentence]

    /// `sentences` splits a document as the pipeline does (Segmentation's breaker).
    public init(ruleSet: RuleSet, sentences: @escaping (NormalizedDocument) -> [Sentence]) {
        self.ruleSet = ruleSet
        extractor = Extractor(ruleSet: ruleSet, keepLosers: true)
        breaker = sentences
    }

    /// Runs `text` through sentence breaking and extraction.
    public func extract(_ text: String, date: CalendarDate?) -> (NormalizedDocument, Extractor.Result) {
        let u = TextUnits.units(text)
        let idx = CodePointIndex(u)
        let n = u.count - idx.pairStarts.count
        let doc = NormalizedDocument(id: "example", date: date, dateSource: nil, source: nil, encoding: "UTF-8", wasTraditional: false,
                                     text: u, rawLength: n, alignment: Alignment(map: .identity(length: n), normalizedIndex: idx))
        return (doc, extractor.extract(document: doc, sentences: breaker(doc)))
    }

    public func run() -> (examples: Int, failures: [Failure]) {
        var count = 0
        var failures: [Failure] = []
        for rule in ruleSet.rules {
            func fail(_ e: Rule.Example, _ m: String) {
                failures.append(Failure(file: rule.file, line: e.line, rule: rule.id, message: m))
            }
            for e in rule.examples {
                count += 1
                guard case let .success(marked) = MarkedText.parse(e.marked), let type = rule.type else { continue }
                let (doc, result) = extract(marked.text, date: e.date ?? RuleSet.exampleDate)
                let ofType = result.mentions.filter { $0.type == type }
                for span in marked.spans {
                    let expected = String(decoding: doc.text[span], as: UTF16.self)
                    guard let m = ofType.first(where: { $0.utf16Range == span }) else {
                        let near = ofType.filter { $0.utf16Range.overlaps(span) }
                            .map { "\"\(String(decoding: doc.text[$0.utf16Range], as: UTF16.self))\" (\($0.rule))" }
                        let other = result.mentions.filter { $0.type != type && $0.utf16Range.overlaps(span) }
                            .map { "\($0.type.rawValue) \"\(String(decoding: doc.text[$0.utf16Range], as: UTF16.self))\" (\($0.rule))" }
                        let lost = result.losers.filter { ruleSet.rules[$0.candidate.rule].type == type && $0.candidate.range == span }
                            .map { "lost: \(ruleSet.rules[$0.candidate.rule].qualifiedID) \($0.reason)" }
                        fail(e, "expected \(type.rawValue) \"\(expected)\", got " + ((near + other + lost).isEmpty ? "nothing" : (near + other + lost).joined(separator: "; ")))
                        continue
                    }
                    if let v = e.value, let got = m.value {
                        var w = JSONWriter()
                        got.write(to: &w)
                        let gotJSON = (try? JSONParser.parse(w.bytes)) ?? .null
                        if !RuleTester.valuesEqual(v, gotJSON) {
                            fail(e, "expected \"\(expected)\" = \(String(decoding: v.canonicalBytes(), as: UTF8.self)), got \(String(decoding: gotJSON.canonicalBytes(), as: UTF8.self)) (\(m.rule))")
                        }
                    }
                    if let extra = ofType.first(where: { $0.utf16Range != span && $0.utf16Range.overlaps(span) }) {
                        fail(e, "expected only \"\(expected)\", also got overlapping \"\(String(decoding: doc.text[extra.utf16Range], as: UTF16.self))\" (\(extra.rule))")
                    }
                }
            }
            for e in rule.negatives {
                count += 1
                let (doc, result) = extract(e.marked, date: e.date ?? RuleSet.exampleDate)
                // A blocker stops values; names around them are other rules' business.
                let bad = result.mentions.filter { rule.type == nil ? $0.type.hasValue : $0.type == rule.type }
                if !bad.isEmpty {
                    fail(e, "expected no \(rule.type?.rawValue ?? "value") mention, got " + bad.map { "\($0.type.rawValue) \"\(String(decoding: doc.text[$0.utf16Range], as: UTF16.self))\" (\($0.rule))" }.joined(separator: "; "))
                }
            }
        }
        return (count, failures)
    }

    /// Values compare like ../shared/score.py: numbers with a relative tolerance, every
    /// other key exactly, a key on one side only is a difference.
    static func valuesEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
        guard let ao = a.objectValue, let bo = b.objectValue else { return a == b }
        let keys = Set(ao.map(\.0)).union(bo.map(\.0))
        for k in keys {
            let x = a[k], y = b[k]
            if let dx = x?.doubleValue, let dy = y?.doubleValue {
                if abs(dx - dy) > max(1e-9, 1e-6 * max(abs(dx), abs(dy))) { return false }
            } else if x != y {
                return false
            }
        }
        return true
    }
}
