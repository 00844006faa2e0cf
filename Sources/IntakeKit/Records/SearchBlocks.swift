import CSQLite

/// The search keys of every application, packed 256 to an index row (`search_blocks`), so that
/// a substring search reads about 57 bytes an application with `memmem` instead of a row per
/// application with four `instr` calls.
///
/// Why not an n-gram index: an FTS5 trigram table finds nothing for a query under three
/// characters, and two syllables (김민) is the common Korean query; bigram postings of the four
/// keys would be about 35 index rows an application (35 million at 1,000,000), several times
/// the cost of taking a store line in. A packed scan costs about 35 ms at 1,000,000
/// applications and nothing to keep.
///
/// A block holds the applications with `seq` in `block * 256 + 1 ... block * 256 + 256`, in
/// seq order. Each is one record:
///
///     F8 hi lo  F9 name  FA initials  FB email  [FC phone]
///
/// `hi lo` are the seq's place in the block, six bits each in 0x80...0xBF. The marks F8...FC
/// never occur in UTF-8, so a query (valid UTF-8) can neither match across two keys nor start
/// inside the place bytes (continuation bytes, which no UTF-8 text starts with).
enum SearchBlocks {
    static let shift = 8
    static let perBlock = 1 << shift
    static let recordMark: UInt8 = 0xF8

    /// The key a query's bytes are looked for in.
    enum Field: UInt8, Sendable {
        case name = 0xF9, initials = 0xFA, email = 0xFB, phone = 0xFC
    }

    /// One thing to look for and the keys it may be found in.
    struct Needle: Sendable {
        var bytes: [UInt8]
        var fields: [Field]
    }

    static func block(of seq: Int) -> Int { (seq - 1) >> shift }

    /// Adds one application's keys at the end of its block.
    static func append(seq: Int, _ keys: SearchKeys, to hay: inout [UInt8]) {
        let place = (seq - 1) & (perBlock - 1)
        hay.append(recordMark)
        hay.append(0x80 | UInt8(place >> 6))
        hay.append(0x80 | UInt8(place & 0x3F))
        hay.append(Field.name.rawValue)
        hay.append(contentsOf: keys.name)
        hay.append(Field.initials.rawValue)
        hay.append(contentsOf: keys.initials)
        hay.append(Field.email.rawValue)
        hay.append(contentsOf: keys.email)
        if let phone = keys.phone {
            hay.append(Field.phone.rawValue)
            hay.append(contentsOf: phone)
        }
    }

    /// The seq of the last application in a block's bytes, or nil when there is none.
    static func lastSeq(in hay: [UInt8], block: Int) -> Int? {
        guard let mark = hay.lastIndex(of: recordMark), mark + 2 < hay.count else { return nil }
        return seq(block: block, hi: hay[mark + 1], lo: hay[mark + 2])
    }

    private static func seq(block: Int, hi: UInt8, lo: UInt8) -> Int {
        block << shift + (Int(hi & 0x3F) << 6 | Int(lo & 0x3F)) + 1
    }

    /// The seqs of the block's applications in which a needle occurs in one of its fields,
    /// ascending, each once.
    static func matches(in hay: UnsafeRawBufferPointer, block: Int, needles: [Needle], into out: inout [Int]) {
        guard let base = hay.baseAddress, hay.count > 0 else { return }
        let bytes = hay.assumingMemoryBound(to: UInt8.self)
        var found = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        for needle in needles where !needle.bytes.isEmpty {
            needle.bytes.withUnsafeBytes { n in
                var from = 0
                while from < hay.count,
                      let hit = intake_find(base + from, hay.count - from, n.baseAddress, n.count) {
                    let at = hit - UnsafeRawPointer(base)
                    from = at + 1
                    // The key it is in: the nearest mark before it.
                    var tag = at - 1
                    while tag > 0 && bytes[tag] < Field.name.rawValue - 1 { tag -= 1 }
                    guard let field = Field(rawValue: bytes[tag]), needle.fields.contains(field) else { continue }
                    var start = tag
                    while start > 0 && bytes[start] != recordMark { start -= 1 }
                    guard bytes[start] == recordMark, start + 2 < hay.count else { continue }
                    let place = Int(bytes[start + 1] & 0x3F) << 6 | Int(bytes[start + 2] & 0x3F)
                    guard place < perBlock else { continue }
                    switch place >> 6 {
                    case 0: found.0 |= 1 << UInt64(place & 63)
                    case 1: found.1 |= 1 << UInt64(place & 63)
                    case 2: found.2 |= 1 << UInt64(place & 63)
                    default: found.3 |= 1 << UInt64(place & 63)
                    }
                }
            }
        }
        for (word, bits) in [found.0, found.1, found.2, found.3].enumerated() where bits != 0 {
            var rest = bits
            while rest != 0 {
                let bit = rest.trailingZeroBitCount
                rest &= rest - 1
                out.append(block << shift + word << 6 + bit + 1)
            }
        }
    }
}
