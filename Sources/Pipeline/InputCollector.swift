import Foundation
import LianluCore

/// One input file, as found on disk.
public struct InputFile: Sendable, Equatable {
    public enum Kind: Sendable { case text, jsonl }
    /// Where the file is read from.
    public var path: String
    /// How records and messages name it (the path as given, or relative to a golden case).
    public var displayPath: String
    public var kind: Kind
    public var size: Int
}

/// Expands the command line's inputs (files and folders) into files, in a deterministic
/// order: arguments in the order given, folder contents sorted by path (byte order).
/// Folders contribute `*.txt` and `*.jsonl` recursively; a file named explicitly is taken
/// whatever its extension (`.jsonl` is read as JSONL, anything else as a text file).
public enum InputCollector {
    public static func collect(_ paths: [String]) -> (files: [InputFile], rejects: [Reject]) {
        var files: [InputFile] = []
        var rejects: [Reject] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
                rejects.append(Reject(code: .missingPath, file: p, reason: "no such file or folder: \(p)"))
                continue
            }
            if isDir.boolValue {
                var found: [String] = []
                if let e = fm.enumerator(atPath: p) {
                    while let rel = e.nextObject() as? String {
                        let lower = rel.lowercased()
                        if lower.hasSuffix(".txt") || lower.hasSuffix(".jsonl") {
                            let full = (p as NSString).appendingPathComponent(rel)
                            var d: ObjCBool = false
                            if fm.fileExists(atPath: full, isDirectory: &d), !d.boolValue { found.append(full) }
                        }
                    }
                }
                found.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                for f in found { files.append(file(f)) }
            } else {
                files.append(file(p))
            }
        }
        return (files, rejects)
    }

    static func file(_ path: String) -> InputFile {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return InputFile(path: path, displayPath: path, kind: path.lowercased().hasSuffix(".jsonl") ? .jsonl : .text, size: size)
    }

    /// A text file's document id: its file name without extension.
    public static func documentID(forPath path: String) -> String {
        let name = (path as NSString).lastPathComponent
        if let dot = name.lastIndex(of: "."), dot != name.startIndex { return String(name[..<dot]) }
        return name
    }
}
