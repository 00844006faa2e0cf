import Crypto
import Foundation

/// A message some event is owed: who gets it, which template, with what values.
struct OwedMessage {
    var key: String
    var kind: MessageKind
    var file: String
    var messageID: String
    var locale: String
    var to: MailAddress
    var context: [String: Any]
    var record: EmailRecord
    /// Whose name it carries: its community's, or the site's.
    var identity: MailIdentity
}

/// A group of owed messages whose bytes are being rendered on other threads (both cores, while
/// the run's own thread waits for the disk). `wait()` returns them in the group's order.
///
/// `@unchecked Sendable`: the messages (their template contexts are `[String: Any]` of strings,
/// numbers and arrays of those) are only read once handed over, and the results are written
/// under `lock`, each slot once, then read only after `done` has been waited for.
public final class PreparedMessages: @unchecked Sendable {
    let messages: [OwedMessage]
    let now: Date
    private let mailer: Mailer
    private var results: [[UInt8]?]
    private let lock = NSLock()
    private let done = DispatchGroup()

    init(_ messages: [OwedMessage], now: Date, rendering mailer: Mailer) {
        self.messages = messages
        self.now = now
        self.mailer = mailer
        results = Array(repeating: nil, count: messages.count)
        guard !messages.isEmpty else { return }
        done.enter()
        DispatchQueue.global().async { [self] in
            DispatchQueue.concurrentPerform(iterations: self.messages.count) { k in
                let bytes = self.mailer.render(self.messages[k], now: self.now)
                lock.lock()
                results[k] = bytes
                lock.unlock()
            }
            done.leave()
        }
    }

    /// The rendered messages (nil where a kind has no template), once all are done.
    func wait() -> [[UInt8]?] {
        done.wait()
        lock.lock()
        defer { lock.unlock() }
        return results
    }

    deinit { done.wait() }
}

/// Renders and spools every message owed to applicants (and the admin's digest).
///
/// A message is owed for each accepted application ("received"), each rejected bundle with a
/// usable address ("rejected") and each decision ("approved"/"declined"), when its kind is
/// switched on and `emails.jsonl` has no line for that event yet. The spool file is written
/// before the line is appended; a file found already in the spool (the run was killed in
/// between) is recorded without being written again, so each event yields exactly one message.
public struct Mailer {
    public let site: Site
    public let config: SiteConfig
    public let templates: TemplateSet
    let spool: Spool

    public init(site: Site, config: SiteConfig, templates: TemplateSet) {
        self.site = site
        self.config = config
        self.templates = templates
        self.spool = Spool(site: site)
    }

    /// Every message the stores say is owed now, in event order.
    ///
    /// Owed are the events without their message recorded after the last run that had their
    /// kind switched off (each run's line says which kinds it had): switching a kind on later
    /// never writes to the applicants of the past. A run that died with the kind on is no such
    /// run, so what it did not send is still owed to the next one. The index lists the owed
    /// events, so this costs what is owed, not what the site has ever taken in.
    func owed(_ stores: SiteStores) throws(IntakeError) -> [OwedMessage] {
        var owed: [OwedMessage] = []
        let kinds = MessageKind.allCases.filter { $0 != .digest && config.isEnabled($0) }
        for event in try stores.owedEvents(kinds: kinds) {
            switch event.order {
            case 0:
                guard let app = try stores.application(seq: event.seq) else { continue }
                owed.append(message(.received, about: app, decision: nil))
            case 1:
                guard let rejection = try stores.rejection(seq: event.seq), let m = message(about: rejection) else { continue }
                owed.append(m)
            default:
                // A decision corrected before its message went out is not announced (the index
                // keeps only the latest decision of each application owed).
                guard let decision = try stores.decision(seq: event.seq), let app = try stores.application(decision.id) else { continue }
                owed.append(message(event.kind, about: app, decision: decision))
            }
        }
        return owed
    }

    /// How many messages a run would spool now (for `--dry-run`).
    public func countOwed(_ stores: SiteStores) throws(IntakeError) -> Int { try owed(stores).count }

