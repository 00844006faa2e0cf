import Foundation
import Testing
@testable import IntakeKit

/// A rendered message taken apart on its bytes.
struct ParsedMailMessage {
    /// Physical header lines, without line endings.
    var headerLines: [String]
    /// Unfolded fields in order.
    var fields: [(name: String, value: String)]
    /// Body lines, without line endings.
    var bodyLines: [String]

    init(_ bytes: [UInt8], lineEnding: LineEnding, sourceLocation: SourceLocation = #_sourceLocation) {
        // Line breaks are checked on bytes: every CR/LF must be part of the chosen line ending.
        for (index, byte) in bytes.enumerated() {
            switch (lineEnding, byte) {
            case (.lf, 0x0D):
                Issue.record("CR at byte \(index) in an LF message", sourceLocation: sourceLocation)
            case (.crlf, 0x0D):
                #expect(index + 1 < bytes.count && bytes[index + 1] == 0x0A, "bare CR at \(index)", sourceLocation: sourceLocation)
            case (.crlf, 0x0A):
                #expect(index > 0 && bytes[index - 1] == 0x0D, "bare LF at \(index)", sourceLocation: sourceLocation)
            default:
                break
            }
        }
        let eol = Array(lineEnding.string.utf8)
        #expect(Array(bytes.suffix(eol.count)) == eol, "message does not end with a line ending", sourceLocation: sourceLocation)
        var lines = MailHeaderChecks.physicalLines(String(decoding: bytes, as: UTF8.self), lineEnding: lineEnding)
        if lines.last == "" { lines.removeLast() }
        let blank = lines.firstIndex(of: "") ?? lines.count
        headerLines = Array(lines[..<blank])
        bodyLines = Array(lines[min(blank + 1, lines.count)...])
        fields = []
        for line in headerLines {
            if line.first == " " || line.first == "\t" {
                if fields.isEmpty {
                    Issue.record("continuation before the first field", sourceLocation: sourceLocation)
                } else {
                    fields[fields.count - 1].value += line
                }
            } else if let colon = line.firstIndex(of: ":") {
                fields.append((String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " })))
            } else {
                Issue.record("header line without a colon: \(line)", sourceLocation: sourceLocation)
            }
        }
    }

    var fieldNames: [String] { fields.map(\.name) }

    func value(_ name: String) -> String? {
        fields.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

enum MailMessageFactory {
    static let date = Date(timeIntervalSince1970: 1_796_022_900)

    static func message(
        fromName: String? = "Seoul Hiking", toName: String? = "김민수", subject: String = "가입 신청이 접수되었습니다",
        textBody: String = "안녕하세요 김민수 님,\n신청이 접수되었습니다.\n", htmlBody: String? = nil,
        messageID: String = "received.A000042.3f2a@intake.example",
        extraHeaders: [(name: String, value: String)] = [("X-Intake-Kind", "received")]
    ) -> MailMessage {
        MailMessage(
            from: MailAddress(displayName: fromName, address: "noreply@intake.example"),
            to: [MailAddress(displayName: toName, address: "minsu@example.kr")],
            subject: subject, date: date, messageID: messageID, textBody: textBody, htmlBody: htmlBody,
            extraHeaders: extraHeaders)
    }
}

struct MIMEWriterTests {
    @Test func simpleASCIIMessageIsExact() {
        let message = MailMessage(
            from: MailAddress(displayName: "Seoul Hiking", address: "noreply@intake.example"),
            to: [MailAddress(displayName: "Kim Minsu", address: "minsu@example.kr")],
            replyTo: MailAddress(displayName: nil, address: "admin@intake.example"),
            subject: "Your application was received", date: MailMessageFactory.date,
            messageID: "received.A000042.3f2a@intake.example", textBody: "Hello Kim,\r\n\r\nWelcome.",
            extraHeaders: [("X-Intake-Kind", "received")])
        let expected = """
            From: Seoul Hiking <noreply@intake.example>
            To: Kim Minsu <minsu@example.kr>
            Reply-To: admin@intake.example
            Subject: Your application was received
            Date: Mon, 30 Nov 2026 07:15:00 +0000
            Message-ID: <received.A000042.3f2a@intake.example>
            MIME-Version: 1.0
            Auto-Submitted: auto-generated
            X-Intake-Kind: received
            Content-Type: text/plain; charset=UTF-8
            Content-Transfer-Encoding: 7bit

            Hello Kim,

            Welcome.

            """
        #expect(String(decoding: MIMEWriter.render(message), as: UTF8.self) == expected)
        let crlf = MIMEWriter.render(message, lineEnding: .crlf)
        #expect(crlf == Array(expected.replacingOccurrences(of: "\n", with: "\r\n").utf8))
    }

    @Test func multipartStructure() {
        let message = MailMessageFactory.message(htmlBody: "<p>안녕하세요</p>")
        let parsed = ParsedMailMessage(MIMEWriter.render(message), lineEnding: .lf)
        #expect(parsed.fieldNames == ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Auto-Submitted",
                                      "X-Intake-Kind", "Content-Type"])
        let boundary = MIMEWriter.boundary(for: message.messageID, avoiding: [])
        #expect(parsed.value("Content-Type") == "multipart/alternative; boundary=\"\(boundary)\"")
        #expect(boundary.hasPrefix("=_intake_") && boundary.count == 9 + 32)
        #expect(parsed.bodyLines.filter { $0 == "--" + boundary }.count == 2)
        #expect(parsed.bodyLines.last == "--" + boundary + "--")
        let types = parsed.bodyLines.filter { $0.hasPrefix("Content-Type:") }
        #expect(types == ["Content-Type: text/plain; charset=UTF-8", "Content-Type: text/html; charset=UTF-8"])
    }

    @Test func asciiMultipartIsExact() {
        let message = MailMessageFactory.message(
            fromName: nil, toName: nil, subject: "Hello", textBody: "Hi\n", htmlBody: "<p>Hi</p>", messageID: "m@x",
            extraHeaders: [])
        let boundary = MIMEWriter.boundary(for: "m@x", avoiding: [])
        let expected = """
            From: noreply@intake.example
            To: minsu@example.kr
            Subject: Hello
            Date: Mon, 30 Nov 2026 07:15:00 +0000
            Message-ID: <m@x>
            MIME-Version: 1.0
            Auto-Submitted: auto-generated
            Content-Type: multipart/alternative;
             boundary="\(boundary)"

            --\(boundary)
            Content-Type: text/plain; charset=UTF-8
            Content-Transfer-Encoding: 7bit

            Hi

            --\(boundary)
            Content-Type: text/html; charset=UTF-8
            Content-Transfer-Encoding: 7bit

            <p>Hi</p>

            --\(boundary)--

            """
        #expect(String(decoding: MIMEWriter.render(message), as: UTF8.self) == expected)
    }

    @Test func boundaryDependsOnlyOnMessageID() {
        let a = MIMEWriter.boundary(for: "a@intake.example", avoiding: [])
        #expect(a == MIMEWriter.boundary(for: "a@intake.example", avoiding: []))
        #expect(a != MIMEWriter.boundary(for: "b@intake.example", avoiding: []))
    }

    @Test func sevenBitPartHoldingTheBoundaryGetsAnotherOne() {
        let id = "received.A000042.3f2a@intake.example"
        let usual = MIMEWriter.boundary(for: id, avoiding: [])
        let message = MailMessageFactory.message(textBody: "--\(usual)\nhello\n--\(usual)--\n", htmlBody: "<p>hi</p>", messageID: id)
        let parsed = ParsedMailMessage(MIMEWriter.render(message), lineEnding: .lf)
        let chosen = parsed.value("Content-Type")?.split(separator: "\"").dropFirst().first.map(String.init)
        #expect(chosen == usual + ".1")
        #expect(parsed.bodyLines.filter { $0.hasPrefix("--" + usual + ".1") }.count == 3)
    }

    @Test func renderingIsDeterministic() {
        let message = MailMessageFactory.message(subject: MailSampleText.mixed, htmlBody: "<p>\(MailSampleText.korean)</p>")
        let copy = message
        #expect(MIMEWriter.render(message) == MIMEWriter.render(copy))
        #expect(MIMEWriter.render(message, lineEnding: .crlf) == MIMEWriter.render(copy, lineEnding: .crlf))
    }

    @Test(arguments: ["\r", "\n", "\r\n", "\u{0}", "\t", "\u{2028}", "\u{85}", "\r\n\r\n"], [LineEnding.lf, .crlf])
    func controlCharactersCannotAddHeaders(separator: String, lineEnding: LineEnding) throws {
        let hostile = "Evil\(separator)Bcc: spy@example.com"
        let message = MailMessage(
            from: MailAddress(displayName: hostile, address: "noreply@intake.example"),
            to: [MailAddress(displayName: hostile, address: "minsu@example.kr"),
                 MailAddress(displayName: "X", address: "x@example.kr\(separator)Bcc: spy@example.com")],
            replyTo: MailAddress(displayName: "R", address: "r@example.kr\(separator)Bcc: spy@example.com"),
            subject: "가입\(separator)Bcc: spy@example.com",
            date: MailMessageFactory.date,
            messageID: "id\(separator)Bcc: spy@example.com@intake.example",
            textBody: "body",
            extraHeaders: [("X-Intake-Kind", "received\(separator)Bcc: spy@example.com"),
                           ("X-Evil\(separator)Bcc", "spy@example.com"),
                           ("Bcc", "spy@example.com")])
        let parsed = ParsedMailMessage(MIMEWriter.render(message, lineEnding: lineEnding), lineEnding: lineEnding)
        #expect(parsed.fieldNames == ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Auto-Submitted",
                                      "X-Intake-Kind", "Content-Type", "Content-Transfer-Encoding"])
        #expect(parsed.bodyLines == ["body"])
        // Worked out here rather than with sanitized(_:): each control scalar becomes one space.
        let spaces = String(repeating: " ", count: separator.unicodeScalars.count)
        #expect(parsed.value("Subject").flatMap(RFC2047Decoder.decode) == "가입\(spaces)Bcc: spy@example.com")
        let kind = try #require(parsed.value("X-Intake-Kind"))
        #expect((RFC2047Decoder.decode(kind) ?? kind) == "received\(spaces)Bcc: spy@example.com")
        #expect(parsed.value("From") == "\"Evil\(spaces)Bcc: spy@example.com\" <noreply@intake.example>")
        #expect(parsed.value("To")?.hasSuffix("<minsu@example.kr>") == true)
        #expect(parsed.value("Message-ID")?.contains(separator) == false)
        for line in parsed.headerLines {
            #expect(line.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }, "\(line.debugDescription)")
        }
    }

