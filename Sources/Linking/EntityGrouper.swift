import Extraction
import LianluCore

/// Groups a document's name mentions into entities (SPEC.md stage 5).
///
/// The canonical name, and so the corpus-wide key `TYPE:name`, comes from the text alone,
/// never from the document, so one company or place gets one key in every document:
/// - a place's short form that the gazetteer ties to one division becomes its full name
///   (临清 -> 临清市); an ambiguous one (朝阳) stays as written;
/// - within a document, a place written with and without its level word (潘庄, 潘庄镇) is
///   one entity under the longer form;
/// - within a document, an organization name that is part of exactly one longer
///   organization name (宏步鞋业 in 浙江温州宏步鞋业有限公司) is that organization.
/// Values (MONEY, QUANTITY, PERCENT, DATE) are not things: they stay on the frames.
///
/// Mentions can be added in pieces (`add`, in text order, all from one document text),
/// so a long document streamed in sections groups exactly as if it were read whole:
/// what is kept per mention is its name's number and its id.
public struct EntityGrouper {
    let places: PlaceLevels

    /// A name as typed units: hashing UTF-16 arrays is several times cheaper than hashing
    /// Swift strings of Chinese (which are normalized on every hash).
    struct NameKey: Hashable {
        var type: MentionType
        /// The canonical units (a place's full name for a place).
        var units: [UInt16]
    }

    /// The distinct names so far, interned in an open-addressing table (`slots`, a power
    /// of two long) by a 64-bit FNV-1a hash of type and units, checked against the text of
    /// the name's first mention: a name seen before costs no allocation and no reference
    /// counting (most mentions repeat).
    private var distinct: [NameKey] = []
    private var slots = [Int32](repeating: -1, count: 64)
    private var hashes: [UInt64] = []
    private var firsts: [Range<Int>] = []
    /// Every name mention so far, in text order: its distinct name and its id.
    private var named: [(name: Int32, id: String)] = []

    init(places: PlaceLevels) {
        self.places = places
    }

    func group(text: [UInt16], mentions: [Mention]) -> [Entity] {
        var g = self
        g.add(text: text, mentions: mentions)
        return g.entities()
    }

