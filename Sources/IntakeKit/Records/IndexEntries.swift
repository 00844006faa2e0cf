/// What the index takes from one store line: made either from a record just appended, or
/// straight from a line's bytes by ``StoreLineScanner`` when catching up.
///
/// Both ways give the same entry, so the index rows of a line do not depend on how the line
/// came in (the randomised test compares an index kept up by appends with one rebuilt from
/// the stores).
protocol IndexEntry: Sendable {
    associatedtype Record: StoreRecord
    var seq: Int { get }
    init(_ record: Record)
    init(line: ArraySlice<UInt8>) throws(StoreLineScanner.Failure)
}

private func required<T>(_ value: T?, _ name: String) throws(StoreLineScanner.Failure) -> T {
    guard let value else { throw StoreLineScanner.Failure(detail: "missing \"\(name)\"") }
    return value
}

private func rawValue<T: RawRepresentable<String>>(_ text: String?, _ name: String) throws(StoreLineScanner.Failure) -> T {
    let text = try required(text, name)
    guard let value = T(rawValue: text) else { throw StoreLineScanner.Failure(detail: "\"\(name)\" is not one of its values: \(text)") }
    return value
}

struct ApplicationEntry: IndexEntry {
    var seq: Int, at: String, id: String, run: String, bundle: String, digest: String
    var name: String, email: String, phone: String?
    var community: String, submittedAt: String, attachments: Int
    /// Normalised here, on the reader's thread when catching up.
    var keys: SearchKeys

    init(_ r: ApplicationRecord) {
        seq = r.seq; at = r.at; id = r.id; run = r.run; bundle = r.bundle; digest = r.digest
        name = r.applicant.name; email = r.applicant.email; phone = r.applicant.phone
        community = r.community; submittedAt = r.submittedAt; attachments = r.attachments.count
        keys = SearchKeys(name: name, email: email, phone: phone)
    }

    init(line: ArraySlice<UInt8>) throws(StoreLineScanner.Failure) {
        var seq: Int?, at: String?, id: String?, run: String?, bundle: String?, digest: String?
        var name: String?, email: String?, phone: String?, hasApplicant = false
        var community: String?, submittedAt: String?, attachments: Int?
        try StoreLineScanner.scan(line) { (key, s) throws(StoreLineScanner.Failure) in
            if key == "seq" { seq = try s.int() }
            else if key == "at" { at = try s.string() }
            else if key == "id" { id = try s.string() }
            else if key == "run" { run = try s.string() }
            else if key == "bundle" { bundle = try s.string() }
            else if key == "digest" { digest = try s.string() }
            else if key == "community" { community = try s.string() }
            else if key == "submitted_at" { submittedAt = try s.string() }
            else if key == "attachments" { attachments = try s.array { (s) throws(StoreLineScanner.Failure) in try s.skipValue() } }
            else if key == "applicant" {
                hasApplicant = true
                try s.object { (key, s) throws(StoreLineScanner.Failure) in
                    if key == "name" { name = try s.string() }
                    else if key == "email" { email = try s.string() }
                    else if key == "phone" { phone = try s.optionalString() }
                    else { try s.skipValue() }
                }
            }
            else { try s.skipValue() }
        }
        self.seq = try required(seq, "seq"); self.at = try required(at, "at"); self.id = try required(id, "id")
        self.run = try required(run, "run"); self.bundle = try required(bundle, "bundle"); self.digest = try required(digest, "digest")
        _ = try required(hasApplicant ? true : nil, "applicant")
        self.name = try required(name, "name"); self.email = try required(email, "email"); self.phone = phone
        self.community = try required(community, "community"); self.submittedAt = try required(submittedAt, "submitted_at")
        self.attachments = try required(attachments, "attachments")
        self.keys = SearchKeys(name: self.name, email: self.email, phone: phone)
    }
}

struct RejectionEntry: IndexEntry {
    var seq: Int, at: String, id: String, run: String, bundle: String, community: String?
    /// The applicant's address, when the manifest was readable enough to say who to tell.
    var applicantEmail: String?

    init(_ r: RejectionRecord) {
        seq = r.seq; at = r.at; id = r.id; run = r.run; bundle = r.bundle; community = r.community
        applicantEmail = r.applicant?.email
    }

    init(line: ArraySlice<UInt8>) throws(StoreLineScanner.Failure) {
        var seq: Int?, at: String?, id: String?, run: String?, bundle: String?, community: String?
        var applicant = false, email: String?
        try StoreLineScanner.scan(line) { (key, s) throws(StoreLineScanner.Failure) in
            if key == "seq" { seq = try s.int() }
            else if key == "at" { at = try s.string() }
            else if key == "id" { id = try s.string() }
            else if key == "run" { run = try s.string() }
            else if key == "bundle" { bundle = try s.string() }
            else if key == "community" { community = try s.optionalString() }
            else if key == "applicant" {
                if try s.null() { applicant = false; email = nil; return }
                applicant = true
                try s.object { (key, s) throws(StoreLineScanner.Failure) in
                    if key == "email" { email = try s.string() } else { try s.skipValue() }
                }
            }
            else { try s.skipValue() }
        }
        self.seq = try required(seq, "seq"); self.at = try required(at, "at"); self.id = try required(id, "id")
        self.run = try required(run, "run"); self.bundle = try required(bundle, "bundle"); self.community = community
        self.applicantEmail = applicant ? try required(email, "email") : nil
    }
}

