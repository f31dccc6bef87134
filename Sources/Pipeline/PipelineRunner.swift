import CPlatform
import Foundation
import LianluCore
import Extraction
import Linking
#if canImport(Glibc)
import Glibc
#endif

/// Options shared by `run` and the filters.
public struct RunOptions: Sendable {
    public var jobs: Int
    public var defaultDate: CalendarDate?
    public var maxDocumentBytes: Int
    public var progress: Bool
    /// Total input bytes, when known, for the progress line's ETA.
    public var totalBytes: Int?
    /// Documents of at least this many input bytes are long: processed alone, in
    /// sections, with their records streamed to the files (see `StageWorker.processLong`).
    public var longDocumentBytes: Int = 4 << 20
    /// The section size of a long document, in UTF-16 units (whole paragraphs, at least this).
    public var sectionUnits: Int = 1 << 18
    /// The size of the pieces a long document's records are handed on in.
    public var longChunkBytes: Int = 4 << 20
    /// With more than one worker: how far the input is read ahead, and the size from
    /// which a document found there (and not long) is started early (see
    /// `WorkPool.startEarly`). A 2.9 MB document takes a worker about as long as the
    /// 8 MB before it take the other, so it is done about when its turn comes.
    public var lookaheadBytes: Int = 8 << 20
    public var earlyStartBytes: Int = 512 << 10

    public init(jobs: Int = ProcessInfo.processInfo.activeProcessorCount, defaultDate: CalendarDate? = nil,
                maxDocumentBytes: Int = 256 << 20, progress: Bool = false, totalBytes: Int? = nil) {
        self.jobs = max(1, jobs)
        self.defaultDate = defaultDate
        self.maxDocumentBytes = maxDocumentBytes
        self.progress = progress
        self.totalBytes = totalBytes
    }
}

/// Something records are written to: a file, standard output, or memory.
public protocol RecordSink: AnyObject {
    func write(_ bytes: [UInt8])
}

extension OutputFile: RecordSink {}

/// Writes each record (line) with its stage file name and a tab in front, all stages into
/// one stream: `lianlu pipe`, for batch engines that take one output per process
/// (Spark's `RDD.pipe`). Lines are whole records, so nothing else is escaped. A record
/// may come in pieces (a long document's text): the tag goes only where a line starts.
public final class TaggedSink: RecordSink {
    let tag: [UInt8]
    let out: RecordSink
    private var atLineStart = true
    public init(stage fileName: String, out: RecordSink) {
        tag = Array(fileName.utf8) + [0x09]
        self.out = out
    }
    public func write(_ bytes: [UInt8]) {
        var tagged: [UInt8] = []
        tagged.reserveCapacity(bytes.count + 64)
        var start = 0
        for (i, b) in bytes.enumerated() where b == 0x0A {
            if atLineStart { tagged.append(contentsOf: tag) }
            tagged.append(contentsOf: bytes[start...i])
            start = i + 1
            atLineStart = true
        }
        if start < bytes.count {
            if atLineStart { tagged.append(contentsOf: tag) }
            tagged.append(contentsOf: bytes[start...])
            atLineStart = false
        }
        out.write(tagged)
    }
}

/// Collects records in memory (golden checks, tests).
public final class MemorySink: RecordSink {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ b: [UInt8]) { bytes.append(contentsOf: b) }
}

/// Where a run's records go: one sink per stage (absent = not written) and the rejects.
public struct StageSinks {
    public var files = PerStage<RecordSink>()
    public var rejects: RecordSink?
    /// Called for each reject in input order (the CLI prints `file:line: error ...`).
    public var onReject: ((Reject) -> Void)?
    /// Called for each warning in input order.
    public var onWarning: ((String) -> Void)?

    public init() {}
}

public struct RunSummary: Sendable, Equatable {
    public var inputs = 0
    public var written = 0
    public var rejected = 0
    public var sentences = 0
    public var mentions = 0
    public var relations = 0
    public var inputBytes = 0
    public var seconds = 0.0
    public var rejectsByCode: [String: Int] = [:]
    /// Worker thread time per phase, summed over documents.
    public var phases = PhaseTimes()
    /// Writer thread time (ordering, duplicate check, writing files).
    public var writeNanos: UInt64 = 0
    /// Reader thread time (taking items from the input, reading text files).
    public var readNanos: UInt64 = 0

    public var megabytesPerSecond: Double { seconds > 0 ? Double(inputBytes) / 1_000_000 / seconds : 0 }
}

/// Runs the stages over a stream of work items with `jobs` worker threads.
///
/// Items are taken in batches bounded by count and bytes (so memory is bounded by the
/// batch, or by the largest document when it is larger); each batch is processed in
/// parallel and written in input order, so the output files are byte-identical
/// whatever the number of threads.
public final class PipelineRunner {
    public let options: RunOptions
    public let through: Stage
    private var workers: [StageWorker] = []
    /// Batch limits: enough items to keep every worker busy, few enough bytes to stay small.
    public var batchItems = 256
    public var batchBytes = 16 << 20

