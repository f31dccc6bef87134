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
        runStages(item, sectionUnits: sectionUnits, chunkBytes: chunkBytes, out: out)
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
