import Foundation
import XCTest
@testable import GoldenFiles
import Extraction

final class GoldenFilesTests: XCTestCase {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let goldenRoot = repoRoot.appendingPathComponent("Golden").path
    static let ruleSet: RuleSet = {
        let (set, problems) = RuleSet.load(directory: repoRoot.appendingPathComponent("Rules").path)
        precondition(set != nil, "rule set has problems: \(problems)")
        return set!
    }()

    /// The regression net: every stage of every golden case matches its expected files.
    func testGoldenCasesMatch() throws {
        let suite = GoldenSuite(root: Self.goldenRoot, ruleSet: Self.ruleSet)
        let cases = try suite.cases()
        XCTAssertGreaterThanOrEqual(cases.count, 8)
        for c in cases {
            let problems = try suite.check(c)
            XCTAssertTrue(problems.isEmpty, problems.joined(separator: "\n") + "\n(after review: swift run lianlu golden update \(c.name))")
        }
    }

    /// A copy of one case in a temporary golden folder.
    func scratchCase(_ name: String) throws -> (GoldenSuite, GoldenCase, URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("golden-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.goldenRoot + "/" + name, toPath: root.appendingPathComponent(name).path)
        let suite = GoldenSuite(root: root.path, ruleSet: Self.ruleSet)
        return (suite, try suite.cases(only: [name])[0], root)
    }

    func testHandEditedExpectedFileFailsWithReadableDiff() throws {
        let (suite, c, root) = try scratchCase("epaper-page")
        defer { try? FileManager.default.removeItem(at: root) }
        XCTAssertEqual(try suite.check(c), [])
        let path = c.expectedDirectory + "/sentences.jsonl"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        // Change one sentence's kind and put an ideographic space into its text.
        text = text.replacingOccurrences(of: #""sid":0,"start":1,"end":14"#, with: #""sid":0,"start":1,"end":15"#)
        text = text.replacingOccurrences(of: "阳谷重点项目按下", with: "阳谷重点\u{3000}项目按下")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let problems = try suite.check(c)
        XCTAssertEqual(problems.count, 1)
        let report = problems[0]
        XCTAssertTrue(report.contains("case epaper-page, stage sentences.jsonl"), report)
        XCTAssertTrue(report.contains("record doc=liaocheng_daily_p3 sid=0: field end: 15 -> 14"), report)
        XCTAssertTrue(report.contains("field text: \"阳谷重点␣项目按下"), report)
        XCTAssertTrue(report.contains("--- Golden/epaper-page/expected/sentences.jsonl"), report)
        XCTAssertTrue(report.contains("\n-{"), report)
        XCTAssertTrue(report.contains("\n+{"), report)
    }

    func testMissingAndOrphanedExpectedFilesFail() throws {
        let (suite, c, root) = try scratchCase("gbk-file")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.removeItem(atPath: c.expectedDirectory + "/documents.jsonl")
        try "{}\n".write(toFile: c.expectedDirectory + "/stray.jsonl", atomically: true, encoding: .utf8)
        let problems = try suite.check(c)
        XCTAssertTrue(problems.contains { $0.contains("missing expected file expected/documents.jsonl") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.contains("unexpected file expected/stray.jsonl") }, "\(problems)")
        // Expected files whose input is gone.
        try FileManager.default.removeItem(atPath: c.inputDirectory)
        let orphan = try suite.check(c)
        XCTAssertTrue(orphan.contains { $0.contains("expected files without input") }, "\(orphan)")
    }

    func testUpdateRewritesAndSummarizes() throws {
        let (suite, c, root) = try scratchCase("jsonl-docs")
        defer { try? FileManager.default.removeItem(at: root) }
        let path = c.expectedDirectory + "/sentences.jsonl"
        let original = try String(contentsOfFile: path, encoding: .utf8)
        var lines = original.split(separator: "\n").map(String.init)
        lines.removeLast()
        lines[0] = lines[0].replacingOccurrences(of: "\"kind\":\"headline\"", with: "\"kind\":\"body\"")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let summary = try suite.update(c)
        XCTAssertTrue(summary.contains("jsonl-docs/sentences.jsonl: 15 records: +1 added, -0 removed, ~1 changed"), "\(summary)")
        XCTAssertTrue(summary.contains("jsonl-docs/documents.jsonl: 4 records, unchanged"), "\(summary)")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), original)
        XCTAssertEqual(try suite.check(c), [])
    }

    func testVisibleMarksInvisibleCharacters() {
        XCTAssertEqual(GoldenDiff.visible("a\u{3000}b\u{200B}c\u{A0}d "), "a␣b⟨U+200B⟩c⍽d ¬")
    }
}
