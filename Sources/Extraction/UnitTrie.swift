/// A trie over words of UTF-16 units, in flat arrays: node n's edges are
/// `edgeUnit/edgeChild[edgeStart[n] ..< edgeStart[n + 1]]`, sorted by unit. Nodes with many
/// edges (a gazetteer's root has over a thousand) also get an open-addressing table
/// (`hashStart[n]` is their slice of `hashKey`/`hashChild`, a power of two long; -1 for
/// small nodes). No dictionaries: a dictionary per node spent a tenth of the extraction
/// stage in the hasher. What a node means (an entry index, a set of lexicons) is kept by
/// the owner, in arrays indexed by `wordEnd`.
///
/// Lexicons use one forwards and one over reversed entries; the matcher's lead trie joins
/// the entries of every lexicon that leads a rule.
struct UnitTrie: Sendable {
    private let edgeStart: [Int32]
    private let edgeUnit: [UInt16]
    private let edgeChild: [Int32]
    private let hashStart: [Int32]
    private let hashMask: [Int32]
    private let hashKey: [UInt16]
    private let hashChild: [Int32]
    /// The node where each word of the input ends.
    let wordEnd: [Int32]
    var nodeCount: Int { edgeStart.count - 1 }
    static let hashedNodeMinimum = 12

    init(_ words: [[UInt16]]) {
        var children: [[UInt16: Int32]] = [[:]]
        var ends: [Int32] = []
        for word in words {
            var node = 0
            for u in word {
                if let c = children[node][u] { node = Int(c); continue }
                children.append([:])
                children[node][u] = Int32(children.count - 1)
                node = children.count - 1
            }
            ends.append(Int32(node))
        }
        var edgeStart: [Int32] = [0], edgeUnit: [UInt16] = [], edgeChild: [Int32] = []
        for node in children {
            for (u, c) in node.sorted(by: { $0.key < $1.key }) {
                edgeUnit.append(u)
                edgeChild.append(c)
            }
            edgeStart.append(Int32(edgeUnit.count))
        }
        var hashStart = [Int32](repeating: -1, count: children.count)
        var hashMask = [Int32](repeating: 0, count: children.count)
        var hashKey: [UInt16] = [], hashChild: [Int32] = []
        for node in children.indices {
            let a = Int(edgeStart[node]), b = Int(edgeStart[node + 1])
            guard b - a >= UnitTrie.hashedNodeMinimum else { continue }
            var size = 1
            while size < 2 * (b - a) { size <<= 1 }
            let base = hashKey.count
            hashKey += [UInt16](repeating: 0, count: size)
            hashChild += [Int32](repeating: -1, count: size)
            for e in a..<b {
                var slot = Int(edgeUnit[e] &* 0x9E37) & (size - 1)
                while hashChild[base + slot] >= 0 { slot = (slot + 1) & (size - 1) }
                hashKey[base + slot] = edgeUnit[e]
                hashChild[base + slot] = edgeChild[e]
            }
            hashStart[node] = Int32(base)
            hashMask[node] = Int32(size - 1)
        }
        self.edgeStart = edgeStart
        self.edgeUnit = edgeUnit
        self.edgeChild = edgeChild
        self.hashStart = hashStart
        self.hashMask = hashMask
        self.hashKey = hashKey
        self.hashChild = hashChild
        wordEnd = ends
    }

    /// The child of `node` along unit `u`, or -1 (node 0 is the root).
    @inline(__always)
    func child(_ node: Int, _ u: UInt16) -> Int {
        let h = Int(hashStart[node])
        if h >= 0 {
            let mask = Int(hashMask[node])
            var slot = Int(u &* 0x9E37) & mask
            while true {
                let c = hashChild[h + slot]
                if c < 0 { return -1 }
                if hashKey[h + slot] == u { return Int(c) }
                slot = (slot + 1) & mask
            }
        }
        var i = Int(edgeStart[node])
        let end = Int(edgeStart[node + 1])
        while i < end {
            let m = edgeUnit[i]
            if m == u { return Int(edgeChild[i]) }
            if m > u { return -1 }
            i += 1
        }
        return -1
    }
}
