import LianluCore
import Extraction
import Linking

/// Where a long document's records go while they are made (`StageWorker.processLong`):
/// the run's writer, which has written everything before the document.
public protocol LongDocumentOutput: AnyObject {
    /// Called once the document is read, before any record of it: a reject (its id was
    /// used by an earlier document) stops it with nothing written.
    func begin(_ result: WorkResult) -> Reject?
    /// Whole records (or, for the document record, consecutive pieces of one) of a stage.
    func write(_ stage: Stage, _ bytes: [UInt8])
}

/// Long documents (a year of an e-paper saved as one file, a 50 MB dump) are processed
/// so that memory stays bounded by the text, not by the ten times larger output:
///
/// - every record is handed to the writer in chunks of about `chunkBytes` as it is
///   made, the document record's text in pieces;
/// - extraction and linking run over sections of whole paragraphs of at least
///   `sectionUnits` UTF-16 units, so only one section's mentions and frames are held.
///
/// Linking and entity grouping give exactly what the whole document gives (a section
/// starts with the paragraph an opening anaphor looks back to, relation numbers go on,
/// and one `EntityGrouper` takes every section), and 当天 at a section's start refers to
/// the date before it. Extraction's repeat rules (a name recurring without its cue) look
/// for the names of the sections before and of their own, not for names that first come
/// in full in a later section (see `SectionCarry`).
extension StageWorker {
    public func processLong(_ item: consuming WorkItem, sectionUnits: Int, chunkBytes: Int = 4 << 20, out: LongDocumentOutput) -> WorkResult {
        switch item {
        case .rejected, .sentenceRecordLines: return process(item)
        default: break
        }
        var result = WorkResult()
        result.inputBytes = item.byteCount
        var isDocumentRecord = false
        if case .documentRecordLine = item { isDocumentRecord = true }
        // The input's bytes go as soon as the text is read out of them.
        guard let doc = document(of: consume item, &result) else { return result }
        if let r = out.begin(result) {
            result.reject = r
            return result
        }
        var sentences: [Sentence] = []
        if through >= .sentences {
            let t0 = now()
            sentences = breaker.sentences(of: doc)
            result.phaseNanos.sentences += now() - t0
        }
        let t1 = now()
        writer.removeAll()
        func flush(_ stage: Stage, ifOver limit: Int) {
            if writer.count > limit { out.write(stage, writer.drain()) }
        }
        if !isDocumentRecord {
            doc.write(to: &writer, pieceUnits: max(1, chunkBytes / 3)) { out.write(.normalize, $0) }
            flush(.normalize, ifOver: 0)
        }
        if through >= .sentences {
            for s in sentences {
                s.write(document: doc, to: &writer)
                flush(.sentences, ifOver: chunkBytes)
            }
            flush(.sentences, ifOver: 0)
            result.sentenceCount = sentences.count
        }
        result.phaseNanos.serialize += now() - t1
        guard let extractor, through >= .extract else { return result }
        var grouper = through >= .link ? linker?.entityGrouper() : nil
        var before: [Mention] = []
        var carry: SectionCarry? = SectionCarry()
        var timeouts: [String: Int] = [:]
        let head = MentionRecordPieces.head(documentID: doc.id)
        for section in StageWorker.sections(sentences, units: sectionUnits) {
            let part = Array(sentences[section])
            let t2 = now()
            let found = extractor.extract(document: doc, sentences: part, carry: &carry)
            let t3 = now()
            head.withUnsafeBufferPointer { h in
                for m in found.mentions {
                    m.write(document: doc, to: &writer, pieces: extractor.recordPieces, head: h)
                    flush(.extract, ifOver: chunkBytes)
                }
            }
            flush(.extract, ifOver: 0)
            result.mentionCount += found.mentions.count
            for (rule, n) in found.timeouts { timeouts[rule, default: 0] += n }
            result.phaseNanos.extract += t3 - t2
            result.phaseNanos.serialize += now() - t3
            guard let linker, through >= .link else { continue }
            let t4 = now()
            let linked = linker.link(text: doc.text, sentences: part, mentions: found.mentions, before: before,
                                     firstRelation: result.relationCount + 1, groupEntities: false)
            grouper?.add(text: doc.text, mentions: found.mentions)
            // What the next section's opening anaphor may look back to: this section's
            // last paragraph with mentions (sections hold whole paragraphs).
            if let last = found.mentions.last, let para = part.last(where: { $0.sid == last.sid })?.para {
                let sids = Set(part.filter { $0.para == para }.map(\.sid))
                before = found.mentions.filter { sids.contains($0.sid) }
            }
            let t5 = now()
            for r in linked.relations {
                r.write(doc: doc.id, to: &writer)
                flush(.link, ifOver: chunkBytes)
            }
            flush(.link, ifOver: 0)
            result.relationCount += linked.relations.count
            result.phaseNanos.link += t5 - t4
            result.phaseNanos.serialize += now() - t5
        }
        if let grouper {
            let t6 = now()
            let entities = grouper.entities()
            let t7 = now()
            for e in entities {
                e.write(doc: doc.id, to: &writer)
                flush(.group, ifOver: chunkBytes)
            }
            flush(.group, ifOver: 0)
            result.phaseNanos.link += t7 - t6
            result.phaseNanos.serialize += now() - t7
        }
        result.warnTimeouts(timeouts, document: doc.id)
        writer.removeAll()
        return result
    }

    /// Consecutive sentences in sections of whole paragraphs, each at least `units` UTF-16
    /// units long but the last (a paragraph longer than that is a section by itself).
    static func sections(_ sentences: [Sentence], units: Int) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0, size = 0
        for i in sentences.indices {
            if i > start, sentences[i].para != sentences[i - 1].para, size >= units {
                out.append(start..<i)
                start = i
                size = 0
            }
            size += sentences[i].utf16Range.count
        }
        if start < sentences.count { out.append(start..<sentences.count) }
        return out
    }
}
