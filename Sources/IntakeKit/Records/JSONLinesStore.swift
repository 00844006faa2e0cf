import Foundation

/// One encoder for every store line (Foundation's is thread-safe; its settings never change).
private let storeLineEncoder: JSONEncoder = {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return e
}()

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
        if let d = parseUTCSeconds(text) { return d }
        if let d = try? Date.ISO8601FormatStyle().parse(text) { return d }
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
    }

    /// `2026-12-04T01:20:34Z`, the form intake writes, read by hand: Foundation's parser costs
    /// about 5 µs a call, and search and `verify` read one time for every line. Anything else
    /// (another form, a date that does not exist) is left to Foundation.
    static func parseUTCSeconds(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { b -> Date? in
            guard b.count == 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
                  b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: "Z") else { return nil }
            func number(_ from: Int, _ count: Int) -> Int? {
                var value = 0
                for i in from..<(from + count) {
                    let digit = b[i] &- UInt8(ascii: "0")
                    guard digit < 10 else { return nil }
                    value = value * 10 + Int(digit)
                }
                return value
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                  let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
                  year >= 1, (1...12).contains(month), hour < 24, minute < 60, second < 60 else { return nil }
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            guard day >= 1, day <= lengths[month - 1] else { return nil }
            // Days from 1970-01-01 to the date (Howard Hinnant's days_from_civil).
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yearOfEra = y - era * 400
            let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            let days = era * 146_097 + dayOfEra - 719_468
            return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3_600 + minute * 60 + second))
        }
    }
}

/// One append-only JSON Lines file, only ever appended to.
///
/// Every append is one `write(2)` of one whole line on an `O_APPEND` descriptor, followed by
/// `fsync`, so a line is either wholly there or (after a crash in the middle of the write) a
/// torn tail without its newline. Opening for writing moves such a tail aside into
/// `<store>.torn-<time>` (nothing is lost) before appending, so `seq` stays contiguous.
///
/// Opened with `loadRecords: false` (as ``SiteStores`` does) nothing is read up front: the
/// derived index knows how many lines there are, and lines are read one at a time by offset
/// or streamed from an offset (``scanLines(from:_:)``). ``records`` still reads the whole
/// file, on first use, for the few callers that want all of it.
public final class JSONLinesStore<Record: StoreRecord> {
    public let path: String
    private var loaded: [Record]?
    private var fd: Int32 = -1
    private var readOnly: Bool
    private var unsynced = false
    /// How many lines the store holds, when the caller (the index) knows it without reading them.
    var knownCount: Int?
    /// Where the next appended line starts (the file's length), for writers.
    private(set) var endOffset = 0
    /// Called after every flush (the index commits the rows of the lines just made durable).
    var didSync: (() throws(IntakeError) -> Void)?
    /// Where the last appended line starts and its bytes (with the newline).
    private(set) var lastAppended: (offset: Int, bytes: [UInt8])?

    /// Every record, in order; read from the file on first use when the store was opened without them.
    public var records: [Record] {
        if let loaded { return loaded }
        let all = (try? Self.readAll(path: path)) ?? []
        loaded = all
        return all
    }

    /// Opens a store.
    /// - Parameters:
    ///   - directory: `data/stores`.
    ///   - writable: open for appending (needs the site lock).
    ///   - loadRecords: read and check every line now (the default); `false` reads nothing.
    /// - Throws: ``IntakeError/corruptStore(file:line:detail:)`` for a line that does not parse.
    public init(directory: String, writable: Bool, loadRecords: Bool = true) throws(IntakeError) {
        path = FileSystem.join(directory, Record.storeName)
        readOnly = !writable
        if loadRecords { loaded = try Self.readAll(path: path) }
        if writable {
            let complete = try Self.completeLength(path: path)
            if complete.length < complete.size {
                try setAsideTornTail(keeping: complete.length, from: complete.size)
            }
            endOffset = complete.length
            let existed = FileSystem.exists(path)
            fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            guard fd >= 0 else { throw .io(path: path, operation: "open for appending", errno: errno) }
            if !existed { try FileSystem.syncDirectory(directory) }  // the new file's name must survive a crash too
        }
    }

    /// Reads and checks every complete line.
    static func readAll(path: String) throws(IntakeError) -> [Record] {
        var records: [Record] = []
        let decoder = JSONDecoder()
        var lineNumber = 0
        try scanLines(path: path, from: 0) { (line: ArraySlice<UInt8>, _: Int) throws(IntakeError) in
            lineNumber += 1
            if line.isEmpty { return }
            var record = try decode(line, decoder: decoder, lineNumber: lineNumber, path: path)
            if record.seq != records.count + 1 {
                throw IntakeError.corruptStore(file: path, line: lineNumber, detail: "seq \(record.seq) where \(records.count + 1) was expected")
            }
            record.seq = records.count + 1
            records.append(record)
        }
        return records
    }

