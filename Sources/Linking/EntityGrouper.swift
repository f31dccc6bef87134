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

    func group(text: [UInt16], mentions: [Mention]) -> [Entity] {
        var names: [Int: String] = [:]  // mention index -> canonical name
        var byType: [MentionType: [String]] = [:]
        for (i, m) in mentions.enumerated() where EntityGrouper.grouped.contains(m.type) {
            let written = String(decoding: text[m.utf16Range], as: UTF16.self)
            let name = m.type == .location ? (places.fullName[written] ?? written) : written
            names[i] = name
            if !(byType[m.type]?.contains(name) ?? false) { byType[m.type, default: []].append(name) }
        }
        // Short forms within the document.
        var merged: [MentionType: [String: String]] = [:]
        for (type, list) in byType where type == .organization || type == .location {
            for short in list {
                let longer = list.filter { long in
                    guard long != short, long.count > short.count, short.count >= 2 else { return false }
                    if type == .location { return long.hasPrefix(short) && long.count - short.count <= 3 && places.rank(long) != nil }
                    return long.contains(short)
                }
                if longer.count == 1 { merged[type, default: [:]][short] = longer[0] }
            }
        }
        var order: [String] = []  // keys in order of first mention
        var members: [String: (type: MentionType, name: String, ids: [String])] = [:]
        for (i, m) in mentions.enumerated() {
            guard var name = names[i] else { continue }
            if let to = merged[m.type]?[name] { name = to }
            let key = m.type.rawValue + ":" + name
            if members[key] == nil { order.append(key); members[key] = (m.type, name, []) }
            members[key]!.ids.append(m.id)
        }
        return order.enumerated().map { k, key in
            let g = members[key]!
            return Entity(id: "e\(k + 1)", type: g.type.rawValue, name: g.name, mentions: g.ids)
        }
    }
}