    /// Adds a document's mentions (or the next section's): `text` is the whole document's.
    public mutating func add(text: [UInt16], mentions: [Mention]) {
        text.withUnsafeBufferPointer { t in
            for m in mentions {
                let type = m.type
                guard type.isName || type == .product else { continue }
                let r = m.utf16Range
                var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(type.code)
                for p in r { h = (h ^ UInt64(t[p])) &* 0x100_0000_01b3 }
                if 2 * (distinct.count + 1) > slots.count { rehash(slots.count * 2) }
                let mask = slots.count - 1
                var slot = Int(truncatingIfNeeded: h) & mask
                while true {
                    let k = Int(slots[slot])
                    if k < 0 {
                        slots[slot] = Int32(distinct.count)
                        named.append((Int32(distinct.count), m.id))
                        hashes.append(h)
                        firsts.append(r)
                        var units = Array(t[r])
                        if type == .location, let full = places.fullNameUnits[units] { units = full }
                        distinct.append(NameKey(type: type, units: units))
                        break
                    }
                    if hashes[k] == h, distinct[k].type == type, firsts[k].count == r.count, t[firsts[k]].elementsEqual(t[r]) {
                        named.append((Int32(k), m.id))
                        break
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    private mutating func rehash(_ capacity: Int) {
        slots = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        for (k, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(k)
        }
    }

    /// The entities of everything added, numbered in order of their first mention.
    public func entities() -> [Entity] {
        // A local copy of the array: closures reading `self.distinct` captured (copied and
        // retained) the whole grouper at every sort.
        let distinct = self.distinct
        // A full name reached from two spellings (临清, 临清市) is one name.
        // Only places can be renamed, so only they are compared: sorted so that equal
        // names stand together (then by first mention), each run goes to its first. No
        // hashing of arrays, and n log n however many.
        var sameAs = Array(distinct.indices)
        let placeIDs = distinct.indices.filter { distinct[$0].type == .location }.sorted { x, y in
            // Any order that puts equal names side by side: length, then units.
            let a = distinct[x].units, b = distinct[y].units
            if a.count != b.count { return a.count < b.count }
            for i in a.indices where a[i] != b[i] { return a[i] < b[i] }
            return x < y
        }
        var runFirst = -1
        for (n, k) in placeIDs.enumerated() {
            if n > 0, distinct[placeIDs[n - 1]].units == distinct[k].units { sameAs[k] = runFirst } else { runFirst = k }
        }
        // Short forms within the document: a trie of the type's names finds every name
        // inside a longer one (organizations) or a level word short of it (places) in one
        // walk per start position; a short form held by exactly one longer name is it.
        var mergedInto = Array(distinct.indices)
        for type in [MentionType.organization, .location] {
            // In first-mention order: a short form is merged only when exactly one name
            // holds it, which does not depend on the order names are compared in.
            let ids = distinct.indices.filter { distinct[$0].type == type && sameAs[$0] == $0 }
            guard ids.count > 1 else { continue }
            let names = ids.map { distinct[$0].units }
            // A page's few names are compared pair by pair; many (a 1 MB paragraph) go
            // through a trie, which finds the same names.
            let trie = names.count > EntityGrouper.direct ? NameTrie(names) : nil
            var holders = [(first: Int, count: Int)](repeating: (-1, 0), count: ids.count)
            var found: [Int] = []
            for (li, u) in names.enumerated() {
                found.removeAll(keepingCapacity: true)
                if type == .location {
                    guard u.withUnsafeBufferPointer({ places.rank($0) }) != nil else { continue }
                    for cut in 1...3 where u.count - cut >= 2 {
                        let prefix = u[0..<(u.count - cut)]
                        if let trie {
                            if let k = trie.exact(prefix) { found.append(k) }
                        } else if let k = names.firstIndex(where: { $0.count == prefix.count && $0[...].elementsEqual(prefix) }) {
                            found.append(k)
                        }
                    }
                } else if let trie {
                    for a in 0..<u.count { trie.forEachPrefix(u, from: a) { k in if names[k].count >= 2, k != li { found.append(k) } } }
                } else {
                    for (k, n) in names.enumerated() where k != li && n.count >= 2 && n.count <= u.count && EntityGrouper.contains(u, n) {
                        found.append(k)
                    }
                }
                // A name found twice in one longer name counts once.
                found.sort()
                var last = -1
                for k in found where k != last {
                    last = k
                    holders[k] = holders[k].count == 0 ? (li, 1) : (holders[k].first, holders[k].count + 1)
                }
            }
            for (k, h) in holders.enumerated() where h.count == 1 { mergedInto[ids[k]] = ids[h.first] }
        }
        var groupOf = [Int](repeating: -1, count: distinct.count)  // canonical name -> entity
        var groups: [(name: Int, ids: [String])] = []
        for (name, id) in named {
            let canonical = mergedInto[sameAs[Int(name)]]
            if groupOf[canonical] < 0 { groupOf[canonical] = groups.count; groups.append((canonical, [])) }
            groups[groupOf[canonical]].ids.append(id)
        }
        return groups.enumerated().map { k, g in
            Entity(id: RecordID.make("e", k + 1), type: distinct[g.name].type.rawValue, nameUnits: distinct[g.name].units, mentions: g.ids)
        }
    }
}

extension EntityGrouper {
    /// Up to this many names of a type are compared directly (see `entities`).
    static let direct = 24

    /// Whether `needle` occurs in `hay`.
    static func contains(_ hay: [UInt16], _ needle: [UInt16]) -> Bool {
        let n = needle.count, h = hay.count
        guard n > 0, n <= h else { return n == 0 }
        return hay.withUnsafeBufferPointer { hp in
            needle.withUnsafeBufferPointer { np in
                let first = np[0]
                var i = 0
                while i + n <= h {
                    if hp[i] == first {
                        var j = 1
                        while j < n, hp[i + j] == np[j] { j += 1 }
                        if j == n { return true }
                    }
                    i += 1
                }
                return false
            }
        }
    }
}

/// A trie over a few names (a document's organizations), for finding which of them occur
/// inside another.
struct NameTrie {
    /// Edges of the whole trie in one table, (node << 16 | unit) -> child: one allocation
    /// per trie instead of one dictionary per node.
    private var edges: [UInt64: Int32] = [:]
    private var terminal: [Int32] = [-1]

    init(_ names: [[UInt16]]) {
        edges.reserveCapacity(names.reduce(0) { $0 + $1.count })
        for (k, n) in names.enumerated() {
            var node = 0
            for u in n {
                let key = UInt64(node) << 16 | UInt64(u)
                if let c = edges[key] { node = Int(c) } else {
                    terminal.append(-1)
                    edges[key] = Int32(terminal.count - 1)
                    node = terminal.count - 1
                }
            }
            terminal[node] = Int32(k)
        }
    }

    private func child(_ node: Int, _ u: UInt16) -> Int? { edges[UInt64(node) << 16 | UInt64(u)].map(Int.init) }

    /// The index of the name spelled exactly `s`.
    func exact(_ s: ArraySlice<UInt16>) -> Int? {
        var node = 0
        for u in s { guard let c = child(node, u) else { return nil }; node = c }
        return terminal[node] >= 0 ? Int(terminal[node]) : nil
    }

    /// Calls `body` with every name that starts at `from` in `s`.
    func forEachPrefix(_ s: [UInt16], from: Int, _ body: (Int) -> Void) {
        var node = 0
        var i = from
        while i < s.count, let c = child(node, s[i]) {
            node = c
            i += 1
            if terminal[node] >= 0 { body(Int(terminal[node])) }
        }
    }
}
