import XCTest
import Foundation
import LianluCore
import Extraction
import Segmentation
import Pipeline
@testable import Linking

private let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

final class LinkerTests: XCTestCase {
    static let ruleSet: RuleSet = {
        let (set, problems) = RuleSet.load(directory: repoRoot.appendingPathComponent("Rules").path)
        precondition(set != nil, "\(problems)")
        return set!
    }()
    static let linker: Linker = try! Linker.load(ruleSet: ruleSet)

    /// Text -> frames as role -> filler texts, through real extraction and linking.
    func frames(_ text: String) throws -> [(type: String, rule: String, args: [String: [String]])] {
        let breaker = try SentenceBreaker()
        let tester = RuleTester(ruleSet: LinkerTests.ruleSet, sentences: { breaker.sentences(of: $0) })
        let rt = RelationRuleTester(linker: LinkerTests.linker, extract: { t in
            let (doc, result) = tester.extract(t, date: RuleSet.exampleDate)
            return (doc.text, breaker.sentences(of: doc), result.mentions)
        })
        return rt.frames(text).map { ($0.relation.type.rawValue, String($0.relation.rule.split(separator: "#").last!), $0.args) }
    }

    func testEveryRelationRuleExamplePasses() throws {
        let breaker = try SentenceBreaker()
        let tester = RuleTester(ruleSet: LinkerTests.ruleSet, sentences: { breaker.sentences(of: $0) })
        let (count, failures) = RelationRuleTester(linker: LinkerTests.linker, extract: { t in
            let (doc, result) = tester.extract(t, date: RuleSet.exampleDate)
            return (doc.text, breaker.sentences(of: doc), result.mentions)
        }).run()
        XCTAssertGreaterThan(count, 40)
        XCTAssertEqual(failures.map(\.description), [])
    }

    func testAnaphorStandsForTheProjectOfThePreviousSentence() throws {
        let got = try frames("泗水县新建的高端纺织产业园项目开工。该项目落户泗水经济开发区,达产后年产值可达9亿元。")
        XCTAssertTrue(got.contains { $0.type == "located_in" && $0.args == ["entity": ["高端纺织产业园项目"], "location": ["泗水经济开发区"]] }, "\(got)")
        XCTAssertTrue(got.contains { $0.type == "output" && $0.args["subject"] == ["高端纺织产业园项目"] && $0.args["kind"] == ["output_value"] }, "\(got)")
    }

    func testSharedPostInAListGivesOneFramePerPerson() throws {
        let got = try frames("副市长冯晓光、祁美玲出席仪式。").filter { $0.type == "position" }
        XCTAssertEqual(got.map { $0.args["person"]! }.sorted { $0[0] < $1[0] }, [["冯晓光"], ["祁美玲"]].sorted { $0[0] < $1[0] })
        XCTAssertTrue(got.allSatisfy { $0.args["title"] == ["副市长"] })
    }

    func testPartialFrameOfAShorterRuleIsDropped() throws {
        // position_title_person alone would give {title, person}; the frame with the org
        // holds it, so only that one stays.
        let got = try frames("宁阳县委书记于海涛主持会议。").filter { $0.type == "position" }
        XCTAssertEqual(got.count, 1)
        XCTAssertEqual(got.first?.args, ["org": ["宁阳"], "title": ["县委书记"], "person": ["于海涛"]])
    }

    func testDateFromAnotherClauseIsNotTaken() throws {
        // The ceremony's date opens the sentence, three clauses before the total.
        let got = try frames("5月6日上午,郯城县重点项目集中开工仪式举行,18个项目同时开工,总投资72亿元。").filter { $0.type == "investment" }
        XCTAssertEqual(got.count, 1)
        XCTAssertNil(got.first?.args["date"])
    }

    func testPatternErrorsAreReported() {
        for (pattern, fragment) in [("<project:PROJ>", "unknown mention type"), ("的? <project:PROJECT>", "must start with"),
                                    ("<project:PROJECT> *", "cannot end with a gap"), ("投资 !从 <amount:MONEY>", "can only open or close")] {
            guard case let .failure(e) = PatternParser.parse(pattern) else { return XCTFail("\(pattern) parsed") }
            XCTAssertTrue(e.description.contains(fragment), "\(pattern): \(e)")
        }
        guard case let .success(p) = PatternParser.parse("由 <investor:ORG+> ~ 投资|出资 <amount:MONEY>?") else { return XCTFail() }
        XCTAssertEqual(p.count, 5)
    }

    /// A word written <name> stands for a lexicon's words, alone, among other words, and
    /// after ! (a list several rules share is written once); an unknown one is an error.
    func testLexiconWordsInRelationPatterns() {
        let lexicon: (String) -> [[UInt16]]? = { $0 == "rate" ? [Array("年产".utf16), Array("日产".utf16)] : nil }
        guard case let .success(p) = PatternParser.parse("!<rate> <:QUANTITY> 总投资|<rate> <amount:MONEY>", lexicon: lexicon) else { return XCTFail() }
        XCTAssertEqual(p.count, 4)
        guard case let .notAfter(before) = p[0], case let .words(words, _) = p[2] else { return XCTFail("\(p)") }
        XCTAssertEqual(before.map { String(decoding: $0, as: UTF16.self) }, ["年产", "日产"])
        XCTAssertEqual(words.map { String(decoding: $0, as: UTF16.self) }, ["总投资", "年产", "日产"])
        guard case let .failure(e) = PatternParser.parse("<nope> <amount:MONEY>", lexicon: lexicon) else { return XCTFail("parsed") }
        XCTAssertTrue(e.description.contains("unknown lexicon nope"), "\(e)")
    }

    func testBrokenRelationFileNamesFileAndLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lianlu-rel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("relations"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
        relations:
          - id: bad_role
            type: position
            pattern: "<boss:PER> <title:TITLE>"
            examples:
              - {text: "x", frames: [{person: x}]}
        """.write(to: dir.appendingPathComponent("relations/position.yaml"), atomically: true, encoding: .utf8)
        let (set, problems) = RelationRuleSet.load(directory: dir.path, lexicons: LinkerTests.ruleSet.lexicons)
        XCTAssertNil(set)
        XCTAssertEqual(problems.map { "\($0.file):\($0.line)" }, ["relations/position.yaml:4"])
        XCTAssertTrue(problems[0].message.contains("no mention role boss"), problems[0].message)
    }

    func testEntitiesGroupShortAndFullNamesWithStableKeys() {
        let text = Array("临清市潘庄镇。临清的宏步鞋业,即浙江温州宏步鞋业有限公司。".utf16)
        func m(_ id: String, _ type: MentionType, _ s: String, _ from: Int) -> Mention {
            Mention(id: id, sid: 0, type: type, utf16Range: from..<(from + s.utf16.count), value: nil, rule: "t")
        }
        let ms = [m("m1", .location, "临清市", 0), m("m2", .location, "潘庄镇", 3), m("m3", .location, "临清", 7),
                  m("m4", .organization, "宏步鞋业", 10), m("m5", .organization, "浙江温州宏步鞋业有限公司", 16)]
        let es = EntityGrouper(places: LinkerTests.linker.rules.places).group(text: text, mentions: ms)
        XCTAssertEqual(es.map(\.key), ["LOC:临清市", "LOC:潘庄镇", "ORG:浙江温州宏步鞋业有限公司"])
        XCTAssertEqual(es[0].mentions, ["m1", "m3"])
        XCTAssertEqual(es[2].mentions, ["m4", "m5"])
        XCTAssertEqual(es.map(\.id), ["e1", "e2", "e3"])
    }

    func testLinkFilterReproducesTheRunAndRejectsBadLines() throws {
        let expected = repoRoot.appendingPathComponent("Golden/epaper-page/expected")
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("lianlu-link-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let rel = MemorySink(), ent = MemorySink()
        var rejects: [Reject] = []
        let summary = LinkFilter(linker: LinkerTests.linker).run(
            mentions: LineReader(path: expected.appendingPathComponent("mentions.jsonl").path)!, mentionsName: "mentions.jsonl",
            sentences: LineReader(path: expected.appendingPathComponent("sentences.jsonl").path)!, sentencesName: "sentences.jsonl",
            relations: rel, entities: ent, onReject: { rejects.append($0) })
        XCTAssertEqual(rejects, [])
        XCTAssertGreaterThan(summary.relations, 10)
        XCTAssertEqual(rel.bytes, try readWholeFile(expected.appendingPathComponent("relations.jsonl").path))
        XCTAssertEqual(ent.bytes, try readWholeFile(expected.appendingPathComponent("entities.jsonl").path))

        // A broken mention line rejects its document with the line number; others go on.
        var lines = String(decoding: try readWholeFile(expected.appendingPathComponent("mentions.jsonl").path), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        lines[3] = String(lines[3].dropLast(5))
        let broken = tmp.appendingPathComponent("mentions.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: broken, atomically: true, encoding: .utf8)
        rejects = []
        let s2 = LinkFilter(linker: LinkerTests.linker).run(
            mentions: LineReader(path: broken.path)!, mentionsName: "mentions.jsonl",
            sentences: LineReader(path: expected.appendingPathComponent("sentences.jsonl").path)!, sentencesName: "sentences.jsonl",
            relations: MemorySink(), entities: nil, onReject: { rejects.append($0) })
        XCTAssertEqual(s2.rejected, 1)
        XCTAssertEqual(rejects.first?.line, 4)
        XCTAssertEqual(rejects.first?.file, "mentions.jsonl")
    }

    /// `FrameEnds` answers the same below and above its switch from a scan to a chain:
    /// every frame ending at a position, latest first.
    func testFrameEndsListsTheFramesEndingAtAPositionLatestFirst() {
        for count in [0, 1, 5, Linker.FrameEnds.direct, Linker.FrameEnds.direct + 1, 300] {
            var ends = Linker.FrameEnds()
            var all: [Int] = []
            for f in 0..<count {
                let end = (f * 7) % 13  // repeats, out of order
                ends.add(end: end, frame: f)
                all.append(end)
            }
            for end in -1...14 {
                var got: [Int] = []
                ends.forEach(endingAt: end) { got.append($0) }
                XCTAssertEqual(got, all.indices.reversed().filter { all[$0] == end }, "\(count) frames, end \(end)")
            }
        }
    }
}
