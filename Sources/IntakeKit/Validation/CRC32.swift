/// The CRC-32 of ISO 3309 / ITU-T V.42, as used by PNG, zlib and gzip.
///
/// Implemented with slicing-by-16 (sixteen 256-entry tables fold 16 bytes per step). One step
/// is a chain of 16 dependent XORs, so a single stream runs at about one byte per cycle; a
/// large buffer is therefore split in two halves whose CRCs advance side by side and are
/// joined at the end with `combine`, which lets the CPU overlap both chains.
///
/// ```swift
/// let crc = bytes.withUnsafeBytes { CRC32.checksum($0) }
/// let same = CRC32.checksum(tail, initial: CRC32.checksum(head))   // running CRC
/// ```
public enum CRC32 {
    /// Computes the CRC-32 of a buffer, optionally continuing a running CRC.
    /// - Parameters:
    ///   - bytes: The data.
    ///   - initial: The CRC of the data before `bytes` (0 to start), as in zlib's `crc32(crc, buf, len)`.
    /// - Returns: The CRC of the data before `bytes` followed by `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return initial }
        return tables.withUnsafeBufferPointer { tablesBuffer in
            // The table array always holds 16 * 256 entries, so the base address exists.
            let t = tablesBuffer.baseAddress.unsafelyUnwrapped
            let count = bytes.count
            guard count >= twoStreamThreshold else {
                return ~update(~initial, base, count, t)
            }
            // Two halves, the first a multiple of 16 bytes long, advanced together.
            let firstLength = (count / 2) & ~15
            var first = ~initial
            var second: UInt32 = 0xFFFF_FFFF
            var p = base
            var q = base + firstLength
            for _ in 0..<(firstLength / 16) {
                first = step(first, p, t)
                second = step(second, q, t)
                p += 16
                q += 16
            }
            second = update(second, q, count - 2 * firstLength, t)
            return combine(~first, ~second, secondLength: count - firstLength)
        }
    }

    /// Computes the CRC-32 of a byte array, optionally continuing a running CRC.
    /// - Parameters:
    ///   - bytes: The data.
    ///   - initial: The CRC of the data before `bytes` (0 to start).
    /// - Returns: The CRC of the data before `bytes` followed by `bytes`.
    public static func checksum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, initial: initial) }
    }

    /// The CRC of two pieces joined, from the CRCs of each piece (zlib's `crc32_combine`).
    /// - Parameters:
    ///   - first: The CRC of the first piece.
    ///   - second: The CRC of the second piece, computed from 0.
    ///   - secondLength: The length in bytes of the second piece.
    /// - Returns: The CRC of the first piece followed by the second.
    public static func combine(_ first: UInt32, _ second: UInt32, secondLength: Int) -> UInt32 {
        multiplyModP(powerOfXTimes8(secondLength), first) ^ second
    }

    /// Below this many bytes the set-up of the two-stream path is not worth it.
    private static let twoStreamThreshold = 1024

    /// Advances a raw (pre-inverted) CRC register over `count` bytes, one stream.
    @inline(__always)
    private static func update(_ crc: UInt32, _ start: UnsafeRawPointer, _ count: Int,
                               _ t: UnsafePointer<UInt32>) -> UInt32 {
        var crc = crc
        var p = start
        var remaining = count
        while remaining >= 16 {
            crc = step(crc, p, t)
            p += 16
            remaining &-= 16
        }
        while remaining > 0 {
            let index = Int(truncatingIfNeeded: (crc ^ UInt32(p.load(as: UInt8.self))) & 0xFF)
            crc = t[index] ^ (crc &>> 8)
            p += 1
            remaining &-= 1
        }
        return crc
    }

    /// Folds 16 bytes into a raw CRC register with one load from each of the 16 tables.
    @inline(__always)
    private static func step(_ crc: UInt32, _ p: UnsafeRawPointer, _ t: UnsafePointer<UInt32>) -> UInt32 {
        let lo = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)) ^ UInt64(crc)
        let hi = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        return t[15 &* 256 &+ Int(truncatingIfNeeded: lo & 0xFF)]
            ^ t[14 &* 256 &+ Int(truncatingIfNeeded: (lo &>> 8) & 0xFF)]
            ^ t[13 &* 256 &+ Int(truncatingIfNeeded: (lo &>> 16) & 0xFF)]
            ^ t[12 &* 256 &+ Int(truncatingIfNeeded: (lo &>> 24) & 0xFF)]
            ^ t[11 &* 256 &+ Int(truncatingIfNeeded: (lo &>> 32) & 0xFF)]
            ^ t[10 &* 256 &+ Int(truncatingIfNeeded: (lo &>> 40) & 0xFF)]
            ^ t[9 &* 256 &+ Int(truncatingIfNeeded: (lo &>> 48) & 0xFF)]
            ^ t[8 &* 256 &+ Int(truncatingIfNeeded: lo &>> 56)]
            ^ t[7 &* 256 &+ Int(truncatingIfNeeded: hi & 0xFF)]
            ^ t[6 &* 256 &+ Int(truncatingIfNeeded: (hi &>> 8) & 0xFF)]
            ^ t[5 &* 256 &+ Int(truncatingIfNeeded: (hi &>> 16) & 0xFF)]
            ^ t[4 &* 256 &+ Int(truncatingIfNeeded: (hi &>> 24) & 0xFF)]
            ^ t[3 &* 256 &+ Int(truncatingIfNeeded: (hi &>> 32) & 0xFF)]
            ^ t[2 &* 256 &+ Int(truncatingIfNeeded: (hi &>> 40) & 0xFF)]
            ^ t[1 &* 256 &+ Int(truncatingIfNeeded: (hi &>> 48) & 0xFF)]
            ^ t[Int(truncatingIfNeeded: hi &>> 56)]
    }

    /// The reflected generator polynomial 0x04C11DB7.
    private static let polynomial: UInt32 = 0xEDB8_8320

    /// Multiplies two polynomials modulo the CRC polynomial (reflected bit order, as in zlib).
    private static func multiplyModP(_ a: UInt32, _ b: UInt32) -> UInt32 {
        var mask: UInt32 = 1 << 31
        var product: UInt32 = 0
        var b = b
        while mask != 0 {
            if a & mask != 0 { product ^= b }
            mask >>= 1
            b = b & 1 != 0 ? (b >> 1) ^ polynomial : b >> 1
        }
        return product
    }

    /// x^(8 * byteCount) modulo the CRC polynomial: the operator that shifts a CRC over that
    /// many zero bytes.
    private static func powerOfXTimes8(_ byteCount: Int) -> UInt32 {
        var result: UInt32 = 1 << 31   // x^0
        var n = byteCount
        var k = 3                      // x^(2^3) = x^8: one byte
        while n != 0 {
            if n & 1 != 0 { result = multiplyModP(powersOfX[k & 31], result) }
            n >>= 1
            k += 1
        }
        return result
    }

    /// `powersOfX[k]` is x^(2^k) modulo the CRC polynomial.
    private static let powersOfX: [UInt32] = {
        var powers = [UInt32](repeating: 0, count: 32)
        powers[0] = 1 << 30   // x^1
        for k in 1..<32 { powers[k] = multiplyModP(powers[k - 1], powers[k - 1]) }
        return powers
    }()

    /// Sixteen tables of 256 entries, flat: entry `k * 256 + b` is the CRC contribution of byte
    /// `b` followed by `k` zero bytes (table 0 is the classic byte-wise table).
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 16 * 256)
        for b in 0..<256 {
            var c = UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ polynomial : c >> 1 }
            t[b] = c
        }
        for k in 1..<16 {
            for b in 0..<256 {
                let previous = t[(k - 1) * 256 + b]
                t[k * 256 + b] = t[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return t
    }()
}
