import ArgumentParser
import Foundation
import GoldenFiles
import LianluCore
import Pipeline
import Extraction
import Linking
import GraphExport
import Evaluation
import Normalization
import Segmentation
#if canImport(Glibc)
import Glibc
#endif

/// Exit codes (README "Exit codes").
enum ExitStatus {
    static let ok: Int32 = 0
    static let failure: Int32 = 1
    static let rejected: Int32 = 2
}

@main
struct Lianlu: ParsableCommand {
    /// The rule set from `dir` (or the Rules/ found beside the binary), or exit 1 with
    /// every problem printed as `Rules/file:line: message`.
    static func loadRules(_ dir: String?) throws -> RuleSet {
        try loadRules(dir, copies: 0).set
    }

    /// The rule set and `copies` more of it for other worker threads (see
    /// `RuleSet.copyForWorker`), all loaded at once on their own threads: loading the
    /// copies only after the first had doubled start-up with two workers.
    static func loadRules(_ dir: String?, copies: Int) throws -> (set: RuleSet, copies: [RuleSet]) {
        guard let path = dir ?? Resources.find("Rules") else {
            printError("lianlu: the rules folder was not found; pass --rules DIR")
            throw ExitCode(ExitStatus.failure)
        }
        let loaded = concurrentMap(count: 1 + max(0, copies)) { _ in RuleSet.load(directory: path) }
        let (set, problems) = loaded[0]
        for p in problems { printError("\(path)/\(p.file):\(p.line): error: \(p.message)") }
        guard let set else {
            printError("lianlu: \(problems.count) problem(s) in the rule set \(path); nothing was run")
            throw ExitCode(ExitStatus.failure)
        }
        return (set, loaded.dropFirst().compactMap { $0.0 })
    }

    /// The relation rules beside `set` (Rules/relations/), or exit 1 with every problem.
    static func loadLinker(_ set: RuleSet) throws -> Linker {
        do {
            return try Linker.load(ruleSet: set)
        } catch {
            printError("\(error)")
            printError("lianlu: problems in the relation rules of \(set.directory); nothing was run")
            throw ExitCode(ExitStatus.failure)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "lianlu",
        abstract: "Rule-based information extraction for Chinese news: normalization, sentences, mentions, relations, entities and a knowledge graph.",
        subcommands: [Run.self, Normalize.self, Sentences.self, Extract.self, Link.self, Pipe.self, Export.self, Explain.self, Rules.self, Eval.self, Golden.self]
    )
}

/// Options every processing command shares.
struct ProcessingOptions: ParsableArguments {
    @Option(help: "Reference date (YYYY-MM-DD) for documents with neither a date of their own nor a date line.")
    var date: String?

