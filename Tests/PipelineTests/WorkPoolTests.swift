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
}
