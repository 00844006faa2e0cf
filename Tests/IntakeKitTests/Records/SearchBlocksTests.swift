import CSQLite
import Foundation
import Testing

@testable import IntakeKit

/// The packed search keys: what a block finds, and the byte search under it.
@Suite struct SearchBlocksTests {
    private func find(_ hay: [UInt8], block: Int, _ needles: [SearchBlocks.Needle]) -> [Int] {
        var out: [Int] = []
        hay.withUnsafeBytes { SearchBlocks.matches(in: $0, block: block, needles: needles, into: &out) }
        return out
    }

    @Test func everyPlaceOfABlockIsFoundByItsOwnKeyAndNoOther() {
        let block = 3
        var hay: [UInt8] = []
        let seqs = Array((block * 256 + 1)...(block * 256 + 256))
        for seq in seqs {
            SearchBlocks.append(seq: seq, SearchKeys(name: "김민\(seq)", email: "u\(seq)x@example.kr", phone: "010-7\(seq)-0000"), to: &hay)
        }
        #expect(SearchBlocks.lastSeq(in: hay, block: block) == seqs.last)
        for seq in seqs {
            #expect(find(hay, block: block, [.init(bytes: Array("u\(seq)x@".utf8), fields: [.email])]) == [seq])
        }
        // Every application once, ascending, however many needles and places hit it.
        let all = find(hay, block: block, [.init(bytes: Array("김민".utf8), fields: [.name]),
                                           .init(bytes: Array("example".utf8), fields: [.email]),
                                           .init(bytes: Array("0000".utf8), fields: [.phone])])
        #expect(all == seqs)
        #expect(SearchBlocks.lastSeq(in: [], block: block) == nil)
    }

    @Test func aNeedleIsFoundOnlyInItsKeysAndNeverAcrossTwo() {
        var hay: [UInt8] = []
        SearchBlocks.append(seq: 1, SearchKeys(name: "01012345678", email: "민수@example.kr", phone: nil), to: &hay)
        SearchBlocks.append(seq: 2, SearchKeys(name: "김민", email: "a@b.kr", phone: "010-1234-5678"), to: &hay)
        // Digits: in the phone only, not in the name of the first.
        #expect(find(hay, block: 0, [.init(bytes: Array("12345678".utf8), fields: [.phone])]) == [2])
        #expect(find(hay, block: 0, [.init(bytes: Array("12345678".utf8), fields: [.name, .email])]) == [1])
        // The end of one key and the start of the next are not one text.
        #expect(find(hay, block: 0, [.init(bytes: Array("김민a".utf8), fields: [.name, .email])]).isEmpty)
        #expect(find(hay, block: 0, [.init(bytes: Array("5678민".utf8), fields: [.name, .email])]).isEmpty)
        // The initials key of 김민 holds the marks of ㄱ and ㅁ, not the syllables.
        let initials = SearchKeys.utf8(InitialsPatternElement.pattern(for: KoreanText.searchScalars("ㄱㅁ"))!.map(SearchKeys.initialMark))
        #expect(find(hay, block: 0, [.init(bytes: initials, fields: [.initials])]) == [2])
        #expect(find(hay, block: 0, [.init(bytes: initials, fields: [.name, .email])]).isEmpty)
    }

    @Test func theByteSearchAgreesWithANaiveOne() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<20_000 {
            // A small alphabet, so that near misses are common; needles long and short, at the ends.
            let hay = (0..<Int.random(in: 0...90, using: &rng)).map { _ in UInt8.random(in: 0...3, using: &rng) &+ 0xEA }
            var needle = (0..<Int.random(in: 1...20, using: &rng)).map { _ in UInt8.random(in: 0...3, using: &rng) &+ 0xEA }
            if !hay.isEmpty, Bool.random(using: &rng) {
                let start = Int.random(in: 0..<hay.count, using: &rng)
                needle = Array(hay[start..<min(hay.count, start + needle.count)])
            }
            var expected: Int?
            if needle.count <= hay.count {
                for i in 0...(hay.count - needle.count) where Array(hay[i..<(i + needle.count)]) == needle {
                    expected = i
                    break
                }
            }
            let found: Int? = hay.withUnsafeBytes { h in
                needle.withUnsafeBytes { n in
                    guard let base = h.baseAddress, let hit = intake_find(base, h.count, n.baseAddress, n.count) else { return nil }
                    return hit - base
                }
            }
            #expect(found == expected, "\(hay) \(needle)")
        }
    }
}

@Suite struct TimestampTests {
    @Test func theFastFormIsReadAsFoundationReadsIt() {
        var rng = SplitMix64(seed: 5)
        for _ in 0..<5_000 {
            let date = Date(timeIntervalSince1970: TimeInterval(Int.random(in: -2_000_000_000...5_000_000_000, using: &rng)))
            let text = Timestamp.string(date)
            #expect(Timestamp.parseUTCSeconds(text) == date, "\(text)")
            #expect(Timestamp.parseUTCSeconds(text) == (try? Date.ISO8601FormatStyle().parse(text)), "\(text)")
        }
        #expect(Timestamp.parseUTCSeconds("2024-02-29T23:59:59Z") != nil)
        // Dates that do not exist and other forms are left to Foundation, which says what they are.
        for text in ["2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z", "2026-01-01T24:00:00Z",
                     "2026-01-01T00:00:00+09:00", "2026-01-01T00:00:00.5Z", "2026-01-01 00:00:00Z", "２026-01-01T00:00:00Z"] {
            #expect(Timestamp.parseUTCSeconds(text) == nil, "\(text)")
        }
        #expect(Timestamp.parse("2026-01-01T09:00:00+09:00") == Timestamp.parse("2026-01-01T00:00:00Z"))
    }
}
