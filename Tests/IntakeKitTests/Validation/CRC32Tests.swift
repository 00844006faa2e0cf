import IntakeKit
import Testing

struct CRC32Tests {
    @Test func matchesPublishedCheckValues() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        #expect(CRC32.checksum([]) == 0)
        #expect(CRC32.checksum(Array("IEND".utf8)) == 0xAE42_6082)   // every PNG ends with it
    }

    @Test func matchesTheBitwiseReferenceForEveryLengthAndAlignment() {
        var generator = SplitMix64(seed: 42)
        // Past 1024 bytes the two-stream path runs; lengths cover both paths and every tail.
        let data = (0..<2600).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        data.withUnsafeBytes { all in
            for start in 0..<17 {
                for length in Array(0..<40) + Array(stride(from: 40, through: data.count - start, by: 37)) {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                    let expected = SampleFiles.referenceCRC32(Array(data[start..<(start + length)]))
                    #expect(CRC32.checksum(slice) == expected, "start \(start), length \(length)")
                }
            }
        }
    }

    @Test func continuesARunningChecksum() {
        let head = Array("chunk type and ".utf8)
        let tail = Array("data split over several reads, longer than sixteen bytes".utf8)
        #expect(CRC32.checksum(tail, initial: CRC32.checksum(head)) == CRC32.checksum(head + tail))
        #expect(CRC32.checksum([], initial: 0x1234_5678) == 0x1234_5678)
        let long = [UInt8](repeating: 0xA5, count: 5000)
        #expect(CRC32.checksum(long, initial: CRC32.checksum(head)) == SampleFiles.referenceCRC32(head + long))
    }

    @Test func combinesTheChecksumsOfTwoPieces() {
        let first = Array("first piece ".utf8)
        let second = Array(String(repeating: "second piece, much longer ", count: 50).utf8)
        #expect(CRC32.combine(CRC32.checksum(first), CRC32.checksum(second), secondLength: second.count)
            == SampleFiles.referenceCRC32(first + second))
        #expect(CRC32.combine(0x1234_5678, 0, secondLength: 0) == 0x1234_5678)
    }
}
