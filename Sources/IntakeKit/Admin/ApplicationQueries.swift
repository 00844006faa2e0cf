import Foundation

/// One line of `intake list`.
public struct ApplicationSummary: Codable, Sendable, Equatable {
    public var id: String
    public var status: ApplicationStatus
    public var name: String
    public var email: String
    public var phone: String?
    public var community: String
    public var submittedAt: String
    public var receivedAt: String
    public var attachments: Int

    enum CodingKeys: String, CodingKey {
        case id, status, name, email, phone, community, attachments
        case submittedAt = "submitted_at"
        case receivedAt = "received_at"
    }
}

/// One event in an application's history, oldest first.
public struct HistoryEvent: Codable, Sendable, Equatable {
    public var at: String
    public var event: String
    public var by: String?
    public var detail: String?
}

/// Everything `intake show` tells about one application.
public struct ApplicationDetail: Codable, Sendable {
    public var application: ApplicationRecord
    public var status: ApplicationStatus
    public var history: [HistoryEvent]
}

/// Read-only views over a site's stores for admins.
public enum ApplicationQueries {
    /// Applications newest first, optionally of one status and one community.
    public static func list(_ stores: SiteStores, status: ApplicationStatus? = nil, community: String? = nil,
                            limit: Int? = nil) throws(IntakeError) -> [ApplicationSummary] {
        var rows: [ApplicationSummary] = []
        try stores.eachSummary(status: status, community: community, limit: limit) { rows.append($0) }
        return rows
    }

    /// Applications newest first, handed over one at a time as the index yields them (memory
    /// stays flat however many there are).
    /// - Parameter community: only this community's (checked with ``checkCommunity(_:stores:config:)``).
    public static func each(site: Site, config: SiteConfig = SiteConfig(), status: ApplicationStatus? = nil, community: String? = nil,
                            limit: Int? = nil, _ body: (ApplicationSummary) -> Void) throws(IntakeError) {
        let stores = try SiteStores(site: site, writable: false)
        if let community { try checkCommunity(community, stores: stores, config: config) }
        try stores.eachSummary(status: status, community: community, limit: limit, body)
    }

    /// Checks a `--community` filter: a community the config names, or one that applications
    /// name (one removed from the config keeps its history).
    /// - Throws: ``IntakeError/invalidRequest(_:)`` naming the communities there are.
    public static func checkCommunity(_ id: String, stores: SiteStores, config: SiteConfig) throws(IntakeError) {
        if config.knownCommunityIDs?.contains(id) == true { return }
        if try stores.hasApplications(community: id) { return }
        var known = config.knownCommunityIDs ?? []
        for other in try stores.communitiesWithApplications() where !known.contains(other) { known.append(other) }
        let list = known.isEmpty ? "none yet" : known.map { ManifestText.quoted($0) }.joined(separator: ", ")
        throw .invalidRequest("--community \(ManifestText.quoted(id)) is not a community of this site, and no application names it (communities: \(list))")
    }

    /// Checks that an application belongs to the community an admin named.
    /// - Throws: ``IntakeError/invalidRequest(_:)`` when it belongs to another.
    public static func checkBelongs(_ app: ApplicationRecord, to community: String?) throws(IntakeError) {
        guard let community, app.community != community else { return }
        throw .invalidRequest("\(app.id) is an application to \(app.community), not to \(community) (--community)")
    }

    /// One application with its history, read from the site.
    /// - Parameter community: when given, the application must be one of that community's.
    public static func detail(site: Site, id text: String, community: String? = nil) throws(IntakeError) -> ApplicationDetail {
        let detail = try detail(try SiteStores(site: site, writable: false), id: text)
        try checkBelongs(detail.application, to: community)
        return detail
    }

    public static func summary(_ app: ApplicationRecord, status: ApplicationStatus) -> ApplicationSummary {
        ApplicationSummary(id: app.id, status: status, name: app.applicant.name, email: app.applicant.email,
                           phone: app.applicant.phone, community: app.community, submittedAt: app.submittedAt,
                           receivedAt: app.at, attachments: app.attachments.count)
    }

    /// One application with its history: received, decisions, messages spooled and delivered.
    /// - Throws: ``IntakeError/unknownApplication(_:)``.
    public static func detail(_ stores: SiteStores, id text: String) throws(IntakeError) -> ApplicationDetail {
        guard let id = try stores.resolveApplicationID(text), let app = try stores.application(id) else {
            let upper = text.trimmingCharacters(in: .whitespaces).uppercased()
            if let rejection = try stores.rejection(upper) {
                throw .invalidRequest("\(rejection.id) is a rejected bundle, not an application: its reasons are in data/\(rejection.quarantine).reasons.txt and the bundle in data/\(rejection.quarantine)/")
            }
            throw .unknownApplication(text)
        }
        var history = [HistoryEvent(at: app.at, event: "received", by: nil, detail: "bundle \(app.bundle), run \(app.run)")]
        for decision in try stores.decisions(for: id) {
            history.append(HistoryEvent(at: decision.at, event: decision.decision.rawValue, by: decision.by,
                                        detail: decision.note ?? decision.reason))
        }
        let messages = try stores.emailsFor(application: id)
        let files = Set(messages.map(\.file))
        for message in messages {
            history.append(HistoryEvent(at: message.at, event: "\(message.kind.rawValue) message spooled", by: nil,
                                        detail: "to \(message.to), \(message.file)"))
        }
        for delivery in try stores.deliveries(ofFiles: Array(files)) {
            history.append(HistoryEvent(at: delivery.at, event: "message \(delivery.outcome.rawValue)", by: nil,
                                        detail: "\(delivery.file): \(delivery.detail)"))
        }
        history.sort { $0.at < $1.at }
        return ApplicationDetail(application: app, status: try stores.status(of: id), history: history)
    }
}