    static func decode(_ line: ArraySlice<UInt8>, decoder: JSONDecoder, lineNumber: Int, path: String) throws(IntakeError) -> Record {
        do {
            return try decoder.decode(Record.self, from: Data(line))
        } catch {
            throw .corruptStore(file: path, line: lineNumber, detail: "the line does not parse as a \(Record.storeName) record (\(describe(error)))")
        }
    }

    /// The file's size, and the length of its complete lines (up to and with the last newline).
    static func completeLength(path: String) throws(IntakeError) -> (length: Int, size: Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return (0, 0) }
            throw .io(path: path, operation: "open", errno: errno)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(path: path, operation: "stat", errno: errno) }
        let size = Int(st.st_size)
        var end = size
        var buffer = [UInt8](repeating: 0, count: 65536)
        while end > 0 {
            let start = max(0, end - buffer.count)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, end - start, off_t(start)) }
            guard n == end - start else { throw .io(path: path, operation: "read", errno: n < 0 ? errno : EIO) }
            if let last = buffer[0..<n].lastIndex(of: UInt8(ascii: "\n")) { return (start + last + 1, size) }
            end = start
        }
        return (0, size)
    }

    /// Streams the complete lines from byte `offset` on (a torn last line is left out), in
    /// chunks, so that memory stays flat whatever the store's size.
    /// - Parameter body: each line without its newline, and the offset where it starts.
    /// - Returns: the offset after the last complete line.
    @discardableResult
    static func scanLines(path: String, from offset: Int,
                          _ body: (ArraySlice<UInt8>, Int) throws(IntakeError) -> Void) throws(IntakeError) -> Int {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return offset }
            throw .io(path: path, operation: "open", errno: errno)
        }
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var carry: [UInt8] = []
        var position = offset          // file offset of chunk[0] / carry[0]
        var readAt = offset
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(readAt)) }
            guard n >= 0 else { throw .io(path: path, operation: "read", errno: errno) }
            if n == 0 { break }
            readAt += n
            var bytes: ArraySlice<UInt8>
            var buffer: [UInt8] = []
            if carry.isEmpty {
                bytes = chunk[0..<n]
            } else {
                buffer = carry
                buffer.append(contentsOf: chunk[0..<n])
                bytes = buffer[...]
            }
            var lineStart = bytes.startIndex
            while let newline = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
                try body(bytes[lineStart..<newline], position + (lineStart - bytes.startIndex))
                lineStart = newline + 1
            }
            position += lineStart - bytes.startIndex
            carry = Array(bytes[lineStart...])
        }
        return position
    }

    /// Streams this store's complete lines from `offset` on.
    @discardableResult
    func scanLines(from offset: Int, _ body: (ArraySlice<UInt8>, Int) throws(IntakeError) -> Void) throws(IntakeError) -> Int {
        try Self.scanLines(path: path, from: offset, body)
    }

    /// The bytes of one line (without its newline) at a known offset.
    func lineBytes(offset: Int, length: Int) throws(IntakeError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: length)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(offset)) }
        guard n == length else { throw .io(path: path, operation: "read", errno: n < 0 ? errno : EIO) }
        return bytes
    }

    /// One record read at a known offset (from the index).
    func record(offset: Int, length: Int) throws(IntakeError) -> Record {
        try Self.decode(try lineBytes(offset: offset, length: length)[...], decoder: JSONDecoder(), lineNumber: 0, path: path)
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    public var nextSeq: Int { (knownCount ?? records.count) + 1 }

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
            line = Array(try storeLineEncoder.encode(record))
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
        if loaded != nil { loaded?.append(record) }
        if let count = knownCount { knownCount = count + 1 }
        lastAppended = (endOffset, line)
        endOffset += line.count
        unsynced = true
        if sync { try self.sync() }
        return record
    }

    /// Flushes every line appended so far to disk.
    public func sync() throws(IntakeError) {
        guard unsynced, fd >= 0 else { return }
        guard fsync(fd) == 0 else { throw .io(path: path, operation: "flush", errno: errno) }
        unsynced = false
        try didSync?()
    }

    private func setAsideTornTail(keeping length: Int, from size: Int) throws(IntakeError) {
        let tail = try lineBytes(offset: length, length: size - length)
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
