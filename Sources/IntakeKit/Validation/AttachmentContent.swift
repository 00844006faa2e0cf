import Crypto
import Foundation
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What reading one attachment found: its type, digest and structure.
struct ContentVerdict {
    var size: Int
    var detected: FileType
    var sha256: String
    var structure: StructureReport
    /// For a PDF whose own header and trailer are sound: whether it opens (password, xref,
    /// pages), asked while its bytes are still at hand.
    var pdfOpen: PDFOpenCheck.Outcome?
}

/// Reads one attachment once and judges it as it passes: sniffing, SHA-256 and the structure
/// check see the same bytes, and memory does not grow with the file.
///
/// Files up to `inMemoryLimit` (nearly every photo and form) are read into one buffer with
/// `read(2)`. Larger ones are mapped read-only; the checkers report how far they have come
/// (`ContentBytes.passed(_:)`), and a `StreamTracker` hashes every byte behind that point once,
/// in order, then drops those pages from the process (`MADV_DONTNEED`), so a 1 GiB PDF or a
/// 3 GiB video costs a few MiB of memory, not its size. What a checker skips is hashed at the
/// end the same way.
///
/// A mapped file that the disk cannot read (EIO) or that another process cuts short raises
/// SIGBUS instead of an error; `MappedReadGuard` turns that into a clear message and exit 74,
/// with the bundle left in `work/` for the next run, as for any other read error.
enum AttachmentContent {
    /// Files up to this size are read into memory; larger ones are mapped and streamed.
    static let inMemoryLimit = 8 << 20

    /// Reads and judges the regular file at `path`.
    /// - Returns: `nil` when the file holds more than `limit` bytes (it grew after the lstat).
    /// - Throws: `IntakeError.io` for a file that cannot be opened or read.
    /// - Parameter inMemoryLimit: Files up to this size are read into memory (tests lower it to
    ///   send small files down the streaming path).
    static func judge(path: String, limit: Int, inMemoryLimit: Int = inMemoryLimit) throws(IntakeError) -> ContentVerdict? {
        let (fd, size) = try FileSystem.openRegularFile(path)
        defer { try? fd.close() }
        if size > limit { return nil }
        if size <= inMemoryLimit {
            let reusable = ReadBuffer.forThisThread
            guard let filled = try reusable.fill(from: fd, path: path, limit: min(limit, inMemoryLimit)) else {
                // It grew past the in-memory size while being read: judge it as a large file.
                return try judgeMapped(fd: fd, path: path, limit: limit)
            }
            return reusable.withBytes(count: filled) { buffer in
                // The whole file: signatures are read from its head, but a ZIP's central directory
                // (Word, Excel, HWPX...) and a compound file's directory (HWP, .doc) may lie further on.
                let detected = TypeSniffer.detect(buffer)
                let structure = StructureChecker.inspect(buffer, as: detected)
                return ContentVerdict(size: buffer.count, detected: detected, sha256: SHA256.hash(data: buffer).hexString,
                                      structure: structure, pdfOpen: openCheck(buffer, detected, structure))
            }
        }
        return try judgeMapped(fd: fd, path: path, limit: limit)
    }

    /// The first bytes of the file, for naming the type of a file too large to be read whole.
    static func head(path: String) throws(IntakeError) -> [UInt8] {
        let (fd, _) = try FileSystem.openRegularFile(path)
        defer { try? fd.close() }
        var bytes = [UInt8](repeating: 0, count: TypeSniffer.headLength)
        var filled = 0
        while filled < bytes.count {
            let n: Int
            do {
                n = try bytes.withUnsafeMutableBytes { try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
            } catch { throw .io(path: path, operation: "read", errno: FileSystem.code(error)) }
            if n == 0 { break }
            filled += n
        }
        return Array(bytes[..<filled])
    }

    private static func judgeMapped(fd: FileDescriptor, path: String, limit: Int) throws(IntakeError) -> ContentVerdict? {
        var st = stat()
        guard fstat(fd.rawValue, &st) == 0 else { throw .io(path: path, operation: "stat", errno: errno) }
        let size = Int(st.st_size)
        if size > limit { return nil }
        guard let raw = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd.rawValue, 0),
              raw != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw .io(path: path, operation: "map", errno: errno)
        }
        defer { munmap(raw, size) }
        MappedReadGuard.install()
        // Read-ahead for the one pass; the tracker drops what is behind it.
        _ = madvise(raw, size, MADV_SEQUENTIAL)
        let buffer = UnsafeRawBufferPointer(start: raw, count: size)
        let tracker = StreamTracker(buffer)
        let reader = ContentBytes(buffer, tracker: tracker)
        let detected = TypeSniffer.detect(buffer)
        let structure = StructureChecker.inspect(reader, as: detected)
        let sha256 = tracker.finish()
        return ContentVerdict(size: size, detected: detected, sha256: sha256, structure: structure,
                              pdfOpen: openCheck(buffer, detected, structure))
    }

    /// Whether it opens (password, xref, pages) is asked only of a PDF whose own header and
    /// trailer are sound; data appended after it does not stop the question.
    private static func openCheck(_ buffer: UnsafeRawBufferPointer, _ detected: FileType,
                                  _ structure: StructureReport) -> PDFOpenCheck.Outcome? {
        guard detected == .pdf, !structure.findings.contains(where: { !$0.isTrailingData }) else { return nil }
        return PDFOpenCheck.check(buffer)
    }
}