    /// glibc raises its mmap threshold (up to 32 MB) whenever a block that large is freed:
    /// after one huge document the big arrays of later ones came from the heap and their
    /// pages stayed with the process. Fixed at 256 kB, large blocks go back to the system
    /// when freed: peak RSS at `--jobs 2` on the bench corpus 178 MB instead of 187-189 MB,
    /// at the same speed (`MALLOC_MMAP_THRESHOLD_=262144`, two runs each).
    private static let fixedMmapThreshold: Bool = lianlu_set_mmap_threshold(256 << 10) == 1

    /// `copies`: rule sets already loaded for workers 1, 2, ... (see `RuleSet.copyForWorker`);
    /// a worker without one loads its own.
    /// `linker`: the relation rules for the link stage; without one, they are loaded from
    /// the rule set's folder (Rules/relations/) when the run goes that far.
    public init(options: RunOptions, through: Stage, ruleSet: RuleSet? = nil, copies: [RuleSet] = [], linker: Linker? = nil) throws {
        _ = PipelineRunner.fixedMmapThreshold
        self.options = options
        self.through = through
        var linker = linker
        if through >= .link, linker == nil, let ruleSet {
            linker = try Linker.load(ruleSet: ruleSet)
        }
        // Each worker gets its own copy of the rules, built on its own thread: loading
        // and compiling them is most of the start-up, and the copies are independent.
        let defaultDate = options.defaultDate
        let built = concurrentMap(count: max(1, options.jobs)) { k in
            let rules = k == 0 ? ruleSet : (k - 1 < copies.count ? copies[k - 1] : ruleSet?.copyForWorker())
            return Result { try StageWorker(through: through, defaultDate: defaultDate, ruleSet: rules, linker: linker) }
        }
        workers = try built.map { try $0.get() }
    }

    public func run<I: IteratorProtocol>(_ items: inout I, sinks: StageSinks) -> RunSummary where I.Element == WorkItem {
        let started = DispatchTime.now().uptimeNanoseconds
        let writer = OrderedWriter(sinks: sinks, progress: ProgressLine(enabled: options.progress, totalBytes: options.totalBytes))
        // Writing batch k overlaps with processing batch k+1; at most two batches of
        // results wait for the writer at once, which bounds memory.
        let queue = DispatchQueue(label: "lianlu.writer")
        let slots = DispatchSemaphore(value: 2)
        // Reading batch k+1 (JSONL lines, text files) overlaps with processing batch k.
        let reader = BatchPrefetcher(items: items, batchItems: batchItems, batchBytes: batchBytes, longBytes: options.longDocumentBytes)
        defer { items = reader.items }
        reader.start()
        // With more than one worker the batches run on a pool without a barrier between
        // them (see WorkPool); one worker runs them here, in turn.
        let pool = workers.count > 1 ? WorkPool<WorkItem, WorkResult>(workers: workers.map { w in { w.process($0) } }, placeholder: WorkResult()) : nil
        func write(_ results: [WorkResult]) {
            slots.wait()
            queue.async {
                writer.write(results)
                slots.signal()
            }
        }
        // With a pool the input is read up to `lookaheadBytes` ahead (never past a long
        // document), and heavy documents in it are started early (see WorkPool).
        var ahead = ReadAhead()
        while true {
            while ahead.isEmpty || (pool != nil && ahead.bytes < options.lookaheadBytes && !ahead.endsWithLong) {
                guard let batch = reader.next() else { break }
                ahead.append(batch, longBytes: options.longDocumentBytes, heavyBytes: pool == nil ? .max : options.earlyStartBytes)
            }
            if let pool { ahead.startHeavy(pool) }
            guard let next = ahead.takeFirst() else { break }
            var batch = next.items
            if next.long {
                // Alone in its batch (see BatchPrefetcher): once everything before it is
                // written, its records go straight to the writer as they are made.
                if let pool { pool.drain().forEach(write) }
                queue.sync {}
                let out = LongDocumentWriter(writer: writer, queue: queue)
                let result = workers[0].processLong(batch.removeLast(), sectionUnits: options.sectionUnits,
                                                    chunkBytes: options.longChunkBytes, out: out)
                // After its last piece (the queue is serial).
                queue.sync { writer.finishLong(result, streamed: out.started) }
                continue
            }
            if let pool {
                pool.submit(batch, early: next.early).forEach(write)
            } else {
                write(batch.map { workers[0].process($0) })
            }
        }
        if let pool {
            pool.drain().forEach(write)
            pool.close()
        }
        queue.sync {}
        writer.progress.finish()
        var summary = writer.summary
        summary.readNanos = reader.nanos
        summary.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return summary
    }
}

