import LianluCore

/// Removes layout breaks: line breaks that a page layout put inside a sentence or a word
/// (`逐个\n\n解决` -> `逐个解决`, `王立\n军` -> `王立军`), keeping real paragraph and
/// headline breaks. Also trims spaces at the start and end of lines (paragraph indents).
///
/// The decision looks at the line before the break (L) and the next non-blank line (M):
/// - L must end open: with an ideograph, a letter or digit, or `,` `、` `“` `(` `《` `·`;
///   a line ending in `。！？；：”）` or a dash ends where the writer ended it.
/// - L must read as running prose: it contains clause punctuation and is at least
///   `minimumProseLength` long, or it is at least `longLine` long. Headlines and bylines
///   are short lines without commas, so they never join the next paragraph.
/// - M must start with an ideograph, letter or digit, must not open a new unit (`□` `◆`
///   `■` `●` `▲` `★` bylines and lists, `本报...讯`, `图为` captions), and must not be a
///   headline itself (short, with no punctuation at all).
/// A break between two Latin letters becomes one space (words split at a space); any
/// other joined break disappears.
public struct LayoutJoiner {
    public var minimumProseLength = 12
    public var longLine = 40
    public var headlineLength = 20

    public init() {}

    struct Line {
        var start: Int        // first unit of the line
        var end: Int          // position of its newline (or text end)
        var contentStart: Int // after leading spaces
        var contentEnd: Int   // before trailing spaces
        var isBlank: Bool { contentStart >= contentEnd }
    }

    @inline(__always) static func isSpace(_ u: UInt16) -> Bool { u == 0x20 || u == 0x09 || u == 0x3000 || u == 0xA0 }

    public func join(_ input: UnsafeBufferPointer<UInt16>) -> (TextEditor, joins: Int) {
        let n = input.count
        var lines: [Line] = []
        var s = 0
        while s <= n {
            var e = s
            while e < n, input[e] != 0x0A { e += 1 }
            var cs = s, ce = e
            while cs < ce, LayoutJoiner.isSpace(input[cs]) { cs += 1 }
            while ce > cs, LayoutJoiner.isSpace(input[ce - 1]) { ce -= 1 }
            lines.append(Line(start: s, end: e, contentStart: cs, contentEnd: ce))
            if e >= n { break }
            s = e + 1
        }
        var ed = TextEditor(capacity: n)
        var joins = 0
        var k = 0
        while k < lines.count {
            let L = lines[k]
            if L.isBlank {
                // Whitespace-only line: drop its spaces, keep its newline.
                ed.delete(inLength: L.end - L.start)
                if L.end < n { ed.copy(UnsafeBufferPointer(rebasing: input[L.end..<L.end + 1])) }
                k += 1
                continue
            }
            ed.delete(inLength: L.contentStart - L.start)
            ed.copy(UnsafeBufferPointer(rebasing: input[L.contentStart..<L.contentEnd]))
            // Next non-blank line.
            var m = k + 1
            while m < lines.count, lines[m].isBlank { m += 1 }
            if m < lines.count, shouldJoin(input, lines[k], lines[m]) {
                let gapStart = L.contentEnd, gapEnd = lines[m].contentStart
                if TextUnits.isASCIILetter(input[L.contentEnd - 1]) && TextUnits.isASCIILetter(input[gapEnd]) {
                    ed.replace(inLength: gapEnd - gapStart, with: CollectionOfOne(UInt16(0x20)), linear: false)
                } else {
                    ed.delete(inLength: gapEnd - gapStart)
                }
                joins += 1
                // Continue with M, whose leading spaces were consumed by the join.
                lines[m].start = gapEnd
                k = m
                continue
            }
            ed.delete(inLength: L.end - L.contentEnd)
            if L.end < n { ed.copy(UnsafeBufferPointer(rebasing: input[L.end..<L.end + 1])) }
            k += 1
        }
        return (ed, joins)
    }

    static func endsOpen(_ u: UInt16) -> Bool {
        if TextUnits.isIdeograph(u) || TextUnits.isASCIIAlnum(u) { return true }
        switch u {
        case 0x2C, 0x3001, 0x201C, 0x28, 0x300A, 0x00B7, 0x2018: return true  // , 、 “ ( 《 · ‘
        default: return false
        }
    }