struct DecisionEntry: IndexEntry {
    var seq: Int, at: String, id: String, decision: Decision

    init(_ r: DecisionRecord) {
        seq = r.seq; at = r.at; id = r.id; decision = r.decision
    }

    init(line: ArraySlice<UInt8>) throws(StoreLineScanner.Failure) {
        var seq: Int?, at: String?, id: String?, decision: String?
        try StoreLineScanner.scan(line) { (key, s) throws(StoreLineScanner.Failure) in
            if key == "seq" { seq = try s.int() }
            else if key == "at" { at = try s.string() }
            else if key == "id" { id = try s.string() }
            else if key == "decision" { decision = try s.string() }
            else { try s.skipValue() }
        }
        self.seq = try required(seq, "seq"); self.at = try required(at, "at"); self.id = try required(id, "id")
        self.decision = try rawValue(decision, "decision")
    }
}

struct EmailEntry: IndexEntry {
    var seq: Int, id: String?, rejection: String?, decision: Int?, run: String?
    var kind: MessageKind, file: String, community: String?

    init(_ r: EmailRecord) {
        seq = r.seq; id = r.id; rejection = r.rejection; decision = r.decision; run = r.run
        kind = r.kind; file = r.file; community = r.community
    }

    init(line: ArraySlice<UInt8>) throws(StoreLineScanner.Failure) {
        var seq: Int?, id: String?, rejection: String?, decision: Int?, run: String?
        var kind: String?, file: String?, community: String?
        try StoreLineScanner.scan(line) { (key, s) throws(StoreLineScanner.Failure) in
            if key == "seq" { seq = try s.int() }
            else if key == "id" { id = try s.optionalString() }
            else if key == "rejection" { rejection = try s.optionalString() }
            else if key == "decision" { decision = try s.optionalInt() }
            else if key == "run" { run = try s.optionalString() }
            else if key == "kind" { kind = try s.string() }
            else if key == "file" { file = try s.string() }
            else if key == "community" { community = try s.optionalString() }
            else { try s.skipValue() }
        }
        self.seq = try required(seq, "seq"); self.id = id; self.rejection = rejection; self.decision = decision
        self.run = run; self.kind = try rawValue(kind, "kind"); self.file = try required(file, "file")
        self.community = community
    }

    /// The identity of the message: one per event, whatever the run.
    var key: String {
        switch kind {
        case .received: return "received:\(id ?? "")"
        case .rejected: return "rejected:\(rejection ?? "")"
        case .approved, .declined: return "decision:\(decision ?? 0)"
        case .digest: return SiteStores.digestKey(run: run ?? "", community: community)
        }
    }
}

struct DeliveryEntry: IndexEntry {
    var seq: Int, at: String, file: String, outcome: DeliveryOutcome

    init(_ r: DeliveryRecord) {
        seq = r.seq; at = r.at; file = r.file; outcome = r.outcome
    }

    init(line: ArraySlice<UInt8>) throws(StoreLineScanner.Failure) {
        var seq: Int?, at: String?, file: String?, outcome: String?
        try StoreLineScanner.scan(line) { (key, s) throws(StoreLineScanner.Failure) in
            if key == "seq" { seq = try s.int() }
            else if key == "at" { at = try s.string() }
            else if key == "file" { file = try s.string() }
            else if key == "outcome" { outcome = try s.string() }
            else { try s.skipValue() }
        }
        self.seq = try required(seq, "seq"); self.at = try required(at, "at"); self.file = try required(file, "file")
        self.outcome = try rawValue(outcome, "outcome")
    }
}

struct RunEntry: IndexEntry {
    var seq: Int, run: String, finished: String, exit: Int
    /// The feature flags the run had; nil in the lines of older versions.
    var features: [String: Bool]?

    init(_ r: RunRecord) {
        seq = r.seq; run = r.run; finished = r.finished; exit = Int(r.exit); features = r.features
    }

    init(line: ArraySlice<UInt8>) throws(StoreLineScanner.Failure) {
        var seq: Int?, run: String?, finished: String?, exit: Int?, features: [String: Bool]?
        try StoreLineScanner.scan(line) { (key, s) throws(StoreLineScanner.Failure) in
            if key == "seq" { seq = try s.int() }
            else if key == "run" { run = try s.string() }
            else if key == "finished" { finished = try s.string() }
            else if key == "exit" { exit = try s.int() }
            else if key == "features" {
                if try s.null() { features = nil; return }
                var flags: [String: Bool] = [:]
                try s.object { (key, s) throws(StoreLineScanner.Failure) in flags[key.text] = try s.bool() }
                features = flags
            }
            else { try s.skipValue() }
        }
        self.seq = try required(seq, "seq"); self.run = try required(run, "run"); self.finished = try required(finished, "finished")
        guard let code = Int32(exactly: try required(exit, "exit")) else { throw StoreLineScanner.Failure(detail: "\"exit\" out of range") }
        self.exit = Int(code)
        self.features = features
    }
}
