import Foundation

/// One search result as `intake search` shows it.
public struct SearchResult: Codable, Sendable, Equatable {
    public var id: String
    public var status: ApplicationStatus
    public var name: String
    public var email: String
    public var phone: String?
    public var receivedAt: String
    public var match: String
    public var field: MatchField

    enum CodingKeys: String, CodingKey {
        case id, status, name, email, phone, match, field
        case receivedAt = "received_at"
    }
}

/// Searching a site's applicants and members (approved applicants) by name, e-mail or phone.
public enum SiteSearch {
    public static func search(_ text: String, status: ApplicationStatus? = nil, stores: SiteStores) -> [SearchResult] {
        guard let query = SearchQuery(text) else { return [] }
        var candidates: [SearchCandidate] = []
        var byID: [String: ApplicationRecord] = [:]
        for app in stores.applications.records {
            if let status, stores.status(of: app.id) != status { continue }
            byID[app.id] = app
            candidates.append(SearchCandidate(id: app.id, name: app.applicant.name, email: app.applicant.email,
                                              phone: app.applicant.phone, recordedAt: Timestamp.parse(app.at) ?? .distantPast))
        }
        return SearchMatcher.search(query, in: candidates).compactMap { hit in
            guard let app = byID[hit.candidate.id] else { return nil }
            return SearchResult(id: app.id, status: stores.status(of: app.id), name: app.applicant.name, email: app.applicant.email,
                                phone: app.applicant.phone, receivedAt: app.at, match: hit.rank.label, field: hit.field)
        }
    }
}
