import Foundation

/// An application's status, derived from its latest decision.
public enum ApplicationStatus: String, Codable, Sendable, CaseIterable {
    case pending, approved, declined
}

/// What became of a bundle that a run claimed.
public enum BundleRecordRef: Sendable, Equatable {
    case accepted(ApplicationRecord)
    case rejected(RejectionRecord)
}

/// All six stores of a site, opened together, with the derived index every command asks.
///
/// Opening reads no store whole: the index (``SiteIndex``) takes in the lines appended since
/// its watermarks and answers the queries; records are read from the stores one line at a
/// time by the offsets it keeps. Appends go to the store first and then into the index; the
/// index rows are committed only once the store lines are flushed, so the index is never
/// ahead of what a power cut would leave.
public final class SiteStores {
    public let applications: JSONLinesStore<ApplicationRecord>
    public let rejections: JSONLinesStore<RejectionRecord>
    public let decisions: JSONLinesStore<DecisionRecord>
    public let emails: JSONLinesStore<EmailRecord>
    public let deliveries: JSONLinesStore<DeliveryRecord>
    public let runs: JSONLinesStore<RunRecord>
    let index: SiteIndex

    /// Progress of taking lines into the index: lines taken so far, and the store's name.
    public typealias Progress = (_ lines: Int, _ store: String) -> Void

    /// Opens every store; `writable` needs the site lock.
    /// - Parameter rebuild: throw the index away and take every line in again (`intake reindex`).
    public convenience init(site: Site, writable: Bool, rebuild: Bool = false, progress: Progress? = nil) throws(IntakeError) {
        try self.init(site: site, writable: writable, rebuild: rebuild, indexFile: nil, progress: progress)
    }

    init(site: Site, writable: Bool, rebuild: Bool, indexFile: String?, progress: Progress?) throws(IntakeError) {
        applications = try JSONLinesStore(directory: site.stores, writable: writable, loadRecords: false)
        rejections = try JSONLinesStore(directory: site.stores, writable: writable, loadRecords: false)
        decisions = try JSONLinesStore(directory: site.stores, writable: writable, loadRecords: false)
        emails = try JSONLinesStore(directory: site.stores, writable: writable, loadRecords: false)
        deliveries = try JSONLinesStore(directory: site.stores, writable: writable, loadRecords: false)
        runs = try JSONLinesStore(directory: site.stores, writable: writable, loadRecords: false)
        index = try SiteIndex.open(site: site, file: indexFile, writable: writable)
        if rebuild { try indexFailure { () throws(SQLiteError) in try index.createSchema() } }
        try catchUp(progress: progress)
        let commit: () throws(IntakeError) -> Void = { [unowned self] () throws(IntakeError) in try self.commitIndex() }
        applications.didSync = commit
        rejections.didSync = commit
        decisions.didSync = commit
        emails.didSync = commit
        deliveries.didSync = commit
        runs.didSync = commit
    }

    deinit { index.rollback() }

    // MARK: Catching up

    /// Takes in every store line after the index's watermarks; rebuilds the index when a
    /// watermark no longer agrees with its store, or the index cannot be read.
    private func catchUp(progress: Progress?) throws(IntakeError) {
        var lines = 0
        for attempt in 0..<2 {
            do {
                if try takeInAll(&lines, progress: progress) { return }
            } catch let error as SQLiteError {
                index.rollback()
                if attempt == 1 { throw indexError(error) }
            } catch let error as IntakeError {
                index.rollback()
                throw error
            } catch {
                index.rollback()
                throw indexError(SQLiteError(code: -1, message: "\(error)"))
            }
            // The index disagrees with the stores or is damaged: start again from nothing.
            try indexFailure { () throws(SQLiteError) in try index.createSchema() }
            lines = 0
        }
    }

    private func takeInAll(_ lines: inout Int, progress: Progress?) throws -> Bool {
        // From nothing (a new or rebuilt index, stores with lines): one bulk load.
        let paths = [applications.path, rejections.path, decisions.path, emails.path, deliveries.path, runs.path]
        var hasLines = false
        for path in paths where try JSONLinesStore<RunRecord>.completeLength(path: path).length > 0 { hasLines = true }
        let bulk = try hasLines && index.isEmpty() && index.beginBulk()
        do {
            guard try takeIn(applications, ApplicationEntry.self, &lines, progress, index.insert),
                  try takeIn(rejections, RejectionEntry.self, &lines, progress, index.insert),
                  try takeIn(decisions, DecisionEntry.self, &lines, progress, index.insert),
                  try takeIn(emails, EmailEntry.self, &lines, progress, index.insert),
                  try takeIn(deliveries, DeliveryEntry.self, &lines, progress, index.insert),
                  try takeIn(runs, RunEntry.self, &lines, progress, index.insert)
            else {
                if bulk { index.abandonBulk(); index.rollback() }
                return false
            }
            if bulk {
                try index.finishBulk()
                try index.commit()
            }
        } catch {
            if bulk { index.abandonBulk() }
            throw error
        }
        return true
    }

