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

/// All six stores of a site, opened together, with the indexes every command needs.
public final class SiteStores {
    public let applications: JSONLinesStore<ApplicationRecord>
    public let rejections: JSONLinesStore<RejectionRecord>
    public let decisions: JSONLinesStore<DecisionRecord>
    public let emails: JSONLinesStore<EmailRecord>
    public let deliveries: JSONLinesStore<DeliveryRecord>
    public let runs: JSONLinesStore<RunRecord>

    private var applicationIndex: [String: Int] = [:]
    private var digestIndex: [String: String] = [:]
    private var bundleIndex: [String: BundleRecordRef] = [:]
    private var decisionIndex: [String: [DecisionRecord]] = [:]
    private var emailKeys: Set<String> = []

    /// Opens every store; `writable` needs the site lock.
    public init(site: Site, writable: Bool) throws(IntakeError) {
        applications = try JSONLinesStore(directory: site.stores, writable: writable)
        rejections = try JSONLinesStore(directory: site.stores, writable: writable)
        decisions = try JSONLinesStore(directory: site.stores, writable: writable)
        emails = try JSONLinesStore(directory: site.stores, writable: writable)
        deliveries = try JSONLinesStore(directory: site.stores, writable: writable)
        runs = try JSONLinesStore(directory: site.stores, writable: writable)
        for (offset, record) in applications.records.enumerated() { index(record, at: offset) }
        for record in rejections.records { bundleIndex[Self.bundleKey(record.run, record.bundle)] = .rejected(record) }
        for record in decisions.records { decisionIndex[record.id, default: []].append(record) }
        for record in emails.records { emailKeys.insert(Self.emailKey(record)) }
    }

    private func index(_ record: ApplicationRecord, at offset: Int) {
        applicationIndex[record.id] = offset
        if digestIndex[record.digest] == nil { digestIndex[record.digest] = record.id }
        bundleIndex[Self.bundleKey(record.run, record.bundle)] = .accepted(record)
    }

    static func bundleKey(_ run: String, _ bundle: String) -> String { run + "/" + bundle }

    // MARK: Queries

    public func application(_ id: String) -> ApplicationRecord? {
        applicationIndex[id].map { applications.records[$0] }
    }

    /// Normalises what an admin types ("42", "a42", "A000042") to a stored id, if it exists.
    public func resolveApplicationID(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        if applicationIndex[trimmed] != nil { return trimmed }
        let digits = trimmed.hasPrefix("A") ? String(trimmed.dropFirst()) : trimmed
        if let n = Int(digits), n > 0 {
            let id = Identifiers.application(n)
            if applicationIndex[id] != nil { return id }
        }
        return nil
    }

    /// The first accepted application with this content digest.
    public func applicationID(forDigest digest: String) -> String? { digestIndex[digest] }

    /// What an earlier (interrupted) run recorded for a bundle in its `work/` folder.
    public func recorded(run: String, bundle: String) -> BundleRecordRef? {
        bundleIndex[Self.bundleKey(run, bundle)]
    }

    public func decisions(for id: String) -> [DecisionRecord] { decisionIndex[id] ?? [] }

    public func status(of id: String) -> ApplicationStatus {
        switch decisions(for: id).last?.decision {
        case .approved: return .approved
        case .declined: return .declined
        case nil: return .pending
        }
    }

    public func emailsFor(application id: String) -> [EmailRecord] {
        emails.records.filter { $0.id == id }
    }

    public func hasEmail(_ key: String) -> Bool { emailKeys.contains(key) }

    /// The identity of a message: one per event, whatever the run.
    static func emailKey(_ record: EmailRecord) -> String {
        switch record.kind {
        case .received: return "received:\(record.id ?? "")"
        case .rejected: return "rejected:\(record.rejection ?? "")"
        case .approved, .declined: return "decision:\(record.decision ?? 0)"
        case .digest: return "digest:\(record.run ?? "")"
        }
    }

    // MARK: Appends

    /// Flushes every store's appended lines to disk.
    public func syncAll() throws(IntakeError) {
        try applications.sync()
        try rejections.sync()
        try decisions.sync()
        try emails.sync()
        try deliveries.sync()
        try runs.sync()
    }

    @discardableResult
    public func append(_ record: ApplicationRecord, sync: Bool = true) throws(IntakeError) -> ApplicationRecord {
        let written = try applications.append(record, sync: sync)
        index(written, at: applications.records.count - 1)
        return written
    }

    @discardableResult
    public func append(_ record: RejectionRecord, sync: Bool = true) throws(IntakeError) -> RejectionRecord {
        let written = try rejections.append(record, sync: sync)
        bundleIndex[Self.bundleKey(written.run, written.bundle)] = .rejected(written)
        return written
    }

    @discardableResult
    public func append(_ record: DecisionRecord) throws(IntakeError) -> DecisionRecord {
        let written = try decisions.append(record)
        decisionIndex[written.id, default: []].append(written)
        return written
    }

    @discardableResult
    public func append(_ record: EmailRecord, sync: Bool = true) throws(IntakeError) -> EmailRecord {
        let written = try emails.append(record, sync: sync)
        emailKeys.insert(Self.emailKey(written))
        return written
    }

    @discardableResult
    public func append(_ record: DeliveryRecord) throws(IntakeError) -> DeliveryRecord {
        try deliveries.append(record)
    }

    @discardableResult
    public func append(_ record: RunRecord) throws(IntakeError) -> RunRecord {
        try runs.append(record)
    }
}

/// The ids intake hands out: short, sortable, easy to read aloud and to type.
public enum Identifiers {
    public static func application(_ seq: Int) -> String { "A" + pad(seq) }
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
