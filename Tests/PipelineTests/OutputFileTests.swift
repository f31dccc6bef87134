import Foundation
import Pipeline
import XCTest

/// Output files written with O_DIRECT hold exactly the bytes written, whatever the sizes
/// of the writes and wherever a flush falls (block and buffer boundaries above all), and a
/// failed write is reported at close, never lost.
final class OutputFileTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try CLI.tempDir()
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// Deterministic bytes, every value 0-255 (so a zero padding byte left in the file shows).
    func bytes(_ n: Int, seed: Int) -> [UInt8] {
        var x = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<n).map { _ in
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return UInt8(truncatingIfNeeded: x)
        }
    }

    /// The file's bytes against the expected ones; a failure names the lengths and the
    /// first differing offset, not a million-element array.
    func assertFile(_ path: String, holds expected: [UInt8], _ what: String, line: UInt = #line) throws {
        let got = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard got != expected else { return }
        let first = (0..<min(got.count, expected.count)).first { got[$0] != expected[$0] } ?? min(got.count, expected.count)
        XCTFail("\(what): \(got.count) bytes, expected \(expected.count); first difference at \(first)", line: line)
    }

    func testDirectAndBufferedFilesHoldExactlyTheBytesWritten() throws {
        let block = 4096, buffer = 1 << 18
        // Sizes around the block and the buffer: a partial last block, an exact block, a
        // write that crosses the buffer's end, several buffers in one write.
        let plans: [[Int]] = [
            [], [0], [1], [block - 1], [block], [block + 1], [buffer - 1], [buffer], [buffer + 1],
            [3 * buffer + 17], [100, 5000, buffer, 1, block * 3 - 2, 7],
        ]
        var sawDirect = false
        for buffered in [false, true] {
            for (k, plan) in plans.enumerated() {
                let path = dir.appendingPathComponent("out-\(buffered)-\(k).jsonl").path
                let f = try OutputFile(path: path, buffered: buffered)
                if buffered { XCTAssertFalse(f.isDirect) }
                sawDirect = sawDirect || f.isDirect
                var expected: [UInt8] = []
                for (i, n) in plan.enumerated() {
                    let b = bytes(n, seed: k * 31 + i)
                    f.write(b)
                    expected += b
                }
                try f.close()
                try assertFile(path, holds: expected, "plan \(plan), buffered \(buffered)")
            }
        }
        // The test folder lives on the file system the runs write to; where it refuses
        // O_DIRECT the files fall back to stdio and the checks above still hold.
        if !sawDirect { print("OutputFileTests: this file system refused O_DIRECT; checked the stdio fallback only") }
    }

    /// After each flush the file holds everything written so far, and writes after it
    /// continue the partial block the flush wrote padded and cut.
    func testFlushLeavesTheFileCompleteAndLaterWritesContinueIt() throws {
        let path = dir.appendingPathComponent("flushed.jsonl").path
        let f = try OutputFile(path: path)
        var expected: [UInt8] = []
        for (i, n) in [10, 4086, 1, 4095, 5, (1 << 18) - 3, 9000, 0, 4096].enumerated() {
            let b = bytes(n, seed: 1000 + i)
            f.write(b)
            expected += b
            f.flush()
            try assertFile(path, holds: expected, "after write \(i) of \(n) bytes")
        }
        try f.close()
        try assertFile(path, holds: expected, "after close")
    }

    /// A full device: the error comes out of close, naming the file and the cause.
    func testAWriteErrorIsReportedAtClose() throws {
        guard FileManager.default.isWritableFile(atPath: "/dev/full") else { throw XCTSkip("no /dev/full") }
        for buffered in [false, true] {
            let f = try OutputFile(path: "/dev/full", buffered: buffered)
            f.write(bytes(100_000, seed: 7))
            XCTAssertThrowsError(try f.close()) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.contains("/dev/full"), message)
                XCTAssertTrue(message.contains("No space left"), message)
            }
        }
    }
}