    static func isClausePunctuation(_ u: UInt16) -> Bool {
        switch u {
        case 0x2C, 0x3001, 0x3002, 0x3B, 0x3A, 0x21, 0x3F: return true  // , 、 。 ; : ! ?
        default: return false
        }
    }

    static func opensUnit(_ t: UnsafeBufferPointer<UInt16>, _ start: Int, _ end: Int) -> Bool {
        let u = t[start]
        switch u {
        case 0x25A1, 0x25C6, 0x25A0, 0x25CF, 0x25B2, 0x2605, 0x25C7, 0x25CB: return true  // □◆■●▲★◇○
        default: break
        }
        if end - start >= 2 {
            let a = t[start], b = t[start + 1]
            if a == 0x672C && b == 0x62A5 { return true }  // 本报
            if a == 0x56FE && b == 0x4E3A { return true }  // 图为
        }
        return false
    }

    func shouldJoin(_ t: UnsafeBufferPointer<UInt16>, _ L: Line, _ M: Line) -> Bool {
        let last = t[L.contentEnd - 1]
        guard LayoutJoiner.endsOpen(last) else { return false }
        let lLength = L.contentEnd - L.contentStart
        var hasPunct = false
        for i in L.contentStart..<L.contentEnd where LayoutJoiner.isClausePunctuation(t[i]) { hasPunct = true; break }
        guard (hasPunct && lLength >= minimumProseLength) || lLength >= longLine else { return false }
        guard !LayoutJoiner.isPageHeader(t, L.contentStart, L.contentEnd) else { return false }
        let first = t[M.contentStart]
        guard TextUnits.isIdeograph(first) || TextUnits.isASCIIAlnum(first) else { return false }
        guard !LayoutJoiner.opensUnit(t, M.contentStart, M.contentEnd) else { return false }
        let mLength = M.contentEnd - M.contentStart
        if mLength < headlineLength {
            var mPunct = false
            for i in M.contentStart..<M.contentEnd where LayoutJoiner.isClausePunctuation(t[i]) || t[i] == 0x201D { mPunct = true; break }
            if !mPunct { return false }
        }
        if mLength < longLine && LayoutJoiner.isTwoPartHeadline(t, M.contentStart, M.contentEnd) { return false }
        return true
    }

    /// 一 to 十 and 〇 (第十二版).
    static let pageNumberWords: Set<UInt16> = [0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03, 0x516B, 0x4E5D, 0x5341, 0x3007]

    /// A page header (`2024年07月26日 第05版：产业`): its colon is no clause punctuation, and
    /// the section name at its end (产业, 综合) would run into the headline below.
    static func isPageHeader(_ t: UnsafeBufferPointer<UInt16>, _ start: Int, _ end: Int) -> Bool {
        var i = start
        while i < end {
            if t[i] == 0x7B2C {  // 第
                var j = i + 1
                while j < end, (0x30...0x39).contains(t[j]) || pageNumberWords.contains(t[j]) { j += 1 }
                if j > i + 1, j < end, t[j] == 0x7248 { return true }  // 版
            }
            i += 1
        }
        return false
    }

    /// A headline with a main and a second part split by a space and no clause punctuation
    /// (`格尔木盐湖提锂项目密集开工 锂电产业加速成链`): prose never puts a space between
    /// ideographs, so such a line starts no continuation however long it is.
    static func isTwoPartHeadline(_ t: UnsafeBufferPointer<UInt16>, _ start: Int, _ end: Int) -> Bool {
        var sawSpace = false
        var i = start + 1
        while i < end - 1 {
            let u = t[i]
            if isClausePunctuation(u) { return false }
            if isSpace(u), TextUnits.isIdeograph(t[i - 1]) {
                var j = i + 1
                while j < end, isSpace(t[j]) { j += 1 }
                if j < end, TextUnits.isIdeograph(t[j]) { sawSpace = true }
            }
            i += 1
        }
        return sawSpace
    }
}