    /// Renders and spools every owed message; one that cannot be rendered is skipped and said.
    ///
    /// Messages go out in groups: each file is written and renamed into `new/`, then the files
    /// and `new/` are flushed together, and only then are the group's `emails.jsonl` lines
    /// appended and flushed.
    /// A line therefore never names a message that a power cut could lose.
    /// - Returns: the `emails.jsonl` lines appended and the problems met.
    public func sendOwed(_ stores: SiteStores, now: Date = Date()) throws(IntakeError) -> (sent: [EmailRecord], problems: [String]) {
        var sent: [EmailRecord] = []
        var problems: [String] = []
        var known = SpoolNames(spool: spool)
        // A digest spooled by a run killed before its line was appended: record it now, so
        // that `intake deliver` sends it and `intake verify` knows it. It waits in new/. `digest.<run>` is the
        // site's, `digest.<run>.<community>` a community's (neither holds another dot).
        for file in try spool.waitingNames().sorted() where file.hasPrefix("digest.") {
            let parts = file.dropFirst("digest.".count).split(separator: ".", maxSplits: 1).map(String.init)
            guard let run = parts.first else { continue }
            let community = parts.count > 1 ? parts[1] : nil
            let admin = community.map { config.community($0)?.adminEmail } ?? config.adminEmail
            guard let admin, try !stores.hasEmail(SiteStores.digestKey(run: run, community: community)) else { continue }
            var record = EmailRecord(id: nil, rejection: nil, decision: nil, run: run, kind: .digest,
                                     messageID: "\(file)@\(config.effectiveMessageIDDomain)", to: admin,
                                     file: file, locale: config.defaultLocale)
            record.community = community
            sent.append(try stores.append(record))
        }
        let owed = try owed(stores)
        var start = 0
        while start < owed.count {
            let group = owed[start..<min(start + 64, owed.count)]
            sent += try spoolGroup(PreparedMessages(Array(group), now: now, rendering: self), stores: stores,
                                   known: &known, problems: &problems)
            start += group.count
        }
        return (sent, problems)
    }

    /// The messages owed for bundles this run has just recorded (kinds switched on, none sent
    /// yet), with their rendering started on other threads: call it before flushing the group's
    /// lines, so that templates and MIME are rendered while the disk works, then hand the result
    /// to `spoolPrepared` once the lines are durable. Rendering writes nothing.
    public func prepareRecorded(_ recorded: [BundleRecordRef], stores: SiteStores, now: Date = Date()) throws(IntakeError) -> PreparedMessages {
        var owed: [OwedMessage] = []
        for record in recorded {
            switch record {
            case .accepted(let app):
                if config.isEnabled(.received), try !stores.hasEmail("received:\(app.id)") {
                    owed.append(message(.received, about: app, decision: nil))
                }
            case .rejected(let rejection):
                if config.isEnabled(.rejected), try !stores.hasEmail("rejected:\(rejection.id)"), let m = message(about: rejection) {
                    owed.append(m)
                }
            }
        }
        return PreparedMessages(owed, now: now, rendering: self)
    }

    /// Writes the prepared messages (see `prepareRecorded`), flushes them, then appends and
    /// flushes their `emails.jsonl` lines. Call it only once the lines they are about are durable.
    public func spoolPrepared(_ prepared: PreparedMessages, stores: SiteStores, known: inout SpoolNames,
                              problems: inout [String]) throws(IntakeError) -> [EmailRecord] {
        try spoolGroup(prepared, stores: stores, known: &known, problems: &problems)
    }

    /// Writes a group of messages, flushes the files and `new/` together, then appends and
    /// flushes their `emails.jsonl` lines.
    private func spoolGroup(_ group: PreparedMessages, stores: SiteStores, known: inout SpoolNames,
                            problems: inout [String]) throws(IntakeError) -> [EmailRecord] {
        guard !group.messages.isEmpty else { return [] }
        let rendered = group.wait()
        var spooled: [EmailRecord] = []
        var written: [String] = []
        for (message, bytes) in zip(group.messages, rendered) {
            switch try spoolMessage(message, rendered: bytes, known: &known, problems: &problems) {
            case .written: written.append(message.file); spooled.append(message.record)
            case .alreadyThere:
                // Left by a killed run, perhaps never flushed: flush it with the group.
                if FileSystem.exists(FileSystem.join(site.outboxNew, message.file)) { written.append(message.file) }
                spooled.append(message.record)
            case .notRendered: break
            }
        }
        try spool.syncNew(written)
        var sent: [EmailRecord] = []
        for record in spooled { sent.append(try stores.append(record, sync: false)) }
        try stores.emails.sync()
        return sent
    }

    /// Where a digest goes: the site's admin, or its community's; nil when it has none.
    func digestRecipient(community: String?) -> String? {
        guard let community else { return config.adminEmail }
        return config.community(community)?.adminEmail
    }

