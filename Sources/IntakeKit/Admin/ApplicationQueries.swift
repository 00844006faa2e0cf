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
    public static func list(_ stores: SiteStores, status: ApplicationStatus? = nil) -> [ApplicationSummary] {
        stores.applications.records.reversed().compactMap { app in
            let current = stores.status(of: app.id)
            if let status, status != current { return nil }
            return summary(app, status: current)
        }
    }

    public static func summary(_ app: ApplicationRecord, status: ApplicationStatus) -> ApplicationSummary {
        ApplicationSummary(id: app.id, status: status, name: app.applicant.name, email: app.applicant.email,
                           phone: app.applicant.phone, community: app.community, submittedAt: app.submittedAt,
                           receivedAt: app.at, attachments: app.attachments.count)
    }

    /// One application with its history: received, decisions, messages spooled and delivered.
    /// - Throws: ``IntakeError/unknownApplication(_:)``.
    public static func detail(_ stores: SiteStores, id text: String) throws(IntakeError) -> ApplicationDetail {
        guard let id = stores.resolveApplicationID(text), let app = stores.application(id) else {
            let upper = text.trimmingCharacters(in: .whitespaces).uppercased()
            if let rejection = stores.rejections.records.first(where: { $0.id == upper }) {
                throw .invalidRequest("\(rejection.id) is a rejected bundle, not an application: its reasons are in data/\(rejection.quarantine).reasons.txt and the bundle in data/\(rejection.quarantine)/")
            }
            throw .unknownApplication(text)
        }
        var history = [HistoryEvent(at: app.at, event: "received", by: nil, detail: "bundle \(app.bundle), run \(app.run)")]
        for decision in stores.decisions(for: id) {
            history.append(HistoryEvent(at: decision.at, event: decision.decision.rawValue, by: decision.by,
                                        detail: decision.note ?? decision.reason))
        }
        let messages = stores.emailsFor(application: id)
        let files = Set(messages.map(\.file))
        for message in messages {
            history.append(HistoryEvent(at: message.at, event: "\(message.kind.rawValue) message spooled", by: nil,
                                        detail: "to \(message.to), \(message.file)"))
        }
        for delivery in stores.deliveries.records where files.contains(delivery.file) {
            history.append(HistoryEvent(at: delivery.at, event: "message \(delivery.outcome.rawValue)", by: nil,
                                        detail: "\(delivery.file): \(delivery.detail)"))
        }
        history.sort { $0.at < $1.at }
        return ApplicationDetail(application: app, status: stores.status(of: id), history: history)
    }
}
