import LianluCore

/// Compares golden JSONL files record by record in canonical form (keys sorted), and
/// explains differences as a unified diff plus, for records that changed in place, the
/// fields that changed. Invisible characters are made visible.
public enum GoldenDiff {
    struct Record {
        var canonical: String
        var value: JSONValue?
        var key: String
    }

    static func records(_ bytes: [UInt8], file: String) -> [Record] {
        var out: [Record] = []
        var start = 0
        for i in 0...bytes.count where i == bytes.count || bytes[i] == 0x0A {
            if i > start {
                let line = Array(bytes[start..<i])
                if let v = try? JSONParser.parse(line) {
                    out.append(Record(canonical: String(decoding: v.canonicalBytes(), as: UTF8.self), value: v, key: recordKey(v, file: file)))
                } else {
                    let s = String(decoding: line, as: UTF8.self)
                    out.append(Record(canonical: "(not JSON) " + s, value: nil, key: "line \(out.count + 1)"))
                }
            }
            start = i + 1
        }
        return out
    }

    /// The identity of a record within its file: what a "changed" record is matched by.
    static func recordKey(_ v: JSONValue, file: String) -> String {
        func s(_ k: String) -> String {
            guard let x = v[k] else { return "-" }
            if let str = x.stringValue { return str }
            if let i = x.intValue { return String(i) }
            return String(decoding: x.canonicalBytes(), as: UTF8.self)
        }
        switch file {
        case "documents.jsonl": return "doc=\(s("doc"))"
        case "sentences.jsonl": return "doc=\(s("doc")) sid=\(s("sid"))"
        case "rejects.jsonl": return "file=\(s("file")) line=\(s("line"))"
        default: return "doc=\(s("doc")) id=\(s("id"))"
        }
    }

    /// nil when equal; otherwise a readable report.
    public static func compare(caseName: String, file: String, expected: [UInt8], actual: [UInt8]) -> String? {
        let e = records(expected, file: file), a = records(actual, file: file)
        if e.map(\.canonical) == a.map(\.canonical) { return nil }
        var out = "case \(caseName), stage \(file): output differs from Golden/\(caseName)/expected/\(file)\n"
        // Field-level notes for records present on both sides under the same key.
        var expectedByKey: [String: Record] = [:]
        for r in e { expectedByKey[r.key] = r }
        var notes: [String] = []
        for r in a {
            guard let old = expectedByKey[r.key], old.canonical != r.canonical, let ov = old.value, let nv = r.value else { continue }
            for (field, before, after) in fieldChanges(ov, nv) {
                notes.append("  case \(caseName), stage \(file), record \(r.key): field \(field): \(visible(before)) -> \(visible(after))")
            }
        }
        let eKeys = Set(e.map(\.key)), aKeys = Set(a.map(\.key))
        for r in e where !aKeys.contains(r.key) { notes.append("  case \(caseName), stage \(file), record \(r.key): missing from actual output") }
        for r in a where !eKeys.contains(r.key) { notes.append("  case \(caseName), stage \(file), record \(r.key): new in actual output") }
        if !notes.isEmpty { out += notes.prefix(40).joined(separator: "\n") + (notes.count > 40 ? "\n  ... \(notes.count - 40) more" : "") + "\n" }
        out += unifiedDiff(e.map { visible($0.canonical) }, a.map { visible($0.canonical) },
                           from: "Golden/\(caseName)/expected/\(file)", to: "actual \(file)")
        return out
    }

    static func fieldChanges(_ a: JSONValue, _ b: JSONValue, path: String = "") -> [(String, String, String)] {
        if case let .object(ao) = a, case let .object(bo) = b {
            var out: [(String, String, String)] = []
            let keys = Set(ao.map(\.key)).union(bo.map(\.key)).sorted()
            for k in keys {
                let p = path.isEmpty ? k : path + "." + k
                let x = a[k], y = b[k]
                if x == y { continue }
                if let x, let y { out += fieldChanges(x, y, path: p) } else {
                    out.append((p, x.map(render) ?? "(absent)", y.map(render) ?? "(absent)"))
                }
            }
            return out
        }
        return a == b ? [] : [(path, render(a), render(b))]
    }

    static func render(_ v: JSONValue) -> String {
        let s = String(decoding: v.canonicalBytes(), as: UTF8.self)
        return s.count > 200 ? String(s.prefix(200)) + "…(\(s.count) chars)" : s
    }