    /// Spools an admin digest for a run, once: the site-wide one (`summary.community` nil,
    /// to `[site] admin_email`), or a community's (to its `admin_email`).
    public func sendDigest(_ summary: DigestSummary, stores: SiteStores, now: Date = Date()) throws(IntakeError) -> EmailRecord? {
        let key = SiteStores.digestKey(run: summary.run, community: summary.community)
        guard config.isEnabled(.digest), let admin = digestRecipient(community: summary.community), try !stores.hasEmail(key) else { return nil }
        let locale = config.defaultLocale
        let file = summary.community.map { "digest.\(summary.run).\($0)" } ?? "digest.\(summary.run)"
        var record = EmailRecord(id: nil, rejection: nil, decision: nil, run: summary.run, kind: .digest,
                                 messageID: "\(file)@\(config.effectiveMessageIDDomain)", to: admin, file: file, locale: locale)
        record.deliveriesThrough = summary.community == nil ? summary.deliveriesThrough : nil
        record.community = summary.community
        let identity = config.identity(community: summary.community, locale: locale)
        let message = OwedMessage(key: key, kind: .digest, file: file, messageID: record.messageID, locale: locale,
                                  to: MailAddress(displayName: nil, address: admin), context: summary.context(identity: identity, locale: locale, labelCommunities: config.hasCommunities),
                                  record: record, identity: identity)
        var problems: [String] = []
        var known = SpoolNames(spool: spool)
        switch try spoolMessage(message, rendered: render(message, now: now), known: &known, problems: &problems) {
        case .notRendered: return nil
        case .written: try spool.syncNew([file])
        case .alreadyThere: break
        }
        return try stores.append(record)
    }

    private enum SpoolResult { case written, alreadyThere, notRendered }

    /// Writes one message into the spool (not yet flushed) unless it is there already: a run
    /// killed after writing it but before its line was appended.
    /// - Parameter rendered: the message's bytes (nil: no template for it), asked for only when
    ///   the message is not there already.
    private func spoolMessage(_ message: OwedMessage, rendered: @autoclosure () -> [UInt8]?, known: inout SpoolNames,
                              problems: inout [String]) throws(IntakeError) -> SpoolResult {
        if known.contains(message.file) { return .alreadyThere }
        guard let bytes = rendered() else {
            problems.append("no \(message.kind.rawValue) template for locale \(message.locale); message \(message.file) not sent")
            return .notRendered
        }
        try spool.put(bytes, as: message.file, durable: false, known: known)
        known.insert(message.file)
        return .written
    }

    /// The complete message, or nil when there is no template for its kind and locale. Pure:
    /// safe on any thread.
    func render(_ message: OwedMessage, now: Date) -> [UInt8]? {
        guard let rendered = templates.render(message.kind, locale: message.locale, community: message.identity.community, context: message.context) else {
            return nil
        }
        let from = MailAddress(displayName: message.identity.fromName, address: config.mailFrom)
        let mail = MailMessage(
            from: from, to: [message.to],
            replyTo: message.identity.replyTo.map { MailAddress(displayName: nil, address: $0) },
            subject: rendered.subject, date: now, messageID: message.messageID,
            textBody: rendered.text, htmlBody: rendered.html,
            extraHeaders: [(name: "X-Intake-Kind", value: message.kind.rawValue)])
        return MIMEWriter.render(mail)
    }

    // MARK: Composition

    private func message(_ kind: MessageKind, about app: ApplicationRecord, decision: DecisionRecord?) -> OwedMessage {
        let locale = config.locale(for: app.applicant.locale)
        var file = "\(app.id).\(kind.rawValue)"
        var idPart = "\(kind.rawValue).\(app.id)"
        if let decision {
            file += ".d\(decision.seq)"
            idPart += ".d\(decision.seq)"
        }
        let messageID = "\(idPart).\(app.digest.prefix(10))@\(config.effectiveMessageIDDomain)"
        let identity = config.identity(community: app.community, locale: locale)
        var context = commonContext(name: app.applicant.name, email: app.applicant.email, locale: locale, identity: identity)
        context["application_id"] = app.id
        context["community"] = app.community
        context["received_at"] = MailDates.text(Timestamp.parse(app.at) ?? Date(), locale: locale, timeZone: config.timeZone)
        context["attachments"] = app.attachments.map { ["file": $0.file, "kind": $0.kind, "type": $0.detectedType, "size": ByteCount.text($0.size)] }
        if let decision {
            context["decided_by"] = decision.by
            context["note"] = decision.note ?? ""
            context["reason"] = decision.reason ?? ""
        }
        let record = EmailRecord(id: app.id, rejection: nil, decision: decision?.seq, run: nil, kind: kind,
                                 messageID: messageID, to: app.applicant.email, file: file, locale: locale)
        return OwedMessage(key: file, kind: kind, file: file, messageID: messageID, locale: locale,
                           to: MailAddress(displayName: HeaderEncoder.sanitized(app.applicant.name), address: app.applicant.email),
                           context: context, record: record, identity: identity)
    }

