import LianluCore

/// Stage 2: splits a normalized document into sentences (SPEC.md) with ICU's sentence
/// break iterator plus the rules Chinese news pages need:
///
/// - Paragraphs (lines) bound sentences; `para` counts non-blank lines from 0.
/// - A byline opening a paragraph is a unit of its own (`□记者 X 通讯员 Y 报道`,
///   `□本报记者 X`, `□记者 X 摄`), and so is a dateline (`本报临清讯`, `本报讯(记者 X)`).
/// - A short paragraph without sentence-final punctuation is a headline, one unit.
/// - A paragraph starting with 图为/上图/下图 is a caption.
/// - ICU keeps a closing quote or bracket after 。！？ with its sentence; an ellipsis
///   (`......` after NFKC) does not end a sentence unless a space follows.
/// - Leading and trailing spaces are trimmed from every unit.
///
/// Not thread-safe (it owns an ICU break iterator): use one per worker.
public final class SentenceBreaker {
    private let icu: ICUBreakIterator
    private var boundaries: [Int] = []
    /// Longest paragraph treated as a possible headline.
    public var headlineLength = 50

    public init() throws {
        icu = try SentenceBreaker.prototype().clone()
    }

    private static let shared: Result<ICUBreakIterator, Error> = Result { try ICUBreakIterator(kind: .sentence, locale: "zh") }
    private static func prototype() throws -> ICUBreakIterator { try shared.get() }

    public func sentences(of doc: NormalizedDocument) -> [Sentence] {
        doc.text.withUnsafeBufferPointer { sentences(in: $0) }
    }

    public func sentences(in text: UnsafeBufferPointer<UInt16>) -> [Sentence] {
        var out: [Sentence] = []
        var para = 0
        var s = 0
        let n = text.count
        while s < n {
            var e = s
            while e < n, text[e] != 0x0A { e += 1 }
            var cs = s, ce = e
            while cs < ce, isSpace(text[cs]) { cs += 1 }
            while ce > cs, isSpace(text[ce - 1]) { ce -= 1 }
            if cs < ce {
                let before = out.count
                paragraph(text, cs, ce, para: para, into: &out)
                // A photo credit (□记者 X 摄) alone on its line makes a one-sentence
                // paragraph right before it a caption.
                if out.count == before + 1, out[before].kind == .byline, text[out[before].utf16Range.upperBound - 1] == Byline.she,
                   before >= 1, out[before - 1].para == para - 1, out[before - 1].kind == .body,
                   before == 1 || out[before - 2].para != para - 1 {
                    out[before - 1].kind = .caption
                }
                para += 1
            }
            s = e + 1
        }
        return out
    }

    @inline(__always) private func isSpace(_ u: UInt16) -> Bool { u == 0x20 || u == 0x09 || u == 0x3000 }

    private func emit(_ text: UnsafeBufferPointer<UInt16>, _ a: Int, _ b: Int, para: Int, kind: SentenceKind, into out: inout [Sentence]) {
        var a = a, b = b
        while a < b, isSpace(text[a]) { a += 1 }
        while b > a, isSpace(text[b - 1]) { b -= 1 }
        guard a < b else { return }
        out.append(Sentence(sid: out.count, utf16Range: a..<b, para: para, kind: kind))
    }