    /// Takes one store's new lines in; false when its watermark does not hold.
    private func takeIn<E: IndexEntry>(_ store: JSONLinesStore<E.Record>, _: E.Type, _ lines: inout Int, _ progress: Progress?,
                                       _ insert: (E, Int, Int) throws(SQLiteError) -> Void) throws -> Bool {
        typealias R = E.Record
        let size = try JSONLinesStore<R>.completeLength(path: store.path).length
        var mark = try index.watermark(R.storeName)
        if size == mark.offset, try watermarkHolds(store, mark) {
            store.knownCount = mark.seq
            return true
        }
        try index.begin()
        mark = try index.watermark(R.storeName)  // another process may have taken them in meanwhile
        guard size >= mark.offset, try watermarkHolds(store, mark) else { return false }
        var taken = 0
        try LineFeed.each(E.self, path: store.path, from: mark.offset, to: size) { scanned in
            let record: E
            switch scanned.entry {
            case .success(let entry): record = entry
            case .failure(let error):
                throw IntakeError.corruptStore(file: store.path, line: mark.seq + 1,
                                               detail: "the line does not parse as a \(R.storeName) record (\(error.detail))")
            }
            if record.seq <= mark.seq { return }  // taken in already
            guard record.seq == mark.seq + 1 else {
                throw IntakeError.corruptStore(file: store.path, line: mark.seq + 1, detail: "seq \(record.seq) where \(mark.seq + 1) was expected")
            }
            try insert(record, scanned.start, scanned.length)
            // The hash of the watermark's line is taken when the watermark is kept (one read
            // then instead of hashing every line: a second of the scanner's time at 1,000,000).
            mark = SiteIndex.Watermark(offset: scanned.start + scanned.length + 1, seq: record.seq, lastStart: scanned.start, lastHash: 0)
            taken += 1
            lines += 1
            if taken % 20_000 == 0 {
                // Line by line, what is taken in is kept as it goes; a bulk load is one transaction.
                if !index.bulk {
                    try index.setWatermark(R.storeName, try hashed(mark, store))
                    try index.commit()
                    try index.begin()
                }
                progress?(lines, R.storeName)
            }
        }
        if taken > 0 { try index.setWatermark(R.storeName, try hashed(mark, store)) }
        if !index.bulk { try index.commit() }
        store.knownCount = mark.seq
        if taken > 0 { progress?(lines, R.storeName) }
        return true
    }

    /// The watermark with the hash of its line, read from the store.
    private func hashed<R: StoreRecord>(_ mark: SiteIndex.Watermark, _ store: JSONLinesStore<R>) throws -> SiteIndex.Watermark {
        var mark = mark
        mark.lastHash = SiteIndex.hash(try store.lineBytes(offset: mark.lastStart, length: mark.offset - mark.lastStart - 1))
        return mark
    }

    /// Whether the line the watermark names is still there, unchanged.
    private func watermarkHolds<R: StoreRecord>(_ store: JSONLinesStore<R>, _ mark: SiteIndex.Watermark) throws -> Bool {
        guard mark.offset > 0 else { return true }
        let length = mark.offset - mark.lastStart - 1
        // Called only where the store reaches the watermark, so a read that fails is the
        // disk's error (said), not a sign that the index disagrees.
        guard length > 0, mark.offset <= (try JSONLinesStore<R>.completeLength(path: store.path).length) else { return false }
        let bytes = try store.lineBytes(offset: mark.lastStart, length: length)
        return SiteIndex.hash(bytes) == mark.lastHash
    }

    private func indexError(_ error: SQLiteError) -> IntakeError {
        .io(path: index.path, operation: "use the index (\(error.message); `intake reindex` rebuilds it from the stores)", errno: EIO)
    }

    private func indexFailure<T>(_ body: () throws(SQLiteError) -> T) throws(IntakeError) -> T {
        do { return try body() } catch { throw indexError(error) }
    }