    private func message(about rejection: RejectionRecord) -> OwedMessage? {
        guard let applicant = rejection.applicant, EmailAddress.isPlausible(applicant.email) else { return nil }
        let locale = config.locale(for: applicant.locale)
        let file = "\(rejection.id).rejected"
        let token = rejection.digest ?? SHA256.hash(data: Array("\(rejection.run)/\(rejection.bundle)".utf8)).hexString
        let messageID = "rejected.\(rejection.id).\(token.prefix(10))@\(config.effectiveMessageIDDomain)"
        // A community the site does not know (or none could be read) is told by the site itself.
        let identity = config.identity(community: rejection.community, locale: locale)
        var context = commonContext(name: applicant.name, email: applicant.email, locale: locale, identity: identity)
        context["rejection_id"] = rejection.id
        if let community = rejection.community { context["community"] = community }
        // One line per distinct (file, code): the applicant needs to know what to fix, not every byte offset.
        var seen = Set<String>()
        var reasons: [[String: Any]] = []
        for reason in rejection.reasons {
            let key = "\(reason.file ?? "")\u{0}\(reason.code.rawValue)\u{0}\(reason.hint?.rawValue ?? "")"
            if !seen.insert(key).inserted { continue }
            reasons.append(["file": reason.file ?? "", "code": reason.code.rawValue,
                            "text": ReasonText.text(for: reason, locale: locale), "detail": reason.detail])
        }
        context["reasons"] = reasons
        let record = EmailRecord(id: nil, rejection: rejection.id, decision: nil, run: nil, kind: .rejected,
                                 messageID: messageID, to: applicant.email, file: file, locale: locale)
        let name = HeaderEncoder.sanitized(applicant.name)
        return OwedMessage(key: file, kind: .rejected, file: file, messageID: messageID, locale: locale,
                           to: MailAddress(displayName: name.isEmpty ? nil : name, address: applicant.email),
                           context: context, record: record, identity: identity)
    }

    /// What every message's template gets: `site_name` and `community_name` are both the name
    /// of the community the message is about (the site's where it has none of its own), so
    /// templates written before communities existed name the right one.
    private func commonContext(name: String, email: String, locale: String, identity: MailIdentity) -> [String: Any] {
        ["site_name": identity.name, "community_name": identity.name, "applicant_name": HeaderEncoder.sanitized(name),
         "applicant_email": email, "locale": locale]
    }
}

/// What the admin digest lists: counts, and at most ``DigestSummary/listLimit`` of the newest
/// items of each list.
public struct DigestSummary: Sendable {
    public struct Pending: Sendable {
        public var id, name, email, received: String
        /// Its community, which the site-wide digest of a site of several names.
        public var community = ""
    }
    public struct Rejected: Sendable {
        public var id, bundle, reasons: String
        /// The community its manifest names, when it could be read.
        public var community: String? = nil
    }
    public struct Failed: Sendable { public var file, detail: String }
    public struct Stuck: Sendable { public var file: String, attempts: Int, since: String, detail: String }
    /// The most items of one list a digest shows; the rest are counted.
    public static let listLimit = 50
    public var run: String
    /// The community this digest is about (to its admin); nil for the site-wide digest.
    public var community: String?
    public var accepted: Int
    public var pending: [Pending]
    public var rejected: [Rejected]
    public var failed: [Failed]
    /// Messages the relay has deferred again and again: still not sent.
    public var stuck: [Stuck] = []
    /// Made up by a later run for a run that stopped before spooling its own.
    public var madeUp = false
    /// The `deliveries.jsonl` seq this digest reports failures through (nil: it reports none).
    public var deliveriesThrough: Int?
    /// The whole counts (the lists hold at most `listLimit` each).
    public var pendingCount: Int
    public var rejectedCount: Int
    public var failedCount: Int

    public init(run: String, accepted: Int, pending: [Pending], rejected: [Rejected], failed: [Failed],
                pendingCount: Int? = nil, rejectedCount: Int? = nil, failedCount: Int? = nil) {
        self.run = run
        self.accepted = accepted
        self.pending = Array(pending.prefix(Self.listLimit))
        self.rejected = Array(rejected.prefix(Self.listLimit))
        self.failed = Array(failed.prefix(Self.listLimit))
        self.pendingCount = pendingCount ?? pending.count
        self.rejectedCount = rejectedCount ?? rejected.count
        self.failedCount = failedCount ?? failed.count
    }

