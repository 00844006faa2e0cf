import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A record kept in one append-only JSON Lines store.
public protocol StoreRecord: Codable, Sendable {
    /// The store's file name under `data/stores/`.
    static var storeName: String { get }
    /// Schema version, written as `"v"`.
    var v: Int { get set }
    /// Position in its store: 1, 2, 3... without gaps.
    var seq: Int { get set }
    /// When the line was appended, RFC 3339 UTC.
    var at: String { get set }
}

/// Formats instants the way every store and header-free report of intake does: RFC 3339, UTC, seconds.
public enum Timestamp {
    public static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }

    public static func parse(_ text: String) -> Date? {
        if let d = try? Date.ISO8601FormatStyle().parse(text) { return d }
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
    }
}

/// One append-only JSON Lines file: read once when opened, then only ever appended to.
///
/// Every append is one `write(2)` of one whole line on an `O_APPEND` descriptor, followed by
/// `fsync`, so a line is either wholly there or (after a crash in the middle of the write) a
/// torn tail without its newline. Opening for writing moves such a tail aside into
/// `<store>.torn-<time>` (nothing is lost) before appending, so `seq` stays contiguous.
public final class JSONLinesStore<Record: StoreRecord> {
    public let path: String
    public private(set) var records: [Record] = []
    private var fd: Int32 = -1
    private var readOnly: Bool
    private var unsynced = false

    private static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    /// Opens a store, reading every line.
    /// - Parameters:
    ///   - directory: `data/stores`.
    ///   - writable: open for appending (needs the site lock).
    /// - Throws: ``IntakeError/corruptStore(file:line:detail:)`` for a line that does not parse.
    public init(directory: String, writable: Bool) throws(IntakeError) {
        path = FileSystem.join(directory, Record.storeName)
        readOnly = !writable
        var bytes: [UInt8] = []
        if FileSystem.exists(path) {
            guard let read = try FileSystem.read(path) else { throw .io(path: path, operation: "read", errno: EFBIG) }
            bytes = read
        }
        var tornTail: ArraySlice<UInt8> = []
        if let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) {
            tornTail = bytes[(lastNewline + 1)...]
        } else {
            tornTail = bytes[...]
        }
        let complete = bytes[..<(bytes.count - tornTail.count)]
        let decoder = JSONDecoder()
        var lineNumber = 0
        for line in complete.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.isEmpty { continue }
            do {
                var record = try decoder.decode(Record.self, from: Data(line))
                if record.seq != records.count + 1 {
                    throw IntakeError.corruptStore(file: path, line: lineNumber, detail: "seq \(record.seq) where \(records.count + 1) was expected")
                }
                record.seq = records.count + 1
                records.append(record)
            } catch let error as IntakeError {
                throw error
            } catch {
                throw .corruptStore(file: path, line: lineNumber, detail: "the line does not parse as a \(Record.storeName) record (\(Self.describe(error)))")
            }
        }
        if writable {
            if !tornTail.isEmpty { try setAsideTornTail(keeping: complete.count, tail: Array(tornTail)) }
            let existed = FileSystem.exists(path)
            fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            guard fd >= 0 else { throw .io(path: path, operation: "open for appending", errno: errno) }
            if !existed { try FileSystem.syncDirectory(directory) }  // the new file's name must survive a crash too
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    public var nextSeq: Int { records.count + 1 }

    /// Appends one record, stamping `v`, `seq` and `at`, and flushes it to disk.
    /// - Parameter sync: `false` defers the flush to ``sync()``, for a group of lines that must
    ///   all be durable before the caller acts on them (one `fsync` instead of one per line).
    /// - Returns: the record as written.
    @discardableResult
    public func append(_ record: Record, at date: Date = Date(), sync: Bool = true) throws(IntakeError) -> Record {
        precondition(!readOnly, "store \(path) was opened read-only")
        var record = record
        record.seq = nextSeq
        record.at = Timestamp.string(date)
        var line: [UInt8]
        do {
            line = Array(try Self.encoder.encode(record))
        } catch {
            throw .io(path: path, operation: "encode a record for", errno: EINVAL)
        }
        line.append(UInt8(ascii: "\n"))
        // A short write (a full disk) is followed by another for the rest, so that the error
        // said is the one the kernel gives (ENOSPC), not a guess; what was written is a torn
        // tail, set aside when the store is next opened for writing.
        // A failed append is cut off again, so that a later append in the same process (the
        // run's summary line) does not glue itself to half a line.
        let end = lseek(fd, 0, SEEK_END)
        var done = 0
        while done < line.count {
            let written = line.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if written > 0 { done += written; continue }
            if written < 0 && errno == EINTR { continue }
            let code = written < 0 ? errno : EIO
            if done > 0, end >= 0 { _ = ftruncate(fd, end) }
            throw .io(path: path, operation: "append to", errno: code)
        }
        records.append(record)
        unsynced = true
        if sync { try self.sync() }
        return record
    }

    /// Flushes every line appended so far to disk.
    public func sync() throws(IntakeError) {
        guard unsynced, fd >= 0 else { return }
        guard fsync(fd) == 0 else { throw .io(path: path, operation: "flush", errno: errno) }
        unsynced = false
    }

    private func setAsideTornTail(keeping length: Int, tail: [UInt8]) throws(IntakeError) {
        let stamp = Timestamp.string(Date()).replacingOccurrences(of: ":", with: "")
        let aside = "\(path).torn-\(stamp)"
        try FileSystem.write(aside, tail, exclusive: false)
        guard truncate(path, off_t(length)) == 0 else { throw .io(path: path, operation: "cut the torn last line of", errno: errno) }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let c): return c.debugDescription
        default: return "\(error)"
        }
    }
}
