import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a file descriptor line by line in large chunks: JSONL inputs can be far larger
/// than memory, and only one line at a time is kept (plus the read buffer).
public final class LineReader {
    private let fd: Int32
    private let ownsFD: Bool
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var eof = false
    public private(set) var lineNumber = 0
    /// Byte offset of the start of the line last returned.
    public private(set) var lineOffset = 0
    private var consumed = 0

    public init(fd: Int32, ownsFD: Bool = false, chunkSize: Int = 1 << 20) {
        self.fd = fd
        self.ownsFD = ownsFD
        buffer = [UInt8](repeating: 0, count: chunkSize)
    }

    public convenience init?(path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        self.init(fd: fd, ownsFD: true)
    }

    deinit { if ownsFD { close(fd) } }

    /// The next line without its `\n` (and without a trailing `\r`), or nil at the end.
    public func next() -> [UInt8]? {
        while true {
            let found: Int? = buffer.withUnsafeBufferPointer { b in
                guard end > start, let p = memchr(b.baseAddress! + start, 0x0A, end - start) else { return nil }
                return b.baseAddress!.distance(to: p.assumingMemoryBound(to: UInt8.self))
            }
            if let nl = found {
                var lineEnd = nl
                if lineEnd > start, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let line = buffer.withUnsafeBufferPointer { Array(UnsafeBufferPointer(rebasing: $0[start..<lineEnd])) }
                lineOffset = consumed
                consumed += nl + 1 - start
                start = nl + 1
                lineNumber += 1
                return line
            }
            if eof {
                if start < end {
                    var lineEnd = end
                    if buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                    let line = Array(buffer[start..<lineEnd])
                    lineOffset = consumed
                    consumed += end - start
                    start = end
                    lineNumber += 1
                    return line
                }
                return nil
            }
            // Compact, grow if one line fills the buffer, and read more.
            if start > 0 {
                buffer.withUnsafeMutableBufferPointer { b in
                    _ = memmove(b.baseAddress!, b.baseAddress! + start, end - start)
                }
                end -= start
                start = 0
            }
            if end == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
            let n = buffer.withUnsafeMutableBufferPointer { b in read(fd, b.baseAddress! + end, b.count - end) }
            if n <= 0 { eof = true } else { end += n }
        }
    }
}

/// Reads a whole file's bytes (sized by fstat; no zero-filled scratch buffers, which
/// cost more than the read itself for small e-paper pages).
public func readWholeFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    var out = [UInt8]()
    var expected = max(Int(st.st_size), 0)
    while true {
        var readError: Int32 = 0
        var sawEOF = false
        let chunk = [UInt8](unsafeUninitializedCapacity: expected + 1) { buf, initialized in
            var got = 0
            while got < buf.count {
                let n = read(fd, buf.baseAddress! + got, buf.count - got)
                if n < 0 { if errno == EINTR { continue }; readError = errno; break }
                if n == 0 { sawEOF = true; break }
                got += n
            }
            initialized = got
        }
        if readError != 0 { throw POSIXError(POSIXErrorCode(rawValue: readError) ?? .EIO) }
        out.append(contentsOf: chunk)
        if sawEOF { return out }
        // The file grew (or st_size was 0 for a pipe): keep reading in larger steps.
        expected = max(1 << 16, out.count)
    }
}