/// The batches read ahead of the one being submitted, with the heavy items in them:
/// those not started yet, and the tickets of those started early.
struct ReadAhead {
    typealias Ticket = WorkPool<WorkItem, WorkResult>.Ticket
    struct Batch {
        var items: [WorkItem]
        var early: [Int: Ticket] = [:]
        /// Heavy items not started yet.
        var heavy: [Int]
        /// A long document, alone in its batch (see BatchPrefetcher).
        var long: Bool
        var bytes: Int
    }
    /// A few dozen batches at most: taking the first shifts the rest.
    private var batches: [Batch] = []
    private(set) var bytes = 0

    var isEmpty: Bool { batches.isEmpty }
    var endsWithLong: Bool { batches.last?.long ?? false }

    mutating func append(_ items: [WorkItem], longBytes: Int, heavyBytes: Int) {
        let long = items.count == 1 && items[0].byteCount >= longBytes
        // A long document is processed alone, in sections: never early.
        let heavy = long ? [] : items.indices.filter { items[$0].byteCount >= heavyBytes }
        let size = items.reduce(0) { $0 + $1.byteCount }
        batches.append(Batch(items: items, heavy: heavy, long: long, bytes: size))
        bytes += size
    }

    /// Starts the heavy items, oldest first, while the pool takes them.
    mutating func startHeavy(_ pool: WorkPool<WorkItem, WorkResult>) {
        for b in batches.indices {
            while let i = batches[b].heavy.first {
                guard let ticket = pool.startEarly(batches[b].items[i]) else { return }
                batches[b].early[i] = ticket
                batches[b].heavy.removeFirst()
            }
        }
    }

    mutating func takeFirst() -> Batch? {
        guard !isEmpty else { return nil }
        let b = batches.removeFirst()
        bytes -= b.bytes
        return b
    }
}

/// Writes results in input order on the writer thread: checks ids for duplicates,
/// routes rejects, counts everything.
final class OrderedWriter: @unchecked Sendable {
    let sinks: StageSinks
    let progress: ProgressLine
    var summary = RunSummary()
    private var seenIDs = Set<UInt64>()
    private var rejectWriter = JSONWriter(capacity: 1024)

    init(sinks: StageSinks, progress: ProgressLine) {
        self.sinks = sinks
        self.progress = progress
    }

    func write(_ results: [WorkResult]) {
        let t0 = now()
        defer { summary.writeNanos += now() - t0 }
        for var r in results {
            if r.reject == nil { r.reject = claim(r) }
            record(r, writeOutput: true)
        }
        progress.update(documents: summary.inputs, bytes: summary.inputBytes)
    }

    /// A reject when the result's document id was used by an earlier document; else the
    /// id is taken.
    func claim(_ r: WorkResult) -> Reject? {
        guard let id = r.docID, !seenIDs.insert(stableHash(id)).inserted else { return nil }
        return Reject(code: .duplicateID, file: r.origin?.file ?? "", line: r.origin?.line, doc: id,
                      reason: "document id \"\(id)\" was already used by an earlier document in this run; ids must be unique")
    }

    /// A piece of a long document's records (see `LongDocumentWriter`).
    func writeStreamed(_ stage: Stage, _ bytes: [UInt8]) {
        let t0 = now()
        defer { summary.writeNanos += now() - t0 }
        sinks.files[stage]?.write(bytes)
    }

    /// Counts a long document whose records were streamed (its id was claimed when it
    /// started), or routes its reject.
    func finishLong(_ r: WorkResult, streamed: Bool) {
        var r = r
        if !streamed, r.reject == nil { r.reject = claim(r) }
        record(r, writeOutput: !streamed)
        progress.update(documents: summary.inputs, bytes: summary.inputBytes)
    }

    private func record(_ r: WorkResult, writeOutput: Bool) {
        summary.phases += r.phaseNanos
        summary.inputs += 1
        summary.inputBytes += r.inputBytes
        if let rej = r.reject {
            summary.rejected += 1
            summary.rejectsByCode[rej.code.rawValue, default: 0] += 1
            rejectWriter.removeAll()
            rej.write(to: &rejectWriter)
            sinks.rejects?.write(rejectWriter.bytes)
            sinks.onReject?(rej)
            return
        }
        summary.written += 1
        summary.sentences += r.sentenceCount
        summary.mentions += r.mentionCount
        summary.relations += r.relationCount
        for w in r.warnings { sinks.onWarning?(w) }
        guard writeOutput else { return }
        for stage in Stage.allCases {
            if let file = sinks.files[stage], let out = r.output[stage] { file.write(out) }
        }
    }