    /// While `syncAll` flushes the stores one by one, the index waits for the last.
    private var batching = false

    private func commitIndex() throws(IntakeError) {
        if batching { return }
        try indexFailure { () throws(SQLiteError) in try index.commit() }
    }

    static func bundleKey(_ run: String, _ bundle: String) -> String { run + "/" + bundle }

    // MARK: Queries

    public func application(_ id: String) throws(IntakeError) -> ApplicationRecord? {
        var location: (Int, Int)?
        try indexFailure { () throws(SQLiteError) in
            try index.db.each("SELECT off, len FROM apps WHERE id = ?", [.text(id)]) { row in location = (row.int(0), row.int(1)) }
        }
        guard let location else { return nil }
        return try applications.record(offset: location.0, length: location.1)
    }

    /// The application with this seq (its position in `applications.jsonl`).
    func application(seq: Int) throws(IntakeError) -> ApplicationRecord? {
        var location: (Int, Int)?
        try indexFailure { () throws(SQLiteError) in
            try index.db.each("SELECT off, len FROM apps WHERE seq = ?", [.int(seq)]) { row in location = (row.int(0), row.int(1)) }
        }
        guard let location else { return nil }
        return try applications.record(offset: location.0, length: location.1)
    }

    private func exists(_ id: String) throws(IntakeError) -> Bool {
        try indexFailure { () throws(SQLiteError) in try index.db.int("SELECT 1 FROM apps WHERE id = ?", [.text(id)]) != nil }
    }

