/// A trie over words of UTF-16 units, in flat tables: node n's edges are
/// `edges[edgeStart[n] ..< edgeStart[n + 1]]`, sorted by unit. Nodes with many
/// edges (a gazetteer's root has over a thousand) also get an open-addressing table
/// (`hashStart[n]` is their slice of `slots`, a power of two long; -1 for
/// small nodes). No dictionaries: a dictionary per node spent a tenth of the extraction
/// stage in the hasher. What a node means (an entry index, a set of lexicons) is kept by
/// the owner, in arrays indexed by `wordEnd`.
///
/// Lexicons use one forwards and one over reversed entries; the matcher's lead trie joins
/// the entries of every lexicon that leads a rule.
struct UnitTrie: @unchecked Sendable {
    /// One edge or hash slot: a unit and the child it leads to (-1: an empty slot).
    struct Edge { var unit: UInt16; var child: Int32 }
    /// The tables as raw pointers, read-only once built: the matcher follows millions of
    /// edges per megabyte, and array bounds checks on each were a visible share of it.
    private let edgeStart: UnsafePointer<Int32>
    private let edges: UnsafePointer<Edge>
    private let hashStart: UnsafePointer<Int32>
    private let hashMask: UnsafePointer<Int32>
    private let slots: UnsafePointer<Edge>
    /// Owns the tables' memory.
    private let storage = FrozenArrays()
    /// The node where each word of the input ends.
    let wordEnd: [Int32]
    let nodeCount: Int
    static let hashedNodeMinimum = 12

    init(_ words: [[UInt16]]) {
        // Built from the words in sorted order, each sharing the path of the one before
        // as far as their common prefix: no hashing (a dictionary of (node, unit) edges
        // was most of loading the rules). Node numbers follow that order.
        let order = words.indices.sorted { words[$0].lexicographicallyPrecedes(words[$1]) }
        var ends = [Int32](repeating: 0, count: words.count)
        var edgeParent: [Int32] = [], edgeUnit: [UInt16] = [], edgeChild: [Int32] = []
        var path: [Int32] = [0]  // path[d]: the node at depth d along the previous word
        var previous: [UInt16] = []
        var count = 1
        for w in order {
            let word = words[w]
            var common = 0
            while common < word.count && common < previous.count && word[common] == previous[common] { common += 1 }
            path.removeLast(path.count - 1 - common)
            for d in common..<word.count {
                edgeParent.append(path[d]); edgeUnit.append(word[d]); edgeChild.append(Int32(count))
                path.append(Int32(count))
                count += 1
            }
            ends[w] = path[word.count]
            previous = word
        }
        // Edges grouped by parent (a counting sort keeps each parent's in unit order).
        var edgeStart = [Int32](repeating: 0, count: count + 1)
        for p in edgeParent { edgeStart[Int(p) + 1] += 1 }
        for n in 0..<count { edgeStart[n + 1] += edgeStart[n] }
        var next = Array(edgeStart.dropLast())
        var edges = [Edge](repeating: Edge(unit: 0, child: -1), count: edgeParent.count)
        for e in edgeParent.indices {
            let p = Int(edgeParent[e])
            edges[Int(next[p])] = Edge(unit: edgeUnit[e], child: edgeChild[e])
            next[p] += 1
        }
        var hashStart = [Int32](repeating: -1, count: count)
        var hashMask = [Int32](repeating: 0, count: count)
        var slots: [Edge] = []
        for node in 0..<count {
            let a = Int(edgeStart[node]), b = Int(edgeStart[node + 1])
            guard b - a >= UnitTrie.hashedNodeMinimum else { continue }
            var size = 1
            while size < 2 * (b - a) { size <<= 1 }
            let base = slots.count
            slots += [Edge](repeating: Edge(unit: 0, child: -1), count: size)
            for e in a..<b {
                var slot = Int(edges[e].unit &* 0x9E37) & (size - 1)
                while slots[base + slot].child >= 0 { slot = (slot + 1) & (size - 1) }
                slots[base + slot] = edges[e]
            }
            hashStart[node] = Int32(base)
            hashMask[node] = Int32(size - 1)
        }
        let storage = self.storage
        func copy<T>(_ a: [T]) -> UnsafePointer<T> { UnsafePointer(storage.freeze(a)) }
        self.edgeStart = copy(edgeStart)
        self.edges = copy(edges)
        self.hashStart = copy(hashStart)
        self.hashMask = copy(hashMask)
        self.slots = copy(slots)
        nodeCount = count
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
                let e = slots[h + slot]
                if e.child < 0 { return -1 }
                if e.unit == u { return Int(e.child) }
                slot = (slot + 1) & mask
            }
        }
        var i = Int(edgeStart[node])
        let end = Int(edgeStart[node + 1])
        while i < end {
            let e = edges[i]
            if e.unit == u { return Int(e.child) }
            if e.unit > u { return -1 }
            i += 1
        }
        return -1
    }
}
