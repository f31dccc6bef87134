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
///
/// A window of two batches does not cover one heavy document (the 1 MB paragraph took
/// half a second while a batch takes a twentieth): once the window filled behind it, the
/// other worker waited. So an item seen ahead in the input can be started early
/// (`startEarly`), before its batch is submitted; workers take such items first, and its
/// result waits for its batch. Only the result is held ahead of its turn, never the
/// records of the batches between, so memory stays as it was.
final class WorkPool<Item, Result>: @unchecked Sendable {
    fileprivate final class Batch {
        let items: [Item]
        var results: [Result]
        /// The items workers take, in order: all but those started early.
        let order: [Int]
        /// The next of `order` not taken yet, and how many items are finished.
        var next = 0
        var done = 0
        init(_ items: [Item], placeholder: Result, skipping early: Set<Int>) {
            self.items = items
            results = [Result](repeating: placeholder, count: items.count)
            order = early.isEmpty ? Array(items.indices) : items.indices.filter { !early.contains($0) }
        }
        var isFinished: Bool { done == items.count }
    }

    /// An item started ahead of its batch (`startEarly`): its result waits here until
    /// the batch is submitted, or goes straight into the batch when that came first.
    final class Ticket {
        fileprivate let item: Item
        fileprivate var result: Result?
        fileprivate var batch: Batch?
        fileprivate var index = 0
        fileprivate init(_ item: Item) { self.item = item }
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
    /// Items started early and not started yet (workers take these first), and how many
    /// tickets are out whose result has not reached its batch: at most `earlyLimit`,
    /// which bounds the results held ahead of their turn.
    private var earlyQueue: [Ticket] = []
    private var earlyOut = 0
    private let earlyLimit: Int

    /// One thread per worker (a `StageWorker`'s `process`); each worker is called by its
    /// own thread only.
    /// `earlyLimit`: how many items may be started ahead of their batch at once (one
    /// fewer than the workers by default, so one worker always keeps to the input order).
    init(workers: [(Item) -> Result], placeholder: Result, window: Int = 2, earlyLimit: Int? = nil) {
        self.window = window
        self.placeholder = placeholder
        self.earlyLimit = earlyLimit ?? max(0, workers.count - 1)
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
            if !earlyQueue.isEmpty {
                let ticket = earlyQueue.removeFirst()
                condition.unlock()
                let result = worker(ticket.item)
                condition.lock()
                if let batch = ticket.batch {
                    place(result, of: ticket, in: batch)
                } else {
                    ticket.result = result
                }
                continue
            }
            if let batch = inFlight.first(where: { $0.next < $0.order.count }) {
                let i = batch.order[batch.next]
                batch.next += 1
                condition.unlock()
                let result = worker(batch.items[i])
                condition.lock()
                complete(batch, i, result)
                continue
            }
            if closed { break }
            condition.wait()
        }
        condition.unlock()
    }

    /// Starts `item` ahead of the batch it belongs to, unless `earlyLimit` tickets are out
    /// (then nil: the item stays with its batch). The ticket goes to `submit` with the
    /// batch, which must be submitted before `drain`.
    func startEarly(_ item: Item) -> Ticket? {
        condition.lock()
        defer { condition.unlock() }
        guard earlyOut < earlyLimit else { return nil }
        earlyOut += 1
        let ticket = Ticket(item)
        earlyQueue.append(ticket)
        condition.broadcast()
        return ticket
    }

    /// Adds a batch, first waiting while `window` batches are unfinished. `early` maps
    /// the index of each item started early to its ticket. Returns the batches finished
    /// by then, oldest first, each only once.
    func submit(_ items: [Item], early: [Int: Ticket] = [:]) -> [[Result]] {
        condition.lock()
        defer { condition.unlock() }
        var finished = takeFinished()
        while inFlight.count >= window {
            condition.wait()
            finished += takeFinished()
        }
        let batch = Batch(items, placeholder: placeholder, skipping: Set(early.keys))
        inFlight.append(batch)
        for (i, ticket) in early {
            ticket.index = i
            if let result = ticket.result {
                ticket.result = nil
                place(result, of: ticket, in: batch)
            } else {
                ticket.batch = batch
            }
        }
        finished += takeFinished()  // a batch of early items alone may be finished already
        condition.broadcast()
        return finished
    }

    /// Puts an early item's result in its batch. Called with the lock held.
    private func place(_ result: Result, of ticket: Ticket, in batch: Batch) {
        ticket.batch = nil
        earlyOut -= 1
        complete(batch, ticket.index, result)
    }

    /// Records item `i`'s result; a finished batch wakes `submit` and `drain`. Called
    /// with the lock held.
    private func complete(_ batch: Batch, _ i: Int, _ result: Result) {
        batch.results[i] = result
        batch.done += 1
        if batch.isFinished { condition.broadcast() }
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
