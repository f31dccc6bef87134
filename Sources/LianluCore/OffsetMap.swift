/// Where each piece of a transformed text came from.
///
/// Every normalization step (NFKC, Traditional to Simplified, layout joins) turns an
/// input text into an output text. The map records that as a sequence of pieces, each
/// covering `outLength` output units made from `inLength` input units. A *linear* piece
/// maps unit by unit (copies, and one-for-one replacements such as `，` -> `,`); other
/// pieces map as a block (`…` -> `...`, a deleted layout break). Offsets are UTF-16 units;
/// `Alignment` chains maps and converts to the code points SPEC.md uses.
///
/// A span [s, e) of the output comes from [start of unit s, end of unit e-1) of the input:
/// a span never starts inside a deleted break and always covers whole replaced blocks.
public struct OffsetMap: Sendable {
    // Parallel arrays keep the map small for long documents (16 bytes per piece).
    private var outStarts: [Int32] = []
    private var inStarts: [Int32] = []
    private var outLengths: [Int32] = []
    private var inLengths: [Int32] = []
    public private(set) var outputLength = 0
    public private(set) var inputLength = 0

    public init() {}

    /// The map of a text that a step left unchanged.
    public static func identity(length: Int) -> OffsetMap {
        var m = OffsetMap()
        m.append(inLength: length, outLength: length, linear: true)
        return m
    }

    public var pieceCount: Int { outStarts.count }
    public var isIdentity: Bool {
        outStarts.count <= 1 && inputLength == outputLength && (outStarts.isEmpty || outLengths[0] == inLengths[0])
    }

    /// Appends a piece that consumes `inLength` input units and produces `outLength`.
    /// Linear pieces (equal lengths, unit by unit) merge with a linear predecessor.
    public mutating func append(inLength: Int, outLength: Int, linear: Bool) {
        if inLength == 0 && outLength == 0 { return }
        let isLinear = linear && inLength == outLength
        if isLinear, let last = outStarts.indices.last,
           outLengths[last] == inLengths[last], outLengths[last] > 0,
           pieceIsLinear(last) {
            outLengths[last] += Int32(outLength)
            inLengths[last] += Int32(inLength)
        } else {
            outStarts.append(Int32(outputLength))
            inStarts.append(Int32(inputLength))
            // A block piece of equal lengths is stored with a negative outLength marker
            // so it is not mistaken for a linear one.
            outLengths.append(Int32(outLength))
            inLengths.append(isLinear ? Int32(inLength) : Int32(inLength) | blockFlag)
        }
        outputLength += outLength
        inputLength += inLength
    }

    private let blockFlag: Int32 = 1 << 30

    @inline(__always) private func pieceIsLinear(_ i: Int) -> Bool { inLengths[i] & blockFlag == 0 }

    /// (outStart, inStart, outLength, inLength, linear) of piece `k`.
    public func pieceInfo(_ k: Int) -> (Int, Int, Int, Int, Bool) {
        (Int(outStarts[k]), Int(inStarts[k]), Int(outLengths[k]), pieceInLength(k), pieceIsLinear(k))
    }
    @inline(__always) private func pieceInLength(_ i: Int) -> Int { Int(inLengths[i] & ~blockFlag) }

    /// Index of the piece that contains output unit `u` (0 <= u < outputLength).
    @inline(__always) func piece(containing u: Int) -> Int {
        var lo = 0, hi = outStarts.count
        // Last piece whose start <= u; zero-length pieces (deletions) share their start
        // with the next piece and come before it, so "last" skips them.
        while lo < hi {
            let mid = (lo + hi) >> 1
            if Int(outStarts[mid]) <= u { lo = mid + 1 } else { hi = mid }
        }
        return lo - 1
    }

    /// Input offset where output unit `u` starts.
    public func inputStart(ofUnit u: Int) -> Int {
        if u >= outputLength { return inputLength }
        let p = piece(containing: u)
        if p < 0 { return 0 }
        return pieceIsLinear(p) ? Int(inStarts[p]) + (u - Int(outStarts[p])) : Int(inStarts[p])
    }

    /// Input offset where output unit `u` ends (exclusive).
    public func inputEnd(ofUnit u: Int) -> Int {
        if u >= outputLength { return inputLength }
        let p = piece(containing: u)
        if p < 0 { return 0 }
        return pieceIsLinear(p) ? Int(inStarts[p]) + (u - Int(outStarts[p])) + 1 : Int(inStarts[p]) + pieceInLength(p)
    }

