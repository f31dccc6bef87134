import Foundation
import XCTest

final class RunTests: XCTestCase {
    /// The seed page: all six layout breaks joined, and every sentence's text is the
    /// document text at its offsets, in normalized and (after NFKC, without line
    /// breaks and spaces) in raw coordinates.
    func testSeedPageOffsetsAndLayoutJoins() throws {
        let seed = CLI.repoRoot.deletingLastPathComponent().appendingPathComponent("shared/seed/000_60e1bf30824b9f36.txt")
        guard FileManager.default.fileExists(atPath: seed.path) else { throw XCTSkip("../shared/seed is not beside the repo") }
        let out = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["run", seed.path, "--out", out.path, "--date", "2020-03-23", "--quiet", "--rules", CLI.repoRoot.appendingPathComponent("Rules").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try CLI.jsonl(out.appendingPathComponent("documents.jsonl"))[0]
        let text = doc["text"] as! String
        let raw = try String(contentsOf: seed, encoding: .utf8)
        XCTAssertEqual(doc["raw_length"] as? Int, raw.unicodeScalars.count)
        for broken in ["逐个解决", "快速增长期", "党员干部变身", "他们一家的生产生活", "把基础打得", "抽查了全市"] {
            XCTAssertTrue(text.contains(broken), broken)
        }
        let edits = doc["edits"] as! [[Int]]
        XCTAssertEqual(edits.filter { $0[0] == $0[1] }.count, 6, "six layout breaks deleted: \(edits)")
        let sentences = try CLI.jsonl(out.appendingPathComponent("sentences.jsonl"))
        XCTAssertGreaterThan(sentences.count, 100)
        func squeeze(_ s: String) -> String { s.filter { !$0.isWhitespace }.precomposedStringWithCompatibilityMapping }
        for s in sentences {
            let (a, b, ra, rb) = (s["start"] as! Int, s["end"] as! Int, s["raw_start"] as! Int, s["raw_end"] as! Int)
            XCTAssertEqual(slice(text, a, b), s["text"] as? String)
            XCTAssertEqual(squeeze(slice(raw, ra, rb)).replacingOccurrences(of: "『", with: "‘").replacingOccurrences(of: "』", with: "’"),
                           squeeze(s["text"] as! String), "sid \(s["sid"]!)")
        }
    }

    /// Output is byte-identical for every number of worker threads.
    func testOutputIsIdenticalForAnyJobCount() throws {
        let golden = CLI.repoRoot.appendingPathComponent("Golden")
        let tmp = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        // Many small documents so batches really spread over threads, in more than one
        // batch (256 items) so several are in flight at once, and a long document in the
        // middle (at least --long-doc-kb) that waits for everything before it; with
        // --early-kb 1 every seventh document (four times longer) starts ahead of its turn.
        var lines: [String] = []
        for i in 0..<600 {
            var text = "□记者 王某 报道 本报聊城讯 \(i % 28 + 1)日，第\(i)个项目签约，总投资\(i).5亿元。“我们有信心！”他说。\n\n第二段，项目\n\n建设进度加快，年产\(i)万吨。"
            if i == 300 { text = String(repeating: text + "\n\n", count: 120) }
            if i % 7 == 0 { text = String(repeating: text + "\n\n", count: 4) }
            let obj: [String: Any] = ["id": "doc\(i)", "text": text, "date": "2020-03-23"]
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: obj), as: UTF8.self))
        }
        try lines.joined(separator: "\n").write(to: tmp.appendingPathComponent("many.jsonl"), atomically: true, encoding: .utf8)
        var outputs: [[Data]] = []
        for (jobs, early) in [(1, 512), (2, 512), (3, 512), (2, 1), (3, 1)] {
            let out = tmp.appendingPathComponent("out\(jobs)-\(early)")
            let cases = try FileManager.default.contentsOfDirectory(atPath: golden.path).sorted().map { golden.appendingPathComponent($0 + "/input").path }
            let r = try CLI.run(["run"] + cases + [tmp.appendingPathComponent("many.jsonl").path, "--out", out.path, "--jobs", "\(jobs)", "--date", "2020-03-23",
                                                   "--long-doc-kb", "16", "--early-kb", "\(early)", "--quiet"])
            XCTAssertEqual(r.status, 0, r.stderr)
            outputs.append(try ["documents.jsonl", "sentences.jsonl", "mentions.jsonl", "relations.jsonl", "entities.jsonl", "rejects.jsonl"].map {
                try Data(contentsOf: out.appendingPathComponent($0))
            })
        }
        XCTAssertGreaterThan(outputs[0][1].count, 10_000)
        XCTAssertGreaterThan(outputs[0][3].count, 1_000)
        for k in 1..<outputs.count { XCTAssertEqual(outputs[0], outputs[k], "run \(k)") }
    }

    /// `lianlu normalize < docs.jsonl | lianlu sentences | lianlu extract` gives what `run` writes.
    func testFiltersComposeToRun() throws {
        let input = CLI.repoRoot.appendingPathComponent("Golden/jsonl-docs/input/batch.jsonl")
        let tmp = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try CLI.run(["run", input.path, "--out", tmp.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let docs = try CLI.run(["normalize"], stdin: try Data(contentsOf: input))
        XCTAssertEqual(docs.status, 0, docs.stderr)
        XCTAssertEqual(docs.stdout, try String(contentsOf: tmp.appendingPathComponent("documents.jsonl"), encoding: .utf8))
        let sents = try CLI.run(["sentences"], stdin: Data(docs.stdout.utf8))
        XCTAssertEqual(sents.status, 0, sents.stderr)
        XCTAssertEqual(sents.stdout, try String(contentsOf: tmp.appendingPathComponent("sentences.jsonl"), encoding: .utf8))
        let mentions = try CLI.run(["extract", "--rules", CLI.repoRoot.appendingPathComponent("Rules").path], stdin: Data(sents.stdout.utf8))
        XCTAssertEqual(mentions.status, 0, mentions.stderr)
        XCTAssertGreaterThan(mentions.stdout.count, 100)
        XCTAssertEqual(mentions.stdout, try String(contentsOf: tmp.appendingPathComponent("mentions.jsonl"), encoding: .utf8))
        // Text files with edits (full-width, layout breaks) survive the documents.jsonl hop too.
        let epaper = CLI.repoRoot.appendingPathComponent("Golden/fullwidth/input")
        let t2 = tmp.appendingPathComponent("fw")
        XCTAssertEqual(try CLI.run(["run", epaper.path, "--out", t2.path, "--quiet"]).status, 0)
        let s2 = try CLI.run(["sentences"], stdin: try Data(contentsOf: t2.appendingPathComponent("documents.jsonl")))
        XCTAssertEqual(s2.stdout, try String(contentsOf: t2.appendingPathComponent("sentences.jsonl"), encoding: .utf8))
        // Mentions keep their raw offsets through the sentence records' local edits.
        let m2 = try CLI.run(["extract", "--rules", CLI.repoRoot.appendingPathComponent("Rules").path], stdin: Data(s2.stdout.utf8))
        XCTAssertEqual(m2.stdout, try String(contentsOf: t2.appendingPathComponent("mentions.jsonl"), encoding: .utf8))
    }

    func testFilterRejectsBadLinesWithLineNumbers() throws {
        let input = #"{"id":"a","text":"正常。"}"# + "\n" + #"{"id":"b","text":}"# + "\n"
        let r = try CLI.run(["normalize"], stdin: Data(input.utf8))
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("<stdin>:2: error E010: malformed JSON at column 18"), r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 1)
    }

    func testNoInputRunsTheBundledSamples() throws {
        let tmp = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r2 = try CLI.run(["run", "--out", tmp.path], cwd: CLI.repoRoot)
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertTrue(r2.stderr.contains("running the bundled sample corpus"), r2.stderr)
        XCTAssertGreaterThan(try CLI.jsonl(tmp.appendingPathComponent("documents.jsonl")).count, 10)
    }
}
