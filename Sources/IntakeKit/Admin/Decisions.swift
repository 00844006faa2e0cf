import Foundation

/// What deciding one application did.
public enum DecisionResult: Sendable, Equatable {
    /// A line was appended.
    case recorded(DecisionRecord)
    /// The application's latest decision is already this one; nothing was appended.
    case unchanged(id: String, status: ApplicationStatus)
}

/// Approving and declining applications: appends to `decisions.jsonl` under the site lock.
public enum Decisions {
    /// Records one decision for each id.
    ///
    /// Every id is checked before anything is written: one unknown id appends nothing at all.
    /// An application already decided the same way is left as it is (said as ``DecisionResult/unchanged(id:status:)``);
    /// a different decision reverses it and the history keeps both.
    /// With `community`, every id must be an application to that community (an admin of one
    /// community deciding by number cannot touch another's by a typo); one that is not appends
    /// nothing at all, like an unknown id.
    /// - Throws: ``IntakeError/unknownApplication(_:)``, ``IntakeError/invalidRequest(_:)``, ``IntakeError/locked(lockFile:)``.
    public static func decide(_ decision: Decision, ids: [String], by: String, note: String? = nil, reason: String? = nil,
                              community: String? = nil, config: SiteConfig = SiteConfig(), site: Site) throws(IntakeError) -> [DecisionResult] {
        try site.checkLayout()
        let by = by.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !by.isEmpty, !by.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidRequest("--by must name who decides, on one line (e.g. --by 김관리)")
        }
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        if decision == .declined, reason?.isEmpty ?? true {
            throw .invalidRequest("a decline needs --reason; the applicant reads it in the declined message")
        }
        let lock = try SiteLock(site: site)
        defer { withExtendedLifetime(lock) {} }
        let stores = try SiteStores(site: site, writable: true)
        if let community { try ApplicationQueries.checkCommunity(community, stores: stores, config: config) }
        var resolved: [String] = []
        for text in ids {
            guard let id = try stores.resolveApplicationID(text) else { throw .unknownApplication(text) }
            if let community, let app = try stores.application(id) { try ApplicationQueries.checkBelongs(app, to: community) }
            if !resolved.contains(id) { resolved.append(id) }
        }
        var results: [DecisionResult] = []
        for id in resolved {
            let status = try stores.status(of: id)
            if status.rawValue == decision.rawValue {
                results.append(.unchanged(id: id, status: status))
                continue
            }
            let note = note?.trimmingCharacters(in: .whitespacesAndNewlines)
            let record = DecisionRecord(id: id, decision: decision, by: by,
                                        note: note?.isEmpty == false ? note : nil,
                                        reason: decision == .declined ? reason : nil)
            results.append(.recorded(try stores.append(record)))
        }
        return results
    }
}
