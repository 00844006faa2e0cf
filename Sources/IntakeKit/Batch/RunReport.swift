import Foundation

/// What happened to one bundle in a run.
public struct BundleOutcome: Sendable, Codable, Equatable {
    public enum Verdict: String, Sendable, Codable {
        case accepted, rejected
    }
    public var bundle: String
    public var verdict: Verdict
    /// The application id (accepted) or rejection id (rejected); nil in a dry run.
    public var id: String?
    public var reasons: [Reason]
    public var duplicateOf: String?
    /// Finished for a run that was interrupted.
    public var resumed: Bool
    /// The community the manifest names, when it was readable enough to say.
    public var community: String? = nil

    enum CodingKeys: String, CodingKey {
        case bundle, verdict, id, reasons, resumed, community
        case duplicateOf = "duplicate_of"
    }
}

/// Where a run is, for a progress line.
public struct RunProgress: Sendable {
    public var done: Int
    public var total: Int
    public var bytes: Int64
    public var elapsed: TimeInterval

    public init(done: Int, total: Int, bytes: Int64, elapsed: TimeInterval) {
        self.done = done
        self.total = total
        self.bytes = bytes
        self.elapsed = elapsed
    }
}

/// Everything a run did, as `intake run --json` prints it.
public struct RunReport: Sendable, Codable {
    public var run: String
    public var dryRun: Bool
    public var started: String
    public var finished: String
    public var seconds: Double
    public var counts: RunCounts
    public var outcomes: [BundleOutcome]
    /// Bundles still being written, or without a manifest yet, left in the inbox.
    public var waiting: [String]
    /// Inbox entries that are not bundle folders.
    public var strays: [String]
    /// Messages a dry run would spool, or a real run did.
    public var emails: Int
    /// Things the admin should know that did not stop the run (a message that could not be rendered).
    public var warnings: [String]
    /// The feature flags in force: each kind of mail, the digest, XML manifests.
    public var features: [String: Bool] = [:]
    public var exit: Int32

    enum CodingKeys: String, CodingKey {
        case run, started, finished, seconds, counts, outcomes, waiting, strays, emails, warnings, features, exit
        case dryRun = "dry_run"
    }
}
