import Foundation
@testable import Pipeline
import XCTest

/// The pool hands batches back whole and in the order they were submitted, whichever
/// worker finishes first, and never has more than `window` batches in flight.
final class WorkPoolTests: XCTestCase {
    func testBatchesComeBackWholeAndInOrder() {
        // Items are (batch, index); the first item of every even batch is slow, so the
        // odd batch after it finishes first.
        let worker: ((Int, Int)) -> String = { item in
            usleep(item.0 % 2 == 0 && item.1 == 0 ? 4000 : 0)
            return "\(item.0).\(item.1)"
        }
        let pool = WorkPool<(Int, Int), String>(workers: [worker, worker, worker], placeholder: "", window: 2)
        var returned: [[String]] = []
        let sizes = [5, 1, 8, 3, 12, 1, 1, 7, 4, 9]
        for (b, n) in sizes.enumerated() {
            returned += pool.submit((0..<n).map { (b, $0) })
        }
        returned += pool.drain()
        pool.close()
        XCTAssertEqual(returned, sizes.enumerated().map { b, n in (0..<n).map { "\(b).\($0)" } })
    }

    func testAtMostWindowBatchesAreInFlight() {
        // A batch is active from its first item's start to its last item's end; the pool
        // lets no more than `window` batches be unfinished at once.
        let lock = NSLock()
        var left: [Int: Int] = [:], widest = 0
        let size = 3
        let worker: ((Int, Int)) -> Int = { item in
            lock.lock(); if left[item.0] == nil { left[item.0] = size }; widest = max(widest, left.count); lock.unlock()
            usleep(300)
            lock.lock(); left[item.0]! -= 1; if left[item.0] == 0 { left[item.0] = nil }; lock.unlock()
            return item.0
        }
        let pool = WorkPool<(Int, Int), Int>(workers: [worker, worker, worker, worker], placeholder: -1, window: 2)
        var returned: [[Int]] = []
        for b in 0..<20 { returned += pool.submit((0..<size).map { (b, $0) }) }
        returned += pool.drain()
        pool.close()
        XCTAssertEqual(returned, (0..<20).map { [Int](repeating: $0, count: size) })
        XCTAssertLessThanOrEqual(widest, 2)
    }

    /// An item started early runs before the batches submitted ahead of it, and its
    /// result comes back in its own batch, in its place. One worker held at a gate item
    /// until the early item and batch 0 are both waiting, so the order is decided by the
    /// pool alone.
    func testEarlyItemsRunFirstAndComeBackInTheirPlace() {
        var started: [String] = []
        let gate = DispatchSemaphore(value: 0), atGate = DispatchSemaphore(value: 0)
        let worker: ((Int, Int)) -> String = { item in
            if item.0 < 0 { atGate.signal(); gate.wait() }
            started.append("\(item.0).\(item.1)")
            usleep(item == (3, 1) ? 20000 : 200)
            return "\(item.0).\(item.1)"
        }
        let pool = WorkPool<(Int, Int), String>(workers: [worker], placeholder: "", window: 2, earlyLimit: 1)
        var returned = pool.submit([(-1, 0)])
        atGate.wait()
        let slow = pool.startEarly((3, 1))!
        for b in 0..<8 {
            if b == 1 {
                XCTAssertNil(pool.startEarly((5, 0)), "one ticket out at a time")
                gate.signal()
            }
            returned += pool.submit((0..<4).map { (b, $0) }, early: b == 3 ? [1: slow] : [:])
        }
        returned += pool.drain()
        pool.close()
        XCTAssertEqual(Array(started.prefix(2)), ["-1.0", "3.1"], "the early item is taken before batch 0")
        XCTAssertEqual(started.filter { $0 == "3.1" }.count, 1, "and only once")
        XCTAssertEqual(returned, [["-1.0"]] + (0..<8).map { b in (0..<4).map { "\(b).\($0)" } })
    }

    /// An early result reaches its batch whether the batch was submitted while the item
    /// still ran, or after it was done (then the batch may be finished at once).
    func testEarlyResultsReachTheirBatchEitherWay() {
        let worker: ((Int, Int)) -> String = { item in
            usleep(item == (0, 1) ? 50000 : 200)
            return "\(item.0).\(item.1)"
        }
        let pool = WorkPool<(Int, Int), String>(workers: [worker, worker], placeholder: "", window: 2)
        let running = pool.startEarly((0, 1))!
        var returned = pool.submit([(0, 0), (0, 1), (0, 2)], early: [1: running])
        returned += pool.drain()
        let done = pool.startEarly((1, 0))!
        usleep(50000)
        returned += pool.submit([(1, 0)], early: [0: done])
        returned += pool.drain()
        pool.close()
        XCTAssertEqual(returned, [["0.0", "0.1", "0.2"], ["1.0"]])
    }
}
