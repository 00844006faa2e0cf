import Foundation
import Testing
@testable import IntakeKit

// MARK: - Test support: an independent RFC 2047 decoder and header line checks

/// A piece of a decoded header value: an encoded-word (with its raw text) or literal text.
struct RFC2047Segment {
    var encodedWord: String?
    var bytes: [UInt8]
}

/// A small RFC 2047 decoder (B encoding, UTF-8 only), written for the tests from the RFC, not from the encoder.
enum RFC2047Decoder {
    /// Decodes an unfolded header value; whitespace between two adjacent encoded-words is dropped.
    /// - Returns: The segments, or `nil` when an encoded-word is malformed.
    static func segments(_ value: String) -> [RFC2047Segment]? {
        var segments: [RFC2047Segment] = []
        var pendingWhitespace: [UInt8] = []
        var lastWasEncoded = false
        let bytes = Array(value.utf8)
        var index = 0
        while index < bytes.count {
            if let (word, decoded, end) = encodedWord(in: bytes, at: index) {
                if !lastWasEncoded, !pendingWhitespace.isEmpty {
                    segments.append(RFC2047Segment(encodedWord: nil, bytes: pendingWhitespace))
                }
                pendingWhitespace = []
                guard let decoded else { return nil }
                segments.append(RFC2047Segment(encodedWord: word, bytes: decoded))
                lastWasEncoded = true
                index = end
                continue
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: " ") || byte == 0x09 {
                pendingWhitespace.append(byte)
            } else {
                segments.append(RFC2047Segment(encodedWord: nil, bytes: pendingWhitespace + [byte]))
                pendingWhitespace = []
                lastWasEncoded = false
            }
            index += 1
        }
        if !pendingWhitespace.isEmpty { segments.append(RFC2047Segment(encodedWord: nil, bytes: pendingWhitespace)) }
        return segments
    }

    /// Decodes a value to text; `nil` when malformed or not UTF-8.
    static func decode(_ value: String) -> String? {
        guard let segments = segments(value) else { return nil }
        return String(validating: segments.flatMap(\.bytes), as: UTF8.self)
    }

    /// `=?charset?B?text?=` starting at `start`: the word, its decoded bytes (nil if bad), and its end.
    private static func encodedWord(in bytes: [UInt8], at start: Int) -> (String, [UInt8]?, Int)? {
        guard start + 1 < bytes.count, bytes[start] == UInt8(ascii: "="), bytes[start + 1] == UInt8(ascii: "?")
        else { return nil }
        var fields: [[UInt8]] = [[]]
        var index = start + 2
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "?") {
                if fields.count == 3 {
                    guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "=") else { return nil }
                    let word = String(decoding: bytes[start...(index + 1)], as: UTF8.self)
                    let charset = String(decoding: fields[0], as: UTF8.self).uppercased()
                    let encoding = String(decoding: fields[1], as: UTF8.self).uppercased()
                    guard charset == "UTF-8", encoding == "B",
                          let data = Data(base64Encoded: Data(fields[2]))
                    else { return (word, nil, index + 2) }
                    return (word, Array(data), index + 2)
                }
                fields.append([])
            } else if bytes[index] == UInt8(ascii: " ") {
                return nil
            } else {
                fields[fields.count - 1].append(bytes[index])
            }
            index += 1
        }
        return nil
    }
}

