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

    /// A bundle a dry run judged under an earlier run (one an interrupted run left in `work/`)
    /// and did not record: the real run would record it under that run, which then owes its
    /// digests, so the dry run plans as if it were recorded.
    struct Unrecorded {
        var run: String
        var community: String?
        var accepted: Bool
        var rejected: DigestSummary.Rejected?
    }

    /// Whether any digest can be sent at all: the kind is on and someone receives one.
    var anyRecipient: Bool {
        config.isEnabled(.digest) && (config.adminEmail != nil || !config.communitiesWithAdmins.isEmpty)
    }

    /// The digests this run sends: each community's with an admin of its own (about that
    /// community only), then the site-wide one, each when it says anything and is not
    /// recorded yet. The site-wide one comes last, so that once it is recorded every digest
    /// of the run is (a run is settled by its site-wide digest).
    func due(runID: String, outcomes: [BundleOutcome]) throws(IntakeError) -> [DigestSummary] {
        guard config.isEnabled(.digest) else { return [] }
        var out: [DigestSummary] = []
        for community in config.communitiesWithAdmins {
            let summary = try self.summary(runID: runID, outcomes: outcomes, community: community.id)
            if summary.isWorthSending, try !stores.hasEmail(SiteStores.digestKey(run: runID, community: community.id)) { out.append(summary) }
        }
        if config.adminEmail != nil {
            let summary = try self.summary(runID: runID, outcomes: outcomes)
            if summary.isWorthSending, try !stores.hasEmail(SiteStores.digestKey(run: runID, community: nil)) { out.append(summary) }
        }
        return out
    }

    /// The digest for `runID`, listing `outcomes` (at most ``DigestSummary/listLimit`` of each
    /// list, the rest counted): the site-wide one, or one community's (its own applications
    /// and rejected bundles only; deliveries are the site admin's, in the site-wide one).
    func summary(runID: String, outcomes: [BundleOutcome], community: String? = nil) throws(IntakeError) -> DigestSummary {
        let limit = DigestSummary.listLimit
        let mine = community.map { c in outcomes.filter { $0.community == c } } ?? outcomes
        let rejectedOutcomes = mine.filter { $0.verdict == .rejected }
        let rejected = rejectedOutcomes.prefix(limit).map {
            DigestSummary.Rejected(id: $0.id ?? "", bundle: $0.bundle,
                                   reasons: Array(Set($0.reasons.map(\.code.rawValue))).sorted().joined(separator: ", "), community: $0.community)
        }
        let accepted = mine.filter { $0.verdict == .accepted }.count
        if let community {
            var summary = DigestSummary(run: runID, accepted: accepted, pending: try pending(community: community), rejected: Array(rejected),
                                        failed: [], pendingCount: try stores.count(status: .pending, community: community),
                                        rejectedCount: rejectedOutcomes.count, failedCount: 0)
            summary.community = community
            return summary
        }
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
    /// and stops at the first run that is settled (it has its site-wide digest, or finished
    /// with exit 0), so the cost is the few records since the last good run, not the site's
    /// history. For each such run: each community's (that had bundles in it and has an admin),
    /// then the site-wide one, leaving out any already recorded.
    /// - Parameter unrecorded: what a dry run judged under earlier runs, taken as the newest records.
    func missed(excluding runID: String, unrecorded: [Unrecorded] = []) throws(IntakeError) -> [DigestSummary] {
        guard anyRecipient else { return [] }
        var settledRuns: [String: Bool] = [:]
        func settled(_ run: String) throws(IntakeError) -> Bool {
            if let known = settledRuns[run] { return known }
            let answer = try isSettled(run)
            settledRuns[run] = answer
            return answer
        }
        /// What one run recorded, for the site (key nil) and per community.
        struct Tally {
            var accepted = 0
            var rejected: [DigestSummary.Rejected] = []
            var rejectedCount = 0
        }
        var tallies: [String: [String?: Tally]] = [:]
        func note(_ run: String, _ community: String?, accepted: Bool, rejected: () throws(IntakeError) -> DigestSummary.Rejected?) throws(IntakeError) {
            let keys: [String?] = community.map { [nil, $0] } ?? [nil]
            for key in keys {
                var tally = tallies[run, default: [:]][key, default: Tally()]
                if accepted {
                    tally.accepted += 1
                } else {
                    tally.rejectedCount += 1
                    if tally.rejected.count < DigestSummary.listLimit, let r = try rejected() { tally.rejected.append(r) }
                }
                tallies[run, default: [:]][key] = tally
            }
        }
        for bundle in unrecorded where bundle.accepted && bundle.run != runID {
            if try !settled(bundle.run) { try note(bundle.run, bundle.community, accepted: true) { () throws(IntakeError) in nil } }
        }
        try stores.eachRecent(rejections: false) { (run, _, community) throws(IntakeError) in
            if run == runID { return true }
            if try settled(run) { return false }
            try note(run, community, accepted: true) { () throws(IntakeError) in nil }
            return true
        }
        for bundle in unrecorded where !bundle.accepted && bundle.run != runID {
            if try !settled(bundle.run) { try note(bundle.run, bundle.community, accepted: false) { () throws(IntakeError) in bundle.rejected } }
        }
        try stores.eachRecent(rejections: true) { (run, seq, community) throws(IntakeError) in
            if run == runID { return true }
            if try settled(run) { return false }
            try note(run, community, accepted: false) { () throws(IntakeError) in
                guard let rejection = try stores.rejection(seq: seq) else { return nil }
                return DigestSummary.Rejected(id: rejection.id, bundle: rejection.bundle,
                                              reasons: Array(Set(rejection.reasons.map(\.code.rawValue))).sorted().joined(separator: ", "),
                                              community: rejection.community)
            }
            return true
        }
        guard !tallies.isEmpty else { return [] }
        var pendingNow: [String?: (list: [DigestSummary.Pending], count: Int)] = [:]
        func pendingOf(_ community: String?) throws(IntakeError) -> (list: [DigestSummary.Pending], count: Int) {
            if let known = pendingNow[community] { return known }
            let found = (try pending(community: community), try stores.count(status: .pending, community: community))
            pendingNow[community] = found
            return found
        }
        var out: [DigestSummary] = []
        for run in tallies.keys.sorted() {
            let byCommunity = tallies[run] ?? [:]
            var recipients: [String?] = config.communitiesWithAdmins.map(\.id).filter { byCommunity[$0] != nil }
            if config.adminEmail != nil { recipients.append(nil) }
            for community in recipients {
                guard let tally = byCommunity[community],
                      try !stores.hasEmail(SiteStores.digestKey(run: run, community: community)) else { continue }
                let pending = try pendingOf(community)
                // Newest first in the walk; a digest lists them in the order they came.
                var summary = DigestSummary(run: run, accepted: tally.accepted, pending: pending.list,
                                            rejected: tally.rejected.reversed(), failed: [],
                                            pendingCount: pending.count, rejectedCount: tally.rejectedCount)
                summary.community = community
                summary.madeUp = true
                out.append(summary)
            }
        }
        return out
    }

    /// Whether a run needs no digest made up: it has one, or it finished with exit 0.
    func isSettled(_ run: String) throws(IntakeError) -> Bool {
        if try stores.hasEmail("digest:\(run)") { return true }
        return try stores.ranSuccessfully(run)
    }

    /// The newest pending applications (of one community, or all), as many as a digest lists.
    private func pending(community: String? = nil) throws(IntakeError) -> [DigestSummary.Pending] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: config.timeZone) ?? TimeZone(identifier: "Asia/Seoul")!
        return try stores.newest(status: .pending, community: community, limit: DigestSummary.listLimit).map {
            DigestSummary.Pending(id: $0.id, name: $0.name, email: $0.email, received: day($0.receivedAt, calendar), community: $0.community)
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
