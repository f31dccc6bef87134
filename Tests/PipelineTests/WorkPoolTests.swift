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
    /// result comes back in its own batch, in its place: whether it finished before its
    /// batch was submitted or after.
    func testEarlyItemsRunFirstAndComeBackInTheirPlace() {
        let lock = NSLock()
        var started: [String] = []
        let worker: ((Int, Int)) -> String = { item in
            lock.lock(); started.append("\(item.0).\(item.1)"); lock.unlock()
            usleep(item == (3, 1) ? 20000 : 200)
            return "\(item.0).\(item.1)"
        }
        let pool = WorkPool<(Int, Int), String>(workers: [worker, worker], placeholder: "", window: 2)
        // (3, 1) is slow and started before anything else, so it is still running when
        // its batch is submitted; (9, 0) below is done before its batch is.
        let slow = pool.startEarly((3, 1))!
        var returned: [[String]] = []
        for b in 0..<8 {
            if b == 1 { let fast = pool.startEarly((5, 0)); XCTAssertNil(fast, "one ticket out at a time with two workers") }
            var early: [Int: WorkPool<(Int, Int), String>.Ticket] = [:]
            if b == 3 { early[1] = slow }
            if b == 4 { usleep(30000) }
            returned += pool.submit((0..<4).map { (b, $0) }, early: early)
        }
        returned += pool.drain()
        XCTAssertEqual(started.first, "3.1", "the early item is taken first")
        XCTAssertEqual(started.filter { $0 == "3.1" }.count, 1, "and only once")
        XCTAssertEqual(returned, (0..<8).map { b in (0..<4).map { "\(b).\($0)" } })
        // Its ticket came back: another item can start early, and a batch of early items
        // alone comes back too.
        let a = pool.startEarly((9, 0))!
        usleep(5000)
        returned = pool.submit([(9, 0)], early: [0: a]) + pool.drain()
        XCTAssertEqual(returned, [["9.0"]])
        pool.close()
    }
}
