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
    /// Applications newest first, optionally of one status.
    public static func list(_ stores: SiteStores, status: ApplicationStatus? = nil, limit: Int? = nil) throws(IntakeError) -> [ApplicationSummary] {
        var rows: [ApplicationSummary] = []
        try stores.eachSummary(status: status, limit: limit) { rows.append($0) }
        return rows
    }

    /// Applications newest first, handed over one at a time as the index yields them (memory
    /// stays flat however many there are).
    public static func each(site: Site, status: ApplicationStatus? = nil, limit: Int? = nil,
                            _ body: (ApplicationSummary) -> Void) throws(IntakeError) {
        let stores = try SiteStores(site: site, writable: false)
        try stores.eachSummary(status: status, limit: limit, body)
    }

    /// One application with its history, read from the site.
    public static func detail(site: Site, id text: String) throws(IntakeError) -> ApplicationDetail {
        try detail(try SiteStores(site: site, writable: false), id: text)
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
