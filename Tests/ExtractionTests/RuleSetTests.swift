import XCTest
import LianluCore
import Segmentation
@testable import Extraction

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A tester over the rules folder `dir`, which must load without a problem.
func ruleTester(loading dir: String) throws -> RuleTester {
    let (set, problems) = RuleSet.load(directory: dir)
    XCTAssertEqual(problems.map(\.description), [])
    let breaker = try SentenceBreaker()
    return RuleTester(ruleSet: try XCTUnwrap(set), sentences: { breaker.sentences(of: $0) })
}

final class RuleSetTests: XCTestCase {
    static let rules: RuleSet = {
        let (set, problems) = RuleSet.load(directory: repoRoot.appendingPathComponent("Rules").path)
        precondition(set != nil, "\(problems)")
        return set!
    }()

    /// Every example of every rule, through the whole extraction stage (`lianlu rules test`).
    func testEveryRuleExamplePasses() throws {
        let breaker = try SentenceBreaker()
        let (count, failures) = RuleTester(ruleSet: Self.rules, sentences: { breaker.sentences(of: $0) }).run()
        XCTAssertGreaterThan(count, 100)
        XCTAssertTrue(failures.isEmpty, failures.map(\.description).joined(separator: "\n"))
    }

    /// Rules/README.md is generated from the rule files and must be current.
    func testRulesReadmeIsCurrent() throws {
        let dir = repoRoot.appendingPathComponent("Rules").path
        let intro = try String(contentsOfFile: dir + "/README.intro.md", encoding: .utf8)
        let current = try String(contentsOfFile: dir + "/README.md", encoding: .utf8)
        XCTAssertEqual(current, RuleDocumentation.markdown(Self.rules, intro: intro), "Rules/README.md is stale: run `swift run lianlu rules doc`")
    }

