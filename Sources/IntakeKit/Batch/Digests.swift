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

    /// The digest for `runID`, listing `outcomes`.
    func summary(runID: String, outcomes: [BundleOutcome]) -> DigestSummary {
        let rejected = outcomes.filter { $0.verdict == .rejected }.map {
            DigestSummary.Rejected(id: $0.id ?? "", bundle: $0.bundle,
                                   reasons: Array(Set($0.reasons.map(\.code.rawValue))).sorted().joined(separator: ", "))
        }
        let accepted = outcomes.filter { $0.verdict == .accepted }.count
        var summary = DigestSummary(run: runID, accepted: accepted, pending: pending(), rejected: rejected, failed: unreportedFailures())
        summary.stuck = StuckMessage.find(in: stores.deliveries.records).filter { queued.contains($0.file) }.map {
            DigestSummary.Stuck(file: $0.file, attempts: $0.attempts, since: local($0.since), detail: $0.detail)
        }
        summary.deliveriesThrough = stores.deliveries.records.last?.seq ?? 0
        return summary
    }

    /// Digests owed for earlier runs that recorded bundles but have no digest line: the run
    /// died (or failed) between recording and its digest. Walks back from the newest record
    /// and stops at the first run that is settled (it has a digest, or finished with exit 0),
    /// so the cost is the few records since the last good run, not the site's history.
    func missed(excluding runID: String) -> [DigestSummary] {
        guard config.isEnabled(.digest), config.adminEmail != nil else { return [] }
        let finishedOK = Set(stores.runs.records.filter { $0.exit == 0 }.map(\.run))
        func settled(_ run: String) -> Bool { stores.hasEmail("digest:\(run)") || finishedOK.contains(run) }
        var accepted: [String: Int] = [:]
        var rejected: [String: [DigestSummary.Rejected]] = [:]
        var order: [String] = []
        func note(_ run: String) { if accepted[run] == nil && rejected[run] == nil { order.append(run) } }
        for app in stores.applications.records.reversed() where app.run != runID {
            if settled(app.run) { break }
            note(app.run)
            accepted[app.run, default: 0] += 1
        }
        for rejection in stores.rejections.records.reversed() where rejection.run != runID {
            if settled(rejection.run) { break }
            note(rejection.run)
            rejected[rejection.run, default: []].insert(
                DigestSummary.Rejected(id: rejection.id, bundle: rejection.bundle,
                                       reasons: Array(Set(rejection.reasons.map(\.code.rawValue))).sorted().joined(separator: ", ")), at: 0)
        }
        let pendingNow = pending()
        return order.sorted().map { run in
            var summary = DigestSummary(run: run, accepted: accepted[run] ?? 0, pending: pendingNow, rejected: rejected[run] ?? [], failed: [])
            summary.madeUp = true
            return summary
        }
    }

    private func pending() -> [DigestSummary.Pending] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: config.timeZone) ?? TimeZone(identifier: "Asia/Seoul")!
        return stores.applications.records.filter { stores.status(of: $0.id) == .pending }.map {
            DigestSummary.Pending(id: $0.id, name: $0.applicant.name, email: $0.applicant.email, received: day($0.at, calendar))
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

    /// Failed hand-overs no digest has reported yet.
    private func unreportedFailures() -> [DigestSummary.Failed] {
        var through: Int?
        for email in stores.emails.records.reversed() where email.kind == .digest {
            if let seq = email.deliveriesThrough { through = seq; break }
        }
        let failed: [DeliveryRecord]
        if let through {
            failed = stores.deliveries.records.filter { $0.seq > through && $0.outcome == .failed }
        } else {
            // A site whose digests predate the seq: what came after the last run, as before.
            let since = stores.runs.records.last?.finished ?? ""
            failed = stores.deliveries.records.filter { $0.outcome == .failed && $0.at >= since }
        }
        return failed.map { DigestSummary.Failed(file: $0.file, detail: $0.detail) }
    }
}
