import Foundation
import Testing
@testable import IntakeKit

/// What Python's `email` package (policy.default) reads back from one rendered message.
struct PythonParsedMessage: Decodable {
    struct Mailbox: Decodable, Equatable {
        var name: String
        var address: String
    }

    var file: String
    var subject: String
    var from: [Mailbox]
    var to: [Mailbox]
    var replyTo: [Mailbox]?
    var messageID: String
    var timestamp: Double
    var contentTypes: [String]
    var text: String?
    var html: String?
    var extra: [String: String]
    var defects: [String]

    enum CodingKeys: String, CodingKey {
        case file, subject, from, to, replyTo = "reply_to", messageID = "message_id", timestamp
        case contentTypes = "content_types", text, html, extra, defects
    }
}

/// Runs one python3 process over many rendered messages.
enum PythonEmailParser {
    static let script = #"""
        import email, email.policy, json, sys

        def mailboxes(message, name):
            header = message[name]
            if header is None:
                return None
            return [{"name": a.display_name, "address": a.addr_spec} for a in header.addresses]

        results = []
        for path in sys.argv[1:]:
            with open(path, "rb") as f:
                message = email.message_from_bytes(f.read(), policy=email.policy.default)
            defects = []
            for part in message.walk():
                defects += [type(d).__name__ + ": " + str(d) for d in part.defects]
                for name, value in part.items():
                    defects += [name + ": " + type(d).__name__ + ": " + str(d) for d in getattr(value, "defects", ())]
            text = message.get_body(("plain",))
            html = message.get_body(("html",))
            results.append({
                "file": path,
                "subject": str(message["subject"]),
                "from": mailboxes(message, "from"),
                "to": mailboxes(message, "to"),
                "reply_to": mailboxes(message, "reply-to"),
                "message_id": str(message["message-id"]),
                "timestamp": message["date"].datetime.timestamp(),
                "content_types": [part.get_content_type() for part in message.walk()],
                "text": text.get_content() if text is not None else None,
                "html": html.get_content() if html is not None else None,
                "extra": {name: str(value) for name, value in message.items() if name.startswith("X-")},
                "defects": defects,
            })
        json.dump(results, sys.stdout, ensure_ascii=True)
        """#

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func python3() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"] {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent("python3")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw Failure(description: "python3 is required for the MIME parser tests but was not found on PATH (\(path))")
    }

    /// Parses the given message files; throws when python3 is missing or fails.
    static func parse(_ files: [URL], in directory: URL) throws -> [PythonParsedMessage] {
        let scriptURL = directory.appendingPathComponent("parse.py")
        try Data(script.utf8).write(to: scriptURL)
        let stderrURL = directory.appendingPathComponent("stderr.txt")
        try Data().write(to: stderrURL)
        let process = Process()
        process.executableURL = try python3()
        process.arguments = [scriptURL.path] + files.map(\.path)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
        // Read before waiting so a large output cannot fill the pipe and stall python.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let stderr = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
            throw Failure(description: "python3 exited with \(process.terminationStatus): \(stderr)")
        }
        return try JSONDecoder().decode([PythonParsedMessage].self, from: data)
    }
}

struct PythonEmailParserTests {
    /// CRLF and CR turned into LF (on scalars: `"\r\n"` is one `Character`).
    static func unifiedLineBreaks(_ text: String) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        var afterCR = false
        for scalar in text.unicodeScalars {
            defer { afterCR = scalar == "\r" }
            if scalar == "\n", afterCR { continue }
            scalars.append(scalar == "\r" ? "\n" : scalar)
        }
        return scalars
    }

    /// What a reader must get back: the body with unified line breaks, ending with exactly the one
    /// line break the writer adds when the text lacks it.
    static func expectedBody(_ text: String) -> [Unicode.Scalar] {
        var scalars = unifiedLineBreaks(text)
        if let last = scalars.last, last != "\n" { scalars.append("\n") }
        return scalars
    }

    /// Compares a display name as CPython reads it with the expected one.
    ///
    /// A name that fits one encoded-word (45 bytes) must match exactly. A longer one spans several
    /// encoded-words, and CPython before gh-128110 (python/cpython#130749) keeps the whitespace between
    /// them instead of ignoring it as RFC 2047 §6.2 says; the writer ends those words at spaces, so the
    /// only allowed difference is a doubled space: never a space inside a word, nothing else.
    static func expectDisplayName(
        _ parsed: String, equals expected: String, _ label: Comment, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        if expected.utf8.count <= 45 {
            #expect(Array(parsed.unicodeScalars) == Array(expected.unicodeScalars), label, sourceLocation: sourceLocation)
        } else {
            func collapsed(_ text: String) -> [Unicode.Scalar] {
                var result: [Unicode.Scalar] = []
                for scalar in text.unicodeScalars where !(scalar == " " && result.last == " ") {
                    result.append(scalar)
                }
                return result
            }
            #expect(collapsed(parsed) == collapsed(expected), label, sourceLocation: sourceLocation)
        }
    }

    static func messages() -> [MailMessage] {
        let names: [String?] = ["김민수", "이서연", "박지훈 (서울)", "최유진, 회원", nil, "Kim Minsu", "O'Neil, Sean",
                                "남궁 민수 👨‍👩‍👧‍👦", "\u{1112}\u{1161}\u{11AB}\u{1100}\u{1173}\u{11AF} 이름",
                                String(repeating: "아주 긴 이름을 가진 회원 ", count: 6), "Evil\r\nBcc: spy@example.com"]
        let longLine = String(repeating: "주말 산행을 함께하고 싶습니다. ", count: 12)
        let bodies = [
            "안녕하세요,\n\n\(MailSampleText.korean)\n\n감사합니다.\n",
            "첫 줄\r\n\(longLine)\r\n마지막 줄 (끝 줄바꿈 없음)",
            "ASCII only\nshort lines\n",
            MailSampleText.mixed + "\n" + String(repeating: "x", count: 200) + "\n\u{0}\t탭\n",
        ]
        var messages: [MailMessage] = []
        var index = 0
        let subjects = stride(from: 1, through: 120, by: 3).map { String(MailSampleText.korean.prefix($0)) }
            + stride(from: 1, through: 120, by: 9).map { String(MailSampleText.mixed.prefix($0)) }
            + ["Welcome to Seoul Hiking", "줄바꿈\r\nBcc: spy@example.com", "=?UTF-8?B?7JWI64WV?= 그대로", "줄\u{2028}나눔\u{85}끝"]
        for subject in subjects {
            let name = names[index % names.count]
            let body = bodies[index % bodies.count]
            let html: String? = index % 3 == 0 ? nil : "<html><body><p>\(body)</p><p>\(longLine)</p></body></html>\n"
            messages.append(MailMessage(
                from: MailAddress(displayName: "서울 하이킹 모임", address: "noreply@intake.example"),
                to: [MailAddress(displayName: name, address: "member\(index)@example.kr"),
                     MailAddress(displayName: names[(index + 3) % names.count], address: "second\(index)@example.kr")],
                replyTo: index % 4 == 0 ? MailAddress(displayName: "운영진", address: "admin@intake.example") : nil,
                subject: subject,
                date: Date(timeIntervalSince1970: 1_796_022_900 + Double(index) * 3607),
                messageID: "received.A\(String(index)).3f2a@intake.example",
                textBody: body, htmlBody: html,
                extraHeaders: [("X-Intake-Kind", "received"), ("X-Intake-Application-Reference-Note", subject)]))
            index += 1
        }
        return messages
    }

    @Test func pythonReadsBackEveryValueWithoutDefects() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("intake-mime-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let messages = Self.messages()
        var files: [URL] = []
        for (index, message) in messages.enumerated() {
            let file = directory.appendingPathComponent(String(format: "%03d.eml", index))
            try Data(MIMEWriter.render(message, lineEnding: index % 2 == 0 ? .lf : .crlf)).write(to: file)
            files.append(file)
        }
        let parsed = try PythonEmailParser.parse(files, in: directory)
        try #require(parsed.count == messages.count)

        for (message, result) in zip(messages, parsed) {
            let label = Comment(rawValue: result.file)
            #expect(result.defects == [], label)
            #expect(Array(result.subject.unicodeScalars) == Array(HeaderEncoder.sanitized(message.subject).unicodeScalars), label)
            #expect(result.from.map(\.address) == [message.from.address], label)
            Self.expectDisplayName(result.from.first?.name ?? "", equals: HeaderEncoder.sanitized(message.from.displayName ?? ""), label)
            #expect(result.to.map(\.address) == message.to.map(\.address), label)
            for (parsed, address) in zip(result.to, message.to) {
                Self.expectDisplayName(parsed.name, equals: HeaderEncoder.sanitized(address.displayName ?? ""), label)
            }
            #expect(result.replyTo == message.replyTo.map { [.init(name: $0.displayName ?? "", address: $0.address)] }, label)
            #expect(result.messageID == "<\(message.messageID)>", label)
            #expect(result.timestamp == message.date.timeIntervalSince1970, label)
            #expect(result.text.map(Self.unifiedLineBreaks) == Self.expectedBody(message.textBody), label)
            #expect(result.html.map(Self.unifiedLineBreaks) == message.htmlBody.map(Self.expectedBody), label)
            #expect(result.contentTypes == (message.htmlBody == nil
                ? ["text/plain"] : ["multipart/alternative", "text/plain", "text/html"]), label)
            #expect(result.extra["X-Intake-Kind"] == "received", label)
            let note = result.extra["X-Intake-Application-Reference-Note"] ?? ""
            #expect(Array(note.unicodeScalars) == Array(HeaderEncoder.sanitized(message.subject).unicodeScalars), label)
        }
    }

    @Test func pythonAcceptsNeutralisedAddresses() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("intake-mime-bad-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let message = MailMessage(
            from: MailAddress(displayName: "서울 하이킹 모임", address: "no reply@intake.example"),
            to: [MailAddress(displayName: "김민수", address: "minsu@example.kr\r\nBcc: spy@example.com")],
            subject: "안내", date: Date(timeIntervalSince1970: 0), messageID: "x\r\ny@intake.example", textBody: "본문")
        let file = directory.appendingPathComponent("bad.eml")
        try Data(MIMEWriter.render(message)).write(to: file)
        let result = try #require(try PythonEmailParser.parse([file], in: directory).first)
        #expect(result.defects == [])
        #expect(result.from == [.init(name: "서울 하이킹 모임", address: HeaderEncoder.invalidAddressPlaceholder)])
        #expect(result.to == [])
        #expect(result.messageID == "<xy@intake.example>")
    }
}
