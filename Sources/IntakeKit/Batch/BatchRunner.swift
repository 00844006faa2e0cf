import Foundation
import Logging

/// One batch run: claim -> validate -> record -> mail -> report.
///
/// ```swift
/// let runner = BatchRunner(site: site, config: config)
/// let report = try await runner.run(RunOptions(dryRun: false))
/// ```
/// Bundles are validated `config.effectiveWorkers` at a time (reading and hashing is the cost)
/// and recorded one by one in claim order, so ids do not depend on timing. Every step is
/// ordered so that killing the process at any instant and running again finishes the work
/// without a duplicate or a missing record or message:
/// the store line is flushed before its bundle moves out of `work/`, a resumed run recognises
/// its own lines by (run, bundle), and messages are named after their events.
public final class BatchRunner {
    public let site: Site
    public let config: SiteConfig
    let logger: Logger

    /// - Parameter logger: where progress notes go; silent unless the caller passes one.
    public init(site: Site, config: SiteConfig, logger: Logger = Logger(label: "intake.run", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.site = site
        self.config = config
        self.logger = logger
    }

    public struct Options: Sendable {
        public var dryRun = false
        /// Overrides `settle_seconds`.
        public var settleSeconds: Int?
        public var now = Date()
        public init(dryRun: Bool = false, settleSeconds: Int? = nil) {
            self.dryRun = dryRun
            self.settleSeconds = settleSeconds
        }
    }

    public typealias ProgressHandler = @Sendable (RunProgress) -> Void

    /// Runs the batch.
    /// - Throws: ``IntakeError`` only for what stops the whole run (no site, lock held, a store
    ///   that cannot be written); a bad bundle is an outcome, not an error.
    public func run(_ options: Options, progress: ProgressHandler? = nil) async throws(IntakeError) -> RunReport {
        try site.checkLayout()
        let started = Date()
        let runID = Identifiers.run(at: started)
        let settle = options.settleSeconds ?? config.settleSeconds
        let templates = try TemplateSet.load(site: site, config: config)

        if options.dryRun {
            return try await dryRun(runID: runID, started: started, settle: settle, now: options.now, templates: templates, progress: progress)
        }

        let lock = try SiteLock(site: site)
        defer { withExtendedLifetime(lock) {} }
        try site.checkWritable()
        if let free = FileSystem.freeBytes(at: site.data), free < config.minFreeBytes {
            throw .io(path: site.data, operation: "start a run with only \(ByteCount.text(Int(free))) free under", errno: ENOSPC)
        }
        let stores = try SiteStores(site: site, writable: true)
        var report = RunReport(run: runID, dryRun: false, started: Timestamp.string(started), finished: "", seconds: 0,
                               counts: RunCounts(), outcomes: [], waiting: [], strays: [], emails: 0, warnings: [], features: config.featureFlags, exit: 0)
        do {
            try await process(&report, runID: runID, settle: settle, now: options.now, stores: stores, templates: templates, progress: progress)
        } catch {
            report.exit = error.exitStatus.rawValue
            try? finish(&report, stores: stores, started: started, error: error)
            throw error
        }
        try finish(&report, stores: stores, started: started, error: nil)
        return report
    }

    private func process(_ report: inout RunReport, runID: String, settle: Int, now: Date, stores: SiteStores,
                         templates: TemplateSet, progress: ProgressHandler?) async throws(IntakeError) {
        // 1. Claim: first what an interrupted run left in work/, then the settled inbox. Each
        // bundle is validated as soon as it is claimed (validation writes nothing); none is
        // recorded before the claim is durable.
        let feed = ValidationFeed(validator: BundleValidator(config: config))
        feed.start(workers: config.effectiveWorkers)
        defer { feed.stop() }
        var bundles: [ClaimedBundle] = []
        for leftover in try Inbox.leftovers(site: site) {
            if let recorded = try stores.recorded(run: leftover.run, bundle: leftover.name) {
                // Recorded before the interruption; only the move was missing.
                logger.notice("finishing \(leftover.name) from interrupted run \(leftover.run)")
                let (outcome, directories) = try completeMove(leftover, recorded: recorded)
                try FileSystem.syncDirectories(directories)
                report.outcomes.append(outcome)
                report.counts.resumed += 1
            } else {
                bundles.append(leftover)
                feed.add(leftover)
            }
        }
        let scan = try Inbox.scan(site: site, settleSeconds: settle, now: now)
        report.waiting = scan.waiting
        report.strays = scan.strays
        report.counts.skippedUnsettled = scan.waiting.count
        report.warnings += scan.warnings
        let claim = try Inbox.claim(scan.settled, site: site, run: runID, onClaimed: feed.add)
        feed.close()
        bundles += claim.claimed
        report.warnings += claim.warnings
        if !claim.unclaimed.isEmpty {
            // Still in the inbox, but not "waiting": the disk refused the move.
            report.waiting += claim.unclaimed
            report.counts.skippedUnsettled += claim.unclaimed.count
            report.exit = ExitStatus.ioError.rawValue
        }
        report.counts.claimed = bundles.count
        report.counts.resumed += bundles.filter(\.resumed).count

        // 2 and 3. Validate in parallel, record in order; spool each group's messages once
        // its lines are flushed, while the next bundles are being validated.
        let mailer = Mailer(site: site, config: config, templates: templates)
        let startedAt = Date()
        let recorded = try validateAndRecord(bundles, feed: feed, counts: report.counts, stores: stores, mailer: mailer,
                                             startedAt: startedAt, progress: progress)
        let outcomes = recorded.outcomes
        let counts = recorded.counts
        let retries = recorded.retries
        let recordError = recorded.failure
        report.warnings += recorded.mailProblems
        report.outcomes += outcomes
        report.counts = counts
        if !retries.isEmpty {
            report.warnings += retries
            report.exit = ExitStatus.ioError.rawValue
        }
        logger.info("validated and recorded \(bundles.count) bundles, spooling \(recorded.spooled) messages, in \(String(format: "%.2f", Date().timeIntervalSince(startedAt))) s")
        do throws(IntakeError) { try Inbox.removeEmptyRunFolders(site: site) } catch { if recordError == nil { throw error } }
        if let recordError { throw recordError }

        // 4. Mail: whatever else is owed (decisions, messages a killed run left), then the
        // digests: those a run that died owed, and this run's.
        try Spool(site: site).removeLeftovers()
        let mailStarted = Date()
        let (sent, problems) = try mailer.sendOwed(stores, now: Date())
        logger.info("spooled \(sent.count) more messages in \(String(format: "%.2f", Date().timeIntervalSince(mailStarted))) s")
        report.emails = recorded.spooled + sent.count
        report.warnings += problems
        let digests = DigestPlanner(stores: stores, config: config, queued: Set(try Spool(site: site).waiting()))
        for missed in try digests.missed(excluding: runID) where try mailer.sendDigest(missed, stores: stores) != nil {
            report.emails += 1
            let whose = missed.community.map { "\($0)'s digest" } ?? "its digest"
            report.warnings.append("run \(missed.run) stopped before \(whose); it was made up and spooled now")
        }
        for digest in try digests.due(runID: runID, outcomes: report.outcomes) where try mailer.sendDigest(digest, stores: stores) != nil {
            report.emails += 1
        }
        report.counts.emails = report.emails
    }

    private struct Recorded {
        var outcomes: [BundleOutcome] = []
        var counts: RunCounts
        var retries: [String] = []
        var failure: IntakeError?
        var spooled = 0
        var mailProblems: [String] = []
    }

    /// Validates `bundles` on worker threads and records them here, in claim order.
    ///
    /// Store lines are flushed in groups, and only then are their bundles moved out of `work/`
    /// and their messages spooled: one fsync per group instead of several per bundle, with the
    /// same guarantees (a line is durable before its bundle moves, a message file before its line).
    private func validateAndRecord(_ bundles: [ClaimedBundle], feed: ValidationFeed, counts: RunCounts, stores: SiteStores, mailer: Mailer,
                                   startedAt: Date, progress: ProgressHandler?) throws(IntakeError) -> Recorded {
        var result = Recorded(counts: counts)
        var pending: [PendingMove] = []
        // Every bundle here is recorded by this run under an id no earlier run could have used
        // (ids follow the flushed lines, messages only flushed ones), so none of their messages
        // can be in the spool yet: no need to list it (an old site's spool holds every message
        // ever sent). What earlier runs left is found by `sendOwed`.
        var known = SpoolNames(spool: Spool(site: site), probing: false)
        func flush() throws(IntakeError) {
            guard !pending.isEmpty else { return }
            // Rendered on other threads while the lines are flushed and the bundles moved;
            // written only once their lines are durable.
            let messages = try mailer.prepareRecorded(pending.map(\.recorded), stores: stores)
            try stores.syncAll()
            var directories = Set<String>()
            for move in pending {
                let (outcome, touched) = try completeMove(move.claimed, recorded: move.recorded)
                result.outcomes.append(outcome)
                directories.formUnion(touched)
            }
            try FileSystem.syncDirectories(directories)
            let sent = try mailer.spoolPrepared(messages, stores: stores, known: &known, problems: &result.mailProblems)
            result.spooled += sent.count
            pending.removeAll()
        }
        for index in bundles.indices {
            let v = feed.take(index)
            if let retry = v.retry {
                // The server's fault, not the bundle's: leave it in work/ for the next run.
                result.retries.append("\(bundles[index].name) left in data/work for the next run: \(retry)")
                continue
            }
            do throws(IntakeError) {
                let move = try record(v, claimed: bundles[index], stores: stores)
                pending.append(move)
                result.counts.bytes += v.bytes
                switch move.verdict {
                case .accepted: result.counts.accepted += 1
                case .rejected:
                    result.counts.rejected += 1
                    if case .rejected(let r) = move.recorded, r.duplicateOf != nil { result.counts.duplicates += 1 }
                }
                if pending.count >= 64 || (pending.count >= 8 && !feed.isReady(index + 1)) { try flush() }
            } catch {
                result.failure = error
                break
            }
            progress?(RunProgress(done: index + 1, total: bundles.count, bytes: result.counts.bytes,
                                  elapsed: Date().timeIntervalSince(startedAt)))
        }
        if result.failure == nil {
            do throws(IntakeError) { try flush() } catch { result.failure = error }
        }
        return result
    }

    /// A recorded bundle waiting for its store line to be flushed before it leaves `work/`.
    private struct PendingMove {
        var claimed: ClaimedBundle
        var recorded: BundleRecordRef
        var verdict: BundleOutcome.Verdict {
            if case .accepted = recorded { return .accepted }
            return .rejected
        }
    }

    /// Records one validated bundle (the line is written, not yet flushed).
    private func record(_ v: ValidatedBundle, claimed: ClaimedBundle, stores: SiteStores) throws(IntakeError) -> PendingMove {
        var reasons = v.reasons
        var duplicateOf: String?
        if v.isAccepted, let digest = v.digest, let first = try stores.applicationID(forDigest: digest) {
            duplicateOf = first
            reasons.append(Reason(.duplicate, "the same application (manifest and files) was accepted before as \(first)"))
        }
        if reasons.isEmpty, let manifest = v.manifest, let digest = v.digest, let manifestFile = v.manifestFile {
            let id = Identifiers.application(stores.applications.nextSeq)
            var applicant = manifest.applicant
            if applicant.locale.isEmpty { applicant.locale = config.defaultLocale }
            let record = ApplicationRecord(
                id: id, run: claimed.run, bundle: claimed.name, digest: digest, community: manifest.community,
                applicant: applicant, answers: manifest.answers, submittedAt: manifest.submittedAt,
                manifest: manifestFile, files: Identifiers.filesFolder(id), attachments: v.attachments)
            return PendingMove(claimed: claimed, recorded: .accepted(try stores.append(record, sync: false)))
        }
        let id = Identifiers.rejection(stores.rejections.nextSeq)
        let quarantine = "quarantine/\(claimed.run)/\(claimed.name)"
        var contact = v.contact
        if let c = contact, c.locale.isEmpty { contact?.locale = config.defaultLocale }
        let record = RejectionRecord(id: id, run: claimed.run, bundle: claimed.name, digest: v.digest, reasons: reasons,
                                     quarantine: quarantine, applicant: contact, duplicateOf: duplicateOf, community: v.community)
        return PendingMove(claimed: claimed, recorded: .rejected(try stores.append(record, sync: false)))
    }

    /// Moves a recorded bundle to where its record says it lies; a no-op when it is there already.
    /// - Returns: the outcome, and the directories whose entries changed (to be flushed).
    private func completeMove(_ claimed: ClaimedBundle, recorded: BundleRecordRef) throws(IntakeError) -> (BundleOutcome, [String]) {
        let source = (claimed.path as NSString).deletingLastPathComponent
        switch recorded {
        case .accepted(let app):
            var touched: [String] = []
            if FileSystem.exists(claimed.path) {
                let destination = FileSystem.join(site.data, app.files)
                let parent = (destination as NSString).deletingLastPathComponent
                try FileSystem.makeDirectory(parent)
                try FileSystem.move(claimed.path, to: destination)
                // The thousand's folder and, when it is new, its entry in files/.
                touched = [parent, site.files, source]
            }
            return (BundleOutcome(bundle: claimed.name, verdict: .accepted, id: app.id, reasons: [], duplicateOf: nil, resumed: claimed.resumed, community: app.community), touched)
        case .rejected(let rejection):
            let destination = FileSystem.join(site.data, rejection.quarantine)
            var touched: [String] = []
            if FileSystem.exists(claimed.path) {
                let parent = (destination as NSString).deletingLastPathComponent
                try FileSystem.makeDirectory(parent)
                // Written (and flushed) while the bundle is still in work/: a crash before the
                // move rewrites it on resume, and after the move it is already whole.
                try writeReasonsFile(rejection)
                try FileSystem.move(claimed.path, to: destination)
                touched = [parent, source, site.quarantine]
            }
            return (BundleOutcome(bundle: claimed.name, verdict: .rejected, id: rejection.id, reasons: rejection.reasons,
                                  duplicateOf: rejection.duplicateOf, resumed: claimed.resumed, community: rejection.community), touched)
        }
    }

    /// The readable account beside a quarantined bundle: `quarantine/<run>/<bundle>.reasons.txt`.
    private func writeReasonsFile(_ rejection: RejectionRecord) throws(IntakeError) {
        let path = FileSystem.join(site.data, rejection.quarantine) + ".reasons.txt"
        try FileSystem.makeDirectory((path as NSString).deletingLastPathComponent)
        // Every value is on one line, whatever control characters a name holds.
        let clean = HeaderEncoder.sanitized
        var text = "bundle: \(clean(rejection.bundle))\nrejection: \(rejection.id)\nrun: \(rejection.run)\n"
        if let applicant = rejection.applicant { text += "applicant: \(clean(applicant.name)) <\(clean(applicant.email))>\n" }
        if let dup = rejection.duplicateOf { text += "duplicate of: \(dup)\n" }
        text += "reasons:\n"
        for reason in rejection.reasons {
            text += "  - \(reason.code.rawValue)\(reason.file.map { " [\(clean($0))]" } ?? ""): \(clean(reason.detail))\n"
        }
        try FileSystem.writeAtomically(path, Array(text.utf8))
    }

    private func finish(_ report: inout RunReport, stores: SiteStores, started: Date, error: IntakeError?) throws(IntakeError) {
        let finished = Date()
        report.finished = Timestamp.string(finished)
        report.seconds = (finished.timeIntervalSince(started) * 1000).rounded() / 1000
        var record = RunRecord(run: report.run, started: report.started, finished: report.finished, seconds: report.seconds,
                               counts: report.counts, exit: report.exit, error: error?.localizedDescription, features: config.featureFlags)
        // The metrics first, so that the run's line says whether they could be written.
        do throws(IntakeError) {
            try Metrics.write(site: site, stores: stores, lastRun: record, config: config)
        } catch let failure {
            report.warnings.append("the metrics file was not updated (\(failure.localizedDescription)); monitoring sees the previous run")
            if report.exit == 0 { report.exit = failure.exitStatus.rawValue }
            record.exit = report.exit
            record.error = record.error ?? failure.localizedDescription
        }
        try stores.append(record)
    }

    // MARK: Dry run

    private func applicationsBefore(_ stores: SiteStores) -> Int { stores.applications.nextSeq }

    /// Validates what a run would take, in place, and changes nothing on disk.
    private func dryRun(runID: String, started: Date, settle: Int, now: Date, templates: TemplateSet,
                        progress: ProgressHandler?) async throws(IntakeError) -> RunReport {
        let stores = try SiteStores(site: site, writable: false)
        var report = RunReport(run: runID, dryRun: true, started: Timestamp.string(started), finished: "", seconds: 0,
                               counts: RunCounts(), outcomes: [], waiting: [], strays: [], emails: 0, warnings: [], features: config.featureFlags, exit: 0)
        var bundles: [ClaimedBundle] = []
        for leftover in try Inbox.leftovers(site: site) {
            if let recorded = try stores.recorded(run: leftover.run, bundle: leftover.name) {
                // What the real run would finish moving, reported as it would report it.
                switch recorded {
                case .accepted(let app):
                    report.outcomes.append(BundleOutcome(bundle: leftover.name, verdict: .accepted, id: app.id, reasons: [], duplicateOf: nil, resumed: leftover.resumed, community: app.community))
                case .rejected(let r):
                    report.outcomes.append(BundleOutcome(bundle: leftover.name, verdict: .rejected, id: r.id, reasons: r.reasons, duplicateOf: r.duplicateOf, resumed: leftover.resumed, community: r.community))
                }
                report.counts.resumed += 1
            } else {
                bundles.append(leftover)
            }
        }
        let scan = try Inbox.scan(site: site, settleSeconds: settle, now: now)
        report.waiting = scan.waiting
        report.strays = scan.strays
        report.counts.skippedUnsettled = scan.waiting.count
        report.warnings += scan.warnings
        bundles += scan.settled.map { ClaimedBundle(run: runID, name: $0, path: FileSystem.join(site.inbox, $0), resumed: false) }
        report.counts.claimed = bundles.count
        report.counts.resumed += bundles.filter(\.resumed).count
        // Validated on worker threads and judged here in claim order, one at a time: nothing
        // of a bundle but its outcome is kept, however many there are.
        let feed = ValidationFeed(bundles: bundles, validator: BundleValidator(config: config))
        feed.start(workers: config.effectiveWorkers)
        defer { feed.stop() }
        // Ids are handed out in claim order, as the real run records them.
        var nextApplication = applicationsBefore(stores)
        var nextRejection = stores.rejections.nextSeq
        var digests: [String: String] = [:]
        var unrecorded: [DigestPlanner.Unrecorded] = []
        var mails = try Mailer(site: site, config: config, templates: templates).countOwed(stores)
        var retried = false
        for (index, bundle) in bundles.enumerated() {
            let v = feed.take(index)
            progress?(RunProgress(done: index + 1, total: bundles.count, bytes: report.counts.bytes + v.bytes,
                                  elapsed: Date().timeIntervalSince(started)))
            if let retry = v.retry {
                report.warnings.append("\(bundle.name) left in data/work for the next run: \(retry)")
                retried = true
                continue
            }
            var reasons = v.reasons
            var duplicateOf: String?
            if v.isAccepted, let digest = v.digest, let first = try stores.applicationID(forDigest: digest) ?? digests[digest] {
                duplicateOf = first
                reasons.append(Reason(.duplicate, "the same application (manifest and files) was accepted before as \(first)"))
            }
            let accepted = reasons.isEmpty
            let id: String
            if accepted {
                id = Identifiers.application(nextApplication)
                nextApplication += 1
                if let digest = v.digest { digests[digest] = id }
                report.counts.accepted += 1
                if config.isEnabled(.received) { mails += 1 }
            } else {
                id = Identifiers.rejection(nextRejection)
                nextRejection += 1
                report.counts.rejected += 1
                if config.isEnabled(.rejected), let contact = v.contact, EmailAddress.isPlausible(contact.email) { mails += 1 }
            }
            if duplicateOf != nil { report.counts.duplicates += 1 }
            report.counts.bytes += v.bytes
            report.outcomes.append(BundleOutcome(bundle: bundle.name, verdict: accepted ? .accepted : .rejected, id: id,
                                                 reasons: reasons, duplicateOf: duplicateOf, resumed: bundle.resumed, community: v.community))
            if bundle.run != runID {
                // Recorded by the real run under the interrupted run, which then owes its digests.
                let rejected = accepted ? nil : DigestSummary.Rejected(id: id, bundle: bundle.name,
                                                                       reasons: Array(Set(reasons.map(\.code.rawValue))).sorted().joined(separator: ", "),
                                                                       community: v.community)
                unrecorded.append(DigestPlanner.Unrecorded(run: bundle.run, community: v.community, accepted: accepted, rejected: rejected))
            }
        }
        if retried { report.exit = ExitStatus.ioError.rawValue }
        // The admin's digests, decided by the same planner as the real run's: the ones made
        // up for runs that stopped before theirs, then this run's.
        let planner = DigestPlanner(stores: stores, config: config, queued: Set(try Spool(site: site).waiting()))
        if planner.anyRecipient {
            // A bundle an interrupted run left is recorded under that run, which then owes its
            // digests too, as the real run finds once it has recorded it.
            mails += try planner.missed(excluding: runID, unrecorded: unrecorded).count
            mails += try planner.due(runID: runID, outcomes: report.outcomes).count
        }
        report.emails = mails
        report.counts.emails = mails
        let finished = Date()
        report.finished = Timestamp.string(finished)
        report.seconds = (finished.timeIntervalSince(started) * 1000).rounded() / 1000
        return report
    }
}
