import XCTest
@testable import LianluCore

/// A reference model: per output unit, its input [start, end).
private struct UnitModel {
    var starts: [Int] = []
    var ends: [Int] = []
    var inputLength = 0

    mutating func copy(_ n: Int) {
        for k in 0..<n { starts.append(inputLength + k); ends.append(inputLength + k + 1) }
        inputLength += n
    }

    mutating func block(inLength: Int, outLength: Int) {
        for _ in 0..<outLength { starts.append(inputLength); ends.append(inputLength + inLength) }
        inputLength += inLength
    }

    func range(_ r: Range<Int>) -> Range<Int> {
        if r.isEmpty {
            let x = r.lowerBound < starts.count ? starts[r.lowerBound] : inputLength
            return x..<x
        }
        return starts[r.lowerBound]..<ends[r.upperBound - 1]
    }
}

final class OffsetMapTests: XCTestCase {
    private func randomMap(_ rng: inout SystemRandomNumberGenerator, inputLength: Int? = nil) -> (OffsetMap, UnitModel) {
        var m = OffsetMap()
        var model = UnitModel()
        let steps = Int.random(in: 1...30, using: &rng)
        for _ in 0..<steps {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0:
                let n = Int.random(in: 1...6, using: &rng)
                m.append(inLength: n, outLength: n, linear: true)
                model.copy(n)
            case 1:
                let a = Int.random(in: 1...3, using: &rng), b = Int.random(in: 1...4, using: &rng)
                m.append(inLength: a, outLength: b, linear: false)
                model.block(inLength: a, outLength: b)
            case 2:
                let a = Int.random(in: 1...3, using: &rng)
                m.append(inLength: a, outLength: 0, linear: false)
                model.block(inLength: a, outLength: 0)
            default:
                let b = Int.random(in: 1...2, using: &rng)
                m.append(inLength: 0, outLength: b, linear: false)
                model.block(inLength: 0, outLength: b)
            }
        }
        return (m, model)
    }

    func testMapAgreesWithUnitModel() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let (m, model) = randomMap(&rng)
            XCTAssertEqual(m.outputLength, model.starts.count)
            for s in 0...m.outputLength {
                for e in s...m.outputLength {
                    XCTAssertEqual(m.inputRange(of: s..<e), model.range(s..<e))
                }
            }
        }
    }

    /// Property: composing two maps equals applying them one after the other when the
    /// second map does not cut through the first one's blocks (what normalization does:
    /// layout joins delete newlines and spaces, which NFKC copied), and never loses a
    /// source unit when it does.
    func testCompositionEqualsSequentialApplication() {
        var rng = SystemRandomNumberGenerator()
        var checked = 0
        for trial in 0..<800 {
            let aligned = trial % 2 == 0
            let (first, _) = randomMap(&rng)
            // Output positions where a block of `first` is not cut.
            var cuttable = Set<Int>([0, first.outputLength])
            first.forEachPiece { o, _, ol, _, linear in
                cuttable.insert(o)
                cuttable.insert(o + ol)
                if linear { for k in 0..<ol { cuttable.insert(o + k) } }
            }
            // A second map over first's output.
            var second = OffsetMap()
            var left = first.outputLength
            while left > 0 {
                var n = Int.random(in: 1...min(5, left), using: &rng)
                if aligned {
                    let pos = first.outputLength - left
                    while !cuttable.contains(pos + n) { n += 1 }
                }
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: second.append(inLength: n, outLength: n, linear: true)
                case 1: second.append(inLength: n, outLength: 0, linear: false)
                default: second.append(inLength: n, outLength: Int.random(in: 1...3, using: &rng), linear: false)
                }
                left -= n
            }
            if first.outputLength == 0 { continue }
            let composed = second.composed(after: first)
            XCTAssertEqual(composed.inputLength, first.inputLength)
            XCTAssertEqual(composed.outputLength, second.outputLength)
            for s in 0..<second.outputLength {
                for e in (s + 1)...second.outputLength {
                    let seq = first.inputRange(of: second.inputRange(of: s..<e))
                    let got = composed.inputRange(of: s..<e)
                    if aligned {
                        XCTAssertEqual(got, seq, "span \(s)..<\(e)")
                    } else if !seq.isEmpty {
                        XCTAssertTrue(got.lowerBound <= seq.lowerBound && got.upperBound >= seq.upperBound, "span \(s)..<\(e): \(got) misses \(seq)")
                    }
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 1000)
    }

    func testEditsRoundTripThroughAlignment() throws {
        var m = OffsetMap()
        m.append(inLength: 5, outLength: 5, linear: true)
        m.append(inLength: 2, outLength: 0, linear: false)
        m.append(inLength: 1, outLength: 3, linear: false)
        m.append(inLength: 4, outLength: 4, linear: true)
        XCTAssertEqual(m.edits, [[5, 5, 5, 7], [5, 8, 7, 8]])
        let text = [UInt16](repeating: 0x4E2D, count: 12)
        let a = try Alignment(edits: m.edits, normalizedLength: 12, rawLength: 12, normalizedIndex: CodePointIndex(text))
        for s in 0...12 { for e in s...12 { XCTAssertEqual(a.map.inputRange(of: s..<e), m.inputRange(of: s..<e)) } }
        XCTAssertThrowsError(try Alignment(edits: [[3, 1, 0, 0]], normalizedLength: 12, rawLength: 12, normalizedIndex: CodePointIndex(text)))
    }
}
