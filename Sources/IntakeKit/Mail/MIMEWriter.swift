import Foundation

/// Renders a ``MailMessage`` into the bytes of a complete RFC 5322 / MIME message.
///
/// Pure and deterministic: the same message always gives the same bytes, and every line is at most
/// 78 characters long (header lines are folded; bodies are 7bit only when already short, else base64).
///
/// ```swift
/// let bytes = MIMEWriter.render(message)                  // "\n" line endings, for the Maildir spool
/// let wire = MIMEWriter.render(message, lineEnding: .crlf) // for SMTP
/// ```
public enum MIMEWriter {
    /// Extra header names the writer refuses (compared case-insensitively): the fields it writes
    /// itself, and address fields that would need structured encoding.
    public static let reservedFieldNames: Set<String> = [
        "from", "to", "reply-to", "subject", "date", "message-id", "mime-version", "auto-submitted",
        "content-type", "content-transfer-encoding", "cc", "bcc", "sender",
    ]

    /// The longest body line written as 7bit; anything longer, or not plain ASCII, goes base64.
    static let maximumSevenBitLineLength = 76
    static let base64LineLength = 76

    /// Renders a complete RFC 5322 / MIME message.
    ///
    /// Fields, in order: `From`, `To`, `Reply-To` (only when set and plausible), `Subject`, `Date`,
    /// `Message-ID`, `MIME-Version`, `Auto-Submitted: auto-generated`, the extra headers, then
    /// `Content-Type` and (single part) `Content-Transfer-Encoding`.
    ///
    /// Application values are neutralised rather than trusted: display names, the subject and extra
    /// header values are sanitized and encoded by ``HeaderEncoder``; a `From` address that is not
    /// ``MailAddress/isPlausible(_:)`` becomes ``HeaderEncoder/invalidAddressPlaceholder``, implausible
    /// `To` addresses are left out (none left: `To: undisclosed-recipients:;`), an implausible `Reply-To`
    /// is omitted; an extra header whose name is invalid or in ``reservedFieldNames`` is dropped; a
    /// message ID keeps only the characters a `msg-id` may hold.
    ///
    /// Bodies are UTF-8. A body whose lines are all printable ASCII (tabs allowed), at most 76
    /// characters and without trailing whitespace is sent `7bit` with its line breaks turned into
    /// `lineEnding`; any other body is sent `base64` in 76-character lines, and its text is encoded in
    /// MIME canonical form (every line break CRLF, RFC 2046 §4.1.1) whatever `lineEnding` is. Base64 is
    /// chosen over quoted-printable because Korean syllables take 3 UTF-8 bytes: 4 characters each in
    /// base64 but 9 (`=EA=B9=80`) in quoted-printable. Every body ends with a line break.
    /// - Parameters:
    ///   - message: The message.
    ///   - lineEnding: `.lf` for the Maildir spool (default) or `.crlf` for the wire.
    /// - Returns: The message bytes, ending with a line ending.
    public static func render(_ message: MailMessage, lineEnding: LineEnding = .lf) -> [UInt8] {
        let eol = lineEnding.string
        var fields = [
            HeaderEncoder.mailboxField(name: "From", address: message.from, lineEnding: lineEnding),
            HeaderEncoder.addressField(name: "To", addresses: message.to, lineEnding: lineEnding),
        ]
        if let replyTo = message.replyTo, replyTo.isPlausible {
            fields.append(HeaderEncoder.addressField(name: "Reply-To", addresses: [replyTo], lineEnding: lineEnding))
        }
        let messageID = safeMessageID(message.messageID)
        var messageIDField = HeaderFolder(fieldName: "Message-ID")
        messageIDField.append("<" + messageID + ">")
        fields += [
            HeaderEncoder.unstructuredField(name: "Subject", value: message.subject, lineEnding: lineEnding),
            "Date: " + HeaderEncoder.dateValue(message.date),
            messageIDField.rendered(lineEnding),
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
        ]
        for extra in message.extraHeaders
        where HeaderEncoder.isValidFieldName(extra.name) && !reservedFieldNames.contains(extra.name.lowercased()) {
            fields.append(HeaderEncoder.unstructuredField(name: extra.name, value: extra.value, lineEnding: lineEnding))
        }

        var output: [UInt8] = []
        output.reserveCapacity(4096 + 2 * (message.textBody.utf8.count + (message.htmlBody?.utf8.count ?? 0)))
        let eolBytes = Array(eol.utf8)
        func line(_ text: String) {
            output.append(contentsOf: text.utf8)
            output.append(contentsOf: eolBytes)
        }
        func write(_ body: EncodedBody) {
            for range in body.lines {
                output.append(contentsOf: body.bytes[range])
                output.append(contentsOf: eolBytes)
            }
        }
        fields.forEach(line)
        let text = EncodedBody(message.textBody)
        guard let htmlBody = message.htmlBody else {
            text.headerLines(mediaType: "text/plain").forEach(line)
            line("")
            write(text)
            return output
        }
        let html = EncodedBody(htmlBody)
        let parts = [("text/plain", text), ("text/html", html)]
        let boundary = boundary(for: messageID, avoiding: parts.map(\.1))
        line("Content-Type: multipart/alternative;")
        line(" boundary=\"\(boundary)\"")
        line("")
        for (mediaType, body) in parts {
            line("--" + boundary)
            body.headerLines(mediaType: mediaType).forEach(line)
            line("")
            write(body)
            // The line break before a delimiter belongs to the delimiter; this one keeps the body's own.
            line("")
        }
        line("--" + boundary + "--")
        return output
    }

