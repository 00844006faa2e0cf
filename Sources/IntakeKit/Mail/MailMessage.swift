import Foundation

/// A mailbox: an optional display name and an addr-spec.
public struct MailAddress: Sendable, Equatable, Codable {
    /// The human-readable name; any Unicode, sanitized and encoded when rendered.
    public var displayName: String?
    /// The addr-spec (`local@domain`), ASCII; the caller validates it, the writer checks again.
    public var address: String

    public init(displayName: String?, address: String) {
        self.displayName = displayName
        self.address = address
    }

    /// Whether ``address`` is safe to place in a header as it is (see ``isPlausible(_:)``).
    public var isPlausible: Bool { Self.isPlausible(address) }

    /// Tells whether a string is an addr-spec that can be written into a header verbatim.
    ///
    /// Accepted: `local@domain` of printable ASCII without spaces, at most 254 octets, where the local
    /// part (at most 64 octets) is a dot-atom or a quoted string without spaces, and the domain is
    /// dot-separated labels of letters, digits and hyphens (an internationalised domain must already be
    /// in its `xn--` form). Anything else (line breaks, `<>,;:`, spaces, non-ASCII) is refused, so a
    /// plausible address can never end a header field or start another one.
    /// - Parameter address: The candidate addr-spec.
    /// - Returns: `true` when the writer may emit it unchanged.
    public static func isPlausible(_ address: String) -> Bool {
        let bytes = Array(address.utf8)
        guard bytes.count >= 3, bytes.count <= 254, bytes.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }),
              let at = bytes.lastIndex(of: UInt8(ascii: "@"))
        else { return false }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        return local.count <= 64 && isPlausibleLocalPart(local) && isPlausibleDomain(domain)
    }

    private static func isPlausibleLocalPart(_ local: ArraySlice<UInt8>) -> Bool {
        guard let first = local.first else { return false }
        if first == UInt8(ascii: "\"") {
            // quoted-string: qtext or quoted-pairs between the quotes (spaces are already excluded).
            guard local.count >= 2, local.last == UInt8(ascii: "\"") else { return false }
            var index = local.startIndex + 1
            let end = local.endIndex - 1
            while index < end {
                switch local[index] {
                case UInt8(ascii: "\\"):
                    guard index + 1 < end else { return false }
                    index += 2
                case UInt8(ascii: "\""):
                    return false
                default:
                    index += 1
                }
            }
            return true
        }
        return isDotAtom(local) { HeaderEncoder.isAtext($0) }
    }

    private static func isPlausibleDomain(_ domain: ArraySlice<UInt8>) -> Bool {
        isDotAtom(domain) { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-")
        }
    }

    private static func isDotAtom(_ bytes: ArraySlice<UInt8>, allowed: (UInt8) -> Bool) -> Bool {
        let labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return !labels.isEmpty && labels.allSatisfy { !$0.isEmpty && $0.allSatisfy(allowed) }
    }
}

/// The line ending a rendered message uses.
public enum LineEnding: Sendable {
    /// `\n`: what the Maildir spool and the local `sendmail` interface expect.
    case lf
    /// `\r\n`: what goes on the wire (SMTP).
    case crlf

    /// The line ending as a string (note: `"\r\n"` is a single `Character` in Swift).
    public var string: String {
        switch self {
        case .lf: "\n"
        case .crlf: "\r\n"
        }
    }
}

/// One e-mail to render: addresses, subject, identity and bodies, all as plain values.
public struct MailMessage: Sendable, Equatable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var replyTo: MailAddress?
    public var subject: String
    public var date: Date
    /// Without angle brackets, e.g. `received.A000042.3f2a@intake.example`.
    public var messageID: String
    public var textBody: String
    /// When present the message becomes `multipart/alternative` (text first, then HTML).
    public var htmlBody: String?
    /// Additional unstructured fields such as `("X-Intake-Kind", "received")`, written after
    /// `Auto-Submitted`; see ``MIMEWriter/render(_:lineEnding:)`` for which names are refused.
    public var extraHeaders: [(name: String, value: String)]

    public init(
        from: MailAddress,
        to: [MailAddress],
        replyTo: MailAddress? = nil,
        subject: String,
        date: Date,
        messageID: String,
        textBody: String,
        htmlBody: String? = nil,
        extraHeaders: [(name: String, value: String)] = []
    ) {
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.date = date
        self.messageID = messageID
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.extraHeaders = extraHeaders
    }

    // Tuples are not Equatable, so the synthesized conformance is unavailable.
    public static func == (lhs: MailMessage, rhs: MailMessage) -> Bool {
        lhs.from == rhs.from && lhs.to == rhs.to && lhs.replyTo == rhs.replyTo
            && lhs.subject == rhs.subject && lhs.date == rhs.date && lhs.messageID == rhs.messageID
            && lhs.textBody == rhs.textBody && lhs.htmlBody == rhs.htmlBody
            && lhs.extraHeaders.count == rhs.extraHeaders.count
            && zip(lhs.extraHeaders, rhs.extraHeaders).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// Tells whether a message ID (without angle brackets) is `dot-atom@dot-atom` as RFC 5322 wants.
    /// - Parameter messageID: The candidate, e.g. `received.A000042.3f2a@intake.example`.
    /// - Returns: `true` when the writer emits it unchanged; otherwise it keeps only the safe characters.
    public static func isValidMessageID(_ messageID: String) -> Bool {
        let bytes = Array(messageID.utf8)
        guard let at = bytes.firstIndex(of: UInt8(ascii: "@")) else { return false }
        let parts = [bytes[..<at], bytes[(at + 1)...]]
        return parts.allSatisfy { part in
            let labels = part.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            return labels.allSatisfy { !$0.isEmpty && $0.allSatisfy(HeaderEncoder.isAtext) }
        }
    }
}
