// Micro-benchmarks that back design decisions, run by scripts/bench (never by tests).
//
// json-writer: serializes the same sentence records with Lianlu's JSONWriter and with
// Foundation's JSONEncoder, side by side in one process, and prints MB/s of output.
// word-break: ICU's dictionary-based word breaking (zh) over the sentences' texts, in MB/s
// of UTF-8 text: what using it for name boundaries would cost (README, "Where names
// start and end").
import Foundation
import LianluCore

struct SentenceRecord: Encodable {
    var doc: String
    var sid: Int
    var start: Int
    var end: Int
    var raw_start: Int
    var raw_end: Int
    var text: String
    var para: Int
    var kind: String
}

func seconds(_ body: () -> Void) -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

let args = CommandLine.arguments
guard args.count >= 3, args[1] == "json-writer" || args[1] == "word-break" else {
    FileHandle.standardError.write("usage: lianlu-bench json-writer|word-break SENTENCES.jsonl\n".data(using: .utf8)!)
    exit(64)
}
let lines = try String(contentsOfFile: args[2], encoding: .utf8).split(separator: "\n")
var records: [SentenceRecord] = []
for l in lines.prefix(200_000) {
    let v = try JSONParser.parse(String(l))
    records.append(SentenceRecord(doc: v["doc"]!.stringValue!, sid: v["sid"]!.intValue!, start: v["start"]!.intValue!,
                                  end: v["end"]!.intValue!, raw_start: v["raw_start"]!.intValue!, raw_end: v["raw_end"]!.intValue!,
                                  text: v["text"]!.stringValue!, para: v["para"]!.intValue!, kind: v["kind"]!.stringValue!))
}
let texts = records.map { TextUnits.units($0.text) }

if args[1] == "word-break" {
    let breaker = try ICUBreakIterator(kind: .word, locale: "zh")
    var bounds: [Int] = []
    var count = 0
    let bytes = records.reduce(0) { $0 + $1.text.utf8.count }
    // Twice: the first pass loads ICU's dictionary.
    for _ in 0..<2 { for t in texts { t.withUnsafeBufferPointer { breaker.boundaries($0, into: &bounds) } } }
    let t = seconds {
        for t in texts { t.withUnsafeBufferPointer { breaker.boundaries($0, into: &bounds); count += bounds.count } }
    }
    print(String(format: "word-break: %d sentences, %.1f MB of text, %d words; ICU dictionary word breaking %.1f MB/s",
                 records.count, Double(bytes) / 1e6, count, Double(bytes) / 1e6 / t))
    exit(0)
}

var writerBytes = 0
let tWriter = seconds {
    var w = JSONWriter(capacity: 1 << 20)
    for (r, t) in zip(records, texts) {
        w.beginObject()
        w.key("doc"); w.string(r.doc)
        w.key("sid"); w.int(r.sid)
        w.key("start"); w.int(r.start)
        w.key("end"); w.int(r.end)
        w.key("raw_start"); w.int(r.raw_start)
        w.key("raw_end"); w.int(r.raw_end)
        t.withUnsafeBufferPointer { w.key("text"); w.string(utf16: $0) }
        w.key("para"); w.int(r.para)
        w.key("kind"); w.string(r.kind)
        w.endObject()
        w.newline()
        writerBytes += w.count
        w.removeAll()
    }
}
var encoderBytes = 0
let tEncoder = seconds {
    let e = JSONEncoder()
    e.outputFormatting = [.withoutEscapingSlashes]
    for r in records { encoderBytes += ((try? e.encode(r))?.count ?? 0) + 1 }
}
print(String(format: "json-writer: %d records; JSONWriter %.1f MB/s, JSONEncoder %.1f MB/s (%.1fx)",
             records.count, Double(writerBytes) / 1e6 / tWriter, Double(encoderBytes) / 1e6 / tEncoder,
             (Double(writerBytes) / tWriter) / (Double(encoderBytes) / tEncoder)))