    /// Normalises what an admin types ("42", "a42", "A000042") to a stored id, if it exists.
    public func resolveApplicationID(_ text: String) throws(IntakeError) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        if try exists(trimmed) { return trimmed }
        let digits = trimmed.hasPrefix("A") ? String(trimmed.dropFirst()) : trimmed
        if let n = Int(digits), n > 0 {
            let id = Identifiers.application(n)
            if try exists(id) { return id }
        }
        return nil
    }

    /// The first accepted application with this content digest.
    public func applicationID(forDigest digest: String) throws(IntakeError) -> String? {
        var id: String?
        try indexFailure { () throws(SQLiteError) in
            try index.db.each("SELECT id FROM apps WHERE digest = ? ORDER BY seq LIMIT 1", [.text(digest)]) { row in id = row.text(0) }
        }
        return id
    }

    /// What an earlier (interrupted) run recorded for a bundle in its `work/` folder.
    public func recorded(run: String, bundle: String) throws(IntakeError) -> BundleRecordRef? {
        var found: (String, Int, Int)?
        try indexFailure { () throws(SQLiteError) in
            try index.db.each("SELECT 'r', off, len FROM rejections WHERE run = ?1 AND bundle = ?2 UNION ALL SELECT 'a', off, len FROM apps WHERE run = ?1 AND bundle = ?2",
                              [.text(run), .text(bundle)]) { row in
                if found == nil { found = (row.text(0), row.int(1), row.int(2)) }
            }
        }
        guard let found else { return nil }
        if found.0 == "r" { return .rejected(try rejections.record(offset: found.1, length: found.2)) }
        return .accepted(try applications.record(offset: found.1, length: found.2))
    }

    public func rejection(_ id: String) throws(IntakeError) -> RejectionRecord? {
        var location: (Int, Int)?
        try indexFailure { () throws(SQLiteError) in
            try index.db.each("SELECT off, len FROM rejections WHERE id = ?", [.text(id)]) { row in location = (row.int(0), row.int(1)) }
        }
        guard let location else { return nil }
        return try rejections.record(offset: location.0, length: location.1)
    }

    func rejection(seq: Int) throws(IntakeError) -> RejectionRecord? {
        var location: (Int, Int)?
        try indexFailure { () throws(SQLiteError) in
            try index.db.each("SELECT off, len FROM rejections WHERE seq = ?", [.int(seq)]) { row in location = (row.int(0), row.int(1)) }
        }
        guard let location else { return nil }
        return try rejections.record(offset: location.0, length: location.1)
    }

    func decision(seq: Int) throws(IntakeError) -> DecisionRecord? {
        var location: (Int, Int)?
        try indexFailure { () throws(SQLiteError) in
            try index.db.each("SELECT off, len FROM decisions WHERE seq = ?", [.int(seq)]) { row in location = (row.int(0), row.int(1)) }
        }
        guard let location else { return nil }
        return try decisions.record(offset: location.0, length: location.1)
    }

    private func locations(_ sql: String, _ values: [SQLiteValue]) throws(IntakeError) -> [(Int, Int)] {
        var found: [(Int, Int)] = []
        try indexFailure { () throws(SQLiteError) in
            try index.db.each(sql, values) { row in found.append((row.int(0), row.int(1))) }
        }
        return found
    }

    public func decisions(for id: String) throws(IntakeError) -> [DecisionRecord] {
        var out: [DecisionRecord] = []
        for (off, len) in try locations("SELECT off, len FROM decisions WHERE app = ? ORDER BY seq", [.text(id)]) {
            out.append(try decisions.record(offset: off, length: len))
        }
        return out
    }

    public func status(of id: String) throws(IntakeError) -> ApplicationStatus {
        var status = ApplicationStatus.pending
        try indexFailure { () throws(SQLiteError) in
            try index.db.each("SELECT status FROM apps WHERE id = ?", [.text(id)]) { row in
                status = ApplicationStatus(rawValue: row.text(0)) ?? .pending
            }
        }
        return status
    }

    public func emailsFor(application id: String) throws(IntakeError) -> [EmailRecord] {
        var out: [EmailRecord] = []
        for (off, len) in try locations("SELECT off, len FROM emails WHERE app = ? ORDER BY seq", [.text(id)]) {
            out.append(try emails.record(offset: off, length: len))
        }
        return out
    }

    /// The hand-overs of these spool files, in store order.
    public func deliveries(ofFiles files: [String]) throws(IntakeError) -> [DeliveryRecord] {
        var seen: [(seq: Int, off: Int, len: Int)] = []
        for file in Set(files) {
            try indexFailure { () throws(SQLiteError) in
                try index.db.each("SELECT seq, off, len FROM deliveries WHERE file = ?", [.text(file)]) { row in
                    seen.append((row.int(0), row.int(1), row.int(2)))
                }
            }
        }
        var out: [DeliveryRecord] = []
        for d in seen.sorted(by: { $0.seq < $1.seq }) { out.append(try deliveries.record(offset: d.off, length: d.len)) }
        return out
    }

    public func hasEmail(_ key: String) throws(IntakeError) -> Bool {
        try indexFailure { () throws(SQLiteError) in try index.db.int("SELECT 1 FROM emails WHERE key = ? LIMIT 1", [.text(key)]) != nil }
    }

    /// Applications newest first, as `intake list` shows them, handed over one at a time.
    public func eachSummary(status: ApplicationStatus?, community: String? = nil, limit: Int?, _ body: (ApplicationSummary) -> Void) throws(IntakeError) {
        var sql = "SELECT id, status, name, email, phone, community, submitted_at, at, attachments FROM apps"
        var values: [SQLiteValue] = []
        var conditions: [String] = []
        if let status { conditions.append("status = ?"); values.append(.text(status.rawValue)) }
        if let community { conditions.append("community = ?"); values.append(.text(community)) }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY seq DESC"
        if let limit { sql += " LIMIT ?"; values.append(.int(max(0, limit))) }
        try indexFailure { () throws(SQLiteError) in
            try index.db.each(sql, values) { row in
                body(ApplicationSummary(id: row.text(0), status: ApplicationStatus(rawValue: row.text(1)) ?? .pending,
                                        name: row.text(2), email: row.text(3), phone: row.optionalText(4), community: row.text(5),
                                        submittedAt: row.text(6), receivedAt: row.text(7), attachments: row.int(8)))
            }
        }
    }

    /// The applications whose search keys can match the query (a superset of the hits), with
    /// their status, in seq order: the packed keys (``SearchBlocks``) are read block by block,
    /// and only the applications found are read from `apps`.
    public func searchCandidates(_ query: SearchQuery, status: ApplicationStatus?, community: String? = nil) throws(IntakeError) -> [(candidate: SearchCandidate, status: ApplicationStatus, receivedAt: String, community: String)] {
        var needles = [SearchBlocks.Needle(bytes: SearchKeys.utf8(query.key), fields: [.name, .email])]
        if let digits = query.phoneDigits { needles.append(SearchBlocks.Needle(bytes: digits, fields: [.phone])) }
        if let pattern = query.pattern {
            needles.append(SearchBlocks.Needle(bytes: SearchKeys.utf8(pattern.map(SearchKeys.initialMark)), fields: [.initials]))
        }
        var sql = "SELECT id, name, email, phone, at, status, community FROM apps WHERE seq = ?1"
        var values: [SQLiteValue] = [.int(0)]
        if let status {
            values.append(.text(status.rawValue))
            sql += " AND status = ?\(values.count)"
        }
        if let community {
            values.append(.text(community))
            sql += " AND community = ?\(values.count)"
        }
        var out: [(candidate: SearchCandidate, status: ApplicationStatus, receivedAt: String, community: String)] = []
        try indexFailure { () throws(SQLiteError) in
            // One read transaction: the keys and the rows are of the same moment.
            try index.db.exec("SAVEPOINT search")
            defer { try? index.db.exec("RELEASE search") }
            var seqs: [Int] = []
            try index.db.each("SELECT block, hay FROM search_blocks ORDER BY block") { row in
                let block = row.int(0)
                row.withBlob(1) { hay in SearchBlocks.matches(in: hay, block: block, needles: needles, into: &seqs) }
            }
            let fetch = try index.db.statement(sql)
            defer { fetch.reset() }
            for seq in seqs {
                values[0] = .int(seq)
                try fetch.bind(values)
                while try fetch.step() {
                    let at = fetch.text(4)
                    out.append((SearchCandidate(id: fetch.text(0), name: fetch.text(1), email: fetch.text(2), phone: fetch.optionalText(3),
                                                recordedAt: Timestamp.parse(at) ?? .distantPast),
                                ApplicationStatus(rawValue: fetch.text(5)) ?? .pending, at, fetch.optionalText(6) ?? ""))
                }
                fetch.reset()
            }
        }
        return out
    }

    /// How many applications have this status.
    public func count(status: ApplicationStatus?, community: String? = nil) throws(IntakeError) -> Int {
        try indexFailure { () throws(SQLiteError) in
            var conditions = ["what = 'apps'"]
            var values: [SQLiteValue] = []
            if let status { conditions.append("status = ?"); values.append(.text(status.rawValue)) }
            if let community { conditions.append("community = ?"); values.append(.text(community)) }
            return try index.db.int("SELECT coalesce(sum(n), 0) FROM counts WHERE " + conditions.joined(separator: " AND "), values) ?? 0
        }
    }

    /// How many applications each community has, by status (for the metrics file), from the
    /// counts the index keeps.
    public func countsByCommunity() throws(IntakeError) -> [String: [ApplicationStatus: Int]] {
        var out: [String: [ApplicationStatus: Int]] = [:]
        try indexFailure { () throws(SQLiteError) in
            try index.db.each("SELECT community, status, n FROM counts WHERE what = 'apps'", []) { row in
                let status = ApplicationStatus(rawValue: row.text(1)) ?? .pending
                out[row.text(0), default: [:]][status, default: 0] += row.int(2)
            }
        }
        return out
    }

    /// The communities applications name, in order of their first application.
    public func communitiesWithApplications() throws(IntakeError) -> [String] {
        var out: [String] = []
        try indexFailure { () throws(SQLiteError) in
            try index.db.each("SELECT community, min(seq) AS first FROM apps GROUP BY community ORDER BY first", []) { row in
                if let c = row.optionalText(0) { out.append(c) }
            }
        }
        return out
    }

    /// Whether any application names this community.
    public func hasApplications(community: String) throws(IntakeError) -> Bool {
        try indexFailure { () throws(SQLiteError) in
            try index.db.int("SELECT 1 FROM apps WHERE community = ? LIMIT 1", [.text(community)]) != nil
        }
    }

    /// Counts the index keeps, for the metrics file: rejections, messages, deliveries by outcome.
    public func count(of table: CountedTable) throws(IntakeError) -> Int {
        try indexFailure { () throws(SQLiteError) in
            switch table {
            // The newest seq, not count(*): seqs run 1, 2, 3... in every store, and count(*)
            // reads a whole index (3,800 pages of emails at 1,000,000 applications, every run).
            case .rejections: return try index.db.int("SELECT max(seq) FROM rejections") ?? 0
            case .emails: return try index.db.int("SELECT max(seq) FROM emails") ?? 0
            case .deliveries(let outcome):
                return try index.db.int("SELECT coalesce(sum(n), 0) FROM counts WHERE what = 'deliveries' AND status = ?",
                                        [.text(outcome.rawValue)]) ?? 0
            }
        }
    }

    public enum CountedTable: Sendable { case rejections, emails, deliveries(DeliveryOutcome) }

    /// The newest `limit` applications of a status (newest first).
    public func newest(status: ApplicationStatus, community: String? = nil, limit: Int) throws(IntakeError) -> [ApplicationSummary] {
        var out: [ApplicationSummary] = []
        try eachSummary(status: status, community: community, limit: limit) { out.append($0) }
        return out
    }

    /// Failed hand-overs recorded after `since`, newest first, at most `limit`, and how many there are.
    public func failedDeliveries(after since: String, limit: Int) throws(IntakeError) -> (newest: [DeliveryRecord], count: Int) {
        let count = try indexFailure { () throws(SQLiteError) in
            try index.db.int("SELECT count(*) FROM deliveries WHERE outcome = 'failed' AND at > ?", [.text(since)]) ?? 0
        }
        var out: [DeliveryRecord] = []
        for (off, len) in try locations("SELECT off, len FROM deliveries WHERE outcome = 'failed' AND at > ? ORDER BY seq DESC LIMIT ?",
                                        [.text(since), .int(limit)]) {
            out.append(try deliveries.record(offset: off, length: len))
        }
        return (out, count)
    }

    /// The last run record, and the last one that ended with exit 0.
    public func lastRun(successful: Bool = false) throws(IntakeError) -> RunRecord? {
        let sql = successful ? "SELECT off, len FROM runs WHERE exit = 0 ORDER BY seq DESC LIMIT 1" : "SELECT off, len FROM runs ORDER BY seq DESC LIMIT 1"
        guard let (off, len) = try locations(sql, []).first else { return nil }
        return try runs.record(offset: off, length: len)
    }

    /// The message spooled as this file, if it is one of ours.
    public func email(file: String) throws(IntakeError) -> EmailRecord? {
        guard let (off, len) = try locations("SELECT off, len FROM emails WHERE file = ? ORDER BY seq LIMIT 1", [.text(file)]).first else { return nil }
        return try emails.record(offset: off, length: len)
    }

    /// The latest hand-over outcome of a spool file, if it was ever handed over.
    public func latestOutcome(file: String) throws(IntakeError) -> DeliveryOutcome? {
        try indexFailure { () throws(SQLiteError) in
            var outcome: DeliveryOutcome?
            try index.db.each("SELECT outcome FROM deliveries WHERE file = ? ORDER BY seq DESC LIMIT 1", [.text(file)]) { row in
                outcome = DeliveryOutcome(rawValue: row.text(0))
            }
            return outcome
        }
    }

    /// The seq of the last `deliveries.jsonl` line (0 when there is none).
    public var lastDeliverySeq: Int { deliveries.nextSeq - 1 }

    /// The deliveries seq the newest site-wide digest reported failures through; nil when the
    /// recent digests predate that field (or there are none). A community's digest reports no
    /// deliveries.
    public func deliveriesReportedThrough() throws(IntakeError) -> Int? {
        for (off, len) in try locations("SELECT off, len FROM emails WHERE kind = 'digest' AND community IS NULL ORDER BY seq DESC LIMIT 20", []) {
            if let through = try emails.record(offset: off, length: len).deliveriesThrough { return through }
        }
        return nil
    }

    /// Failed hand-overs after deliveries seq `seq`, newest first, at most `limit`, and how many there are.
    public func failedDeliveries(afterSeq seq: Int, limit: Int) throws(IntakeError) -> (newest: [DeliveryRecord], count: Int) {
        let count = try indexFailure { () throws(SQLiteError) in
            try index.db.int("SELECT count(*) FROM deliveries WHERE outcome = 'failed' AND seq > ?", [.int(seq)]) ?? 0
        }
        var out: [DeliveryRecord] = []
        for (off, len) in try locations("SELECT off, len FROM deliveries WHERE outcome = 'failed' AND seq > ? ORDER BY seq DESC LIMIT ?",
                                        [.int(seq), .int(limit)]) {
            out.append(try deliveries.record(offset: off, length: len))
        }
        return (out, count)
    }

    /// Whether a run of this id finished with exit 0.
    public func ranSuccessfully(_ run: String) throws(IntakeError) -> Bool {
        try indexFailure { () throws(SQLiteError) in
            try index.db.int("SELECT 1 FROM runs WHERE run = ? AND exit = 0 LIMIT 1", [.text(run)]) != nil
        }
    }

    /// The (run, seq, community) of the newest applications (`rejections: false`) or
    /// rejections, newest first, for as long as `body` returns true.
    func eachRecent(rejections: Bool, _ body: (_ run: String, _ seq: Int, _ community: String?) throws(IntakeError) -> Bool) throws(IntakeError) {
        let sql = rejections ? "SELECT run, seq, community FROM rejections ORDER BY seq DESC LIMIT ? OFFSET ?" : "SELECT run, seq, community FROM apps ORDER BY seq DESC LIMIT ? OFFSET ?"
        // Pages of rows, so that `body` may query the index between them.
        var offset = 0
        let page = 256
        while true {
            var rows: [(String, Int, String?)] = []
            try indexFailure { () throws(SQLiteError) in
                try index.db.each(sql, [.int(page), .int(offset)]) { row in rows.append((row.text(0), row.int(1), row.optionalText(2))) }
            }
            for (run, seq, community) in rows where try !body(run, seq, community) { return }
            if rows.count < page { return }
            offset += page
        }
    }

    /// One event still owed a message: its kind and the store line it is about.
    struct OwedEvent {
        var key: String
        var kind: MessageKind
        /// 0: an application (received), 1: a rejection, 2: a decision.
        var order: Int
        var seq: Int
    }

    /// When a kind was last switched off: the end of the last run that had it off (or of the
    /// last run of an older version that ended well, which does not say); "" when never.
    func switchedOff(_ kind: MessageKind) throws(IntakeError) -> String {
        try indexFailure { () throws(SQLiteError) in
            var since = ""
            try index.db.each("SELECT max(finished) FROM runs WHERE (mail_off = '*' AND exit = 0) OR instr(mail_off, ?) > 0",
                              [.text(",\(kind.rawValue),")]) { row in since = row.optionalText(0) ?? "" }
            return since
        }
    }

    /// Events of these kinds without their message, recorded after the kind was last switched
    /// off, in event order (applications, rejections, decisions; each in store order).
    func owedEvents(kinds: [MessageKind]) throws(IntakeError) -> [OwedEvent] {
        var out: [OwedEvent] = []
        for kind in kinds {
            let since = try switchedOff(kind)
            try indexFailure { () throws(SQLiteError) in
                try index.db.each("SELECT key, ord, seq FROM owed WHERE kind = ? AND at > ?", [.text(kind.rawValue), .text(since)]) { row in
                    out.append(OwedEvent(key: row.text(0), kind: kind, order: row.int(1), seq: row.int(2)))
                }
            }
        }
        return out.sorted { ($0.order, $0.seq) < ($1.order, $1.seq) }
    }


    /// The identity of a digest: `digest:<run>` for the site's, `digest:<run>:<community>` for a community's.
    static func digestKey(run: String, community: String?) -> String {
        community.map { "digest:\(run):\($0)" } ?? "digest:\(run)"
    }

    // MARK: Appends

    /// Flushes every store's appended lines to disk, then commits their index rows.
    public func syncAll() throws(IntakeError) {
        batching = true
        defer { batching = false }
        try applications.sync()
        try rejections.sync()
        try decisions.sync()
        try emails.sync()
        try deliveries.sync()
        try runs.sync()
        batching = false
        try commitIndex()
    }

    /// Appends to a store, then takes the line into the index (committed with the store's flush).
    private func appendIndexed<E: IndexEntry>(_ record: E.Record, to store: JSONLinesStore<E.Record>, sync: Bool,
                                              _ insert: (E, Int, Int) throws(SQLiteError) -> Void) throws(IntakeError) -> E.Record {
        typealias R = E.Record
        let written = try store.append(record, sync: false)
        if let (offset, bytes) = store.lastAppended {
            let line = bytes.dropLast()
            try indexFailure { () throws(SQLiteError) in
                try index.begin()
                try insert(E(written), offset, line.count)
                try index.setWatermark(R.storeName, SiteIndex.Watermark(offset: offset + bytes.count, seq: written.seq,
                                                                        lastStart: offset, lastHash: SiteIndex.hash(line)))
            }
        }
        if sync { try store.sync() }
        return written
    }

    @discardableResult
    public func append(_ record: ApplicationRecord, sync: Bool = true) throws(IntakeError) -> ApplicationRecord {
        try appendIndexed(record, to: applications, sync: sync, index.insert as (ApplicationEntry, Int, Int) throws(SQLiteError) -> Void)
    }

    @discardableResult
    public func append(_ record: RejectionRecord, sync: Bool = true) throws(IntakeError) -> RejectionRecord {
        try appendIndexed(record, to: rejections, sync: sync, index.insert)
    }

    @discardableResult
    public func append(_ record: DecisionRecord) throws(IntakeError) -> DecisionRecord {
        try appendIndexed(record, to: decisions, sync: true, index.insert)
    }

    @discardableResult
    public func append(_ record: EmailRecord, sync: Bool = true) throws(IntakeError) -> EmailRecord {
        try appendIndexed(record, to: emails, sync: sync, index.insert)
    }

    @discardableResult
    public func append(_ record: DeliveryRecord) throws(IntakeError) -> DeliveryRecord {
        try appendIndexed(record, to: deliveries, sync: true, index.insert)
    }

    @discardableResult
    public func append(_ record: RunRecord) throws(IntakeError) -> RunRecord {
        try appendIndexed(record, to: runs, sync: true, index.insert)
    }
}