/// Hashes a mapped file in order as the checks pass through it, and releases what is hashed.
final class StreamTracker {
    /// Bytes hashed and released at a time: large enough for few system calls, small enough
    /// that the bytes just checked are still in the CPU's cache when they are hashed.
    static let step = 1 << 20

    private let buffer: UnsafeRawBufferPointer
    private var hasher = SHA256()
    private(set) var hashed = 0
    private var releasing = true

    init(_ buffer: UnsafeRawBufferPointer) {
        self.buffer = buffer
    }

    /// The checks have read everything before `offset`: hash and release whole steps up to it.
    func advance(to offset: Int) {
        let target = min(offset, buffer.count)
        guard target - hashed >= Self.step else { return }
        let end = hashed + (target - hashed) / Self.step * Self.step
        consume(upTo: end)
    }

    /// Hashes whatever the checks did not pass through, and returns the file's SHA-256.
    func finish() -> String {
        consume(upTo: buffer.count)
        return hasher.finalize().hexString
    }

    private func consume(upTo end: Int) {
        while hashed < end {
            let next = min(end, hashed + Self.step)
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[hashed..<next]))
            // Page-aligned, since the mapping starts on a page and steps are whole pages; the last
            // partial page stays until munmap. A refused madvise only means memory stays mapped.
            let length = (next - hashed) & ~(Int(getpagesize()) - 1)
            if releasing, length > 0, let base = buffer.baseAddress {
                releasing = madvise(UnsafeMutableRawPointer(mutating: base + hashed), length, MADV_DONTNEED) == 0
            }
            hashed = next
        }
    }
}

/// Turns SIGBUS from a mapped attachment (a disk read error, or the file cut by another process
/// while it is read) into a message and exit 74 instead of a core dump. Nothing is half-written
/// by stopping there: every store line and rename is already crash-safe, and the bundle stays in
/// `work/` for the next run, as after any I/O error.
enum MappedReadGuard {
    private static let installed: Bool = {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            // Only async-signal-safe calls here: write(2) of a static string, then _exit.
            let message: StaticString = "intake: an attachment could not be read (SIGBUS: a disk I/O error, or the file was cut short by another process while it was read); nothing is lost, the bundle stays in work/ and the next run tries again\n"
            _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
            _exit(74)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        return sigaction(SIGBUS, &action, nil) == 0
    }()

    static func install() { _ = installed }
}

/// One read buffer per validation thread, reused from file to file: no allocation, zeroing or
/// page faults per file, and at most `AttachmentContent.inMemoryLimit` bytes per thread.
final class ReadBuffer {
    private var storage: UnsafeMutableRawBufferPointer

    private init() {
        storage = .allocate(byteCount: 1 << 20, alignment: 64)
    }

    deinit { storage.deallocate() }

    static var forThisThread: ReadBuffer {
        let key = "intake.ReadBuffer"
        if let buffer = Thread.current.threadDictionary[key] as? ReadBuffer { return buffer }
        let buffer = ReadBuffer()
        Thread.current.threadDictionary[key] = buffer
        return buffer
    }

    /// Reads the open file from its offset to its end.
    /// - Returns: the number of bytes read, or nil when it holds more than `limit`.
    func fill(from fd: FileDescriptor, path: String, limit: Int) throws(IntakeError) -> Int? {
        var filled = 0
        while true {
            if filled == storage.count {
                if storage.count > limit { return nil }
                let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: min(storage.count * 2, limit + 1), alignment: 64)
                grown.copyMemory(from: UnsafeRawBufferPointer(storage))
                storage.deallocate()
                storage = grown
            }
            let n: Int
            do {
                n = try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: storage[filled...]))
            } catch { throw .io(path: path, operation: "read", errno: FileSystem.code(error)) }
            if n == 0 { break }
            filled += n
            if filled > limit { return nil }
        }
        return filled
    }

    func withBytes<T>(count: Int, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        body(UnsafeRawBufferPointer(rebasing: storage[..<count]))
    }
}
