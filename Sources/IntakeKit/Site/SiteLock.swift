import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The site's advisory write lock: only one run or decision writes at a time.
///
/// An `flock` on `data/.lock`; the kernel drops it when the process ends, however it ends,
/// so a killed run never leaves a stale lock behind.
public final class SiteLock: Sendable {
    private let fd: Int32
    public let path: String

    /// Takes the lock without waiting.
    /// - Throws: ``IntakeError/locked(lockFile:)`` when another process holds it.
    public init(site: Site) throws(IntakeError) {
        path = site.lockFile
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw .io(path: path, operation: "open the lock file", errno: errno) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw .locked(lockFile: path) }
            throw .io(path: path, operation: "lock", errno: code)
        }
        // The holder's pid, for the admin who wonders who has it; informational only.
        let note = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = note.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        self.fd = fd
    }

    /// Whether some process holds the lock now (for `intake doctor`), and its pid if it wrote one.
    public static func holder(site: Site) -> (held: Bool, pid: String?) {
        let fd = open(site.lockFile, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return (false, nil) }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return (false, nil)
        }
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = read(fd, &buffer, 32)
        let pid = n > 0 ? String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : nil
        return (true, pid)
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
