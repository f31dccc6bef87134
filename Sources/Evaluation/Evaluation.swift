import Foundation
import LianluCore

/// Scores a run (`mentions.jsonl`, `relations.jsonl`) against gold files in SPEC.md's
/// format, the way ../shared/score.py does: mentions matched by (type, text) as
/// multisets per document, strict adds the value; relations as role pairs and whole
/// frames; precision, recall and F1 per type, micro-averaged.
public struct Evaluation {
    public struct Counts: Sendable {
        public var tp = 0, fp = 0, fn = 0
        public var precision: Double { tp + fp > 0 ? Double(tp) / Double(tp + fp) : 0 }
        public var recall: Double { tp + fn > 0 ? Double(tp) / Double(tp + fn) : 0 }
        public var f1: Double { precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0 }
    }

    public var byText: [String: Counts] = [:]
    public var strict: [String: Counts] = [:]
    public var rolePairs: [String: Counts] = [:]
    public var frames: [String: Counts] = [:]
    public var misses: [String] = []

    static let valueKeys = ["amount", "max", "currency", "unit", "approx", "value", "mod", "bound"]

    static func valueEqual(_ g: JSONValue?, _ p: JSONValue?) -> Bool {
        guard let g, case .object = g else { return true }
        for k in valueKeys where g[k] != nil || p?[k] != nil {
            if k == "amount" || k == "max" {
                guard let a = g[k]?.doubleValue, let b = p?[k]?.doubleValue else { return false }
                if abs(a - b) > max(1e-9, 1e-6 * max(abs(a), abs(b))) { return false }
            } else if g[k] != p?[k] {
                return false
            }
        }
        return true
    }

