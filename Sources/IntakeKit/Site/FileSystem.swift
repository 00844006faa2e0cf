import Foundation
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a directory entry is, seen without following links.
public enum EntryKind: Sendable, Equatable {
    case file, directory, symlink, other
}

/// Facts about one directory entry, read with `lstat` (links are never followed).
public struct EntryInfo: Sendable, Equatable {
    public var kind: EntryKind
    public var size: Int64
    public var modified: Date
}

/// The thin POSIX layer intake uses for everything that touches the disk.
///
/// Every call is explicit about links (never followed), durability (`fsync` of files and of
/// the directories whose entries change) and errors (an ``IntakeError/io(path:operation:errno:)``
/// naming the path and what was attempted).
public enum FileSystem {
    /// Reads an entry's kind, size and modification time without following a link.
    public static func info(_ path: String) -> EntryInfo? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        let kind: EntryKind
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .file
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
        #if canImport(Darwin)
        let ts = st.st_mtimespec
        #else
        let ts = st.st_mtim
        #endif
        let modified = Date(timeIntervalSince1970: TimeInterval(ts.tv_sec) + TimeInterval(ts.tv_nsec) / 1e9)
        return EntryInfo(kind: kind, size: Int64(st.st_size), modified: modified)
    }

    public static func exists(_ path: String) -> Bool { info(path) != nil }

    public static func isDirectory(_ path: String) -> Bool { info(path)?.kind == .directory }

    /// Lists a directory's entry names (without "." and ".."), sorted by their bytes so runs are reproducible.
    public static func list(_ path: String) throws(IntakeError) -> [String] {
        guard let dir = opendir(path) else { throw .io(path: path, operation: "list", errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { ptr in
                ptr.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            names.append(name)
        }
        // Byte order, compared in place: copying both names per comparison made listing a
        // spool of 200,000 messages take a second.
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Creates a directory and its parents; succeeds when it already exists as a directory.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o750) throws(IntakeError) {
        if isDirectory(path) { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path, !exists(parent) { try makeDirectory(parent, mode: mode) }
        if mkdir(path, mode) != 0, errno != EEXIST {
            throw .io(path: path, operation: "create directory", errno: errno)
        }
    }

    /// Renames an entry within one file system, refusing to replace anything at the destination.
    ///
    /// This is the one atomic step behind claiming, accepting and quarantining a bundle.
    public static func move(_ from: String, to destination: String) throws(IntakeError) {
        // Only intake writes below data/ (besides the inbox) and only under the site lock, so
        // checking first is enough; rename(2) alone would replace an empty directory silently.
        if exists(destination) { throw .io(path: destination, operation: "move \(from) onto", errno: EEXIST) }
        if rename(from, destination) != 0 { throw .io(path: from, operation: "move to \(destination)", errno: errno) }
    }

    /// Flushes a directory so that renames and creations inside it survive a crash.
    /// - Throws: when the directory cannot be opened or flushed: the entries just changed in it
    ///   may not survive a power cut, so the caller must not go on as if they would.
    public static func syncDirectory(_ path: String) throws(IntakeError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open (to flush) the directory", errno: errno) }
        defer { close(fd) }
        // EINVAL: a file system that cannot flush directories (some FUSE and network mounts)
        // has nothing more to make durable.
        if fsync(fd) != 0, errno != EINVAL { throw .io(path: path, operation: "flush the directory", errno: errno) }
    }

    /// Flushes several directories; the first failure is thrown after trying them all.
    public static func syncDirectories<S: Sequence>(_ paths: S) throws(IntakeError) where S.Element == String {
        var first: IntakeError?
        for path in paths {
            do throws(IntakeError) { try syncDirectory(path) } catch { if first == nil { first = error } }
        }
        if let first { throw first }
    }

    /// Asks the kernel to start reading the regular files directly in `directory` into the page
    /// cache (`POSIX_FADV_WILLNEED`, at most `limitPerFile` bytes of each), so that a reader
    /// coming later finds them there instead of waiting for the disk. Only a hint: it reads
    /// nothing into this process, follows no links, opens nothing but regular files (each by
    /// its name in the open directory, without walking the path again), and its failures
    /// change nothing: the reader opens the file itself and reports its own.
    public static func adviseWillRead(directory: String, limitPerFile: Int) {
        guard let dir = opendir(directory) else { return }
        defer { closedir(dir) }
        let dfd = dirfd(dir)
        while let entry = readdir(dir) {
            let fd = withUnsafePointer(to: entry.pointee.d_name) { ptr in
                ptr.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { name -> Int32 in
                    if name[0] == 0x2E && (name[1] == 0 || (name[1] == 0x2E && name[2] == 0)) { return -1 }
                    return openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
                }
            }
            guard fd >= 0 else { continue }
            var st = stat()
            if fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size > 0 {
                _ = posix_fadvise(fd, 0, off_t(min(Int(st.st_size), limitPerFile)), POSIX_FADV_WILLNEED)
            }
            close(fd)
        }
    }

    /// Flushes many files at once: the fsyncs run on up to 16 threads, so the device sees them
    /// together instead of one round trip each (three to four times faster for small files).
    /// - Throws: the first failure, naming its file.
    public static func syncFiles(_ paths: [String]) throws(IntakeError) {
        guard !paths.isEmpty else { return }
        let failures = FailureBox()
        let threads = min(16, paths.count)
        let group = DispatchGroup()
        for t in 0..<threads {
            group.enter()
            let thread = Thread {
                var i = t
                while i < paths.count {
                    let fd = open(paths[i], O_RDONLY | O_CLOEXEC)
                    if fd < 0 || fsync(fd) != 0 { failures.record(.io(path: paths[i], operation: "flush", errno: errno)) }
                    if fd >= 0 { close(fd) }
                    i += threads
                }
                group.leave()
            }
            thread.start()
        }
        group.wait()
        if let first = failures.first { throw first }
    }

    /// Reads a whole regular file in large blocks, refusing links and anything over `limit` bytes.
    /// - Returns: the bytes, or nil when the file holds more than `limit` bytes (nothing beyond is read).
    public static func read(_ path: String, limit: Int = Int.max) throws(IntakeError) -> [UInt8]? {
        let (fd, expected) = try openRegularFile(path)
        defer { try? fd.close() }
        if expected > limit { return nil }
        return try read(fd: fd, path: path, expected: expected, limit: limit)
    }

    /// Opens a regular file for reading without following a link (a link, folder, FIFO or
    /// device is refused with EINVAL or ELOOP), and returns it with its size. The caller closes it.
    static func openRegularFile(_ path: String) throws(IntakeError) -> (FileDescriptor, Int) {
        let fd: FileDescriptor
        do {
            // Non-blocking, so that a FIFO swapped in after the lstat cannot hang the run.
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.noFollow, .closeOnExec, .nonBlocking])
        } catch { throw .io(path: path, operation: "open", errno: Self.code(error)) }
        var st = stat()
        guard fstat(fd.rawValue, &st) == 0 else {
            let code = errno
            try? fd.close()
            throw .io(path: path, operation: "stat", errno: code)
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            try? fd.close()
            throw .io(path: path, operation: "read (not a regular file)", errno: EINVAL)
        }
        return (fd, Int(st.st_size))
    }

    /// Reads an open file from its current offset to its end, expecting about `expected` bytes.
    /// - Returns: the bytes, or nil when the file holds more than `limit` bytes.
    static func read(fd: FileDescriptor, path: String, expected: Int, limit: Int) throws(IntakeError) -> [UInt8]? {
        // One allocation of the announced size plus one byte, so that reaching the end needs no
        // second buffer; a file that grows while it is read is still bounded by `limit`.
        let cap = limit == Int.max ? Int.max : limit + 1
        var bytes = [UInt8](repeating: 0, count: min(expected + 1, cap))
        var filled = 0
        while true {
            if filled == bytes.count {
                if bytes.count >= cap { break }
                bytes.append(contentsOf: repeatElement(0, count: min(max(bytes.count, 65536), cap - bytes.count)))
            }
            let n: Int
            do {
                n = try bytes.withUnsafeMutableBytes { buf in
                    try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: buf[filled...]))
                }
            } catch { throw .io(path: path, operation: "read", errno: Self.code(error)) }
            if n == 0 { break }
            filled += n
        }
        if filled > limit { return nil }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// Writes a file so that readers see either nothing or all of it: a temporary file in the
    /// same directory, flushed, then renamed over the destination, and the directory flushed.
    /// - Parameter durable: `false` skips the flushes, for files that are rewritten if lost.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o640, durable: Bool = true) throws(IntakeError) {
        let dir = (path as NSString).deletingLastPathComponent
        // A fixed temporary name: writers hold the site lock, and a temporary file left by a
        // killed process is overwritten and renamed away by the next write of the same file
        // (a per-process name would stay behind for ever).
        let tmp = join(dir, ".\((path as NSString).lastPathComponent).tmp")
        try write(tmp, bytes, mode: mode, exclusive: false, durable: durable)
        if rename(tmp, path) != 0 {
            let code = errno
            unlink(tmp)
            throw .io(path: path, operation: "replace", errno: code)
        }
        if durable { try syncDirectory(dir) }
    }

    /// Creates (or truncates) a file with `bytes`, flushed to disk.
    /// - Parameter exclusive: fail when the file exists already.
    public static func write(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o640, exclusive: Bool, durable: Bool = true) throws(IntakeError) {
        var options: FileDescriptor.OpenOptions = [.create, .truncate, .closeOnExec, .noFollow]
        if exclusive { options.insert(.exclusiveCreate) }
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: options, permissions: FilePermissions(rawValue: CModeT(mode)))
        } catch { throw .io(path: path, operation: "create", errno: Self.code(error)) }
        do {
            _ = try bytes.withUnsafeBytes { try fd.writeAll($0) }
            if durable, fsync(fd.rawValue) != 0 { throw Errno(rawValue: errno) }
            try fd.close()
        } catch {
            try? fd.close()
            throw .io(path: path, operation: "write", errno: (error as? Errno)?.rawValue ?? EIO)
        }
    }

    static func code(_ error: any Error) -> Int32 { (error as? Errno)?.rawValue ?? EIO }

    /// Free bytes available to this user on the file system holding `path`.
    public static func freeBytes(at path: String) -> Int64? {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { return nil }
        return Int64(st.f_bavail) * Int64(st.f_frsize)
    }

    /// Whether this process may create files in a directory.
    public static func isWritableDirectory(_ path: String) -> Bool {
        isDirectory(path) && access(path, W_OK | X_OK) == 0
    }

    /// Joins path components with "/".
    /// Plain concatenation: the bytes of every component are kept exactly (NSString path
    /// helpers may normalise Unicode or drop a trailing component's oddities).
    public static func join(_ base: String, _ parts: String...) -> String {
        parts.reduce(base) { path, part in
            if part.isEmpty { return path }
            return path.hasSuffix("/") ? path + part : path + "/" + part
        }
    }
}

/// The first error met by several threads.
private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: IntakeError?

    func record(_ error: IntakeError) {
        lock.lock()
        if self.error == nil { self.error = error }
        lock.unlock()
    }

    var first: IntakeError? {
        lock.lock()
        defer { lock.unlock() }
        return error
    }
}
