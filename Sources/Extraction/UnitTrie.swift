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
    private let storage: Storage
    /// The node where each word of the input ends.
    let wordEnd: [Int32]
    let nodeCount: Int
    static let hashedNodeMinimum = 12

    /// Owns the tables' memory.
    private final class Storage: @unchecked Sendable {
        let buffers: [UnsafeMutableRawPointer]
        init(_ buffers: [UnsafeMutableRawPointer]) { self.buffers = buffers }
        deinit { for b in buffers { b.deallocate() } }
    }

    init(_ words: [[UInt16]]) {
        // Built through one table of (node, unit) -> child, then laid out node by node.
        var child: [Int: Int32] = [:]
        child.reserveCapacity(words.reduce(0) { $0 + $1.count })
        var ends: [Int32] = []
        var count = 1
        for word in words {
            var node = 0
            for u in word {
                let key = node << 16 | Int(u)
                if let c = child[key] { node = Int(c); continue }
                child[key] = Int32(count)
                node = count
                count += 1
            }
            ends.append(Int32(node))
        }
        let keys = child.keys.sorted()
        var edgeStart = [Int32](repeating: 0, count: count + 1), edges: [Edge] = []
        edges.reserveCapacity(keys.count)
        for key in keys {
            edges.append(Edge(unit: UInt16(key & 0xFFFF), child: child[key]!))
            edgeStart[(key >> 16) + 1] += 1
        }
        for n in 0..<count { edgeStart[n + 1] += edgeStart[n] }
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
        var buffers: [UnsafeMutableRawPointer] = []
        func copy<T>(_ a: [T]) -> UnsafePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(a.count, 1))
            p.initialize(from: a, count: a.count)
            buffers.append(UnsafeMutableRawPointer(p))
            return UnsafePointer(p)
        }
        self.edgeStart = copy(edgeStart)
        self.edges = copy(edges)
        self.hashStart = copy(hashStart)
        self.hashMask = copy(hashMask)
        self.slots = copy(slots)
        storage = Storage(buffers)
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