    /// Whether the digest says anything. Applications accepted in this run count too: a real
    /// run has them pending by then, and a dry run (which records nothing) must say the same.
    public var isWorthSending: Bool { madeUp || accepted > 0 || pendingCount > 0 || rejectedCount > 0 || failedCount > 0 || !stuck.isEmpty }

    /// "and N more: `intake list --status pending`" where a list was cut, else empty.
    static func more(_ total: Int, shown: Int, command: String, locale: String) -> String {
        guard total > shown else { return "" }
        return locale == "ko" ? "외 \(total - shown)건: `\(command)`" : "and \(total - shown) more: `\(command)`"
    }

    /// The values of a digest signed with a plain name (a site of one community).
    func context(siteName: String, locale: String) -> [String: Any] {
        context(identity: MailIdentity(community: nil, name: siteName, fromName: siteName, replyTo: nil), locale: locale)
    }

    /// - Parameter labelCommunities: name each item's community (the site-wide digest of a
    ///   site of several communities), as `community_label`.
    func context(identity: MailIdentity, locale: String, labelCommunities: Bool = false) -> [String: Any] {
        let label = labelCommunities && community == nil
        var context: [String: Any] = [
            "site_name": identity.name, "community_name": identity.name, "run": run, "accepted_count": accepted,
            "pending_count": pendingCount, "rejected_count": rejectedCount, "failed_count": failedCount,
            "pending": pending.map { item -> [String: Any] in
                var row: [String: Any] = ["id": item.id, "name": HeaderEncoder.sanitized(item.name), "email": item.email, "received": item.received]
                if label, !item.community.isEmpty { row["community_label"] = item.community }
                return row
            },
            "rejected": rejected.map { item -> [String: Any] in
                var row: [String: Any] = ["id": item.id, "bundle": item.bundle, "reasons": item.reasons]
                if label, let c = item.community { row["community_label"] = c }
                return row
            },
            "failed": failed.map { ["file": $0.file, "detail": $0.detail] },
            "stuck_count": stuck.count, "has_stuck": !stuck.isEmpty, "made_up": madeUp,
            "stuck": stuck.map { ["file": $0.file, "attempts": $0.attempts, "since": $0.since, "detail": $0.detail] },
        ]
        // Present only where a list was cut, so the templates' sections stay silent otherwise.
        if let community { context["community"] = community }
        // The site-wide digest is the one that reports deliveries; a community's does not.
        context["site_wide"] = community == nil
        let filter = community.map { " --community \($0)" } ?? ""
        let more = [
            ("pending_more", Self.more(pendingCount, shown: pending.count, command: "intake list --status pending\(filter)", locale: locale)),
            ("rejected_more", Self.more(rejectedCount, shown: rejected.count, command: "ls data/quarantine/\(run)", locale: locale)),
            ("failed_more", Self.more(failedCount, shown: failed.count, command: "ls data/outbox/failed", locale: locale)),
        ]
        for (key, text) in more where !text.isEmpty { context[key] = text }
        return context
    }
}

/// Dates as applicants read them: in the site's time zone whatever the language, with the
/// zone named (KST, or the zone's abbreviation or offset).
enum MailDates {
    /// One formatter per locale and zone: making a DateFormatter costs more than rendering a message.
    private nonisolated(unsafe) static var formatters: [String: DateFormatter] = [:]
    private static let lock = NSLock()

    static func text(_ date: Date, locale: String, timeZone: String = "Asia/Seoul") -> String {
        let language = locale == "ko" ? "ko" : "en"
        let key = language + "|" + timeZone
        lock.lock()
        defer { lock.unlock() }
        if let formatter = formatters[key] { return formatter.string(from: date) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        let zone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "Asia/Seoul")!
        formatter.timeZone = zone
        // Abbreviations other than these few are ambiguous or absent: an offset is not.
        let zoneText: String
        switch zone.identifier {
        case "Asia/Seoul": zoneText = "'KST'"
        case "UTC", "Etc/UTC", "GMT": zoneText = "'UTC'"
        default: zoneText = "'UTC'xxx"
        }
        if language == "ko" {
            formatter.dateFormat = "yyyy년 M월 d일 HH:mm (\(zoneText))"
        } else {
            formatter.dateFormat = "d MMMM yyyy, HH:mm \(zoneText)"
        }
        formatters[key] = formatter
        return formatter.string(from: date)
    }
}
