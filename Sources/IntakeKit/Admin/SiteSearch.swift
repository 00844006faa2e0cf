import Foundation

/// One search result as `intake search` shows it.
public struct SearchResult: Codable, Sendable, Equatable {
    public var id: String
    public var status: ApplicationStatus
    public var name: String
    public var email: String
    public var phone: String?
    public var community: String
    public var receivedAt: String
    public var match: String
    public var field: MatchField

    enum CodingKeys: String, CodingKey {
        case id, status, name, email, phone, community, match, field
        case receivedAt = "received_at"
    }
}

/// Searching a site's applicants and members (approved applicants) by name, e-mail or phone.
public enum SiteSearch {
    /// Searches the site's index: the keys narrow the candidates, `SearchMatcher` ranks them as ever.
    /// - Parameter community: only this community's applicants (checked as `list --community` is).
    public static func search(_ text: String, status: ApplicationStatus? = nil, community: String? = nil,
                              config: SiteConfig = SiteConfig(), site: Site) throws(IntakeError) -> [SearchResult] {
        let stores = try SiteStores(site: site, writable: false)
        if let community { try ApplicationQueries.checkCommunity(community, stores: stores, config: config) }
        return try search(text, status: status, community: community, stores: stores)
    }

    public static func search(_ text: String, status: ApplicationStatus? = nil, community: String? = nil, stores: SiteStores) throws(IntakeError) -> [SearchResult] {
        guard let query = SearchQuery(text) else { return [] }
        let found = try stores.searchCandidates(query, status: status, community: community)
        var byID: [String: (status: ApplicationStatus, receivedAt: String, community: String)] = [:]
        byID.reserveCapacity(found.count)
        var candidates: [SearchCandidate] = []
        candidates.reserveCapacity(found.count)
        for found in found {
            byID[found.candidate.id] = (found.status, found.receivedAt, found.community)
            candidates.append(found.candidate)
        }
        return SearchMatcher.search(query, in: candidates).compactMap { hit in
            guard let info = byID[hit.candidate.id] else { return nil }
            let c = hit.candidate
            return SearchResult(id: c.id, status: info.status, name: c.name, email: c.email,
                                phone: c.phone, community: info.community, receivedAt: info.receivedAt, match: hit.rank.label, field: hit.field)
        }
    }
}