    @Option(help: "Worker threads (default: the number of cores). Output is identical for every value.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("max-doc-mb"), help: "Reject documents larger than this many MB.")
    var maxDocMB: Int = 256

    @Option(help: "The rules folder (default: ./Rules, or the one beside the binary).")
    var rules: String?

    @Option(name: .customLong("long-doc-kb"),
            help: "Documents of at least this many kB are processed alone, in sections of paragraphs, with their records streamed: memory stays bounded by the text.")
    var longDocKB: Int = 4096

    @Option(name: .customLong("section-units"),
            help: "A long document's section size in UTF-16 units (whole paragraphs, at least this many).")
    var sectionUnits: Int = 1 << 18

    @Option(name: .customLong("early-kb"),
            help: ArgumentHelp("With more than one job: documents of at least this many kB (and under --long-doc-kb) found in the next \(RunOptions().lookaheadBytes >> 20) MB of input are started ahead of their turn, so one heavy document does not leave the other workers waiting."))
    var earlyKB: Int = 512

    @Option(name: .customLong("long-chunk-bytes"),
            help: ArgumentHelp("The size of the pieces a long document's records are handed to the writer in (tests make it small).", visibility: .hidden))
    var longChunkBytes: Int = 4 << 20

    /// Loads and validates the rule set; a broken one stops the command with every
    /// problem as `file:line: message`.
    func loadRules() throws -> RuleSet {
        try Lianlu.loadRules(rules)
    }

    /// The rule set and a copy for each further worker, loaded side by side.
    func loadRules(workers: Int) throws -> (set: RuleSet, copies: [RuleSet]) {
        try Lianlu.loadRules(rules, copies: workers - 1)
    }

    func runOptions(progress: Bool, totalBytes: Int?) throws -> RunOptions {
        var d: CalendarDate?
        if let date {
            guard let cd = CalendarDate(iso: date) else { throw ValidationError("--date must be a valid date YYYY-MM-DD, got \(date)") }
            d = cd
        }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard maxDocMB >= 1 else { throw ValidationError("--max-doc-mb must be at least 1") }
        guard longDocKB >= 0 else { throw ValidationError("--long-doc-kb must be at least 0 (0: every document)") }
        guard sectionUnits >= 1 else { throw ValidationError("--section-units must be at least 1") }
        guard earlyKB >= 1 else { throw ValidationError("--early-kb must be at least 1") }
        var options = RunOptions(jobs: jobs, defaultDate: d, maxDocumentBytes: maxDocMB << 20, progress: progress, totalBytes: totalBytes)
        options.longDocumentBytes = longDocKB << 10
        options.sectionUnits = sectionUnits
        options.earlyStartBytes = earlyKB << 10
        options.longChunkBytes = max(16, longChunkBytes)
        return options
    }
}

func printError(_ s: String) { fputs(s + "\n", stderr) }

/// Closes output files. A write error (a full disk, say) is printed with the file's path
/// and, once every file is closed, ends the command with exit code 1: the records after
/// the error are missing.
func closeOutputs(_ files: [OutputFile?]) throws {
    var failed = false
    for case let f? in files {
        do { try f.close() } catch { printError("lianlu: \(error)"); failed = true }
    }
    if failed { throw ExitCode(ExitStatus.failure) }
}

/// Finds a folder that ships beside the binary (Golden/, later Rules/): the current
/// directory first, then the package root above `.build/<config>/lianlu`.
enum Resources {
    static func find(_ name: String) -> String? {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let cwd = fm.currentDirectoryPath + "/" + name
        if fm.fileExists(atPath: cwd, isDirectory: &isDir), isDir.boolValue { return cwd }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        if let exe = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        }
        for _ in 0..<5 {
            let candidate = url.appendingPathComponent(name).path
            if fm.fileExists(atPath: candidate, isDirectory: &isDir), isDir.boolValue { return candidate }
            url.deleteLastPathComponent()
        }
        return nil
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every stage over files, folders (*.txt, *.jsonl, recursive) or JSONL documents, writing one JSONL file per stage.")

    @Argument(help: "Input files or folders. Without any, runs the bundled sample corpus (the Golden inputs).")
    var inputs: [String] = []

    @Option(help: "Output folder (created if missing).")
    var out: String?

    @OptionGroup var processing: ProcessingOptions

    @Flag(help: "No progress line and no summary on stderr.")
    var quiet = false

    @Flag(help: "Print where the time went (per phase and stage) at the end of the run.")
    var profile = false

    @Flag(help: "Write the output files through the page cache (stdio) instead of with O_DIRECT. Direct writes cost a twentieth of the kernel time here; buffered ones leave the files in memory for a reader that follows at once.")
    var bufferedOutput = false

    @Option(help: "Also write the knowledge graph into the output folder: ntriples (graph.nt), turtle (graph.ttl), jsonld (graph.jsonld) or neo4j (neo4j/).")
    var graph: GraphFormat?

    @Option(help: "Stop after this stage: normalize, sentences, extract or link (default: all).")
    var through: String?

    func run() throws {
        let tStart = DispatchTime.now().uptimeNanoseconds
        var inputs = self.inputs
        var outDir = out
        if inputs.isEmpty {
            guard let golden = Resources.find("Golden") else {
                throw ValidationError("no INPUT given and the bundled sample corpus (Golden/) was not found")
            }
            let cases = try GoldenSuite(root: golden, ruleSet: try processing.loadRules()).cases()
            inputs = cases.map(\.inputDirectory)
            if outDir == nil { outDir = "out" }
            if !quiet { printError("lianlu: no input given: running the bundled sample corpus (\(cases.count) cases in \(golden)) into \(outDir!)/") }
        }
        guard let outDir else { throw ValidationError("--out DIR is required when inputs are given") }
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)

