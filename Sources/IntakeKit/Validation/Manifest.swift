/// The two manifest formats a bundle may carry.
public enum ManifestFormat: String, Sendable, Codable, CaseIterable {
    case json
    case xml

    /// The manifest's file name inside a bundle.
    public var fileName: String {
        switch self {
        case .json: "application.json"
        case .xml: "application.xml"
        }
    }

    /// The format whose manifest file is named `fileName` (exactly, case-sensitive), if any.
    public init?(fileName: String) {
        guard let format = Self.allCases.first(where: { $0.fileName == fileName }) else { return nil }
        self = format
    }
}

/// The person applying, as the manifest states them.
public struct Applicant: Sendable, Equatable, Codable {
    /// The display name, trimmed; never empty, never holding a line break or control character.
    public var name: String
    /// A plausible address, trimmed, case kept as written.
    public var email: String
    /// The phone number as written (trimmed), or nil when the manifest has none or an empty one.
    public var phone: String?
    /// A BCP 47 tag such as "ko" or "en-US" as written, or "" when the manifest has none:
    /// the caller then applies the site's default locale.
    public var locale: String

    public init(name: String, email: String, phone: String? = nil, locale: String) {
        self.name = name
        self.email = email
        self.phone = phone
        self.locale = locale
    }
}

/// One file the manifest lists; every value is kept exactly as written (names are not normalised).
public struct AttachmentEntry: Sendable, Equatable, Codable {
    public var file: String
    public var kind: String
    public var contentType: String

    public init(file: String, kind: String, contentType: String) {
        self.file = file
        self.kind = kind
        self.contentType = contentType
    }

    private enum CodingKeys: String, CodingKey {
        case file
        case kind
        case contentType = "content_type"
    }
}

/// A validated manifest; both formats yield the same value for the same content.
public struct Manifest: Sendable, Equatable {
    /// Always "community-application/1".
    public var schema: String
    /// A slug: lowercase a-z, 0-9 and '-', 1 to 64 characters.
    public var community: String
    public var applicant: Applicant
    /// Answers by key; values are trimmed of outer whitespace and keep inner line breaks.
    public var answers: [String: String]
    /// At least one entry, in manifest order, with distinct file names.
    public var attachments: [AttachmentEntry]
    /// The timestamp exactly as written, validated as RFC 3339 with a time-zone offset ("Z" counts).
    public var submittedAt: String
    public var format: ManifestFormat

    public init(
        schema: String, community: String, applicant: Applicant, answers: [String: String],
        attachments: [AttachmentEntry], submittedAt: String, format: ManifestFormat
    ) {
        self.schema = schema
        self.community = community
        self.applicant = applicant
        self.answers = answers
        self.attachments = attachments
        self.submittedAt = submittedAt
        self.format = format
    }
}

/// One thing wrong with a manifest, worded for the admin who reads the rejection.
public struct ManifestProblem: Sendable, Equatable, CustomStringConvertible {
    /// One English sentence naming the field, e.g. `applicant.email "x@" is not a plausible e-mail address`.
    /// Values quoted in it are escaped and shortened, so it is always a single line.
    public var detail: String
    /// The 1-based line where the problem is, when known.
    public var line: Int?
    /// The 1-based column (in characters) where the problem is, when known.
    public var column: Int?

    public init(detail: String, line: Int? = nil, column: Int? = nil) {
        self.detail = detail
        self.line = line
        self.column = column
    }

    public var description: String {
        switch (line, column) {
        case (let line?, let column?): "line \(line), column \(column): \(detail)"
        case (let line?, nil): "line \(line): \(detail)"
        default: detail
        }
    }
}

/// Every problem found in a manifest that was not accepted.
public struct ManifestErrors: Error, Sendable, Equatable, CustomStringConvertible {
    /// Never empty.
    public var problems: [ManifestProblem]

    public init(problems: [ManifestProblem]) {
        self.problems = problems
    }

    public var description: String {
        problems.map(\.description).joined(separator: "; ")
    }
}

/// Bounds that keep a hostile manifest from costing more than a normal one.
public struct ManifestLimits: Sendable {
    /// The largest manifest read at all (DESIGN.md: 1 MiB).
    public var maxBytes = 1 << 20
    /// The deepest nesting of JSON objects and arrays, or XML elements, accepted (the top level is 1).
    /// Values above 256 act as 256: libxml2 stops there, and parsed values are released recursively.
    public var maxDepth = 16
    public var maxAttachments = 10
    public var maxAnswers = 50
    /// The longest string accepted in any field, in Unicode scalars.
    public var maxFieldLength = 20_000
    /// The most problems listed for one manifest; beyond it a last problem says how many more there were,
    /// so a hostile manifest cannot turn into megabytes of rejection reasons.
    public var maxProblems = 100

    public init() {}
}