enum MailHeaderChecks {
    /// Splits on the bytes of the line ending (never on `Character`s: `"\r\n"` is one Character).
    static func physicalLines(_ text: String, lineEnding: LineEnding = .lf) -> [String] {
        let bytes = Array(text.utf8)
        var lines: [String] = []
        var current: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if lineEnding == .crlf, bytes[index] == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A {
                lines.append(String(decoding: current, as: UTF8.self))
                current = []
                index += 2
                continue
            }
            if lineEnding == .lf, bytes[index] == 0x0A {
                lines.append(String(decoding: current, as: UTF8.self))
                current = []
                index += 1
                continue
            }
            current.append(bytes[index])
            index += 1
        }
        lines.append(String(decoding: current, as: UTF8.self))
        return lines
    }

    /// Checks the shape of one rendered field and returns its unfolded value (after the colon, trimmed).
    static func checkedValue(
        _ field: String, name: String, sourceLocation: SourceLocation = #_sourceLocation
    ) -> String {
        #expect(!field.utf8.contains(0x0D), "bare CR in \(field)", sourceLocation: sourceLocation)
        let lines = physicalLines(field)
        #expect(lines[0].hasPrefix(name + ":"), "first line \(lines[0])", sourceLocation: sourceLocation)
        for line in lines {
            #expect(line.utf8.count <= 78, "line of \(line.utf8.count): \(line)", sourceLocation: sourceLocation)
            #expect(line.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }, "non-printable byte in \(line)",
                    sourceLocation: sourceLocation)
        }
        // A value folded right after the colon would start with whitespace that parsers keep.
        #expect(lines.count == 1 || lines[0].utf8.count > name.utf8.count + 1, "field name alone on its line",
                sourceLocation: sourceLocation)
        for line in lines.dropFirst() {
            #expect(line.hasPrefix(" "), "continuation without WSP: \(line)", sourceLocation: sourceLocation)
            #expect(line.contains { $0 != " " }, "whitespace-only line", sourceLocation: sourceLocation)
        }
        let unfolded = lines.joined()
        return String(unfolded.dropFirst(name.count + 1).drop { $0 == " " })
    }

    /// Checks every encoded-word of a value: length, self-contained UTF-8, grapheme boundaries.
    static func checkEncodedWords(
        _ segments: [RFC2047Segment], expected: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var boundaries: Set<Int> = [0]
        var offset = 0
        for character in expected {
            offset += String(character).utf8.count
            boundaries.insert(offset)
        }
        // Only clusters longer than one encoded-word may be cut, and only between scalars.
        let longClusterInside = expected.contains { String($0).utf8.count > 45 }
        offset = 0
        for segment in segments {
            if let word = segment.encodedWord {
                #expect(word.utf8.count <= 75, "encoded-word of \(word.utf8.count): \(word)", sourceLocation: sourceLocation)
                #expect(String(validating: segment.bytes, as: UTF8.self) != nil,
                        "encoded-word \(word) is not UTF-8 by itself", sourceLocation: sourceLocation)
                if !longClusterInside {
                    #expect(boundaries.contains(offset) && boundaries.contains(offset + segment.bytes.count),
                            "encoded-word \(word) splits a grapheme cluster", sourceLocation: sourceLocation)
                }
            }
            offset += segment.bytes.count
        }
    }
}

// MARK: - Texts

enum MailSampleText {
    static let korean = "가입 신청이 정상적으로 접수되었습니다. 운영진이 제출하신 서류와 사진을 확인한 뒤 영업일 기준 삼 일 이내에 "
        + "승인 여부를 이메일로 알려 드리겠습니다. 문의 사항이 있으시면 이 메일에 회신해 주시기 바랍니다. 감사합니다, 서울 하이킹 모임 드림."
    /// Korean, ASCII, a family ZWJ emoji, a flag, conjoining jamo (decomposed 한글) and a combining accent.
    static let mixed = "안녕하세요 Kim 님! 👨‍👩‍👧‍👦 가족 회원 \u{1112}\u{1161}\u{11AB}\u{1100}\u{1173}\u{11AF} 🇰🇷 "
        + "e\u{301}te\u{301} 등산 (Seoul) =?확인?= 👩🏽‍💻 주말 산행을 함께하고 싶습니다 — 👨‍👩‍👧‍👦👨‍👩‍👧‍👦 "
        + "\u{1112}\u{1161}\u{11AB}\u{1112}\u{1161}\u{11AB}\u{1112}\u{1161}\u{11AB} ok 끝! 다음 주 토요일 오전 7시, "
        + "북한산 입구에서 만나요 🥾⛰️ — see you at 7am, Bukhansan gate. 준비물: 물 1.5L, 간식, 장갑 🧤 그리고 웃음 😀"
    /// Every prefix of `text`, 1 to 120 characters.
    static func prefixes(of text: String) -> [String] {
        (1...120).map { String(text.prefix($0)) }
    }
}

// MARK: - Tests

struct HeaderEncoderTests {
    @Test func sampleTextsAreLongEnough() {
        #expect(MailSampleText.korean.count >= 120)
        #expect(MailSampleText.mixed.count >= 120)
    }

