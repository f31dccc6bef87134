import Foundation
import XCTest

/// Runs the built `lianlu` binary, as a user would, and captures what it says.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLI {
    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The `lianlu` binary next to the test bundle (`swift test` builds it).
    static var binary: URL {
        var dir = Bundle.main.bundleURL
        for b in Bundle.allBundles where b.bundlePath.hasSuffix(".xctest") { dir = b.bundleURL.deletingLastPathComponent() }
        let candidate = dir.appendingPathComponent("lianlu")
        if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        return repoRoot.appendingPathComponent(".build/debug/lianlu")
    }

    @discardableResult
    static func run(_ args: [String], stdin: Data? = nil, cwd: URL? = nil) throws -> CLIResult {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        if let cwd { p.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin {
            DispatchQueue.global().async {
                inp.fileHandleForWriting.write(stdin)
                try? inp.fileHandleForWriting.close()
            }
        } else {
            try? inp.fileHandleForWriting.close()
        }
        // Read both pipes concurrently so a full pipe never blocks the child.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        p.waitUntilExit()
        return CLIResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("lianlu-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    static func jsonl(_ url: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }
}

/// Python-style code point slicing.
func slice(_ s: String, _ start: Int, _ end: Int) -> String {
    let scalars = Array(s.unicodeScalars)
    var v = String.UnicodeScalarView()
    v.append(contentsOf: scalars[start..<end])
    return String(v)
}