    /// The input range an output range was made from.
    public func inputRange(of r: Range<Int>) -> Range<Int> {
        if r.isEmpty {
            let x = inputStart(ofUnit: r.lowerBound)
            return x..<x
        }
        return inputStart(ofUnit: r.lowerBound)..<inputEnd(ofUnit: r.upperBound - 1)
    }
}

/// Builds an output text and its `OffsetMap` from an input text, one edit at a time.
/// Edits must walk the input from left to right without gaps.
public struct TextEditor {
    public private(set) var output: [UInt16] = []
    public private(set) var map = OffsetMap()
    public var inputPosition: Int { map.inputLength }

    public init(capacity: Int) { output.reserveCapacity(capacity) }

    /// Copies input units unchanged.
    public mutating func copy(_ units: UnsafeBufferPointer<UInt16>) {
        guard !units.isEmpty else { return }
        output.append(contentsOf: units)
        map.append(inLength: units.count, outLength: units.count, linear: true)
    }

    /// Replaces `inLength` input units with `units`; `linear` when it maps unit by unit.
    public mutating func replace(inLength: Int, with units: some Collection<UInt16>, linear: Bool) {
        output.append(contentsOf: units)
        map.append(inLength: inLength, outLength: units.count, linear: linear)
    }

    /// Drops `inLength` input units.
    public mutating func delete(inLength: Int) {
        map.append(inLength: inLength, outLength: 0, linear: false)
    }

    /// Mutable access to output units already written (for one-for-one substitutions).
    public mutating func withOutput<R>(_ body: (inout [UInt16]) -> R) -> R { body(&output) }
}

/// How a document's normalized text lines up with its raw (decoded) text, in code
/// points: the one place where SPEC offsets are computed.
///
/// Serialized on each `documents.jsonl` record as `edits`: the non-identity pieces of the
/// map as `[start, end, raw_start, raw_end]`; text between edits is one-for-one. That
/// keeps `lianlu sentences` (which reads documents.jsonl) byte-identical to `run`.
public struct Alignment: Sendable {
    /// Normalized code points -> raw code points.
    public let map: OffsetMap
    /// Code point offsets of the normalized UTF-16 text.
    public let normalizedIndex: CodePointIndex

    public init(map: OffsetMap, normalizedIndex: CodePointIndex) {
        self.map = map
        self.normalizedIndex = normalizedIndex
    }

    /// SPEC offsets (code points) of a span given in normalized UTF-16 units.
    public func spanOffsets(normalizedUTF16 r: Range<Int>) -> (start: Int, end: Int, rawStart: Int, rawEnd: Int) {
        let s = normalizedIndex.codePointOffset(utf16: r.lowerBound)
        let e = normalizedIndex.codePointOffset(utf16: r.upperBound)
        let raw = map.inputRange(of: s..<e)
        return (s, e, raw.lowerBound, raw.upperBound)
    }

    /// Rebuilds an alignment from a `documents.jsonl` record's `edits`.
    public init(edits: [[Int]], normalizedLength: Int, rawLength: Int, normalizedIndex: CodePointIndex) throws {
        var m = OffsetMap()
        for e in edits {
            guard e.count == 4, e[0] <= e[1], e[2] <= e[3],
                  e[0] - m.outputLength == e[2] - m.inputLength, e[0] >= m.outputLength else {
                throw AlignmentError(message: "edits must be ascending [start,end,raw_start,raw_end] with one-for-one text between them; bad entry \(e)")
            }
            m.append(inLength: e[2] - m.inputLength, outLength: e[0] - m.outputLength, linear: true)
            m.append(inLength: e[3] - e[2], outLength: e[1] - e[0], linear: false)
        }
        guard normalizedLength - m.outputLength == rawLength - m.inputLength, normalizedLength >= m.outputLength else {
            throw AlignmentError(message: "edits do not fit the text length \(normalizedLength) and raw_length \(rawLength)")
        }
        m.append(inLength: rawLength - m.inputLength, outLength: normalizedLength - m.outputLength, linear: true)
        self.map = m
        self.normalizedIndex = normalizedIndex
    }
}

public struct AlignmentError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension OffsetMap {
    /// The non-identity pieces as `[start, end, input_start, input_end]`.
    public var edits: [[Int]] {
        var out: [[Int]] = []
        forEachPiece { o, i, ol, il, linear in
            if !linear { out.append([o, o + ol, i, i + il]) }
        }
        return out
    }