        let tCollect = DispatchTime.now().uptimeNanoseconds
        let (files, missing) = InputCollector.collect(inputs)
        let tCollected = DispatchTime.now().uptimeNanoseconds
        let total = files.reduce(0) { $0 + $1.size }
        let options = try processing.runOptions(progress: !quiet && isatty(2) != 0, totalBytes: total)
        let stages: [String: Stage] = ["normalize": .normalize, "sentences": .sentences, "extract": .extract, "link": .group]
        let last: Stage
        if let through {
            guard let s = stages[through] else { throw ValidationError("--through must be one of \(stages.keys.sorted().joined(separator: ", "))") }
            last = s
        } else {
            last = Stage.allCases.last!
        }
        let rules = last >= .extract ? try processing.loadRules(workers: options.jobs) : nil
        let runner = try PipelineRunner(options: options, through: last, ruleSet: rules?.set, copies: rules?.copies ?? [])
        let tReady = DispatchTime.now().uptimeNanoseconds
        var sinks = StageSinks()
        var opened: [OutputFile] = []
        for stage in Stage.allCases where stage <= last {
            let f = try OutputFile(path: outDir + "/" + stage.fileName, buffered: bufferedOutput)
            sinks.files[stage] = f
            opened.append(f)
        }
        let rejects = try OutputFile(path: outDir + "/rejects.jsonl", buffered: bufferedOutput)
        opened.append(rejects)
        sinks.rejects = rejects
        sinks.onReject = { printError($0.message) }
        sinks.onWarning = { printError($0) }
        var reader = FileItemReader(files: files, rejects: missing, maxDocumentBytes: options.maxDocumentBytes)
        let summary = runner.run(&reader, sinks: sinks)
        let tRun = DispatchTime.now().uptimeNanoseconds
        try closeOutputs(opened)
        if profile {
            let tEnd = DispatchTime.now().uptimeNanoseconds
            let mb = Double(summary.inputBytes) / 1e6
            func line(_ name: String, _ ns: UInt64) -> String {
                let s = Double(ns) / 1e9
                let padded = name + String(repeating: " ", count: max(0, 30 - name.count))
                return "  " + padded + String(format: "%8.3f s  %8.1f MB/s", s, s > 0 ? mb / s : 0)
            }
            printError("lianlu profile (\(options.jobs) jobs, \(String(format: "%.1f", mb)) MB input):")
            printError("wall clock")
            printError(line("start-up (arguments)", tCollect - tStart))
            printError(line("input discovery", tCollected - tCollect))
            printError(line("load rules, build workers", tReady - tCollected))
            printError(line("run (all stages)", tRun - tReady))
            printError(line("closing output files", tEnd - tRun))
            printError("thread time, summed over workers")
            printError(line("take input (reader thread)", summary.readNanos))
            printError(line("read + parse input", summary.phases.input))
            printError(line("normalize", summary.phases.normalize))
            printError(line("sentences", summary.phases.sentences))
            printError(line("extract", summary.phases.extract))
            printError(line("link (relations, entities)", summary.phases.link))
            printError(line("serialize records", summary.phases.serialize))
            printError(line("write files (writer thread)", summary.writeNanos))
        }
        if !quiet {
            printError(String(format: "lianlu: %d documents: %d written, %d rejected; %d sentences, %d mentions, %d relations; %.1f MB in %.2f s (%.1f MB/s, %d jobs) -> %@/",
                              summary.inputs, summary.written, summary.rejected, summary.sentences, summary.mentions, summary.relations,
                              Double(summary.inputBytes) / 1e6, summary.seconds, summary.megabytesPerSecond, options.jobs, outDir))
        }
        if let graph {
            guard last == Stage.allCases.last! else { throw ValidationError("--graph needs every stage (no --through)") }
            try Export.export(format: graph, base: "https://lianlu.example/", runFolder: outDir, to: outDir + "/" + graph.fileName, quiet: quiet)
        }
        if summary.rejected > 0 {
            if !quiet { printError("lianlu: \(summary.rejected) input(s) rejected: see \(outDir)/rejects.jsonl") }
            throw ExitCode(ExitStatus.rejected)
        }
    }
}

/// Shared body of the filters: JSONL on stdin, one stage's JSONL on stdout.
func runFilter(through: Stage, recordsAreDocuments: Bool, recordsAreSentences: Bool = false, processing: ProcessingOptions, rejectsPath: String?) throws {
    let options = try processing.runOptions(progress: false, totalBytes: nil)
    let rules = through >= .extract ? try processing.loadRules(workers: options.jobs) : nil
    let runner = try PipelineRunner(options: options, through: through, ruleSet: rules?.set, copies: rules?.copies ?? [])
    var sinks = StageSinks()
    let stdout = OutputFile(stdout: ())
    sinks.files[through] = stdout
    var rejectFile: OutputFile?
    if let rejectsPath {
        rejectFile = try OutputFile(path: rejectsPath)
        sinks.rejects = rejectFile
    }
    sinks.onReject = { printError($0.message) }
    sinks.onWarning = { printError($0) }
    var reader = StdinItemReader(recordsAreDocuments: recordsAreDocuments, recordsAreSentences: recordsAreSentences)
    let summary = runner.run(&reader, sinks: sinks)
    stdout.flush()
    try closeOutputs([rejectFile])
    if summary.rejected > 0 { throw ExitCode(ExitStatus.rejected) }
}

struct Normalize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Filter: input documents ({\"id\",\"text\",\"date\",\"source\"} JSONL) on stdin, documents.jsonl records on stdout.")

    @OptionGroup var processing: ProcessingOptions

    @Option(help: "Also write rejected lines to this JSONL file (they are always reported on stderr).")
    var rejects: String?

    func run() throws {
        try runFilter(through: .normalize, recordsAreDocuments: false, processing: processing, rejectsPath: rejects)
    }
}

struct Sentences: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Filter: documents.jsonl records on stdin, sentences.jsonl records on stdout.")

