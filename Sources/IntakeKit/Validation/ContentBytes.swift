/// A copy-free view of raw bytes for the sniffer and the structure checks.
///
/// Every multi-byte read goes through `loadUnaligned`, so nothing is copied into arrays. Reads
/// are not bounds-checked in release builds: callers check each range against `count` first
/// (debug builds trap on a miss, which the robustness tests rely on).
struct ContentBytes {
    let buffer: UnsafeRawBufferPointer
    /// For a large mapped file: hashes and releases what the checks have passed.
    let tracker: StreamTracker?
    /// Where `buffer` starts in the file the tracker follows (a picture inside a multi-picture file).
    let origin: Int

    init(_ buffer: UnsafeRawBufferPointer, tracker: StreamTracker? = nil, origin: Int = 0) {
        self.buffer = buffer
        self.tracker = tracker
        self.origin = origin
    }

    /// A reader of `range` that still reports its progress to this reader's tracker.
    func slice(_ range: Range<Int>) -> ContentBytes {
        ContentBytes(self[range], tracker: tracker, origin: origin + range.lowerBound)
    }

    /// Tells the tracker, if any, that the check has read everything before `offset`, so it can
    /// be hashed and dropped from memory. Cheap: call it at every segment, chunk or block.
    @inline(__always)
    func passed(_ offset: Int) {
        if let tracker { tracker.advance(to: origin + offset) }
    }

    var count: Int { buffer.count }

    subscript(index: Int) -> UInt8 { buffer[index] }

    subscript(range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer[range])
    }

    func uint16LE(at offset: Int) -> UInt16 {
        UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    func uint16BE(at offset: Int) -> UInt16 {
        UInt16(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    func uint32LE(at offset: Int) -> UInt32 {
        UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    func uint32BE(at offset: Int) -> UInt32 {
        UInt32(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    func hasPrefix(_ pattern: [UInt8]) -> Bool {
        matches(pattern, at: 0)
    }

    /// Whether `pattern` occurs exactly at `offset` (false when it would run past the end).
    func matches(_ pattern: [UInt8], at offset: Int) -> Bool {
        guard offset >= 0, offset <= count - pattern.count else { return false }
        for (k, byte) in pattern.enumerated() where buffer[offset + k] != byte { return false }
        return true
    }

    /// Whether the ASCII `pattern` occurs at `offset`, ignoring ASCII letter case.
    func matchesIgnoringCase(_ pattern: String, at offset: Int) -> Bool {
        let utf8 = pattern.utf8
        guard offset >= 0, offset <= count - utf8.count else { return false }
        for (k, byte) in utf8.enumerated() where Self.lowercased(buffer[offset + k]) != Self.lowercased(byte) {
            return false
        }
        return true
    }

    /// The first offset in `range` where `pattern` starts and fits entirely before `range.upperBound`.
    func firstIndex(of pattern: [UInt8], in range: Range<Int>) -> Int? {
        guard let first = pattern.first, range.upperBound - range.lowerBound >= pattern.count else { return nil }
        var i = range.lowerBound
        let last = range.upperBound - pattern.count
        while i <= last {
            if buffer[i] == first, matches(pattern, at: i) { return i }
            i += 1
        }
        return nil
    }

    /// The last offset in `range` where `pattern` starts and fits entirely before `range.upperBound`.
    func lastIndex(of pattern: [UInt8], in range: Range<Int>) -> Int? {
        guard let first = pattern.first, range.upperBound - range.lowerBound >= pattern.count else { return nil }
        var i = range.upperBound - pattern.count
        while i >= range.lowerBound {
            if buffer[i] == first, matches(pattern, at: i) { return i }
            i -= 1
        }
        return nil
    }

    /// Space, tab, line feed, form feed and carriage return (HTML and XML whitespace).
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }
}