    /// Visits, in order, the pieces whose output start lies in `range` (closed: a piece
    /// starting at `range.upperBound` is visited). A binary search finds the first, so a
    /// document's sentences together visit its pieces about once, not once each.
    public func forEachPiece(startingIn range: Range<Int>, _ body: (Int, Int, Int, Int, Bool) -> Void) {
        var lo = 0, hi = pieceCount
        while lo < hi {
            let mid = (lo + hi) >> 1
            if Int(outStarts[mid]) < range.lowerBound { lo = mid + 1 } else { hi = mid }
        }
        var k = lo
        while k < pieceCount {
            let (o, i, ol, il, lin) = pieceInfo(k)
            if o > range.upperBound { break }
            body(o, i, ol, il, lin)
            k += 1
        }
    }

    /// Visits pieces in order: (outStart, inStart, outLength, inLength, linear).
    public func forEachPiece(_ body: (Int, Int, Int, Int, Bool) -> Void) {
        for k in 0..<pieceCount {
            let (o, i, ol, il, lin) = pieceInfo(k)
            body(o, i, ol, il, lin)
        }
    }

    /// The map of `self` applied after `first`: input of `first` -> output of `self`.
    ///
    /// Exact (equal to applying the two maps in turn) wherever `self` does not cut
    /// through one of `first`'s blocks; where it does, the pieces involved merge into one
    /// block, so a span's input range can only grow, never miss a source unit.
    public func composed(after first: OffsetMap) -> OffsetMap {
        if first.isIdentity { return self }
        if isIdentity { return first }
        var result = OffsetMap()
        for k in 0..<pieceCount {
            let (_, m0, ol, ml, linear) = pieceInfo(k)
            if linear {
                var m = m0
                let mEnd = m0 + ml
                while m < mEnd {
                    let a = first.piece(containing: m)
                    let (ao, ai, aol, ail, alin) = first.pieceInfo(a)
                    let chunkEnd = min(mEnd, ao + aol)
                    let len = chunkEnd - m
                    if alin {
                        let inStart = ai + (m - ao)
                        result.place(outLength: len, inStart: inStart, inEnd: inStart + len, linear: true)
                    } else {
                        result.place(outLength: len, inStart: ai, inEnd: ai + ail, linear: false)
                    }
                    m = chunkEnd
                }
            } else {
                let r = first.inputRange(of: m0..<(m0 + ml))
                result.place(outLength: ol, inStart: r.lowerBound, inEnd: r.upperBound, linear: false)
            }
        }
        if result.inputLength < first.inputLength {
            result.append(inLength: first.inputLength - result.inputLength, outLength: 0, linear: false)
        }
        return result
    }

    /// Appends output units made from input [inStart, inEnd): a gap before them becomes
    /// a deletion; an overlap with what is already placed folds into the last piece.
    mutating func place(outLength: Int, inStart: Int, inEnd: Int, linear: Bool) {
        if inStart > inputLength { append(inLength: inStart - inputLength, outLength: 0, linear: false) }
        if inStart < inputLength, !outStarts.isEmpty {
            extendLast(outLength: outLength, inputEnd: inEnd)
        } else {
            append(inLength: inEnd - inStart, outLength: outLength, linear: linear)
        }
    }

    /// Turns the last piece into a block that also covers `outLength` more output units
    /// and input up to `inputEnd`.
    mutating func extendLast(outLength: Int, inputEnd: Int) {
        let k = outStarts.count - 1
        let newInEnd = max(inputLength, inputEnd)
        let inLen = newInEnd - Int(inStarts[k])
        outLengths[k] += Int32(outLength)
        inLengths[k] = Int32(inLen) | blockFlag
        outputLength += outLength
        inputLength = newInEnd
    }

    /// The same map with both sides measured in code points instead of UTF-16 units.
    public func inCodePoints(output: CodePointIndex, input: CodePointIndex) -> OffsetMap {
        if output.pairStarts.isEmpty && input.pairStarts.isEmpty { return self }
        var r = OffsetMap()
        forEachPiece { o, i, ol, il, linear in
            let co = output.codePointOffset(utf16: o + ol) - output.codePointOffset(utf16: o)
            let ci = input.codePointOffset(utf16: i + il) - input.codePointOffset(utf16: i)
            r.append(inLength: ci, outLength: co, linear: linear && co == ci)
        }
        return r
    }
}