    /// A scratch rules folder: the real lexicons and macros plus the given files.
    func scratch(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repoRoot.appendingPathComponent("Rules/lexicons").path, toPath: dir + "/lexicons")
        try FileManager.default.copyItem(atPath: repoRoot.appendingPathComponent("Rules/macros.yaml").path, toPath: dir + "/macros.yaml")
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        return dir
    }

    func problems(_ files: [String: String]) throws -> [String] {
        let dir = try scratch(files)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (set, p) = RuleSet.load(directory: dir)
        if !p.isEmpty { XCTAssertNil(set) }
        return p.map(\.description)
    }

    func testBrokenRuleFilesGiveFileLineErrors() throws {
        XCTAssertEqual(try problems(["x.yaml": "rules:\n  - id: a\n    type: MONEY\n    pattern: \"{number} [\n"]).first?.hasPrefix("x.yaml:5: YAML syntax error: found unexpected end of stream while scanning a quoted scalar"), true)
        let bad = """
        rules:
          - id: bad_regex
            description: d
            type: QUANTITY
            pattern: "/[0-9/ 吨"
            triggers: "0123456789"
            examples: ["⏩3吨⏪"]
          - id: unknown_lexicon
            description: d
            type: QUANTITY
            pattern: "{number} <no_such_units>"
            examples: ["⏩3吨⏪"]
          - id: unknown_macro
            description: d
            type: QUANTITY
            pattern: "{no_such_macro} 吨"
            examples: ["⏩3吨⏪"]
          - id: no_examples
            description: d
            type: QUANTITY
            pattern: "{number} 吨"
          - id: no_examples
            description: duplicate id
            type: QUANTITY
            pattern: "{number} 吨"
            examples: ["⏩3吨⏪"]
          - id: bad_example
            description: d
            type: QUANTITY
            pattern: "{number} 吨"
            examples: ["⏩3吨"]
          - id: bad_type
            type: MONY
            pattern: "{number} 吨"
            examples: ["⏩3吨⏪"]
        """
        let p = try problems(["q.yaml": bad])
        func has(_ s: String) -> Bool { p.contains { $0.contains(s) } }
        XCTAssertTrue(has("q.yaml:5: rule bad_regex: bad regex /[0-9/: U_REGEX_MISSING_CLOSE_BRACKET at offset"), "\(p)")
        XCTAssertTrue(has("q.yaml:11: rule unknown_lexicon: unknown lexicon <no_such_units>"), "\(p)")
        XCTAssertTrue(has("q.yaml:16: rule unknown_macro: unknown macro {no_such_macro}"), "\(p)")
        XCTAssertTrue(has("q.yaml:18: rule no_examples: no examples"), "\(p)")
        XCTAssertTrue(has("q.yaml:22: duplicate rule id no_examples (first in q.yaml:18)"), "\(p)")
        XCTAssertTrue(has("q.yaml:31: rule bad_example: example ⏩3吨: ⏩ without ⏪"), "\(p)")
        XCTAssertTrue(has("q.yaml:33: rule bad_type: type must be one of"), "\(p)")
    }

    func testBadLexiconLinesAreLintErrors() throws {
        let dir = try scratch([:])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "# units\n吨\n\n吨\n 亩\n千\t\n".write(toFile: dir + "/lexicons/extra.txt", atomically: true, encoding: .utf8)
        try "rules:\n  - id: a\n    description: d\n    type: QUANTITY\n    pattern: \"{number} <extra>\"\n    examples: [\"⏩3吨⏪\"]\n".write(toFile: dir + "/q.yaml", atomically: true, encoding: .utf8)
        let (_, p) = RuleSet.load(directory: dir)
        let text = p.map(\.description)
        XCTAssertTrue(text.contains("lexicons/extra.txt:4: duplicate entry \"吨\" (first at line 2)"), "\(text)")
        XCTAssertTrue(text.contains { $0.hasPrefix("lexicons/extra.txt:5: entry \" 亩\" has leading") }, "\(text)")
        XCTAssertTrue(text.contains("lexicons/extra.txt:6: entry \"千\" has a tab but no value"), "\(text)")
    }

    /// A names lexicon (`# kind: names`) may hold only what a name can hold.
    func testNamesLexiconRejectsPunctuation() throws {
        let dir = try scratch([:])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "# places\n# kind: names\n临清\n潘庄,镇\n阳谷。\n".write(toFile: dir + "/lexicons/extra_places.txt", atomically: true, encoding: .utf8)
        try "rules:\n  - id: a\n    description: d\n    type: LOC\n    pattern: \"<extra_places>\"\n    examples: [\"⏩临清⏪\"]\n".write(toFile: dir + "/l.yaml", atomically: true, encoding: .utf8)
        let (_, p) = RuleSet.load(directory: dir)
        let text = p.map(\.description)
        XCTAssertTrue(text.contains { $0.hasPrefix("lexicons/extra_places.txt:4: entry \"潘庄,镇\" holds \",\"") }, "\(text)")
        XCTAssertTrue(text.contains { $0.hasPrefix("lexicons/extra_places.txt:5: entry \"阳谷。\" holds \"。\"") }, "\(text)")
    }

    /// `<lexicon:value>` reads only the entries with that value; a value no entry has is
    /// a load error with file and line.
    func testLexiconSubsetByValue() throws {
        let dir = try scratch([:])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "# levels\n# kind: names\n镇\ttown\n开发区\tzone\n高新区\tzone\n".write(toFile: dir + "/lexicons/extra_levels.txt", atomically: true, encoding: .utf8)
        try """
        rules:
          - id: zone
            type: LOC
            pattern: "临清 <extra_levels:zone>"
            examples: ["⏩临清开发区⏪"]
        """.write(toFile: dir + "/l.yaml", atomically: true, encoding: .utf8)
        let tester = try ruleTester(loading: dir)
        let (doc, result) = tester.extract("临清高新区和临清镇。", date: nil)
        XCTAssertEqual(result.mentions.map { TextUnits.string(doc.text[$0.utf16Range]) }, ["临清高新区"])

        try """
        rules:
          - id: zone
            type: LOC
            pattern: "临清 <extra_levels:county>"
            examples: ["⏩临清开发区⏪"]
        """.write(toFile: dir + "/l.yaml", atomically: true, encoding: .utf8)
        let (_, bad) = RuleSet.load(directory: dir)
        XCTAssertTrue(bad.contains { $0.description.contains("l.yaml:4: rule zone: no entry of lexicons/extra_levels.txt has the value county") }, "\(bad)")
    }

    /// `<a+b>` in a pattern is the union of the lexicons; an unknown one is a lint error.
    func testLexiconUnionInPattern() throws {
        let dir = try scratch([:])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "# counts\n件\n台\n".write(toFile: dir + "/lexicons/counted.txt", atomically: true, encoding: .utf8)
        try "# measures\n吨\n".write(toFile: dir + "/lexicons/measured.txt", atomically: true, encoding: .utf8)
        func write(_ lexicons: String) throws {
            try """
            rules:
              - id: unit
                type: ORG
                pattern: "五 <\(lexicons)>"
                examples: ["⏩五吨⏪"]
            """.write(toFile: dir + "/q.yaml", atomically: true, encoding: .utf8)
        }
        try write("counted+measured")
        let tester = try ruleTester(loading: dir)
        let (doc, result) = tester.extract("五吨、五台和五米。", date: nil)
        XCTAssertEqual(result.mentions.map { TextUnits.string(doc.text[$0.utf16Range]) }, ["五吨", "五台"])

        try write("counted+nosuch")
        let (_, bad) = RuleSet.load(directory: dir)
        XCTAssertTrue(bad.contains { $0.description.contains("q.yaml:4: rule unit: unknown lexicon nosuch in <counted+nosuch>") }, "\(bad)")
    }

    /// `after:` keeps a match only where a word of its lexicons ends at the match's start;
    /// an unknown lexicon there is a lint error at its line.
    func testAfterNeedsAWordBeforeTheMatch() throws {
        let dir = try scratch([:])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "# verbs\n共建\n建设\n".write(toFile: dir + "/lexicons/built.txt", atomically: true, encoding: .utf8)
        try """
        rules:
          - id: centre
            type: PROJECT
            after: built
            pattern: "<centre_name>"
            examples: ["共建⏩材料中心⏪"]
        """.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        try "# names\n材料中心\n".write(toFile: dir + "/lexicons/centre_name.txt", atomically: true, encoding: .utf8)
        let tester = try ruleTester(loading: dir)
        let (doc, result) = tester.extract("共建材料中心,材料中心主任,建设材料中心。", date: nil)
        XCTAssertEqual(result.mentions.map { $0.utf16Range.lowerBound }, [2, 16])
        XCTAssertEqual(result.mentions.map { TextUnits.string(doc.text[$0.utf16Range]) }, ["材料中心", "材料中心"])

        try """
        rules:
          - id: centre
            type: PROJECT
            after: built+nosuch
            pattern: "<centre_name>"
            examples: ["共建⏩材料中心⏪"]
        """.write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        let (_, bad) = RuleSet.load(directory: dir)
        XCTAssertTrue(bad.contains { $0.description.contains("p.yaml:4: rule centre: unknown lexicon nosuch in after:") }, "\(bad)")
    }

    /// The name-finding elements are checked where they are written.
    func testNameElementsAreLintedWithFileLine() throws {
        let bad = """
        rules:
          - id: stem_late
            type: ORG
            pattern: "<org_suffix> {stem:1-8/name_stop}"
            examples: ["⏩临清公司⏪"]
          - id: context_inside
            type: PER
            pattern: "<surname> [<title_head>] {span:1-2/given_name_stop}"
            examples: ["⏩王宏⏪"]
          - id: bad_bounds
            type: ORG
            pattern: "{stem:9-2/name_stop} <org_suffix>"
            examples: ["⏩临清公司⏪"]
          - id: unclosed
            type: PER
            pattern: "[<title_head> <surname> {span:1-2/given_name_stop}"
            examples: ["⏩王宏⏪"]
          - id: repeat_other_type
            type: PER
            repeat: ORG
            examples: ["⏩王宏⏪"]
        """
        let p = try problems(["n.yaml": bad])
        func has(_ s: String) -> Bool { p.contains { $0.contains(s) } }
        XCTAssertTrue(has("n.yaml:4: rule stem_late: {stem} must be the pattern's first element"), "\(p)")
        XCTAssertTrue(has("n.yaml:8: rule context_inside: [context] elements may only lead or trail the pattern"), "\(p)")
        XCTAssertTrue(has("n.yaml:12: rule bad_bounds: {stem:9-2/name_stop}: bounds must read MIN-MAX"), "\(p)")
        XCTAssertTrue(has("n.yaml:16: rule unclosed: [ without ]"), "\(p)")
        XCTAssertTrue(has("rule repeat_other_type: repeat: must name the rule's own type"), "\(p)")
    }

    func testExplainShowsRuleValueAndLosers() throws {
        let breaker = try SentenceBreaker()
        let tester = RuleTester(ruleSet: Self.rules, sentences: { breaker.sentences(of: $0) })
        let (doc, result) = tester.extract("截至3月20日,总投资136.2亿元。", date: CalendarDate(iso: "2020-03-23"))
        let text = Explanation.render(document: doc, result: result, ruleSet: Self.rules)
        XCTAssertTrue(text.contains(#"DATE @0-7 "截至3月20日" {"value":"2020-03-20","bound":"on_or_before"} rule=date.yaml#date_md"#), text)
        XCTAssertTrue(text.contains(#"MONEY @11-18 "136.2亿元" {"amount":13620000000,"currency":"CNY"} rule=money.yaml#money_amount"#), text)
        XCTAssertTrue(text.contains("built from: number=136.2 multiplier=亿(100000000) currency=元(CNY)"), text)
        XCTAssertTrue(text.contains(#"DATE @2-7 "3月20日" rule=date.yaml#date_md: shorter than date.yaml#date_md at 0-7"#), text)
    }
}

final class ChineseNumberTests: XCTestCase {
    func testKnownForms() {
        let cases: [(String, Double)] = [("一百二十", 120), ("六亿三千万", 630_000_000), ("二百零七", 207), ("两千", 2000), ("十二", 12),
                                         ("三十二点八", 32.8), ("二〇一九", 2019), ("十", 10), ("一万零五", 10005), ("壹佰贰拾叁", 123)]
        for (s, v) in cases { XCTAssertEqual(ChineseNumber.parse(s), v, s) }
        for bad in ["", "百", "一零", "零件", "二二"] { XCTAssertNil(ChineseNumber.parse(bad), bad) }
    }

    /// Property: random integers written out in Chinese parse back to themselves.
    func testRoundTripOfRandomIntegers() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let n = Int.random(in: 0...999_999_999_999, using: &rng) >> Int.random(in: 0...36, using: &rng)
            let s = ChineseNumber.format(n)
            XCTAssertEqual(ChineseNumber.parse(s), Double(n), "\(n) written \(s)")
        }
    }
}

final class RegexTimeLimitTests: XCTestCase {
    /// A pattern that backtracks catastrophically hits ICU's time limit: the match is
    /// skipped and the extractor reports the rule, so the run can warn and go on.
    func testRunawayRegexIsCutOffAndReported() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/lexicons", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "# units\n吨\n".write(toFile: dir + "/lexicons/unit.txt", atomically: true, encoding: .utf8)
        try """
        rules:
          - id: runaway
            description: nested quantifiers that backtrack exponentially on a near miss
            type: QUANTITY
            pattern: "/(?:a+)+b/=number <unit>"
            triggers: "a"
            examples: ["⏩ab吨⏪"]
        """.write(toFile: dir + "/q.yaml", atomically: true, encoding: .utf8)
        let tester = try ruleTester(loading: dir)
        let (_, result) = tester.extract(String(repeating: "a", count: 40) + "c吨。", date: nil)
        XCTAssertEqual(result.mentions.count, 0)
        XCTAssertGreaterThan(result.timeouts["q.yaml#runaway"] ?? 0, 0, "\(result.timeouts)")
    }
}

final class MatcherPruningTests: XCTestCase {
    func extract(_ text: String) throws -> [String] {
        let breaker = try SentenceBreaker()
        let tester = RuleTester(ruleSet: RuleSetTests.rules, sentences: { breaker.sentences(of: $0) })
        let (doc, result) = tester.extract(text, date: CalendarDate(iso: "2020-03-23"))
        return result.mentions.map { m in TextUnits.string(doc.text[m.utf16Range]) }
    }

    /// Nothing starts inside a run of Latin letters and digits: 13月 is no month, so
    /// 13月8日 holds no 3月8日; and 3.5亿元 holds no 5亿元.
    func testNoMatchStartsInsideADigitRun() throws {
        XCTAssertFalse(try extract("2025年13月8日开工。").contains("3月8日"))
        XCTAssertEqual(try extract("计划投资3.5亿元。"), ["3.5亿元"])
        XCTAssertEqual(try extract("编号AB17元件。"), [])
    }

    /// A name stays whole against the places inside it; a place before a company's
    /// brand is cut off, but not before a generic company name.
    func testNameBoundaries() throws {
        XCTAssertEqual(try extract("由广东佛山斯凯蒂精密机械有限公司投资建设。"), ["广东佛山斯凯蒂精密机械有限公司"])
        XCTAssertEqual(try extract("冠县新瑞集团"), ["冠县", "新瑞集团"])
        XCTAssertEqual(try extract("枣庄市城投集团"), ["枣庄市城投集团"])
        XCTAssertEqual(try extract("临清市委书记何宪卓介绍。"), ["临清", "市委书记", "何宪卓"])
    }

    /// A name written again gets the repeat pass's type only where no mention of another
    /// type already covers it: a facility built (a PROJECT) and later written as an ORG
    /// keeps one mention per span.
    func testRepeatAddsNoSecondMentionOnASpan() throws {
        let breaker = try SentenceBreaker()
        let tester = RuleTester(ruleSet: RuleSetTests.rules, sentences: { breaker.sentences(of: $0) })
        let (doc, result) = tester.extract("双方将合作共建湘江智能焊接研究院。湘江智能焊接研究院明年建成。", date: CalendarDate(iso: "2020-03-23"))
        let spans = result.mentions.map(\.utf16Range)
        XCTAssertEqual(Set(spans.map { [$0.lowerBound, $0.upperBound] }).count, spans.count,
                       result.mentions.map { "\($0.type) \(TextUnits.string(doc.text[$0.utf16Range]))" }.joined(separator: ", "))
        XCTAssertEqual(result.mentions.map(\.type), [.project, .organization, .date])
    }

    /// A rule is tried only in sentences that hold a start of each required element; a
    /// sentence without 至/到/- still gets its single amounts, one with it the range.
    func testRequiredElementFilterKeepsMatches() throws {
        XCTAssertEqual(try extract("投资3亿元。"), ["3亿元"])
        XCTAssertEqual(try extract("投资3至5亿元。"), ["3至5亿元"])
    }
}

final class ValueRoundingTests: XCTestCase {
    /// The arithmetic rounding to 12 significant digits equals rounding through text.
    func testRoundEqualsTwelveDigitText() {
        var rng = SystemRandomNumberGenerator()
        for i in 0..<20000 {
            let digits = Double(Int.random(in: 1...99_999_999, using: &rng))
            let x = digits * pow(10.0, Double(Int.random(in: -12...16, using: &rng))) * [1.0, 1e4, 1e8, 0.1, 1e3][i % 5]
            XCTAssertEqual(ValueBuilder.round(x), Double(String(format: "%.12g", x)), "\(x)")
        }
        XCTAssertEqual(ValueBuilder.round(136.2 * 1e8), 13_620_000_000)
    }
}

/// Date values built from captures: the in-place writer for YYYY-MM-DD and the general
/// path for parts it does not take (a five-digit year, a day never checked against its
/// month) give the same text the string-building path gave.
final class DateValueTests: XCTestCase {
    func date(_ parts: [(CaptureRole, Double)], reference: CalendarDate? = nil) -> String? {
        let caps = parts.enumerated().map { i, p in
            Capture(role: CaptureRole.names[p.0.rawValue], known: p.0, range: i..<(i + 1), text: String(Int(p.1)), number: p.1, lexiconValue: nil)
        }
        guard case let .date(d)? = ValueBuilder.build(type: .date, captures: caps, set: [:], referenceDate: reference) else { return nil }
        return d.value
    }

    func testDateTexts() {
        XCTAssertEqual(date([(.year, 2020), (.month, 3), (.day, 5)]), "2020-03-05")
        XCTAssertEqual(date([(.year, 980), (.month, 11)]), "0980-11")
        XCTAssertEqual(date([(.year, 2019)]), "2019")
        XCTAssertEqual(date([(.month, 3), (.day, 5)]), "XXXX-03-05")
        XCTAssertEqual(date([(.month, 3), (.day, 5)], reference: CalendarDate(year: 2021, month: 6, day: 1)), "2021-03-05")
        XCTAssertEqual(date([(.month, 2), (.day, 45)]), "XXXX-02-45")
        XCTAssertEqual(date([(.month, 2), (.day, 123)]), "XXXX-02-123")
        XCTAssertEqual(date([(.year, 12345), (.month, 1)]), "12345-01")
        XCTAssertNil(date([(.year, 2020), (.month, 2), (.day, 30)]))
        XCTAssertNil(date([(.month, 13)]))
    }

    /// `ValueBuilder.Roles` keeps the roles present as the bits of a UInt64.
    func testCaptureRolesFitInOneWord() {
        XCTAssertLessThanOrEqual(CaptureRole.allCases.count, 64)
    }
}
