import Foundation

/// One accepted attachment.
public struct AttachmentRecord: Codable, Sendable, Equatable {
    public var file: String
    public var kind: String
    public var size: Int
    public var sha256: String
    public var detectedType: String
    public var declaredType: String
    /// What follows the end of the format and was judged harmless (padding, the further
    /// pictures of a multi-picture JPEG, a motion photo's video); absent when nothing follows.
    public var trailing: [TrailingSegment]?

    public init(file: String, kind: String, size: Int, sha256: String, detectedType: String,
                declaredType: String, trailing: [TrailingSegment]? = nil) {
        self.file = file
        self.kind = kind
        self.size = size
        self.sha256 = sha256
        self.detectedType = detectedType
        self.declaredType = declaredType
        self.trailing = trailing
    }

    enum CodingKeys: String, CodingKey {
        case file, kind, size, sha256, trailing
        case detectedType = "detected_type"
        case declaredType = "declared_type"
    }
}

/// `applications.jsonl`: one accepted application.
public struct ApplicationRecord: StoreRecord, Equatable {
    public static let storeName = "applications.jsonl"
    public var v = 1
    public var seq = 0
    public var at = ""
    public var id: String
    /// The run that accepted it; with `bundle`, what lets a resumed run recognise its own work.
    public var run: String
    public var bundle: String
    /// SHA-256 over the manifest and every file's name and content: the duplicate key.
    public var digest: String
    public var community: String
    public var applicant: Applicant
    public var answers: [String: String]
    public var submittedAt: String
    public var manifest: String
    /// Where the files are kept, under `data/`.
    public var files: String
    public var attachments: [AttachmentRecord]

    enum CodingKeys: String, CodingKey {
        case v, seq, at, id, run, bundle, digest, community, applicant, answers, manifest, files, attachments
        case submittedAt = "submitted_at"
    }
}

/// `rejections.jsonl`: one rejected bundle.
public struct RejectionRecord: StoreRecord, Equatable {
    public static let storeName = "rejections.jsonl"
    public var v = 1
    public var seq = 0
    public var at = ""
    /// Rejections get ids too (R000001), so messages and the admin can name them.
    public var id: String
    public var run: String
    public var bundle: String
    public var digest: String?
    public var reasons: [Reason]
    /// Where the bundle lies now, under `data/`.
    public var quarantine: String
    /// Who to tell, when the manifest was readable enough to say.
    public var applicant: Applicant?
    public var duplicateOf: String?
    /// The community the manifest names, when it was readable enough to say (known to the
    /// site or not); absent in the lines of older versions.
    public var community: String? = nil

    enum CodingKeys: String, CodingKey {
        case v, seq, at, id, run, bundle, digest, reasons, quarantine, applicant, community
        case duplicateOf = "duplicate_of"
    }
}

public enum Decision: String, Codable, Sendable, CaseIterable {
    case approved, declined
}

/// `decisions.jsonl`: one admin decision.
public struct DecisionRecord: StoreRecord, Equatable {
    public static let storeName = "decisions.jsonl"
    public var v = 1
    public var seq = 0
    public var at = ""
    public var id: String
    public var decision: Decision
    public var by: String
    public var note: String?
    public var reason: String?
}

/// `emails.jsonl`: one message put into the spool.
public struct EmailRecord: StoreRecord, Equatable {
    public static let storeName = "emails.jsonl"
    public var v = 1
    public var seq = 0
    public var at = ""
    /// The application (absent for admin mail and rejections).
    public var id: String?
    /// The rejection a "rejected" message is about.
    public var rejection: String?
    /// The `decisions.jsonl` seq an "approved"/"declined" message is about.
    public var decision: Int?
    /// The run whose digest this is.
    public var run: String?
    public var kind: MessageKind
    public var messageID: String
    public var to: String
    /// The spool file name (the same in new/, cur/ or failed/).
    public var file: String
    public var locale: String
    /// For a digest: the last `deliveries.jsonl` seq it reported on; the next digest lists the
    /// failures after it (what has not been reported yet, whatever the clocks say).
    public var deliveriesThrough: Int? = nil
    /// For a community's own digest: the community (absent for the site-wide digest and for
    /// applicant mail).
    public var community: String? = nil

    enum CodingKeys: String, CodingKey {
        case v, seq, at, id, rejection, decision, run, kind, to, file, locale, community
        case messageID = "message_id"
        case deliveriesThrough = "deliveries_through"
    }
}

public enum DeliveryOutcome: String, Codable, Sendable {
    case delivered, deferred, failed
}

/// `deliveries.jsonl`: one hand-over of a spooled message to the MTA.
public struct DeliveryRecord: StoreRecord, Equatable {
    public static let storeName = "deliveries.jsonl"
    public var v = 1
    public var seq = 0
    public var at = ""
    public var file: String
    public var messageID: String
    public var outcome: DeliveryOutcome
    public var detail: String

    enum CodingKeys: String, CodingKey {
        case v, seq, at, file, outcome, detail
        case messageID = "message_id"
    }
}

/// Counts of one batch run.
public struct RunCounts: Codable, Sendable, Equatable {
    public var claimed = 0
    public var resumed = 0
    public var accepted = 0
    public var rejected = 0
    public var duplicates = 0
    public var skippedUnsettled = 0
    public var emails = 0
    public var bytes: Int64 = 0
    public init() {}

    enum CodingKeys: String, CodingKey {
        case claimed, resumed, accepted, rejected, duplicates, emails, bytes
        case skippedUnsettled = "unsettled"
    }
}

/// `runs.jsonl`: one batch run.
public struct RunRecord: StoreRecord, Equatable {
    public static let storeName = "runs.jsonl"
    public var v = 1
    public var seq = 0
    public var at = ""
    public var run: String
    public var started: String
    public var finished: String
    public var seconds: Double
    public var counts: RunCounts
    public var exit: Int32
    public var error: String?
    /// The feature flags the run had (`mail_received`...), so that a message kind switched on
    /// later is owed only for the events recorded after the last run that had it off. Absent
    /// in the lines of older versions.
    public var features: [String: Bool]? = nil
}
