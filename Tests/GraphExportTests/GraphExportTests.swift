import Foundation
import XCTest
import LianluCore
@testable import GraphExport

private let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

final class GraphExportTests: XCTestCase {
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("lianlu-graph-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    /// Every Golden case's expected/ folder is a run folder.
    var cases: [URL] {
        let golden = repoRoot.appendingPathComponent("Golden")
        return ((try? FileManager.default.contentsOfDirectory(atPath: golden.path)) ?? []).sorted()
            .map { golden.appendingPathComponent($0).appendingPathComponent("expected") }
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("relations.jsonl").path) }
    }

    func canonical(_ path: String) throws -> [String] {
        Array(Set(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init))).sorted()
    }

    /// Exporting the corpus in batches and loading them together gives the graph of one
    /// run over the whole corpus: the same IRIs, no node described twice differently.
    func testSplitBatchesGiveTheGraphOfOneRun() throws {
        let whole = tmp.appendingPathComponent("whole")
        try FileManager.default.createDirectory(at: whole, withIntermediateDirectories: true)
        for f in RunFolderReader.stageFiles {
            var all = Data()
            for c in cases { all.append(try Data(contentsOf: c.appendingPathComponent(f))) }
            try all.write(to: whole.appendingPathComponent(f))
        }
        let one = try GraphExporter(format: .ntriples).export(runFolder: whole.path, to: tmp.appendingPathComponent("one.nt").path)
        XCTAssertGreaterThan(one.triples, 500)
        var union: Set<String> = []
        for (k, c) in cases.enumerated() {
            let out = tmp.appendingPathComponent("batch\(k).nt").path
            _ = try GraphExporter(format: .ntriples).export(runFolder: c.path, to: out)
            union.formUnion(try canonical(out))
        }
        let oneLines = try canonical(tmp.appendingPathComponent("one.nt").path)
        XCTAssertEqual(oneLines.count, union.count)
        XCTAssertEqual(oneLines, union.sorted())
    }

    func testEveryFormatCarriesTheSameFacts() throws {
        let epaper = repoRoot.appendingPathComponent("Golden/epaper-page/expected").path
        let nt = try GraphExporter(format: .ntriples).export(runFolder: epaper, to: tmp.appendingPathComponent("g.nt").path)
        let ttl = try GraphExporter(format: .turtle).export(runFolder: epaper, to: tmp.appendingPathComponent("g.ttl").path)
        let jsonld = try GraphExporter(format: .jsonld).export(runFolder: epaper, to: tmp.appendingPathComponent("g.jsonld").path)
        XCTAssertEqual(nt.triples, ttl.triples)
        XCTAssertEqual(nt.triples, jsonld.triples)
        let text = try String(contentsOfFile: tmp.appendingPathComponent("g.nt").path, encoding: .utf8)
        // The investment of the page, with its amount as a schema:MonetaryAmount.
        XCTAssertTrue(text.contains("<https://lianlu.example/doc/liaocheng_daily_p3/r3> <https://lianlu.example/vocab#investor> <https://lianlu.example/id/ORG/山东恒嘉新材料科技有限公司> ."))
        XCTAssertTrue(text.contains("<https://lianlu.example/doc/liaocheng_daily_p3/m5_2/value> <http://schema.org/value> \"1280000000\"^^<http://www.w3.org/2001/XMLSchema#decimal> ."))
        let json = try JSONParser.parse(try readWholeFileBytes(tmp.appendingPathComponent("g.jsonld").path))
        XCTAssertNotNil(json["@graph"]?.arrayValue)
    }

    func testNeo4jFilesHaveImportHeadersAndNoDanglingEnds() throws {
        let epaper = repoRoot.appendingPathComponent("Golden/epaper-page/expected").path
        let folder = tmp.appendingPathComponent("neo4j").path
        _ = try GraphExporter(format: .neo4j).export(runFolder: epaper, to: folder)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertTrue(files.contains("nodes-Person.csv"))
        XCTAssertTrue(files.contains("rels-INVESTOR.csv"))
        var ids: Set<String> = []
        for f in files where f.hasPrefix("nodes-") {
            let bytes = try readWholeFileBytes(folder + "/" + f)
            XCTAssertNotEqual(Array(bytes.prefix(3)), [0xEF, 0xBB, 0xBF], "\(f) starts with a BOM")
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
            XCTAssertTrue(lines[0].hasPrefix("iri:ID(Node),:LABEL"), f)
            for l in lines.dropFirst() { ids.insert(String(l.split(separator: ",")[0])) }
        }
        for f in files where f.hasPrefix("rels-") {
            let lines = try String(contentsOfFile: folder + "/" + f, encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(lines[0], ":START_ID(Node),:END_ID(Node),:TYPE")
            for l in lines.dropFirst() {
                let parts = l.split(separator: ",")
                XCTAssertTrue(ids.contains(String(parts[0])) && ids.contains(String(parts[1])), "\(f): \(l)")
            }
        }
    }

    func testBadRunFoldersAreRefusedWithFileAndLineAndNothingWritten() throws {
        let epaper = repoRoot.appendingPathComponent("Golden/epaper-page/expected")
        func folder(_ name: String, edit: (inout [String: String]) -> Void) throws -> String {
            let dir = tmp.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var files: [String: String] = [:]
            for f in RunFolderReader.stageFiles { files[f] = try String(contentsOf: epaper.appendingPathComponent(f), encoding: .utf8) }
            edit(&files)
            for (f, text) in files { try text.write(to: dir.appendingPathComponent(f), atomically: true, encoding: .utf8) }
            return dir.path
        }
        func refuse(_ dir: String, _ fragment: String) {
            let out = tmp.appendingPathComponent(UUID().uuidString + ".nt").path
            XCTAssertThrowsError(try GraphExporter(format: .ntriples).export(runFolder: dir, to: out)) { e in
                XCTAssertTrue("\(e)".contains(fragment), "\(e)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".partial-\(ProcessInfo.processInfo.processIdentifier)"))
        }
        refuse(try folder("missing") { $0["relations.jsonl"] = nil }, "relations.jsonl:0: error: missing")
        refuse(try folder("truncated") { $0["mentions.jsonl"] = String($0["mentions.jsonl"]!.dropLast(30)) }, "mentions.jsonl:")
        refuse(try folder("truncated2") { $0["mentions.jsonl"] = String($0["mentions.jsonl"]!.dropLast(30)) }, "cut short")
        refuse(try folder("dangling") { f in
            var lines = f["relations.jsonl"]!.split(separator: "\n").map(String.init)
            lines[2] = lines[2].replacingOccurrences(of: "\"investor\":\"m5_1\"", with: "\"investor\":\"m99_9\"")
            f["relations.jsonl"] = lines.joined(separator: "\n") + "\n"
        }, "relations.jsonl:3: error: relation r3 names mention m99_9")
    }

    func testIRIsAreReadableAndSafe() {
        let m = IRIMinter()
        XCTAssertEqual(m.entity(key: "ORG:RTK Technologies Inc公司"), "https://lianlu.example/id/ORG/RTK%20Technologies%20Inc公司")
        XCTAssertEqual(m.entity(key: "PROJECT:A/B#1"), "https://lianlu.example/id/PROJECT/A%2FB%231")
        XCTAssertEqual(GraphBuilder.typedDate("2020-03")?.nTriples, "\"2020-03\"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>")
        XCTAssertEqual(GraphBuilder.typedDate("2019")?.nTriples, "\"2019\"^^<http://www.w3.org/2001/XMLSchema#gYear>")
        XCTAssertNil(GraphBuilder.typedDate("2015-Q1"))
        XCTAssertNil(GraphBuilder.typedDate("XXXX-04-16"))
        XCTAssertEqual(GraphBuilder.decimal(13_620_000_000), "13620000000")
        XCTAssertEqual(GraphBuilder.decimal(0.5), "0.5")
    }
}

private func readWholeFileBytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }
