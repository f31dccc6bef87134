import LianluCore

/// `lianlu explain`: each mention of a text with its span, value and rule, the
/// elements that built it, and the candidates that lost with the reason.
public enum Explanation {
    public static func render(document doc: NormalizedDocument, result: Extractor.Result, ruleSet: RuleSet) -> String {
        func text(_ r: Range<Int>) -> String { String(decoding: doc.text[r], as: UTF16.self) }
        func cp(_ r: Range<Int>) -> String {
            let o = doc.alignment.spanOffsets(normalizedUTF16: r)
            return "@\(o.start)-\(o.end)"
        }
        var out = ""
        if result.mentions.isEmpty { out += "no mentions\n" }
        for (i, m) in result.mentions.enumerated() {
            var v = ""
            if let value = m.value {
                var w = JSONWriter()
                value.write(to: &w)
                v = " " + String(decoding: w.bytes, as: UTF8.self)
            }
            out += "\(m.type.rawValue) \(cp(m.utf16Range)) \"\(text(m.utf16Range))\"\(v) rule=\(m.rule)\n"
            let parts = result.captures[i].filter { !$0.role.isEmpty }.map { c -> String in
                var s = "\(c.role)=\(c.text)"
                if let lv = c.lexiconValue { s += "(\(lv))" }
                return s
            }
            if !parts.isEmpty { out += "    built from: " + parts.joined(separator: " ") + "\n" }
        }
        if !result.losers.isEmpty {
            out += "lost:\n"
            for l in result.losers {
                let r = ruleSet.rules[l.candidate.rule]
                out += "  \(r.type?.rawValue ?? "NONE") \(cp(l.candidate.range)) \"\(text(l.candidate.range))\" rule=\(r.qualifiedID): \(l.reason)\n"
            }
        }
        return out
    }
}
