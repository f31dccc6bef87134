import Foundation
import XCTest

/// Long documents (at least `--long-doc-kb`) are processed alone, in sections of
/// paragraphs, with their records streamed. `--long-doc-kb 0` sends every test document
/// that way, and `--section-units 1` makes each paragraph a section: the records must be
/// those of the ordinary path, byte for byte.
final class LongDocumentTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try CLI.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    static let files = ["documents.jsonl", "sentences.jsonl", "mentions.jsonl", "relations.jsonl", "entities.jsonl", "rejects.jsonl"]

    func run(_ inputs: [String], _ extra: [String], into name: String) throws -> [String: Data] {
        let out = dir.appendingPathComponent(name)
        let r = try CLI.run(["run"] + inputs + ["--out", out.path, "--date", "2020-03-23", "--quiet"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        var files: [String: Data] = [:]
        for f in LongDocumentTests.files { files[f] = try Data(contentsOf: out.appendingPathComponent(f)) }
        return files
    }

    /// Three paragraphs whose links cross paragraph (so section) boundaries: 该项目 opening
    /// the second stands for the first's project, 当天 opening the third is the first's
    /// date, and 鲁信新材料 in the second is the company named in full in the first.
    static let crossing = """
    本报临清讯 3月18日，山东鲁信新材料有限公司与临清市人民政府签约，计划投资12亿元建设年产5万吨高性能轴承钢项目。

    该项目投产后，预计年产值30亿元，可带动就业800人。当天，鲁信新材料董事长张建华表示，企业将加快建设进度。

    当天下午，冠县人民政府与聊城宏达机械有限公司签署合作协议，宏达机械将投资3亿元新建智能农机装备生产线。
    """

    func testSectionsGiveTheRecordsOfTheWholeDocument() throws {
        let page = dir.appendingPathComponent("crossing.txt")
        try LongDocumentTests.crossing.write(to: page, atomically: true, encoding: .utf8)
        let golden = CLI.repoRoot.appendingPathComponent("Golden")
        let cases = try FileManager.default.contentsOfDirectory(atPath: golden.path).sorted().map { golden.appendingPathComponent($0 + "/input").path }
        let inputs = cases + [page.path]
        let whole = try run(inputs, [], into: "whole")
        for (k, extra) in [["--section-units", "1", "--long-chunk-bytes", "1000"], ["--section-units", "300", "--jobs", "2"]].enumerated() {
            let sectioned = try run(inputs, ["--long-doc-kb", "0"] + extra, into: "long\(k)")
            for f in LongDocumentTests.files { XCTAssertEqual(whole[f], sectioned[f], "\(f) with \(extra)") }
        }
        // The crossings really are there (else the comparison proves little).
        let records = try CLI.jsonl(dir.appendingPathComponent("long0/relations.jsonl")).filter { $0["doc"] as? String == "crossing" }
        let output = records.first { ($0["args"] as? [String: Any])?["kind"] as? String == "output_value" }
        XCTAssertEqual((output?["args"] as? [String: Any])?["subject"] as? String, "m1_5", "该项目 -> the project of the paragraph before")
        XCTAssertEqual(records.map { $0["id"] as? String }, (1...records.count).map { "r\($0)" })
        let mentions = try CLI.jsonl(dir.appendingPathComponent("long0/mentions.jsonl")).filter { $0["doc"] as? String == "crossing" }
        let afternoon = mentions.first { $0["text"] as? String == "当天下午" }
        XCTAssertEqual((afternoon?["value"] as? [String: Any])?["value"] as? String, "2020-03-18TAF")
        let entities = try CLI.jsonl(dir.appendingPathComponent("long0/entities.jsonl")).filter { $0["doc"] as? String == "crossing" }
        let company = entities.first { $0["key"] as? String == "ORG:山东鲁信新材料有限公司" }
        XCTAssertEqual((company?["mentions"] as? [String])?.count, 2)
    }

    /// A long document whose id was used before is rejected before any of its records is
    /// written; the run goes on.
    func testLongDocumentWithAUsedIDIsRejectedWithNothingWritten() throws {
        let lines = [#"{"id":"p1","text":"第一篇。"}"#, #"{"id":"p1","text":"\#(LongDocumentTests.crossing.replacingOccurrences(of: "\n", with: "\\n"))"}"#,
                     #"{"id":"p2","text":"第三篇。"}"#]
        let input = dir.appendingPathComponent("dups.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("dups")
        let r = try CLI.run(["run", input.path, "--out", out.path, "--quiet", "--long-doc-kb", "0"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("\(input.path):2: error E013: document id \"p1\" was already used"), r.stderr)
        let docs = try CLI.jsonl(out.appendingPathComponent("documents.jsonl"))
        XCTAssertEqual(docs.map { $0["doc"] as? String }, ["p1", "p2"])
        XCTAssertEqual(docs[0]["text"] as? String, "第一篇。")
        let sentences = try CLI.jsonl(out.appendingPathComponent("sentences.jsonl"))
        XCTAssertEqual(sentences.map { $0["text"] as? String }, ["第一篇。", "第三篇。"])
    }

    /// `lianlu pipe` tags a record streamed in pieces once, at its start.
    func testPipeTagsARecordWrittenInPiecesOnce() throws {
        let obj: [String: Any] = ["id": "c", "text": String(repeating: LongDocumentTests.crossing + "\n\n", count: 40), "date": "2020-03-23"]
        let input = try JSONSerialization.data(withJSONObject: obj) + Data("\n".utf8)
        let rules = CLI.repoRoot.appendingPathComponent("Rules").path
        let plain = try CLI.run(["pipe", "--rules", rules], stdin: input)
        // Pieces of 1 kB: the document record's text (9 kB) and the other records come in many.
        let pieces = try CLI.run(["pipe", "--rules", rules, "--long-doc-kb", "0", "--section-units", "1", "--long-chunk-bytes", "1000"], stdin: input)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(pieces.status, 0, pieces.stderr)
        // Each stage's lines in order (how the stages interleave is not part of the contract).
        func byStage(_ out: String) -> [Substring: [Substring]] {
            Dictionary(grouping: out.split(separator: "\n"), by: { $0.prefix(while: { $0 != "\t" }) })
        }
        let (a, b) = (byStage(plain.stdout), byStage(pieces.stdout))
        for stage in a.keys.sorted() {
            XCTAssertTrue(a[stage] == b[stage], "\(stage): \(a[stage]?.count ?? 0) lines plain, \(b[stage]?.count ?? 0) in pieces")
        }
        XCTAssertEqual(byStage(pieces.stdout)["documents.jsonl"]?.count, 1)
        XCTAssertEqual(byStage(pieces.stdout).keys.sorted(), ["documents.jsonl", "entities.jsonl", "mentions.jsonl", "relations.jsonl", "sentences.jsonl"])
    }
}