    /// The message ID reduced to the characters a `msg-id` may hold, so it cannot break the header.
    static func safeMessageID(_ messageID: String) -> String {
        let kept = String(decoding: messageID.utf8.filter {
            HeaderEncoder.isAtext($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "@")
        }, as: UTF8.self)
        return kept.isEmpty ? HeaderEncoder.invalidAddressPlaceholder : kept
    }

    /// `=_intake_` and 32 hex digits derived from the message ID.
    ///
    /// `=_` can never occur in base64 (`=` only pads the end) nor start a base64 line; a 7bit part that
    /// happens to contain the boundary gets a numbered variant, still deterministic.
    static func boundary(for messageID: String, avoiding bodies: [EncodedBody]) -> String {
        let bytes = Array(messageID.utf8)
        let base = "=_intake_" + hex(fnv1a(bytes, offsetBasis: 0xcbf2_9ce4_8422_2325))
            + hex(fnv1a(bytes, offsetBasis: 0x6c62_272e_07bb_0142))
        var candidate = base
        var attempt = 0
        while bodies.contains(where: { $0.contains(Array(("--" + candidate).utf8)) }) {
            attempt += 1
            candidate = base + "." + String(attempt)
        }
        return candidate
    }

    private static func fnv1a(_ bytes: [UInt8], offsetBasis: UInt64) -> UInt64 {
        var hash = offsetBasis
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// A body in its transfer encoding: the encoding's name and the lines to write, as ranges of
/// `bytes` (line breaks not included). Works on UTF-8 bytes: CR and LF never occur inside a
/// multi-byte sequence, so splitting bytes splits exactly where splitting scalars would.
struct EncodedBody {
    let transferEncoding: String
    let bytes: [UInt8]
    let lines: [Range<Int>]

    init(_ text: String) {
        let utf8 = Array(text.utf8)
        let textLines = Self.splitLines(utf8)
        let sevenBit = textLines.allSatisfy { range in
            range.count <= MIMEWriter.maximumSevenBitLineLength
                && utf8[range].allSatisfy { ($0 >= 0x20 && $0 <= 0x7E) || $0 == 0x09 }
                && (range.isEmpty || (utf8[range.upperBound - 1] != UInt8(ascii: " ") && utf8[range.upperBound - 1] != 0x09))
        }
        if sevenBit {
            transferEncoding = "7bit"
            bytes = utf8
            lines = textLines
            return
        }
        transferEncoding = "base64"
        var canonical: [UInt8] = []
        canonical.reserveCapacity(utf8.count + 2 * textLines.count)
        for range in textLines {
            canonical.append(contentsOf: utf8[range])
            canonical.append(contentsOf: [0x0D, 0x0A])
        }
        let encoded = Array(Data(canonical).base64EncodedData())
        bytes = encoded
        lines = stride(from: 0, to: encoded.count, by: MIMEWriter.base64LineLength).map { start in
            start..<min(start + MIMEWriter.base64LineLength, encoded.count)
        }
    }

    func headerLines(mediaType: String) -> [String] {
        ["Content-Type: \(mediaType); charset=UTF-8", "Content-Transfer-Encoding: \(transferEncoding)"]
    }

    /// Whether any line holds `pattern` (base64 lines cannot hold a boundary's `=_`, but are
    /// checked all the same: it costs little).
    func contains(_ pattern: [UInt8]) -> Bool {
        lines.contains { range in
            guard range.count >= pattern.count, let first = pattern.first else { return false }
            var i = range.lowerBound
            while i + pattern.count <= range.upperBound {
                if bytes[i] == first, bytes[i..<i + pattern.count].elementsEqual(pattern) { return true }
                i += 1
            }
            return false
        }
    }

    /// Lines split at CRLF, CR or LF; a final break ends the last line rather than starting an
    /// empty one.
    static func splitLines(_ bytes: [UInt8]) -> [Range<Int>] {
        var lines: [Range<Int>] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte == 0x0A || byte == 0x0D {
                lines.append(start..<i)
                i += (byte == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A) ? 2 : 1
                start = i
            } else {
                i += 1
            }
        }
        if start < bytes.count { lines.append(start..<bytes.count) }
        return lines
    }
}
