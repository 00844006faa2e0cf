import Foundation
import Testing
@testable import IntakeKit

#if canImport(Glibc)
import Glibc
#endif

/// `FileSystem.adviseWillRead`, which the validation workers call for a bundle a few places
/// ahead: the bundle's regular files come into the page cache, nothing behind a link does, and
/// a FIFO does not stop it.
@Suite struct ReadAheadTests {
    /// Pages of the file now in the page cache (mincore over a read-only mapping).
    static func residentPages(_ path: String) throws -> Int {
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        var st = stat()
        try #require(fstat(fd, &st) == 0)
        let size = Int(st.st_size)
        let raw = try #require(mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0))
        try #require(raw != UnsafeMutableRawPointer(bitPattern: -1))
        defer { munmap(raw, size) }
        let page = Int(getpagesize())
        var vector = [UInt8](repeating: 0, count: (size + page - 1) / page)
        try #require(mincore(raw, size, &vector) == 0)
        return vector.filter { $0 & 1 == 1 }.count
    }

    static func evict(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        try #require(fdatasync(fd) == 0)
        try #require(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0)
    }

    @Test func aBundlesFilesComeIntoTheCacheAndNothingBehindALink() throws {
        let dir = try TemporaryDirectory()
        let bundle = dir.file("bundle")
        try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: true)
        var rng = SplitMix64(seed: 6)
        let photo = (0..<(2 << 20)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        try Data(photo).write(to: URL(fileURLWithPath: bundle + "/photo.jpg"))
        try Data(photo).write(to: URL(fileURLWithPath: dir.file("outside.bin")))
        try #require(symlink(dir.file("outside.bin"), bundle + "/link.jpg") == 0)
        try #require(mkfifo(bundle + "/pipe", 0o600) == 0)
        try Self.evict(bundle + "/photo.jpg")
        try Self.evict(dir.file("outside.bin"))
        try #require(try Self.residentPages(bundle + "/photo.jpg") == 0,
                     "the page cache could not be emptied on this file system, so the hint cannot be observed")

        FileSystem.adviseWillRead(directory: bundle, limitPerFile: 8 << 20)

        // The hint starts the reads; they finish on the disk's time.
        let pages = (2 << 20) / Int(getpagesize())
        let deadline = Date().addingTimeInterval(5)
        while try Self.residentPages(bundle + "/photo.jpg") < pages, Date() < deadline { usleep(10_000) }
        #expect(try Self.residentPages(bundle + "/photo.jpg") == pages)
        #expect(try Self.residentPages(dir.file("outside.bin")) == 0, "a link is not followed")
    }

    @Test func onlyTheFirstBytesOfALargeFileAreAskedFor() throws {
        let dir = try TemporaryDirectory()
        let bundle = dir.file("bundle")
        try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: true)
        try Data(count: 8 << 20).write(to: URL(fileURLWithPath: bundle + "/video.mp4"))
        try Self.evict(bundle + "/video.mp4")
        try #require(try Self.residentPages(bundle + "/video.mp4") == 0)
        FileSystem.adviseWillRead(directory: bundle, limitPerFile: 1 << 20)
        let page = Int(getpagesize())
        let deadline = Date().addingTimeInterval(5)
        while try Self.residentPages(bundle + "/video.mp4") < (1 << 20) / page, Date() < deadline { usleep(10_000) }
        let resident = try Self.residentPages(bundle + "/video.mp4")
        #expect(resident >= (1 << 20) / page)
        // The kernel may round up to its read-ahead window, never to the whole 8 MiB.
        #expect(resident < (8 << 20) / page)
    }
}
