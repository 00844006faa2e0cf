import Foundation

/// What the admin's digests say: the one for this run, and the ones owed for runs that
/// died after recording bundles and before spooling their digest.
///
/// Failed deliveries are listed by what has not been reported yet (the `deliveries.jsonl`
/// seq the last digest reported through), never by comparing timestamps: a `deliver` that
/// fails in the same second as a run finishes is still reported.
struct DigestPlanner {
    let stores: SiteStores
    let config: SiteConfig
    /// The messages in outbox/new: a deferred message no longer there is not stuck.
    var queued: Set<String>

    /// The digest for `runID`, listing `outcomes` (at most ``DigestSummary/listLimit`` of each
    /// list, the rest counted).
    func summary(runID: String, outcomes: [BundleOutcome]) throws(IntakeError) -> DigestSummary {
        let limit = DigestSummary.listLimit
        let rejectedOutcomes = outcomes.filter { $0.verdict == .rejected }
        let rejected = rejectedOutcomes.prefix(limit).map {
            DigestSummary.Rejected(id: $0.id ?? "", bundle: $0.bundle,
                                   reasons: Array(Set($0.reasons.map(\.code.rawValue))).sorted().joined(separator: ", "))
        }
        let accepted = outcomes.filter { $0.verdict == .accepted }.count
        let failed = try unreportedFailures()
        var summary = DigestSummary(run: runID, accepted: accepted, pending: try pending(), rejected: Array(rejected),
                                    failed: failed.newest.map { DigestSummary.Failed(file: $0.file, detail: $0.detail) },
                                    pendingCount: try stores.count(status: .pending), rejectedCount: rejectedOutcomes.count,
                                    failedCount: failed.count)
        // Only what is still queued can be stuck: the deliveries of those files, not the site's history.
        summary.stuck = StuckMessage.find(in: try stores.deliveries(ofFiles: Array(queued))).filter { queued.contains($0.file) }.map {
            DigestSummary.Stuck(file: $0.file, attempts: $0.attempts, since: local($0.since), detail: $0.detail)
        }
        summary.deliveriesThrough = stores.lastDeliverySeq
        return summary
    }

    /// Digests owed for earlier runs that recorded bundles but have no digest line: the run
    /// died (or failed) between recording and its digest. Walks back from the newest record
    /// and stops at the first run that is settled (it has a digest, or finished with exit 0),
    /// so the cost is the few records since the last good run, not the site's history.
    func missed(excluding runID: String) throws(IntakeError) -> [DigestSummary] {
        guard config.isEnabled(.digest), config.adminEmail != nil else { return [] }
        var settledRuns: [String: Bool] = [:]
        func settled(_ run: String) throws(IntakeError) -> Bool {
            if let known = settledRuns[run] { return known }
            let answer = try isSettled(run)
            settledRuns[run] = answer
            return answer
        }
        var accepted: [String: Int] = [:]
        var rejected: [String: [DigestSummary.Rejected]] = [:]
        var rejectedCount: [String: Int] = [:]
        var order: [String] = []
        func note(_ run: String) { if accepted[run] == nil && rejectedCount[run] == nil { order.append(run) } }
        try stores.eachRecent(rejections: false) { (run, _) throws(IntakeError) in
            if run == runID { return true }
            if try settled(run) { return false }
            note(run)
            accepted[run, default: 0] += 1
            return true
        }
        try stores.eachRecent(rejections: true) { (run, seq) throws(IntakeError) in
            if run == runID { return true }
            if try settled(run) { return false }
            note(run)
            rejectedCount[run, default: 0] += 1
            if rejected[run, default: []].count < DigestSummary.listLimit, let rejection = try stores.rejection(seq: seq) {
                rejected[run, default: []].append(
                    DigestSummary.Rejected(id: rejection.id, bundle: rejection.bundle,
                                           reasons: Array(Set(rejection.reasons.map(\.code.rawValue))).sorted().joined(separator: ", ")))
            }
            return true
        }
        guard !order.isEmpty else { return [] }
        let pendingNow = try pending()
        let pendingCount = try stores.count(status: .pending)
        return order.sorted().map { run in
            var summary = DigestSummary(run: run, accepted: accepted[run] ?? 0, pending: pendingNow,
                                        rejected: (rejected[run] ?? []).reversed(), failed: [],
                                        pendingCount: pendingCount, rejectedCount: rejectedCount[run] ?? 0)
            summary.madeUp = true
            return summary
        }
    }

    /// Whether a run needs no digest made up: it has one, or it finished with exit 0.
    func isSettled(_ run: String) throws(IntakeError) -> Bool {
        if try stores.hasEmail("digest:\(run)") { return true }
        return try stores.ranSuccessfully(run)
    }

    /// The newest pending applications, as many as a digest lists.
    private func pending() throws(IntakeError) -> [DigestSummary.Pending] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: config.timeZone) ?? TimeZone(identifier: "Asia/Seoul")!
        return try stores.newest(status: .pending, limit: DigestSummary.listLimit).map {
            DigestSummary.Pending(id: $0.id, name: $0.name, email: $0.email, received: day($0.receivedAt, calendar))
        }
    }

    /// A store time as the admin reads it: in the site's time zone.
    private func local(_ stamp: String) -> String {
        guard let date = Timestamp.parse(stamp) else { return stamp }
        return MailDates.text(date, locale: config.defaultLocale, timeZone: config.timeZone)
    }

    /// The day of a store time in the site's time zone (2026-11-30).
    private func day(_ stamp: String, _ calendar: Calendar) -> String {
        guard let date = Timestamp.parse(stamp) else { return String(stamp.prefix(10)) }
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    /// Failed hand-overs no digest has reported yet: the newest of them and how many.
    private func unreportedFailures() throws(IntakeError) -> (newest: [DeliveryRecord], count: Int) {
        if let through = try stores.deliveriesReportedThrough() {
            return try stores.failedDeliveries(afterSeq: through, limit: DigestSummary.listLimit)
        }
        // A site whose digests predate the seq: what came after the last run, as before.
        return try stores.failedDeliveries(after: try stores.lastRun()?.finished ?? "", limit: DigestSummary.listLimit)
    }
}