    @OptionGroup var processing: ProcessingOptions

    @Option(help: "Also write rejected lines to this JSONL file (they are always reported on stderr).")
    var rejects: String?

    func run() throws {
        try runFilter(through: .sentences, recordsAreDocuments: true, processing: processing, rejectsPath: rejects)
    }
}

struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Filter: sentences.jsonl records on stdin, mentions.jsonl records on stdout.")

    @OptionGroup var processing: ProcessingOptions

    @Option(help: "Also write rejected lines to this JSONL file (they are always reported on stderr).")
    var rejects: String?

    func run() throws {
        try runFilter(through: .extract, recordsAreDocuments: false, recordsAreSentences: true, processing: processing, rejectsPath: rejects)
    }
}

struct Pipe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Filter for batch engines: input documents ({\"id\",\"text\",...} JSONL) on stdin; every stage's records on stdout, each line \"<stage file>\\t<record>\".",
        discussion: "The lines of one stage, in order, are that stage's file of `lianlu run` over the same documents (documents.jsonl, sentences.jsonl, mentions.jsonl, relations.jsonl, entities.jsonl, rejects.jsonl). scripts/spark/ runs it under Spark's RDD.pipe.")

    @OptionGroup var processing: ProcessingOptions

    func run() throws {
        let options = try processing.runOptions(progress: false, totalBytes: nil)
        let rules = try processing.loadRules(workers: options.jobs)
        let last = Stage.allCases.last!
        let runner = try PipelineRunner(options: options, through: last, ruleSet: rules.set, copies: rules.copies)
        let stdout = OutputFile(stdout: ())
        var sinks = StageSinks()
        for stage in Stage.allCases { sinks.files[stage] = TaggedSink(stage: stage.fileName, out: stdout) }
        sinks.rejects = TaggedSink(stage: "rejects.jsonl", out: stdout)
        sinks.onReject = { printError($0.message) }
        sinks.onWarning = { printError($0) }
        var reader = StdinItemReader(recordsAreDocuments: false)
        let summary = runner.run(&reader, sinks: sinks)
        stdout.flush()
        if summary.rejected > 0 { throw ExitCode(ExitStatus.rejected) }
    }
}

struct Link: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Filter: mentions.jsonl records on stdin, relations.jsonl records on stdout (entities.jsonl into --entities).",
        discussion: "The relation patterns read the words between mentions, so the run's sentences.jsonl is named with --sentences; both files must come from one run, in its order.")

    @Option(help: "The sentences.jsonl of the run the mentions come from.") var sentences: String
    @Option(help: "Also write entities.jsonl records to this file.") var entities: String?
    @Option(help: "Also write rejected documents to this JSONL file (they are always reported on stderr).") var rejects: String?
    @Option(help: "The rules folder (default: ./Rules, or the one beside the binary).") var rules: String?

    func run() throws {
        let set = try Lianlu.loadRules(rules)
        let linker = try Lianlu.loadLinker(set)
        guard let sentenceReader = LineReader(path: sentences) else {
            printError("lianlu link: cannot read \(sentences)")
            throw ExitCode(ExitStatus.failure)
        }
        let stdout = OutputFile(stdout: ())
        let entityFile = try entities.map { try OutputFile(path: $0) }
        let rejectFile = try rejects.map { try OutputFile(path: $0) }
        let summary = LinkFilter(linker: linker).run(
            mentions: LineReader(fd: 0), mentionsName: "<stdin>", sentences: sentenceReader, sentencesName: sentences,
            relations: stdout, entities: entityFile, onReject: { r in
                printError(r.message)
                if let rejectFile { var w = JSONWriter(); r.write(to: &w); rejectFile.write(w.bytes) }
            })
        stdout.flush()
        try closeOutputs([entityFile, rejectFile])
        if summary.rejected > 0 { throw ExitCode(ExitStatus.rejected) }
    }
}

