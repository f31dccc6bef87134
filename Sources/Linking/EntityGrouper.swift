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
struct EntityGrouper {
    let places: PlaceLevels
    static let grouped: [MentionType] = [.person, .organization, .location, .project, .title, .product]

    /// A name as typed units: hashing UTF-16 arrays is several times cheaper than hashing
    /// Swift strings of Chinese (which are normalized on every hash).
    struct NameKey: Hashable {
        var type: MentionType
        var units: [UInt16]
    }

    func group(text: [UInt16], mentions: [Mention]) -> [Entity] {
        var nameOf = [Int](repeating: -1, count: mentions.count)  // mention -> distinct name
        var index: [NameKey: Int] = [:]
        var distinct: [NameKey] = []
        for (i, m) in mentions.enumerated() where EntityGrouper.grouped.contains(m.type) {
            var units = Array(text[m.utf16Range])
            if m.type == .location, let full = places.fullNameUnits[units] { units = full }
            let key = NameKey(type: m.type, units: units)
            if let k = index[key] { nameOf[i] = k } else {
                nameOf[i] = distinct.count
                index[key] = distinct.count
                distinct.append(key)
            }
        }
        // Short forms within the document: a trie of the type's names finds every name
        // inside a longer one (organizations) or a level word short of it (places) in one
        // walk per start position; a short form held by exactly one longer name is it.
        var mergedInto = Array(distinct.indices)
        for type in [MentionType.organization, .location] {
            // Sorted, so nothing depends on hashing order.
            let ids = distinct.indices.filter { distinct[$0].type == type }.sorted { distinct[$0].units.lexicographicallyPrecedes(distinct[$1].units) }
            guard ids.count > 1 else { continue }
            let trie = NameTrie(ids.map { distinct[$0].units })
            var holders = [(first: Int, count: Int)](repeating: (-1, 0), count: ids.count)
            for (li, id) in ids.enumerated() {
                let u = distinct[id].units
                var found: Set<Int> = []
                if type == .location {
                    guard places.rank(String(decoding: u, as: UTF16.self)) != nil else { continue }
                    for cut in 1...3 where u.count - cut >= 2 { if let k = trie.exact(u[0..<(u.count - cut)]) { found.insert(k) } }
                } else {
                    for a in 0..<u.count { trie.forEachPrefix(u, from: a) { k in if distinct[ids[k]].units.count >= 2, k != li { found.insert(k) } } }
                }
                for k in found { holders[k] = holders[k].count == 0 ? (li, 1) : (holders[k].first, holders[k].count + 1) }
            }
            for (k, h) in holders.enumerated() where h.count == 1 { mergedInto[ids[k]] = ids[h.first] }
        }
        var groupOf = [Int](repeating: -1, count: distinct.count)  // canonical name -> entity
        var groups: [(name: Int, ids: [String])] = []
        for (i, m) in mentions.enumerated() where nameOf[i] >= 0 {
            let canonical = mergedInto[nameOf[i]]
            if groupOf[canonical] < 0 { groupOf[canonical] = groups.count; groups.append((canonical, [])) }
            groups[groupOf[canonical]].ids.append(m.id)
        }
        return groups.enumerated().map { k, g in
            Entity(id: "e\(k + 1)", type: distinct[g.name].type.rawValue, name: String(decoding: distinct[g.name].units, as: UTF16.self), mentions: g.ids)
        }
    }
}

/// A trie over a few names (a document's organizations), for finding which of them occur
/// inside another.
struct NameTrie {
    private var children: [[UInt16: Int]] = [[:]]
    private var terminal: [Int] = [-1]

    init(_ names: [[UInt16]]) {
        for (k, n) in names.enumerated() {
            var node = 0
            for u in n {
                if let c = children[node][u] { node = c } else {
                    children.append([:])
                    terminal.append(-1)
                    children[node][u] = children.count - 1
                    node = children.count - 1
                }
            }
            terminal[node] = k
        }
    }

    /// The index of the name spelled exactly `s`.
    func exact(_ s: ArraySlice<UInt16>) -> Int? {
        var node = 0
        for u in s { guard let c = children[node][u] else { return nil }; node = c }
        return terminal[node] >= 0 ? terminal[node] : nil
    }

    /// Calls `body` with every name that starts at `from` in `s`.
    func forEachPrefix(_ s: [UInt16], from: Int, _ body: (Int) -> Void) {
        var node = 0
        var i = from
        while i < s.count, let c = children[node][s[i]] {
            node = c
            i += 1
            if terminal[node] >= 0 { body(terminal[node]) }
        }
    }
}
