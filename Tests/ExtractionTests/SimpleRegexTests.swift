import XCTest
import LianluCore
@testable import Extraction

/// `SimpleRegex` stands in for ICU on the rules' macros, so it must give ICU's answer:
/// each pattern of the shipped rules, and a few more of the subset, is run by both at
/// every start and limit of many strings made of the characters the pattern cares about.
final class SimpleRegexTests: XCTestCase {
    /// Patterns of the subset beyond the shipped rules: nested optional groups, counted
    /// ranges, look-behind that fails at the start of the text, a negative look-ahead
    /// that sees past the limit.
    static let extraPatterns = [
        "(?:a|ab)(?:c|bcd)", "a{2,4}b?", "(?:ab){1,3}", "x*y+z{0,2}", "(?<![0-9])[1-9][0-9]?(?=[年月])",
        "(?<=[、和])(?:1[0-2]|[1-9])", "(?:十|二十)[一二三]?(?![日号])", "[A-Z][a-z]+ [A-Z][a-z]+",
        "0[0-9]{2,3}-[0-9]{3,4}(?![0-9])",
    ]

    func testNativeMatchesICUOnEveryRulePattern() throws {
        let rulePatterns = RuleSetTests.rules.regexes.map(\.pattern)
        XCTAssertGreaterThan(rulePatterns.count, 5)
        for p in rulePatterns {
            // The shipped macros all run natively; a new one outside the subset would
            // quietly fall back to ICU, so say which.
            XCTAssertNotNil(SimpleRegex(pattern: p), "not in SimpleRegex's subset (ICU will run it): \(p)")
        }
        var rng = SeededGenerator(seed: 20261127)
        var compared = 0
        for p in rulePatterns + Self.extraPatterns {
            guard let native = SimpleRegex(pattern: p) else { continue }
            let icu = try ICURegex(p)
            let alphabet = Self.alphabet(of: p)
            for _ in 0..<160 {
                let n = Int.random(in: 0...12, using: &rng)
                let units = (0..<n).map { _ in alphabet.randomElement(using: &rng)! }
                units.withUnsafeBufferPointer { t in
                    icu.setText(t)
                    for start in 0...n {
                        for limit in start...n {
                            let want: SimpleRegex.Match
                            switch icu.lookingAt(start, limit: limit) {
                            case let .end(e): want = .end(e)
                            case .none: want = .none
                            case .timedOut: return
                            }
                            let got = native.lookingAt(t, start, limit: limit)
                            compared += 1
                            if got != want {
                                XCTFail("\(p) on \"\(String(decoding: units, as: UTF16.self))\" from \(start) to \(limit): ICU \(want), native \(got)")
                                return
                            }
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(compared, 50_000)
    }

    /// A search the native matcher gives up on (a 700-letter run overflows its stack)
    /// goes to ICU, which must then be pointed at the document's text: the code blocker
    /// still covers the whole run.
    func testGivenUpSearchFallsBackToICU() throws {
        let rules = RuleSetTests.rules
        let code = try XCTUnwrap(rules.rules.firstIndex { $0.qualifiedID.hasSuffix("#code") })
        let pattern = try XCTUnwrap(rules.regexes.first { $0.pattern.hasPrefix("[A-Za-z]+[0-9]+") }).pattern
        let letters = Array(String(repeating: "A", count: 700).utf16)
        XCTAssertEqual(letters.withUnsafeBufferPointer { SimpleRegex(pattern: pattern)!.lookingAt($0, 0, limit: $0.count) }, .gaveUp)
        let text = Array("甲".utf16) + letters + Array("12乙".utf16)
        let matcher = RuleMatcher(ruleSet: rules)
        let found = text.withUnsafeBufferPointer { t -> [Candidate] in
            matcher.begin(text: t)
            return matcher.candidates(t, range: 0..<t.count)
        }
        XCTAssertTrue(found.contains { $0.rule == code && $0.range == 1..<703 }, "\(found.filter { $0.rule == code }.map(\.range))")
    }

    func testPatternsOutsideTheSubsetAreLeftToICU() {
        for p in ["\\d+", "a.b", "^a", "a$", "(ab)", "a*?", "a++", "[^a]", "[a-z&&[^b]]", "(?:a*)*", "(?<=a+)b", "\u{20000}", "[\\w]", "a{3,2}"] {
            XCTAssertNil(SimpleRegex(pattern: p), p)
        }
        XCTAssertNotNil(SimpleRegex(pattern: "[-a]"))
        XCTAssertNotNil(SimpleRegex(pattern: "1[3-9][0-9]{9}(?![0-9])"))
    }

    /// The characters a pattern names (literals and class ends and middles), plus a
    /// few it does not, so both matches and misses occur.
    static func alphabet(of pattern: String) -> [UInt16] {
        var set = Set<UInt16>()
        let u = Array(pattern.utf16)
        var i = 0
        while i < u.count {
            let c = u[i]
            if i + 2 < u.count, u[i + 1] == 0x2D, u[i + 2] != 0x5D, c != 0x5B {
                let lo = c, hi = u[i + 2]
                if hi >= lo { for x in [lo, lo + (hi - lo) / 2, hi] { set.insert(x) } }
                i += 3
                continue
            }
            if !"()[]{}?*+|!=<:^$\\,".utf16.contains(c) && !(0x30...0x39).contains(c) { set.insert(c) }
            i += 1
        }
        for c in "0123456789年月日号、和 -aZ中".utf16 { set.insert(c) }
        return set.sorted()
    }
}

/// A small deterministic generator (SplitMix64): the same strings in every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