    /// Makes characters that hide in a terminal visible: ␣ for U+3000, ⍽ for NBSP,
    /// ⟨U+XXXX⟩ for zero-width and other format characters, ¬ for a trailing space.
    public static func visible(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u.value {
            case 0x3000: out += "␣"
            case 0xA0: out += "⍽"
            case 0x09: out += "→"
            case 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2064, 0xFEFF, 0x00AD, 0x0000...0x0008, 0x000B...0x001F, 0x7F:
                out += codePointLabel(u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        if out.hasSuffix(" ") { out += "¬" }
        return out
    }

    /// A unified diff (3 lines of context) from an LCS alignment of the two line lists.
    public static func unifiedDiff(_ a: [String], _ b: [String], from: String, to: String) -> String {
        let ops = lcsOps(a, b)
        var out = "--- \(from)\n+++ \(to)\n"
        // Group into hunks with context 3.
        var i = 0
        let context = 3
        while i < ops.count {
            guard let firstChange = ops[i...].firstIndex(where: { $0.kind != .same }) else { break }
            var hunkStart = max(i, firstChange - context)
            if hunkStart < i { hunkStart = i }
            var end = firstChange
            var lastChange = firstChange
            while end < ops.count {
                if ops[end].kind != .same { lastChange = end }
                if end - lastChange > 2 * context { break }
                end += 1
            }
            let hunkEnd = min(ops.count, lastChange + context + 1)
            let slice = ops[hunkStart..<hunkEnd]
            let aStart = (slice.first?.aIndex ?? 0) + 1, bStart = (slice.first?.bIndex ?? 0) + 1
            let aCount = slice.filter { $0.kind != .insert }.count, bCount = slice.filter { $0.kind != .delete }.count
            out += "@@ -\(aStart),\(aCount) +\(bStart),\(bCount) @@\n"
            for op in slice {
                switch op.kind {
                case .same: out += " " + a[op.aIndex] + "\n"
                case .delete: out += "-" + a[op.aIndex] + "\n"
                case .insert: out += "+" + b[op.bIndex] + "\n"
                }
            }
            i = hunkEnd
        }
        return out
    }

    struct Op {
        enum Kind { case same, delete, insert }
        var kind: Kind
        var aIndex: Int
        var bIndex: Int
    }

    static func lcsOps(_ a: [String], _ b: [String]) -> [Op] {
        let n = a.count, m = b.count
        // Trim common prefix and suffix; golden diffs are usually small changes.
        var p = 0
        while p < n && p < m && a[p] == b[p] { p += 1 }
        var sfx = 0
        while sfx < n - p && sfx < m - p && a[n - 1 - sfx] == b[m - 1 - sfx] { sfx += 1 }
        var ops: [Op] = (0..<p).map { Op(kind: .same, aIndex: $0, bIndex: $0) }
        let an = n - p - sfx, bm = m - p - sfx
        if an * bm > 4_000_000 {
            for k in 0..<an { ops.append(Op(kind: .delete, aIndex: p + k, bIndex: p)) }
            for k in 0..<bm { ops.append(Op(kind: .insert, aIndex: p + an, bIndex: p + k)) }
        } else {
            var dp = [[Int32]](repeating: [Int32](repeating: 0, count: bm + 1), count: an + 1)
            if an > 0 && bm > 0 {
                for x in stride(from: an - 1, through: 0, by: -1) {
                    for y in stride(from: bm - 1, through: 0, by: -1) {
                        dp[x][y] = a[p + x] == b[p + y] ? dp[x + 1][y + 1] + 1 : max(dp[x + 1][y], dp[x][y + 1])
                    }
                }
            }
            var x = 0, y = 0
            while x < an || y < bm {
                if x < an && y < bm && a[p + x] == b[p + y] {
                    ops.append(Op(kind: .same, aIndex: p + x, bIndex: p + y)); x += 1; y += 1
                } else if x < an && (y == bm || dp[x + 1][y] >= dp[x][y + 1]) {
                    // Deletions first, as diff(1) prints them.
                    ops.append(Op(kind: .delete, aIndex: p + x, bIndex: p + y)); x += 1
                } else {
                    ops.append(Op(kind: .insert, aIndex: p + x, bIndex: p + y)); y += 1
                }
            }
        }
        for k in 0..<sfx { ops.append(Op(kind: .same, aIndex: n - sfx + k, bIndex: m - sfx + k)) }
        return ops
    }

    /// "3 records: +1 added, -0 removed, ~2 changed" by record key.
    public static func summarize(file: String, old: [UInt8], new: [UInt8]) -> String {
        let o = records(old, file: file), n = records(new, file: file)
        var ob: [String: String] = [:]
        for r in o { ob[r.key] = r.canonical }
        var nb: [String: String] = [:]
        for r in n { nb[r.key] = r.canonical }
        let added = nb.keys.filter { ob[$0] == nil }.count
        let removed = ob.keys.filter { nb[$0] == nil }.count
        let changed = nb.keys.filter { ob[$0] != nil && ob[$0] != nb[$0] }.count
        if added == 0 && removed == 0 && changed == 0 && o.count == n.count { return "\(n.count) records, unchanged" }
        return "\(n.count) records: +\(added) added, -\(removed) removed, ~\(changed) changed"
    }
}

/// `⟨U+200B⟩`: how an invisible character is shown in a diff.
func codePointLabel(_ v: UInt32) -> String {
    let hex = String(v, radix: 16, uppercase: true)
    return "⟨U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "⟩"
}