    private func paragraph(_ text: UnsafeBufferPointer<UInt16>, _ start: Int, _ end: Int, para: Int, into out: inout [Sentence]) {
        var pos = start
        // Bylines and datelines at the start of the paragraph.
        if let b = Byline.match(text, pos, end) {
            emit(text, pos, b, para: para, kind: .byline, into: &out)
            pos = b
            while pos < end, isSpace(text[pos]) { pos += 1 }
        }
        if pos < end, let d = Byline.matchDateline(text, pos, end) {
            emit(text, pos, d, para: para, kind: .dateline, into: &out)
            pos = d
            while pos < end, isSpace(text[pos]) { pos += 1 }
        }
        guard pos < end else { return }
        if pos == start && isHeadline(text, pos, end) {
            emit(text, pos, end, para: para, kind: .headline, into: &out)
            return
        }
        let kind: SentenceKind = Byline.isCaptionStart(text, pos, end) ? .caption : .body
        // A photo credit at the end of a caption paragraph: "...。□记者 X 摄".
        let region = UnsafeBufferPointer(rebasing: text[pos..<end])
        icu.boundaries(region, into: &boundaries)
        var last = 0
        for var b in boundaries {
            if b < region.count && !acceptBoundary(region, b) { continue }
            // ICU counts “ and ‘ as closing punctuation (UAX 29 class Close); in Chinese
            // an opening quote or bracket after 。 starts the next sentence.
            while b > last + 1, b < region.count, SentenceBreaker.isOpening(region[b - 1]) { b -= 1 }
            emit(text, pos + last, pos + b, para: para, kind: kind, into: &out)
            last = b
        }
        if last < region.count { emit(text, pos + last, end, para: para, kind: kind, into: &out) }
    }

    /// ICU breaks after `.`; in Chinese text `......` (an NFKC'd ellipsis) inside a
    /// sentence is not an end, and neither is `.` directly before an ideograph.
    private func acceptBoundary(_ r: UnsafeBufferPointer<UInt16>, _ b: Int) -> Bool {
        guard b > 0, b < r.count else { return true }
        var k = b - 1
        // ICU keeps an opening bracket after the period with it (Ltd.|(以下简称...):
        // look at the period itself and at what directly follows it.
        while k > 0, isSpace(r[k]) || SentenceBreaker.isOpening(r[k]) { k -= 1 }
        if r[k] == 0x2E /* . */ && !isSpace(r[k + 1]) {
            return false
        }
        if r[k] == 0x2E && isSpace(r[b - 1]) && TextUnits.isIdeograph(r[b]) {
            // "...... 仅用" with a space: still one sentence in Chinese running text.
            return false
        }
        if r[k] == 0x2E && isSpace(r[b - 1]) && TextUnits.isASCIILetter(r[b]) {
            // An abbreviation inside a Latin name (Pte. Ltd., Co. Ltd., Mr. Smith): a
            // period after at most four letters, then a Latin word, ends no Chinese
            // sentence (ICU's English rule would cut the company's name in two).
            var letters = 0
            var j = k - 1
            while j >= 0, TextUnits.isASCIILetter(r[j]) { letters += 1; j -= 1 }
            if letters >= 1 && letters <= 4 { return false }
        }
        return true
    }

    @inline(__always) static func isOpening(_ u: UInt16) -> Bool {
        switch u {
        case 0x201C, 0x2018, 0x28, 0x300A, 0x3010, 0x300C, 0x300E, 0x3014, 0x5B: return true  // “ ‘ ( 《 【 「 『 〔 [
        default: return false
        }
    }

    /// A short paragraph with no sentence-final punctuation anywhere.
    private func isHeadline(_ t: UnsafeBufferPointer<UInt16>, _ s: Int, _ e: Int) -> Bool {
        guard e - s <= headlineLength else { return false }
        for i in s..<e {
            switch t[i] {
            case 0x3002, 0x21, 0x3F, 0x3B: return false  // 。 ! ? ;
            default: continue
            }
        }
        return true
    }
}

/// Recognizers for the non-sentence units at the start of a paragraph.
enum Byline {
    static let square: UInt16 = 0x25A1      // □
    static let ben: UInt16 = 0x672C         // 本
    static let bao: UInt16 = 0x62A5         // 报
    static let dao: UInt16 = 0x9053         // 道
    static let she: UInt16 = 0x6444         // 摄
    static let xun: UInt16 = 0x8BAF         // 讯
    static let ji: UInt16 = 0x8BB0          // 记
    static let zhe: UInt16 = 0x8005         // 者