    @Test(arguments: ["Subject", "X-Intake-Kind", "X-Intake-Application-Reference-For-Folding-Tests"])
    func koreanPrefixesRoundTrip(name: String) {
        for text in MailSampleText.prefixes(of: MailSampleText.korean) + MailSampleText.prefixes(of: MailSampleText.mixed) {
            let field = HeaderEncoder.unstructuredField(name: name, value: text)
            let value = MailHeaderChecks.checkedValue(field, name: name)
            let segments = RFC2047Decoder.segments(value)
            #expect(segments != nil, "undecodable: \(field)")
            guard let segments else { continue }
            #expect(segments.allSatisfy { $0.encodedWord != nil }, "non-ASCII value not fully encoded: \(field)")
            let decoded = String(validating: segments.flatMap(\.bytes), as: UTF8.self)
            // Compare scalars: String == would accept a canonically equivalent but different spelling.
            #expect(decoded.map { Array($0.unicodeScalars) } == Array(text.trimmingCharacters(in: .whitespaces).unicodeScalars),
                    "round trip failed for \(text)")
            MailHeaderChecks.checkEncodedWords(segments, expected: text.trimmingCharacters(in: .whitespaces))
        }
    }

    @Test func koreanSubjectBreaksEncodedWordsBetweenWords() {
        let field = HeaderEncoder.unstructuredField(name: "Subject", value: MailSampleText.korean)
        let lines = MailHeaderChecks.physicalLines(field)
        // About 43 bytes (14 syllables) per word: the 211-character sentence takes about 15 lines.
        #expect(lines.count <= 17)
        let segments = RFC2047Decoder.segments(MailHeaderChecks.checkedValue(field, name: "Subject")) ?? []
        #expect(segments.count == lines.count)
        for (segment, next) in zip(segments, segments.dropFirst()) {
            #expect(segment.bytes.last == 0x20 || next.bytes.first == 0x20,
                    "encoded-words split a word: \(String(decoding: segment.bytes, as: UTF8.self))|\(String(decoding: next.bytes, as: UTF8.self))")
        }
    }

    @Test func wordWithoutSpacesIsStillSplitWhenItMustBe() {
        let text = String(repeating: "가나다라마바사아자차카타파하", count: 5)
        let field = HeaderEncoder.unstructuredField(name: "Subject", value: text)
        let lines = MailHeaderChecks.physicalLines(field)
        #expect(lines.dropFirst().dropLast().allSatisfy { $0.utf8.count == 1 + 72 })
        #expect(RFC2047Decoder.decode(MailHeaderChecks.checkedValue(field, name: "Subject")) == text)
    }

    @Test func clusterLongerThanAnEncodedWordIsSplitBetweenScalars() {
        let text = "a" + String(repeating: "\u{301}", count: 40) + " 끝"
        #expect(text.count == 3)
        let field = HeaderEncoder.unstructuredField(name: "Subject", value: text)
        let value = MailHeaderChecks.checkedValue(field, name: "Subject")
        let segments = RFC2047Decoder.segments(value) ?? []
        MailHeaderChecks.checkEncodedWords(segments, expected: text)
        #expect(segments.count >= 2)
        #expect(RFC2047Decoder.decode(value).map { Array($0.unicodeScalars) } == Array(text.unicodeScalars))
    }

    @Test func plainASCIISubjectStaysReadable() {
        #expect(HeaderEncoder.unstructuredField(name: "Subject", value: "Your application was received")
            == "Subject: Your application was received")
        #expect(HeaderEncoder.unstructuredField(name: "Subject", value: "") == "Subject:")
    }

    @Test func longASCIISubjectFoldsAtSpaces() {
        let text = (1...30).map { "word\($0)" }.joined(separator: " ") + "  two  spaces"
        let field = HeaderEncoder.unstructuredField(name: "Subject", value: text, lineEnding: .lf)
        let lines = MailHeaderChecks.physicalLines(field)
        #expect(lines.count > 1)
        #expect(!field.contains("=?"))
        #expect(MailHeaderChecks.checkedValue(field, name: "Subject") == text)
    }

    @Test func crlfFoldingUsesCRLF() {
        let field = HeaderEncoder.unstructuredField(name: "Subject", value: MailSampleText.korean, lineEnding: .crlf)
        let bytes = Array(field.utf8)
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            #expect(index > 0 && bytes[index - 1] == 0x0D)
        }
        #expect(bytes.filter { $0 == 0x0D }.count == MailHeaderChecks.physicalLines(field, lineEnding: .crlf).count - 1)
    }

    @Test(arguments: ["Please read =?UTF-8?B?7JWI64WV?= now", String(repeating: "x", count: 90), "a  " + String(repeating: "y", count: 77)])
    func asciiThatCannotStayReadableIsEncoded(text: String) {
        let field = HeaderEncoder.unstructuredField(name: "Subject", value: text)
        let value = MailHeaderChecks.checkedValue(field, name: "Subject")
        #expect(value.hasPrefix("=?UTF-8?B?"))
        #expect(RFC2047Decoder.decode(value) == text)
    }

    @Test func sanitizedReplacesEveryControl() {
        let cases: [(String, String)] = [
            ("a\r\nb", "a  b"), ("a\rb", "a b"), ("a\nb", "a b"), ("a\u{0}b", "a b"), ("a\tb", "a b"),
            ("a\u{2028}b\u{2029}c", "a b c"), ("a\u{85}b", "a b"), ("a\u{7F}b", "a b"), ("a\u{9F}b", "a b"),
            ("\r\n  김민수\n", "김민수"), ("\u{1B}[31m빨강", "[31m빨강"), ("", ""),
        ]
        for (input, expected) in cases {
            #expect(Array(HeaderEncoder.sanitized(input).unicodeScalars) == Array(expected.unicodeScalars), "\(input.debugDescription)")
        }
        // Only the controls change: conjoining jamo and emoji sequences stay byte for byte.
        let untouched = "\u{1112}\u{1161}\u{11AB} 👨‍👩‍👧‍👦"
        #expect(Array(HeaderEncoder.sanitized(untouched).utf8) == Array(untouched.utf8))
    }

    @Test func koreanMailbox() {
        #expect(HeaderEncoder.mailbox(MailAddress(displayName: "김민수", address: "minsu@example.kr"))
            == "=?UTF-8?B?6rmA66+87IiY?= <minsu@example.kr>")
    }

    @Test func asciiMailboxesStayReadable() {
        #expect(HeaderEncoder.mailbox(MailAddress(displayName: "Kim Minsu", address: "kim@example.com"))
            == "Kim Minsu <kim@example.com>")
        #expect(HeaderEncoder.mailbox(MailAddress(displayName: "Kim, Minsu (Seoul)", address: "kim@example.com"))
            == "\"Kim, Minsu (Seoul)\" <kim@example.com>")
        #expect(HeaderEncoder.mailbox(MailAddress(displayName: "say \"hi\" \\o/", address: "kim@example.com"))
            == "\"say \\\"hi\\\" \\\\o/\" <kim@example.com>")
        #expect(HeaderEncoder.mailbox(MailAddress(displayName: nil, address: "kim@example.com")) == "kim@example.com")
        #expect(HeaderEncoder.mailbox(MailAddress(displayName: " \r\n ", address: "kim@example.com")) == "kim@example.com")
    }

    @Test func encodedWordLookalikeInNameIsEncoded() {
        let mailbox = HeaderEncoder.mailbox(MailAddress(displayName: "=?UTF-8?B?QmNj?=", address: "kim@example.com"))
        #expect(mailbox.hasPrefix("=?UTF-8?B?"))
        #expect(RFC2047Decoder.decode(String(mailbox.prefix { $0 != "<" }).trimmingCharacters(in: .whitespaces))
            == "=?UTF-8?B?QmNj?=")
    }

    @Test func implausibleAddressIsNeverEmitted() {
        let hostile = "victim@example.com>\r\nBcc: spy@example.com"
        let mailbox = HeaderEncoder.mailbox(MailAddress(displayName: "김민수", address: hostile))
        #expect(mailbox.hasSuffix("<\(HeaderEncoder.invalidAddressPlaceholder)>"))
        #expect(!mailbox.contains("spy"))
        let field = HeaderEncoder.addressField(name: "To", addresses: [
            MailAddress(displayName: "A", address: hostile), MailAddress(displayName: "B", address: "b@example.com"),
        ])
        #expect(field == "To: B <b@example.com>")
        #expect(HeaderEncoder.addressField(name: "To", addresses: [MailAddress(displayName: nil, address: hostile)])
            == "To: undisclosed-recipients:;")
    }

    @Test func plausibleAddresses() {
        let good = ["minsu@example.kr", "a.b+tag@sub.example.co.kr", "\"odd<>,;:\"@example.com", "x@xn--3e0b707e",
                    "user@localhost", "o'neil@example.ie"]
        let bad = ["", "@example.com", "minsu@", "minsu", "min su@example.kr", "minsu@exa mple.kr", "a..b@example.com",
                   ".a@example.com", "a@example..com", "김민수@example.kr", "a@예시.kr", "a@b.com\r\n", "a\n@b.com",
                   "<a@b.com>", "a@b.com, c@d.com", "a@b.com;", "\"a\"b@c.com", "\"a@b.com", "a@b_c.com",
                   String(repeating: "a", count: 65) + "@example.com",
                   "a@" + String(repeating: "b", count: 250) + ".com"]
        for address in good { #expect(MailAddress.isPlausible(address), "\(address)") }
        for address in bad { #expect(!MailAddress.isPlausible(address), "\(address.debugDescription)") }
    }

    @Test func addressFieldFoldsManyKoreanMailboxes() {
        let names = ["김민수", "이서연", "박지훈의 아주 긴 이름입니다 정말로 아주 깁니다 그래도 괜찮습니다", "Kim Minsu", "Lee, Seoyeon", "👨‍👩‍👧‍👦 가족"]
        let addresses = names.enumerated().map { MailAddress(displayName: $1, address: "member\($0)@example.kr") }
        let field = HeaderEncoder.addressField(name: "To", addresses: addresses)
        let value = MailHeaderChecks.checkedValue(field, name: "To")
        #expect(MailHeaderChecks.physicalLines(field).count > 1)
        let mailboxes = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(mailboxes.count == names.count + 1) // "Lee, Seoyeon" is quoted and holds a comma
        #expect(value.contains("\"Lee, Seoyeon\" <member4@example.kr>"))
        for (index, name) in names.enumerated() where !name.allSatisfy(\.isASCII) {
            let pattern = " <member\(index)@example.kr>"
            guard let range = value.range(of: pattern) else {
                Issue.record("missing \(pattern)")
                continue
            }
            let before = value[..<range.lowerBound]
            let start = before.range(of: ">, ", options: .backwards)?.upperBound ?? before.startIndex
            let encodedName = String(before[start...])
            let segments = RFC2047Decoder.segments(encodedName) ?? []
            MailHeaderChecks.checkEncodedWords(segments, expected: name)
            #expect(RFC2047Decoder.decode(encodedName) == name)
        }
    }

    @Test func fieldNamesAreChecked() {
        #expect(HeaderEncoder.isValidFieldName("X-Intake-Kind"))
        for name in ["", "X Intake", "X-Intake:", "X-\r\nBcc", "X-\u{0}", "X-한글"] {
            #expect(!HeaderEncoder.isValidFieldName(name), "\(name.debugDescription)")
        }
        #expect(HeaderEncoder.unstructuredField(name: "X-Bad\r\nBcc: spy@example.com", value: "v")
            == "X-BadBccspy@example.com: v")
    }

    @Test func dateFormat() {
        #expect(HeaderEncoder.dateValue(Date(timeIntervalSince1970: 1_796_022_900)) == "Mon, 30 Nov 2026 07:15:00 +0000")
        #expect(HeaderEncoder.dateValue(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(HeaderEncoder.dateValue(Date(timeIntervalSince1970: -0.5)) == "Wed, 31 Dec 1969 23:59:59 +0000")
        #expect(HeaderEncoder.dateValue(Date(timeIntervalSince1970: 951_782_400)) == "Tue, 29 Feb 2000 00:00:00 +0000")
    }

    @Test func dateFormatAgreesWithPOSIXDateFormatter() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        var generator = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            // 1900 ... 2200
            let seconds = Double(Int64(generator.next() % 9_467_280_000) - 2_208_988_800)
            let date = Date(timeIntervalSince1970: seconds)
            #expect(HeaderEncoder.dateValue(date) == formatter.string(from: date))
        }
    }
}
