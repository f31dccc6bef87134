import CPlatform
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Output to a file or a standard stream.
///
/// Files go around the page cache (O_DIRECT) where the file system allows it. A run writes
/// about ten bytes of records per input byte, and on this machine kind copying them into
/// the page cache cost 0.5-1.6 s of kernel time per GB (`dd bs=64k`), against 0.05 s with
/// O_DIRECT; that kernel time took a core from the workers at `--jobs 2`. Standard output
/// (a pipe to Spark or a shell), `buffered: true`, and file systems that refuse direct I/O
/// (tmpfs on older kernels, some network file systems) go through stdio instead.
public final class OutputFile {
    public let path: String
    private var stdio: UnsafeMutablePointer<FILE>?
    private let owns: Bool
    private var direct: DirectWriter?
    private var stdioError: Int32 = 0
    /// True when the file is written with O_DIRECT.
    public var isDirect: Bool { direct?.isDirect ?? false }

    /// Creates or truncates `path`. With `buffered` false (the default), tries O_DIRECT first.
    public init(path: String, buffered: Bool = false) throws {
        self.path = path
        owns = true
        if !buffered, let d = DirectWriter(path: path) {
            direct = d
            return
        }
        guard let f = fopen(path, "wb") else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        stdio = f
        // glibc ignores the size without a buffer and writes in 4 kB blocks. Measured on
        // the bench corpus (1 GB of records): a real 1 MB buffer, and gathering records
        // for one `writev` per megabyte, cut the write calls 250-fold but raised system
        // time from 1.0-1.5 s to 1.6-2.8 s and were no faster at either job count.
        setvbuf(f, nil, _IOFBF, 1 << 20)
    }

    public init(stdout: Void) {
        stdio = Glibc.stdout
        owns = false
        path = "<stdout>"
    }

    public func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { b in
            if let direct {
                direct.write(b)
            } else if let stdio, fwrite(b.baseAddress!, 1, b.count, stdio) != b.count, stdioError == 0 {
                stdioError = errno == 0 ? EIO : errno
            }
        }
    }

    /// Makes everything written so far reach the file (or stream).
    public func flush() {
        if let direct { direct.flush() } else if let stdio, fflush(stdio) != 0, stdioError == 0 { stdioError = errno }
    }

    /// Flushes and closes. Throws the first write error of the file's life (a full disk,
    /// say): records after it are missing, and the caller must say so.
    public func close() throws {
        let failure: Int32
        if let direct {
            failure = direct.close()
            self.direct = nil
        } else if let stdio {
            if fflush(stdio) != 0, stdioError == 0 { stdioError = errno }
            if owns, fclose(stdio) != 0, stdioError == 0 { stdioError = errno }
            self.stdio = nil
            failure = stdioError
        } else {
            return
        }
        if failure != 0 { throw OutputError(path: path, errorNumber: failure) }
    }

    deinit { try? close() }
}

/// A write to an output file failed.
public struct OutputError: Error, CustomStringConvertible {
    public let path: String
    public let errorNumber: Int32
    public var description: String { "writing \(path) failed: \(String(cString: strerror(errorNumber)))" }
}

/// Writes whole blocks from an aligned buffer with O_DIRECT. The last, partial block goes
/// out padded with zeros, and the file is then cut to its length (`ftruncate`); the
/// partial block stays in the buffer, so later bytes rewrite that block in full.
final class DirectWriter {
    /// O_DIRECT needs the buffer's address, the file offset and the length aligned to the
    /// device's logical block; 4096 covers every common device.
    static let block = 4096
    static let capacity = 1 << 18
    private var fd: Int32
    private let buffer: UnsafeMutableRawPointer
    /// Bytes in the buffer, and the file offset of its first byte (a block multiple).
    private var count = 0
    private var offset = 0
    private(set) var isDirect = true
    private var error: Int32 = 0

    init?(path: String) {
        let fd = lianlu_open_direct(path)
        guard fd >= 0 else { return nil }
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, DirectWriter.block, DirectWriter.capacity) == 0, let memory else {
            Glibc.close(fd)
            return nil
        }
        self.fd = fd
        buffer = memory
    }

    deinit { free(buffer) }

    func write(_ bytes: UnsafeRawBufferPointer) {
        var from = bytes.baseAddress!
        var left = bytes.count
        while left > 0 {
            let n = min(left, DirectWriter.capacity - count)
            (buffer + count).copyMemory(from: from, byteCount: n)
            count += n
            from += n
            left -= n
            if count == DirectWriter.capacity {
                put(count)
                offset += count
                count = 0
            }
        }
    }

    /// The file holds exactly the bytes written so far.
    func flush() {
        let whole = count / DirectWriter.block * DirectWriter.block
        if whole > 0 {
            put(whole)
            // The partial block moves to the front (it is shorter than a block, so the
            // two ranges never overlap).
            buffer.copyMemory(from: buffer + whole, byteCount: count - whole)
            offset += whole
            count -= whole
        }
        guard count > 0 else { return }
        (buffer + count).initializeMemory(as: UInt8.self, repeating: 0, count: DirectWriter.block - count)
        put(DirectWriter.block)
        while ftruncate(fd, off_t(offset + count)) != 0 {
            if errno == EINTR { continue }
            if error == 0 { error = errno }
            break
        }
    }

    /// Flushes and closes; returns the first error (errno) of the file's life, or 0.
    func close() -> Int32 {
        guard fd >= 0 else { return error }
        flush()
        if Glibc.close(fd) != 0, error == 0 { error = errno }
        fd = -1
        return error
    }

    /// Writes the buffer's first `n` bytes (a block multiple) at `offset`, in full. A file
    /// system that accepted the O_DIRECT open but refuses the write (EINVAL) gets the rest
    /// of the file through the page cache.
    private func put(_ n: Int) {
        var done = 0
        while done < n {
            let r = pwrite(fd, buffer + done, n - done, off_t(offset + done))
            if r < 0 {
                if errno == EINTR { continue }
                if errno == EINVAL, isDirect, lianlu_clear_direct(fd) == 0 {
                    isDirect = false
                    continue
                }
                if error == 0 { error = errno }
                return
            }
            done += r
        }
    }
}