    static func readJSONL(_ path: String) throws -> [JSONValue] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map { try JSONParser.parse(String($0)) }
    }

    public static func score(goldDirectory: String, runDirectory: String) throws -> Evaluation {
        var e = Evaluation()
        var gold: [String: JSONValue] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: goldDirectory).sorted() where name.hasSuffix(".json") {
            let v = try JSONParser.parse(try String(contentsOfFile: goldDirectory + "/" + name, encoding: .utf8))
            if let d = v["doc"]?.stringValue { gold[d] = v }
        }
        var predMentions: [String: [JSONValue]] = [:]
        for m in try readJSONL(runDirectory + "/mentions.jsonl") { predMentions[m["doc"]?.stringValue ?? "", default: []].append(m) }
        var predRelations: [String: [JSONValue]] = [:]
        for r in try readJSONL(runDirectory + "/relations.jsonl") { predRelations[r["doc"]?.stringValue ?? "", default: []].append(r) }

        for (doc, g) in gold.sorted(by: { $0.key < $1.key }) {
            var gm: [String: [JSONValue?]] = [:]
            var types: [String: String] = [:]
            for m in g["mentions"]?.arrayValue ?? [] {
                let key = (m["type"]?.stringValue ?? "") + "\u{1}" + (m["text"]?.stringValue ?? "")
                gm[key, default: []].append(m["value"])
                types[key] = m["type"]?.stringValue ?? ""
            }
            var pm: [String: [JSONValue?]] = [:]
            var mentionText: [String: String] = [:]
            for m in predMentions[doc] ?? [] {
                let key = (m["type"]?.stringValue ?? "") + "\u{1}" + (m["text"]?.stringValue ?? "")
                pm[key, default: []].append(m["value"])
                types[key] = m["type"]?.stringValue ?? ""
                if let id = m["id"]?.stringValue { mentionText[id] = m["text"]?.stringValue }
            }
            for key in Set(gm.keys).union(pm.keys).sorted() {
                let gl = gm[key] ?? [], pl = pm[key] ?? []
                let t = types[key] ?? ""
                let n = min(gl.count, pl.count)
                e.byText[t, default: Counts()].tp += n
                e.byText[t, default: Counts()].fp += pl.count - n
                e.byText[t, default: Counts()].fn += gl.count - n
                let shown = key.replacingOccurrences(of: "\u{1}", with: " ")
                if gl.count > n { e.misses.append("\(doc) miss \(shown)") }
                if pl.count > n { e.misses.append("\(doc) extra \(shown)") }
                var used = [Bool](repeating: false, count: pl.count)
                for gv in gl {
                    if let i = pl.indices.first(where: { !used[$0] && valueEqual(gv, pl[$0]) }) {
                        used[i] = true
                        e.strict[t, default: Counts()].tp += 1
                    } else {
                        e.strict[t, default: Counts()].fn += 1
                        if let gv, !pl.isEmpty {
                            e.misses.append("\(doc) value \(shown) expected \(String(decoding: gv.canonicalBytes(), as: UTF8.self)) got \(pl.map { String(decoding: ($0 ?? .null).canonicalBytes(), as: UTF8.self) }.joined(separator: ", "))")
                        }
                    }
                }
                e.strict[t, default: Counts()].fp += used.filter { !$0 }.count
            }
            // Relations.
            func filler(_ v: JSONValue, ids: [String: String]) -> String {
                switch v {
                case let .string(s): return ids[s] ?? s
                case let .array(a): return "[" + a.map { filler($0, ids: ids) }.sorted().joined(separator: "|") + "]"
                default: return String(decoding: v.canonicalBytes(), as: UTF8.self)
                }
            }
            func frame(_ r: JSONValue, ids: [String: String]) -> (String, [(String, String)]) {
                let args = (r["args"]?.objectValue ?? []).map { ($0.0, filler($0.1, ids: ids)) }.sorted { $0.0 < $1.0 }
                return (r["type"]?.stringValue ?? "", args)
            }
            func pairs(_ t: String, _ args: [(String, String)]) -> [String] {
                var out: [String] = []
                for i in args.indices { for j in (i + 1)..<args.count { out.append("\(t) \(args[i].0)=\(args[i].1) \(args[j].0)=\(args[j].1)") } }
                return out
            }
            var gp: [String: Int] = [:], pp: [String: Int] = [:], gf: [String: Int] = [:], pf: [String: Int] = [:]
            for r in g["relations"]?.arrayValue ?? [] {
                let (t, a) = frame(r, ids: [:])
                for p in pairs(t, a) { gp[p, default: 0] += 1 }
                gf[t + " " + a.map { "\($0.0)=\($0.1)" }.joined(separator: " "), default: 0] += 1
            }
            for r in predRelations[doc] ?? [] {
                let (t, a) = frame(r, ids: mentionText)
                for p in pairs(t, a) { pp[p, default: 0] += 1 }
                pf[t + " " + a.map { "\($0.0)=\($0.1)" }.joined(separator: " "), default: 0] += 1
            }
            for p in Set(gp.keys).union(pp.keys) {
                let t = String(p.prefix { $0 != " " })
                let n = min(gp[p] ?? 0, pp[p] ?? 0)
                e.rolePairs[t, default: Counts()].tp += n
                e.rolePairs[t, default: Counts()].fp += (pp[p] ?? 0) - n
                e.rolePairs[t, default: Counts()].fn += (gp[p] ?? 0) - n
                if (gp[p] ?? 0) > n { e.misses.append("\(doc) rel-miss \(p)") }
            }
            for f in Set(gf.keys).union(pf.keys) {
                let t = String(f.prefix { $0 != " " })
                let n = min(gf[f] ?? 0, pf[f] ?? 0)
                e.frames[t, default: Counts()].tp += n
                e.frames[t, default: Counts()].fp += (pf[f] ?? 0) - n
                e.frames[t, default: Counts()].fn += (gf[f] ?? 0) - n
            }
        }
        return e
    }

    public func table(_ title: String, _ c: [String: Counts]) -> String {
        func f(_ x: Double) -> String { String(format: "%8.3f", x) }
        func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        func rpad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        var out = "== \(title)\n" + pad("type", 14) + rpad("tp", 6) + rpad("fp", 6) + rpad("fn", 6) + rpad("P", 8) + rpad("R", 8) + rpad("F1", 8) + "\n"
        var all = Counts()
        for (t, x) in c.sorted(by: { $0.key < $1.key }) {
            out += pad(t, 14) + rpad("\(x.tp)", 6) + rpad("\(x.fp)", 6) + rpad("\(x.fn)", 6) + f(x.precision) + f(x.recall) + f(x.f1) + "\n"
            all.tp += x.tp; all.fp += x.fp; all.fn += x.fn
        }
        out += pad("ALL", 14) + rpad("\(all.tp)", 6) + rpad("\(all.fp)", 6) + rpad("\(all.fn)", 6) + f(all.precision) + f(all.recall) + f(all.f1) + "\n"
        return out
    }

    public var report: String {
        table("mentions (type+text)", byText) + table("mentions strict (type+text+value)", strict)
            + table("relation role pairs", rolePairs) + table("relation whole frames", frames)
    }
}
