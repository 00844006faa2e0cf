import Foundation

/// The message kinds intake renders.
public enum MessageKind: String, Sendable, Codable, CaseIterable {
    case received, rejected, approved, declined, digest
}

/// What one attachment kind may be: its allowed types and its own size limit.
public struct KindPolicy: Sendable, Equatable {
    public var allowedTypes: [FileType]
    public var maxBytes: Int
    public init(allowedTypes: [FileType], maxBytes: Int) {
        self.allowedTypes = allowedTypes
        self.maxBytes = maxBytes
    }
}

/// A site's settings: built-in defaults, overridden by `intake.toml`.
public struct SiteConfig: Sendable, Equatable {
    /// The site's name as mail shows it: every message of a site of one community, and the
    /// site-wide digest (and messages about a community it does not know) of a site of several.
    public var siteName = "intake"
    /// The one community a site without `[communities]` serves (`[site] community`): a manifest
    /// naming another is rejected. nil: any community is taken under `siteName`.
    public var siteCommunity: String?
    /// The communities a site serves, in file order (`[communities.<id>]`); empty: one community.
    public var communities: [Community] = []
    /// Locale for applicants without one and for the admin's mail.
    public var defaultLocale = "ko"
    /// Locales with templates; an applicant's locale outside this list gets `defaultLocale`.
    public var locales = ["ko", "en"]
    /// Where the admin digest goes (nil: no digest).
    public var adminEmail: String?
    /// The time zone every message gives times in, whatever its language (an IANA name).
    public var timeZone = "Asia/Seoul"
    /// Seconds a bundle must stay unchanged before a run takes it.
    public var settleSeconds = 60
    /// Sender of every message.
    public var mailFrom = "intake@localhost"
    public var mailFromName: String?
    public var replyTo: String?
    /// Right-hand side of generated Message-IDs.
    public var messageIDDomain: String?
    /// Kinds of mail switched on.
    public var enabledMessages: Set<MessageKind> = Set(MessageKind.allCases)
    /// Whether XML manifests are read (JSON always is).
    public var xmlManifests = true
    public var maxAttachmentBytes = 25 << 20
    public var maxBundleBytes = 100 << 20
    public var maxAttachments = 10
    public var maxManifestBytes = 1 << 20
    /// Minimum free space on the data volume before a run claims anything.
    public var minFreeBytes: Int64 = 256 << 20
    /// Bundles validated at once (reading and hashing); 0 means one per core.
    public var workers = 0
    public var kinds: [String: KindPolicy] = [
        "photo": KindPolicy(allowedTypes: [.jpeg, .png, .webp, .heic, .heif], maxBytes: 25 << 20),
        "form": KindPolicy(allowedTypes: [.pdf], maxBytes: 25 << 20),
        "document": KindPolicy(allowedTypes: [.pdf, .jpeg, .png], maxBytes: 25 << 20),
    ]

    public init() {}

    public var effectiveWorkers: Int {
        workers > 0 ? workers : max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    public var effectiveMessageIDDomain: String {
        if let messageIDDomain { return messageIDDomain }
        if let at = mailFrom.lastIndex(of: "@") { return String(mailFrom[mailFrom.index(after: at)...]) }
        return "intake.invalid"
    }

    public func isEnabled(_ kind: MessageKind) -> Bool { enabledMessages.contains(kind) }

    /// The feature flags by their `[features]` names, for reports.
    public var featureFlags: [String: Bool] {
        var flags: [String: Bool] = ["xml_manifests": xmlManifests, "admin_digest": isEnabled(.digest)]
        for kind in MessageKind.allCases where kind != .digest { flags["mail_\(kind.rawValue)"] = isEnabled(kind) }
        return flags
    }

    /// The locale an applicant's messages are written in.
    public func locale(for requested: String) -> String {
        let lower = requested.lowercased()
        if locales.contains(lower) { return lower }
        let language = String(lower.prefix { $0 != "-" && $0 != "_" })
        return locales.contains(language) ? language : defaultLocale
    }

    /// The config `intake init` writes: every setting, commented with its default.
    public static let sampleTOML = """
    # intake site configuration. Every key is optional; the values shown are the defaults.
    # `intake doctor` checks this file; unknown keys are errors.

    [site]
    name = "intake"                 # the community's name, as mail shows it (with [communities]: the site's own)
    # community = "seoul-hiking"    # without [communities]: the one community manifests may name
    default_locale = "ko"           # for applicants without a locale, and for the admin digest
    locales = ["ko", "en"]          # locales with templates under templates/<locale>/
    timezone = "Asia/Seoul"         # times in every message, whatever its language
    # admin_email = "admin@example.kr"   # receives the digest after each run
    settle_seconds = 60             # a bundle is taken once unchanged this long
    workers = 0                     # bundles validated at once; 0 = one per core
    min_free_mb = 256               # a run refuses to start with less free space under data/

    [mail]
    from = "intake@localhost"
    # from_name = "서울 산악회"
    # reply_to = "help@example.kr"
    # message_id_domain = "example.kr"

    [features]                      # switch each kind of mail and each optional format
    mail_received = true
    mail_rejected = true
    mail_approved = true
    mail_declined = true
    admin_digest = true
    xml_manifests = true

    [limits]
    max_attachment_mb = 25
    max_bundle_mb = 100
    max_attachments = 10
    max_manifest_kb = 1024

    # Attachment kinds: which types each may be (MIME names) and its own size limit.
    # Types with a structure check: image/jpeg, image/png, image/gif, image/webp, image/heic,
    # image/heif, image/avif, application/pdf.
    [kinds.photo]
    types = ["image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"]
    max_mb = 25

    [kinds.form]
    types = ["application/pdf"]
    max_mb = 25

    [kinds.document]
    types = ["application/pdf", "image/jpeg", "image/png"]
    max_mb = 25

    # Communities: one site serving several. Without any, the site is one community named by
    # [site] name. With them, a manifest's "community" must be one of these ids (lowercase
    # letters, digits, '-'), or the bundle is rejected and its applicant told so; each
    # applicant's mail carries their community's name, and [site] admin_email still gets the
    # site-wide digest. Every key is optional but name.
    # Templates may be overridden per community: templates/<id>/<locale>/<kind>.*.mustache
    # (a kind is taken whole from there when its subject or text is there, else from
    # templates/<locale>/).
    #
    # [communities.seoul-hiking]
    # name = "서울 산악회"                        # in every locale without a name_<locale>
    # admin_email = "admin@seoul-hiking.example"  # gets a digest of this community's applications
    #
    # [communities.jeju-photo-club]
    # name = "제주 사진 동호회"
    # name_en = "Jeju Photo Club"                 # name_<locale>: where the name differs
    # admin_email = "photo-admin@jeju.example"
    # from_name = "제주 사진 동호회 가입 안내"      # From display name (default: the name); from_name_<locale> too
    # reply_to = "photo@jeju.example"             # default: [mail] reply_to

    """
}