    /// FNV-1a over the id's UTF-8: duplicate detection in constant memory per document
    /// (8 bytes each; a false duplicate needs a 64-bit collision).
    private func stableHash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return h
    }
}

/// Takes work items from the input on a thread of its own, in batches bounded by count
/// and bytes, one batch ahead of the workers: reading lines and files overlaps with
/// processing. Text files are read here too (their bytes travel in the item), so one
/// worker never waits on the file system.
final class BatchPrefetcher<I: IteratorProtocol>: @unchecked Sendable where I.Element == WorkItem {
    private(set) var items: I
    private let batchItems: Int
    private let batchBytes: Int
    private let condition = NSCondition()
    private var ready: [[WorkItem]] = []
    private var finished = false
    /// Batches read ahead of the one being processed.
    private let ahead = 1
    private var thread: Thread?
    private(set) var nanos: UInt64 = 0

    /// Items of at least this many bytes travel alone in a batch (long documents).
    private let longBytes: Int
    /// A long item that ended the batch before it; the first of the next.
    private var held: WorkItem?

    init(items: I, batchItems: Int, batchBytes: Int, longBytes: Int = .max) {
        self.items = items
        self.batchItems = batchItems
        self.batchBytes = batchBytes
        self.longBytes = longBytes
    }

    func start() {
        let t = Thread { [self] in produce() }
        t.stackSize = 1 << 20
        thread = t
        t.start()
    }

    private func produce() {
        while true {
            let t0 = DispatchTime.now().uptimeNanoseconds
            var batch: [WorkItem] = []
            var bytes = 0
            var exhausted = false
            while batch.count < batchItems && (bytes < batchBytes || batch.isEmpty) {
                guard var item = held ?? items.next() else { exhausted = true; break }
                held = nil
                let long = item.byteCount >= longBytes
                if long && !batch.isEmpty { held = item; break }
                if case let .textFile(path, display, size, nil) = item, let data = try? readWholeFile(path) {
                    item = .textFile(path: path, displayPath: display, size: size, preloaded: data)
                }
                bytes += item.byteCount
                batch.append(item)
                if long { break }
            }
            nanos += DispatchTime.now().uptimeNanoseconds - t0
            condition.lock()
            while ready.count >= ahead { condition.wait() }
            if !batch.isEmpty { ready.append(batch) }
            if exhausted { finished = true }
            condition.broadcast()
            condition.unlock()
            if exhausted { return }
        }
    }

    /// The next batch, or nil when the input is exhausted.
    func next() -> [WorkItem]? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished { condition.wait() }
        if ready.isEmpty { return nil }
        let batch = ready.removeFirst()
        condition.broadcast()
        return batch
    }
}

/// The progress line on stderr: documents, MB, MB/s and ETA when the total is known.
/// Silent unless enabled (the CLI enables it only when stderr is a terminal).
final class ProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private let totalBytes: Int?
    private let start = DispatchTime.now().uptimeNanoseconds
    private var lastPrint: UInt64 = 0
    private var printed = false

    init(enabled: Bool, totalBytes: Int?) {
        self.enabled = enabled
        self.totalBytes = totalBytes
    }

    func update(documents: Int, bytes: Int) {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - lastPrint > 250_000_000 else { return }
        lastPrint = now
        let secs = Double(now - start) / 1e9
        let mb = Double(bytes) / 1e6
        let rate = secs > 0 ? mb / secs : 0
        var line = String(format: "\r%d documents, %.1f MB, %.1f MB/s", documents, mb, rate)
        if let total = totalBytes, total > 0, rate > 0 {
            let remaining = max(0, Double(total - bytes) / 1e6 / rate)
            line += String(format: ", %.0f%%, ETA %.0f s", 100 * Double(bytes) / Double(total), remaining)
        }
        fputs(line + "   ", stderr)
        printed = true
    }

    func finish() {
        if enabled && printed { fputs("\n", stderr) }
    }
}

/// Hands a long document's records to the writer thread as they are made: at most two
/// pieces wait at once, so the worker never runs far ahead of the disk.
final class LongDocumentWriter: LongDocumentOutput, @unchecked Sendable {
    private let writer: OrderedWriter
    private let queue: DispatchQueue
    private let slots = DispatchSemaphore(value: 2)
    /// Whether the document's id was claimed and records may have been written.
    private(set) var started = false

    init(writer: OrderedWriter, queue: DispatchQueue) {
        self.writer = writer
        self.queue = queue
    }

    func begin(_ result: WorkResult) -> Reject? {
        let reject = queue.sync { writer.claim(result) }
        started = reject == nil
        return reject
    }

    func write(_ stage: Stage, _ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        slots.wait()
        queue.async { [writer, slots] in
            writer.writeStreamed(stage, bytes)
            slots.signal()
        }
    }
}