    @Test func implausibleAddressesAreNeutralised() {
        var message = MailMessageFactory.message()
        message.from.address = "no reply@intake.example"
        message.to = [MailAddress(displayName: "김민수", address: "minsu@example.kr>, spy@example.com")]
        let parsed = ParsedMailMessage(MIMEWriter.render(message), lineEnding: .lf)
        #expect(parsed.value("From") == "Seoul Hiking <invalid@invalid.invalid>")
        #expect(parsed.value("To") == "undisclosed-recipients:;")
    }

    @Test func reservedAndInvalidExtraHeadersAreDropped() {
        let message = MailMessageFactory.message(extraHeaders: [
            ("Subject", "second subject"), ("content-type", "text/html"), ("BCC", "spy@example.com"),
            ("X Space", "v"), ("X-한글", "v"), ("", "v"), ("X-Intake-Kind", "received"), ("X-Intake-Note", "메모"),
        ])
        let parsed = ParsedMailMessage(MIMEWriter.render(message), lineEnding: .lf)
        #expect(parsed.fieldNames == ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Auto-Submitted",
                                      "X-Intake-Kind", "X-Intake-Note", "Content-Type", "Content-Transfer-Encoding"])
        #expect(parsed.value("X-Intake-Note").flatMap(RFC2047Decoder.decode) == "메모")
    }

    @Test func shortASCIIBodyIsSevenBitWithNormalisedLineEndings() {
        for lineEnding in [LineEnding.lf, .crlf] {
            let message = MailMessageFactory.message(textBody: "a\r\nb\rc\nd\te\n\n")
            let parsed = ParsedMailMessage(MIMEWriter.render(message, lineEnding: lineEnding), lineEnding: lineEnding)
            #expect(parsed.value("Content-Transfer-Encoding") == "7bit")
            #expect(parsed.bodyLines == ["a", "b", "c", "d\te", ""])
        }
    }

    @Test(arguments: [
        "안녕하세요\n", String(repeating: "x", count: 77), "trailing space \nnext", "nul\u{0}inside", "del\u{7F}", "\u{2028}",
    ])
    func otherBodiesAreBase64InCanonicalForm(body: String) throws {
        for lineEnding in [LineEnding.lf, .crlf] {
            let parsed = ParsedMailMessage(MIMEWriter.render(MailMessageFactory.message(textBody: body), lineEnding: lineEnding),
                                       lineEnding: lineEnding)
            #expect(parsed.value("Content-Transfer-Encoding") == "base64")
            #expect(parsed.bodyLines.dropLast().allSatisfy { $0.utf8.count == 76 })
            #expect(parsed.bodyLines.allSatisfy { !$0.isEmpty && $0.utf8.count <= 76 })
            let decoded = try #require(Data(base64Encoded: parsed.bodyLines.joined()))
            // The text inside base64 is canonical: CRLF breaks whatever the file's line ending, one at the end.
            var normal = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            if !normal.isEmpty, !normal.hasSuffix("\n") { normal += "\n" }
            var canonical = normal.replacingOccurrences(of: "\n", with: "\r\n")
            #expect(Array(decoded) == Array(canonical.utf8))
            canonical = body.hasSuffix("\n") ? body : body + "\n"
            #expect(String(decoding: decoded, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n") == canonical)
        }
    }

    @Test func emptyBody() {
        let parsed = ParsedMailMessage(MIMEWriter.render(MailMessageFactory.message(textBody: "")), lineEnding: .lf)
        #expect(parsed.value("Content-Transfer-Encoding") == "7bit")
        #expect(parsed.bodyLines.isEmpty)
    }

    @Test func longMessageIDFoldsBeforeTheID() {
        let id = String(repeating: "a", count: 60) + "@intake.example"
        let parsed = ParsedMailMessage(MIMEWriter.render(MailMessageFactory.message(messageID: id)), lineEnding: .lf)
        #expect(parsed.headerLines.contains("Message-ID:"))
        #expect(parsed.headerLines.contains(" <\(id)>"))
        #expect(MailMessage.isValidMessageID(id))
        #expect(!MailMessage.isValidMessageID("no-at-sign"))
        #expect(!MailMessage.isValidMessageID("a b@c"))
    }

    @Test func everyLineFitsIn78CharactersAcrossManyMessages() {
        let names: [String?] = [nil, "김민수", "Kim Minsu", "Kim, Minsu", "👨‍👩‍👧‍👦 \u{1112}\u{1161}\u{11AB}가족",
                                String(repeating: "아주 긴 이름 ", count: 12), String(repeating: "LongASCIIName", count: 8),
                                "\"quoted\" \\ name"]
        let subjects = stride(from: 1, through: 120, by: 5).map { String(MailSampleText.korean.prefix($0)) }
            + stride(from: 1, through: 120, by: 7).map { String(MailSampleText.mixed.prefix($0)) }
            + ["", "Plain subject", String(repeating: "word ", count: 40), String(repeating: "x", count: 200)]
        let bodies = ["", "short\n", MailSampleText.korean, MailSampleText.mixed + "\n\n" + MailSampleText.korean,
                      String(repeating: "ascii line that is long ", count: 10)]
        var generator = SplitMix64(seed: 7)
        var count = 0
        for subject in subjects {
            for name in names {
                let body = bodies[Int(generator.next() % UInt64(bodies.count))]
                let html: String? = generator.next() % 2 == 0 ? "<p>\(body)</p>" : nil
                let lineEnding: LineEnding = generator.next() % 2 == 0 ? .lf : .crlf
                let message = MailMessageFactory.message(
                    fromName: name, toName: name, subject: subject, textBody: body, htmlBody: html,
                    messageID: "received.A\(count)@intake.example",
                    extraHeaders: [("X-Intake-Kind", "received"), ("X-Intake-Application-Reference-Note", subject)])
                let parsed = ParsedMailMessage(MIMEWriter.render(message, lineEnding: lineEnding), lineEnding: lineEnding)
                for line in parsed.headerLines + parsed.bodyLines {
                    #expect(line.utf8.count <= 78, "line of \(line.utf8.count) in message \(count): \(line)")
                }
                #expect(parsed.value("Subject").flatMap(RFC2047Decoder.decode) == HeaderEncoder.sanitized(subject))
                count += 1
            }
        }
        #expect(count > 300)
    }
}