/// Rebuilding the derived index and checking it against the stores.
public enum SiteIndexMaintenance {
    /// Throws the index away and takes every store line in again, under the site lock.
    /// - Returns: the number of store lines taken in.
    public static func rebuild(site: Site, progress: SiteStores.Progress? = nil) throws(IntakeError) -> Int {
        let lock = try SiteLock(site: site)
        defer { withExtendedLifetime(lock) {} }
        var total = 0
        _ = try SiteStores(site: site, writable: false, rebuild: true) { lines, store in
            total = lines
            progress?(lines, store)
        }
        return total
    }

    /// Whether the index, once caught up, holds exactly what a rebuild from the stores would.
    /// - Parameter also: more checks to run on the index built afresh from the stores.
    /// - Returns: problems (empty when it agrees).
    public static func check(site: Site) -> [StoreProblem] { check(site: site) { _ in [] } }

    static func check(site: Site, also: (SiteIndex) throws(SQLiteError) -> [StoreProblem]) -> [StoreProblem] {
        let name = "data/index/\(SiteIndex.fileName)"
        let scratch = FileSystem.join(SiteIndex.directory(site), "verify-\(getpid()).sqlite")
        defer { for suffix in ["", "-wal", "-shm", "-journal"] { unlink(scratch + suffix) } }
        do {
            let fresh = try SiteStores(site: site, writable: false, rebuild: true, indexFile: scratch, progress: nil)
            var problems = try also(fresh.index)
            let current = try SiteStores(site: site, writable: false)
            guard current.index.path != ":memory:", fresh.index.path == scratch else { return problems }
            let differences = try current.index.differences(from: scratch)
            problems += differences.sorted(by: { $0.key < $1.key }).map { table, rows in
                StoreProblem(file: name, line: 0, detail: "the index disagrees with the stores (\(rows) rows of \(table)); `intake reindex` rebuilds it")
            }
            return problems
        } catch let error as SQLiteError {
            return [StoreProblem(file: name, line: 0, detail: "the index cannot be read (\(error.message)); `intake reindex` rebuilds it")]
        } catch {
            return []  // the stores themselves are damaged: their line checks say where
        }
    }
}