extension GraphFormat: ExpressibleByArgument {
    /// The file name `run --graph` writes in the output folder.
    var fileName: String {
        switch self {
        case .ntriples: return "graph.nt"
        case .turtle: return "graph.ttl"
        case .jsonld: return "graph.jsonld"
        case .neo4j: return "neo4j"
        }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a run's output folder as a knowledge graph: N-Triples, Turtle, JSON-LD or Neo4j bulk-import CSV.",
        discussion: "The model is in Graph/README.md and Graph/lianlu.ttl. OUT is a file (a folder for neo4j); it appears only when the whole export succeeded.")

    @Option(help: "ntriples, turtle, jsonld or neo4j.") var format: GraphFormat = .ntriples
    @Option(help: "Base of the data's IRIs.") var base = "https://lianlu.example/"
    @Flag(help: "No summary on stderr.") var quiet = false
    @Argument(help: "A run's output folder (documents, sentences, mentions, relations, entities).") var inDir: String
    @Argument(help: "The file (or, for neo4j, folder) to write.") var out: String

    func run() throws {
        try Export.export(format: format, base: base, runFolder: inDir, to: out, quiet: quiet)
    }

    static func export(format: GraphFormat, base: String, runFolder: String, to out: String, quiet: Bool) throws {
        let t0 = DispatchTime.now().uptimeNanoseconds
        do {
            let s = try GraphExporter(format: format, base: base).export(runFolder: runFolder, to: out)
            let secs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            if !quiet {
                printError(String(format: "lianlu export: %d documents, %d triples, %.1f MB of JSONL in %.2f s (%.1f MB/s) -> %@",
                                  s.documents, s.triples, Double(s.inputBytes) / 1e6, secs, Double(s.inputBytes) / 1e6 / max(secs, 1e-9), out))
            }
        } catch let e as GraphError {
            printError(e.description)
            printError("lianlu export: nothing was written to \(out)")
            throw ExitCode(ExitStatus.failure)
        }
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show, for a piece of text, each mention with its span, value and rule, the candidates that lost, and each relation frame with the rule that built it.")

    @Argument(help: "The text (normalized as a document would be).") var text: String
    @Option(help: "Reference date for relative dates (YYYY-MM-DD).") var date: String?
    @Option(help: "The rules folder (default: ./Rules, or the one beside the binary).") var rules: String?

    func run() throws {
        var d: CalendarDate?
        if let date {
            guard let cd = CalendarDate(iso: date) else { throw ValidationError("--date must be a valid date YYYY-MM-DD") }
            d = cd
        }
        let set = try Lianlu.loadRules(rules)
        let doc = DocumentNormalizer().normalize(raw: TextUnits.units(text), id: "explain", encoding: "UTF-8", date: d, source: nil, defaultDate: nil)
        let sentences = try SentenceBreaker().sentences(of: doc)
        let result = Extractor(ruleSet: set, keepLosers: true).extract(document: doc, sentences: sentences)
        print(Explanation.render(document: doc, result: result, ruleSet: set), terminator: "")
        let linked = try Linker.load(ruleSet: set).link(text: doc.text, sentences: sentences, mentions: result.mentions)
        print(RelationExplanation.render(text: doc.text, mentions: result.mentions, relations: linked.relations), terminator: "")
    }
}

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the rule set: run every example, lint the files, regenerate Rules/README.md.",
        subcommands: [Test.self, Lint.self, Doc.self])

    struct Location: ParsableArguments {
        @Option(help: "The rules folder (default: ./Rules, or the one beside the binary).") var rules: String?
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run every rule example through the whole extraction stage.")
        @OptionGroup var location: Location
        func run() throws {
            let set = try Lianlu.loadRules(location.rules)
            let breaker = try SentenceBreaker()
            let tester = RuleTester(ruleSet: set, sentences: { breaker.sentences(of: $0) })
            let (count, failures) = tester.run()
            let dir = location.rules ?? Resources.find("Rules") ?? "Rules"
            for f in failures { print("\(dir)/\(f)") }
            print("rules: \(count - failures.count) passed, \(failures.count) failed (\(set.rules.count) rules)")
            let linker = try Lianlu.loadLinker(set)
            let (rcount, rfailures) = RelationRuleTester(linker: linker, extract: { text in
                let (doc, result) = tester.extract(text, date: RuleSet.exampleDate)
                return (doc.text, breaker.sentences(of: doc), result.mentions)
            }).run()
            for f in rfailures { print("\(dir)/\(f)") }
            print("relations: \(rcount - rfailures.count) passed, \(rfailures.count) failed (\(linker.rules.rules.count) rules)")
            if !failures.isEmpty || !rfailures.isEmpty { throw ExitCode(ExitStatus.failure) }
        }
    }

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Report problems in rule files and lexicons as file:line: message.")
        @OptionGroup var location: Location
        func run() throws {
            let set = try Lianlu.loadRules(location.rules)
            let linker = try Lianlu.loadLinker(set)
            print("rules: \(set.rules.count) rules, \(linker.rules.rules.count) relation rules, \(set.lexicons.count) lexicons, \(set.macros.count) macros: no problems")
        }
    }

    struct Doc: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Regenerate Rules/README.md from the rule files (--check: fail if it is stale).")
        @OptionGroup var location: Location
        @Flag(help: "Do not write; exit 1 when the file is stale.") var check = false
        func run() throws {
            let set = try Lianlu.loadRules(location.rules)
            let dir = set.directory
            let intro = (try? String(contentsOfFile: dir + "/README.intro.md", encoding: .utf8)) ?? ""
            let text = RuleDocumentation.markdown(set, intro: intro)
            let path = dir + "/README.md"
            let current = try? String(contentsOfFile: path, encoding: .utf8)
            if check {
                if current != text {
                    printError("\(path) is stale: run `lianlu rules doc`")
                    throw ExitCode(ExitStatus.failure)
                }
                print("\(path) is up to date")
            } else {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                print("wrote \(path)")
            }
        }
    }
}

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a run folder against gold files (SPEC.md format): precision, recall and F1 per type.")
    @Argument(help: "Folder of gold *.json files.") var goldDir: String
    @Argument(help: "A run's output folder (mentions.jsonl, relations.jsonl).") var outDir: String
    @Flag(help: "List misses, extras and wrong values.") var misses = false

    func run() throws {
        let e = try Evaluation.score(goldDirectory: goldDir, runDirectory: outDir)
        print(e.report, terminator: "")
        if misses { for m in e.misses { print(m) } }
    }
}

