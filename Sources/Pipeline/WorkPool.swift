import Foundation

/// Worker threads that run batches of work items without a barrier between batches.
///
/// Each batch used to be processed to its end before the next began, so every batch
/// ended with one worker finishing its last document while the others waited (and the
/// bench's 1 MB paragraph held one worker for half a second alone): at `--jobs 2` the
/// workers were idle a tenth of the run. Here a worker that finds every item of the
/// oldest unfinished batch taken starts on the next one. Results still come back batch
/// by batch in input order, so the output does not depend on the thread count, and at
/// most `window` batches are in flight at once, which bounds memory.
final class WorkPool<Item, Result>: @unchecked Sendable {
    private final class Batch {
        let items: [Item]
        var results: [Result]
        /// The next item not taken yet, and how many are finished.
        var next = 0
        var done = 0
        init(_ items: [Item], placeholder: Result) {
            self.items = items
            results = [Result](repeating: placeholder, count: items.count)
        }
        var isFinished: Bool { done == items.count }
    }

    private let condition = NSCondition()
    /// Unfinished batches (and finished ones not handed back yet), oldest first.
    private var inFlight: [Batch] = []
    private let window: Int
    /// What a result slot holds until its item is done (results are handed back without
    /// unwrapping a copy of each).
    private let placeholder: Result
    private var closed = false
    private let exited = DispatchGroup()

    /// One thread per worker (a `StageWorker`'s `process`); each worker is called by its
    /// own thread only.
    init(workers: [(Item) -> Result], placeholder: Result, window: Int = 2) {
        self.window = window
        self.placeholder = placeholder
        for worker in workers {
            exited.enter()
            let t = Thread { [self] in
                work(worker)
                exited.leave()
            }
            // Deep enough for the matchers' recursion on the longest sentences.
            t.stackSize = 16 << 20
            t.start()
        }
    }

    private func work(_ worker: (Item) -> Result) {
        condition.lock()
        while true {
            if let batch = inFlight.first(where: { $0.next < $0.items.count }) {
                let i = batch.next
                batch.next += 1
                condition.unlock()
                let result = worker(batch.items[i])
                condition.lock()
                batch.results[i] = result
                batch.done += 1
                if batch.isFinished { condition.broadcast() }
                continue
            }
            if closed { break }
            condition.wait()
        }
        condition.unlock()
    }

    /// Adds a batch, first waiting while `window` batches are unfinished. Returns the
    /// batches finished by then, oldest first, each only once.
    func submit(_ items: [Item]) -> [[Result]] {
        condition.lock()
        defer { condition.unlock() }
        var finished = takeFinished()
        while inFlight.count >= window {
            condition.wait()
            finished += takeFinished()
        }
        inFlight.append(Batch(items, placeholder: placeholder))
        condition.broadcast()
        return finished
    }

    /// Waits for every batch; returns those not handed back yet, oldest first.
    func drain() -> [[Result]] {
        condition.lock()
        defer { condition.unlock() }
        var finished = takeFinished()
        while !inFlight.isEmpty {
            condition.wait()
            finished += takeFinished()
        }
        return finished
    }

    /// Ends the threads once they are idle (after `drain`).
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
        exited.wait()
    }

    /// The finished batches at the front, in order (a finished batch behind an
    /// unfinished one waits for it). Called with the lock held.
    private func takeFinished() -> [[Result]] {
        var out: [[Result]] = []
        while let first = inFlight.first, first.isFinished {
            out.append(first.results)
            inFlight.removeFirst()
        }
        return out
    }
}
