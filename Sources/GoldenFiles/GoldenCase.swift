import Foundation
import LianluCore
import Pipeline
import Extraction

/// A golden case: `Golden/<name>/` with `case.json`, an `input/` folder and the
/// `expected/` JSONL of every stage (plus `rejects.jsonl`).
public struct GoldenCase: Sendable {
    public var name: String
    public var directory: String
    public var description: String
    public var date: CalendarDate?

    public var inputDirectory: String { directory + "/input" }
    public var expectedDirectory: String { directory + "/expected" }

    /// The files every case's `expected/` holds, in pipeline order.
    public static let stageFiles: [String] = Stage.allCases.map(\.fileName) + ["rejects.jsonl"]

    /// Reads `case.json` (description, optional date).
    public static func load(name: String, directory: String) throws -> GoldenCase {
        var c = GoldenCase(name: name, directory: directory, description: "", date: nil)
        let path = directory + "/case.json"
        if FileManager.default.fileExists(atPath: path) {
            let v = try JSONParser.parse(try readWholeFile(path))
            c.description = v["description"]?.stringValue ?? ""
            if let d = v["date"]?.stringValue {
                guard let cd = CalendarDate(iso: d) else { throw GoldenError("\(path): \"date\" must be YYYY-MM-DD, found \(d)") }
                c.date = cd
            }
        }
        return c
    }
}

public struct GoldenError: Error, CustomStringConvertible {
    public let message: String
    public init(_ m: String) { message = m }
    public var description: String { message }
}

/// Runs golden cases through the pipeline in-process and compares or rewrites them.
public struct GoldenSuite {
    public let root: String
    public let ruleSet: RuleSet

    public init(root: String, ruleSet: RuleSet) {
        self.root = root
        self.ruleSet = ruleSet
    }

    /// Case folders in name order. `only` restricts to the named cases.
    public func cases(only: [String] = []) throws -> [GoldenCase] {
        let fm = FileManager.default
        let names = try fm.contentsOfDirectory(atPath: root).filter { name in
            var d: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: root + "/" + name, isDirectory: &d) && d.boolValue
        }.sorted()
        for o in only where !names.contains(o) { throw GoldenError("no golden case named \(o) in \(root)") }
        return try names.filter { only.isEmpty || only.contains($0) }.map { try GoldenCase.load(name: $0, directory: root + "/" + $0) }
    }

    /// The pipeline's output for a case: stage file name -> bytes.
    public func actualOutput(_ c: GoldenCase, jobs: Int = 1) throws -> [String: [UInt8]] {
        var (files, rejects) = InputCollector.collect([c.inputDirectory])
        // Name inputs relative to the case, so outputs do not depend on where the repo is.
        for i in files.indices where files[i].path.hasPrefix(c.directory + "/") {
            files[i].displayPath = String(files[i].path.dropFirst(c.directory.count + 1))
        }
        var reader = FileItemReader(files: files, rejects: rejects, maxDocumentBytes: 256 << 20)
        let runner = try PipelineRunner(options: RunOptions(jobs: jobs, defaultDate: c.date), through: Stage.allCases.last!, ruleSet: ruleSet)
        var sinks = StageSinks()
        var memory: [String: MemorySink] = [:]
        for s in Stage.allCases {
            let m = MemorySink()
            memory[s.fileName] = m
            sinks.files[s] = m
        }
        let rej = MemorySink()
        sinks.rejects = rej
        memory["rejects.jsonl"] = rej
        _ = runner.run(&reader, sinks: sinks)
        return memory.mapValues(\.bytes)
    }

    /// Findings of a check; empty means the case passed.
    public func check(_ c: GoldenCase) throws -> [String] {
        var problems: [String] = []
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let hasInput = fm.fileExists(atPath: c.inputDirectory, isDirectory: &isDir) && isDir.boolValue
        let expectedFiles = (try? fm.contentsOfDirectory(atPath: c.expectedDirectory)) ?? []
        if !hasInput {
            if !expectedFiles.isEmpty {
                problems.append("case \(c.name): expected files without input (no \(c.name)/input/ folder): \(expectedFiles.sorted().joined(separator: ", ")); remove them or restore the input")
            } else {
                problems.append("case \(c.name): no input/ folder")
            }
            return problems
        }
        for f in expectedFiles.sorted() where !GoldenCase.stageFiles.contains(f) {
            problems.append("case \(c.name): unexpected file expected/\(f) (not a stage file: \(GoldenCase.stageFiles.joined(separator: ", ")))")
        }
        let actual = try actualOutput(c)
        for file in GoldenCase.stageFiles {
            let path = c.expectedDirectory + "/" + file
            guard fm.fileExists(atPath: path) else {
                problems.append("case \(c.name): missing expected file expected/\(file); run `lianlu golden update \(c.name)` and review it")
                continue
            }
            let expected = try readWholeFile(path)
            let diff = GoldenDiff.compare(caseName: c.name, file: file, expected: expected, actual: actual[file] ?? [])
            if let diff { problems.append(diff) }
        }
        return problems
    }

    /// Rewrites a case's expected files; returns a per-stage summary of what changed.
    public func update(_ c: GoldenCase) throws -> [String] {
        let fm = FileManager.default
        try fm.createDirectory(atPath: c.expectedDirectory, withIntermediateDirectories: true)
        let actual = try actualOutput(c)
        var lines: [String] = []
        for file in GoldenCase.stageFiles {
            let path = c.expectedDirectory + "/" + file
            let old = fm.fileExists(atPath: path) ? try readWholeFile(path) : nil
            let new = actual[file] ?? []
            let change = GoldenDiff.summarize(file: file, old: old ?? [], new: new)
            lines.append("\(c.name)/\(file): " + (old == nil ? "created, \(change)" : change))
            if old != new {
                guard fm.createFile(atPath: path, contents: Data(new)) else { throw GoldenError("cannot write \(path)") }
            }
        }
        return lines
    }
}