struct Golden: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Golden files: check every stage's output against Golden/, or re-bless them after a reviewed change.",
        subcommands: [Check.self, Update.self]
    )

    struct Location: ParsableArguments {
        @Option(name: .customLong("golden-dir"), help: "The golden folder (default: ./Golden, or the one beside the binary).")
        var goldenDir: String?

        @Option(help: "The rules folder (default: ./Rules, or the one beside the binary).")
        var rules: String?

        func suite() throws -> GoldenSuite {
            guard let dir = goldenDir ?? Resources.find("Golden") else { throw ValidationError("Golden/ not found; pass --golden-dir") }
            return GoldenSuite(root: dir, ruleSet: try Lianlu.loadRules(rules))
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run every case (or the named ones) and fail on any difference. Never writes.")
        @Argument(help: "Case names (default: all).") var cases: [String] = []
        @OptionGroup var location: Location

        func run() throws {
            let suite = try location.suite()
            var failed = 0
            let all = try suite.cases(only: cases)
            for c in all {
                let problems = try suite.check(c)
                if problems.isEmpty {
                    print("ok      \(c.name)")
                } else {
                    failed += 1
                    print("FAILED  \(c.name)")
                    for p in problems { print(p) }
                }
            }
            print("golden: \(all.count - failed) passed, \(failed) failed")
            if failed > 0 {
                printError("golden check failed; after reviewing the diff, `lianlu golden update \(cases.joined(separator: " "))` re-blesses the expected files")
                throw ExitCode(ExitStatus.failure)
            }
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rewrite the expected files of every case (or the named ones) and say what changed.")
        @Argument(help: "Case names (default: all).") var cases: [String] = []
        @OptionGroup var location: Location

        func run() throws {
            let suite = try location.suite()
            for c in try suite.cases(only: cases) {
                for line in try suite.update(c) { print(line) }
            }
        }
    }
}