/// The ids intake hands out: short, sortable, easy to read aloud and to type.
public enum Identifiers {
    public static func application(_ seq: Int) -> String { "A" + pad(seq) }

    /// Where an accepted application's files are kept, below `data/`: `files/A001/A001234`,
    /// a folder of at most 1,000 applications per thousand ids. In one folder of a million
    /// applications each new entry costs a read of a directory block from the disk (the
    /// folder's blocks are 30 MB and seldom cached): a run of 100 bundles took 0.12 s at
    /// 1,000,000 applications against 0.07 s on a new site. Records name their folder, so
    /// applications recorded before, as `files/A000042`, stay where they are.
    public static func filesFolder(_ id: String) -> String {
        let shard = id.count > 3 ? String(id.dropLast(3)) : id
        return "files/\(shard)/\(id)"
    }
    public static func rejection(_ seq: Int) -> String { "R" + pad(seq) }

    private static func pad(_ n: Int) -> String {
        let digits = String(n)
        return digits.count >= 6 ? digits : String(repeating: "0", count: 6 - digits.count) + digits
    }

    /// A run id: UTC time to the second plus a random suffix, e.g. `20261130T021500Z-3f9a`.
    public static func run(at date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let stamp = String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
        return stamp + "-" + String(format: "%04x", UInt16.random(in: 0...UInt16.max))
    }
}
