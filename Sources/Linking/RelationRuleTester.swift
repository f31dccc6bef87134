import Extraction
import LianluCore

/// Runs every relation rule's examples through extraction and linking (all rules, so a
/// rule that steals another's frame shows up as that rule's failure).
///
/// A positive example passes when each frame it lists comes out, built by this rule,
/// with exactly those roles and fillers (list roles compare as sets). A negative passes
/// when the rule builds no frame from it.
public struct RelationRuleTester {
    public typealias Extract = (String) -> (text: [UInt16], sentences: [Sentence], mentions: [Mention])
    public let linker: Linker
    let extract: Extract

    public init(linker: Linker, extract: @escaping Extract) {
        self.linker = linker
        self.extract = extract
    }

    /// Frames of `text` as role -> filler texts (sorted for list roles).
    public func frames(_ text: String) -> [(relation: Relation, args: [String: [String]])] {
        let (units, sentences, mentions) = extract(text)
        let byID = Dictionary(uniqueKeysWithValues: mentions.map { ($0.id, String(decoding: units[$0.utf16Range], as: UTF16.self)) })
        return linker.link(text: units, sentences: sentences, mentions: mentions).relations.map { r in
            var args: [String: [String]] = [:]
            for (role, filler) in r.args {
                switch filler {
                case let .mention(id): args[role] = [byID[id] ?? id]
                case let .mentions(ids): args[role] = ids.map { byID[$0] ?? $0 }.sorted()
                case let .literal(s): args[role] = [s]
                }
            }
            return (r, args)
        }
    }

    static func render(_ args: [String: [String]]) -> String {
        "{" + args.keys.sorted().map { k in
            let v = args[k]!
            return "\(k): " + (v.count == 1 ? v[0] : "[" + v.joined(separator: ", ") + "]")
        }.joined(separator: ", ") + "}"
    }

    public func run() -> (examples: Int, failures: [RuleTester.Failure]) {
        var count = 0
        var failures: [RuleTester.Failure] = []
        for rule in linker.rules.rules {
            for e in rule.examples {
                count += 1
                let got = frames(e.text)
                let mine = got.filter { $0.relation.rule == rule.qualifiedID }
                for want in e.frames {
                    let w = want.mapValues { $0.sorted() }
                    if mine.contains(where: { $0.args == w }) { continue }
                    let others = got.filter { $0.relation.type == rule.type }
                        .map { "\(RelationRuleTester.render($0.args)) (\($0.relation.rule))" }
                    failures.append(RuleTester.Failure(file: rule.file, line: e.line, rule: rule.id,
                                                       message: "expected \(rule.type.rawValue) \(RelationRuleTester.render(w)), got " + (others.isEmpty ? "no \(rule.type.rawValue) frame" : others.joined(separator: "; "))))
                }
                for extra in mine where !e.frames.contains(where: { $0.mapValues { $0.sorted() } == extra.args }) {
                    failures.append(RuleTester.Failure(file: rule.file, line: e.line, rule: rule.id,
                                                       message: "unexpected frame \(RelationRuleTester.render(extra.args))"))
                }
            }
            for (text, line) in rule.negatives {
                count += 1
                for f in frames(text) where f.relation.rule == rule.qualifiedID {
                    failures.append(RuleTester.Failure(file: rule.file, line: line, rule: rule.id, message: "expected no frame, got \(RelationRuleTester.render(f.args))"))
                }
            }
        }
        return (count, failures)
    }
}

/// The relation part of `lianlu explain`: each frame, the rule that built it, and each
/// role's filler with its mention id and span.
public enum RelationExplanation {
    public static func render(text: [UInt16], mentions: [Mention], relations: [Relation]) -> String {
        let byID = Dictionary(uniqueKeysWithValues: mentions.map { ($0.id, $0) })
        var out = "relations:\n"
        if relations.isEmpty { out += "  (none)\n" }
        for r in relations {
            out += "  \(r.id) sentence \(r.sid) \(r.type.rawValue)  rule \(r.rule)\n"
            for (role, filler) in r.args {
                func show(_ id: String) -> String {
                    guard let m = byID[id] else { return id }
                    return "\(String(decoding: text[m.utf16Range], as: UTF16.self)) (\(m.type.rawValue) \(id) \(m.utf16Range.lowerBound)-\(m.utf16Range.upperBound))"
                }
                switch filler {
                case let .mention(id): out += "    \(role): \(show(id))\n"
                case let .mentions(ids): out += "    \(role): " + ids.map(show).joined(separator: "; ") + "\n"
                case let .literal(s): out += "    \(role): \"\(s)\"\n"
                }
            }
        }
        return out
    }
}