    /// `□记者 X 通讯员 Y 报道`, `□本报记者 X`, `□记者 X 摄`: from □ to 报道 or 摄
    /// (inclusive), or the whole paragraph when it is short and holds neither.
    static func match(_ t: UnsafeBufferPointer<UInt16>, _ s: Int, _ e: Int) -> Int? {
        if t[s] == 0x3010 { return bracketed(t, s, e) }  // 【记者X/Y报导】
        guard t[s] == square || t[s] == 0x25A0 /* ■ */ else { return nil }
        let limit = min(e, s + 60)
        var i = s + 1
        while i < limit {
            if t[i] == bao, i + 1 < e, t[i + 1] == dao { return i + 2 }
            if t[i] == she, i + 1 == e || isSpace(t[i + 1]) || t[i + 1] == 0x2C { return i + 1 }
            if t[i] == 0x3002 || t[i] == 0x2C { return nil }  // prose: not a byline
            i += 1
        }
        // No 报道/摄: a short name-only byline line.
        if e - s <= 30 {
            var hasJi = false
            for k in s..<e where t[k] == ji && k + 1 < e && t[k + 1] == zhe { hasJi = true }
            if hasJi { return e }
        }
        return nil
    }

    /// `【记者林怡君/彰化报导】`: the bracketed byline of Taiwan and Hong Kong papers.
    static func bracketed(_ t: UnsafeBufferPointer<UInt16>, _ s: Int, _ e: Int) -> Int? {
        let limit = min(e, s + 30)
        var hasJi = false
        var k = s + 1
        while k < limit {
            if t[k] == ji, k + 1 < e, t[k + 1] == zhe { hasJi = true }
            if t[k] == 0x3011 { return hasJi ? k + 1 : nil }  // 】
            if t[k] == 0x3002 || t[k] == 0x2C { return nil }
            k += 1
        }
        return nil
    }

    /// `本报X讯` (up to 8 characters for the place), optionally followed at once by
    /// `(记者 X 通讯员 Y)`; also `(记者 X)` alone at a paragraph start.
    static func matchDateline(_ t: UnsafeBufferPointer<UInt16>, _ s: Int, _ e: Int) -> Int? {
        var i = s
        if i + 2 < e, t[i] == ben, t[i + 1] == bao {
            var k = i + 2
            let limit = min(e, i + 2 + 9)
            while k < limit, t[k] != xun, TextUnits.isIdeograph(t[k]) { k += 1 }
            guard k < e, t[k] == xun else { return nil }
            i = k + 1
            if let p = parenthesizedReporter(t, i, e) { return p }
            return i
        }
        return parenthesizedReporter(t, s, e)
    }

    /// `(记者 X 通讯员 Y)` starting at `s`.
    static func parenthesizedReporter(_ t: UnsafeBufferPointer<UInt16>, _ s: Int, _ e: Int) -> Int? {
        guard s < e, t[s] == 0x28 else { return nil }  // (
        var k = s + 1
        while k < e, isSpace(t[k]) { k += 1 }
        // 记者 or 本报记者 or 通讯员 right after the bracket.
        let starts: [[UInt16]] = [[ji, zhe], [ben, bao, ji, zhe], [0x901A, xun, 0x5458], [0x5B9E, 0x4E60, 0x751F]]
        var ok = false
        for p in starts where k + p.count <= e {
            var m = true
            for (j, u) in p.enumerated() where t[k + j] != u { m = false; break }
            if m { ok = true; break }
        }
        guard ok else { return nil }
        let limit = min(e, s + 60)
        while k < limit {
            if t[k] == 0x29 { return k + 1 }  // )
            if t[k] == 0x3002 || t[k] == 0x2C { return nil }
            k += 1
        }
        return nil
    }

    /// 图为 / 上图 / 下图 / 左图 / 右图 / 图: open a photo caption.
    static func isCaptionStart(_ t: UnsafeBufferPointer<UInt16>, _ s: Int, _ e: Int) -> Bool {
        guard e - s >= 2 else { return false }
        let a = t[s], b = t[s + 1]
        if a == 0x56FE && (b == 0x4E3A || b == 0x3A || b == 0x7247) { return true }  // 图为 图: 图片
        if b == 0x56FE && (a == 0x4E0A || a == 0x4E0B || a == 0x5DE6 || a == 0x53F3) { return true }  // 上图 下图 左图 右图
        return false
    }

    @inline(__always) static func isSpace(_ u: UInt16) -> Bool { u == 0x20 || u == 0x09 || u == 0x3000 }
}
