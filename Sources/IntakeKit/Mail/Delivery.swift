import Foundation

/// The outcome of one `intake deliver`.
public struct DeliveryReport: Sendable, Codable {
    public var delivered: [String] = []
    public var deferred: [String] = []
    public var failed: [String] = []
    /// Messages found mid-hand-over from an interrupted deliver; moved to failed/ rather than risk sending twice.
    public var inDoubt: [String] = []
    public init() {}
}

/// Hands spooled messages to the system MTA through its `sendmail` interface.
///
/// Each message is first claimed by renaming it from `new/` to `cur/`, then piped to
/// `sendmail -oi -f SENDER -- RECIPIENT` (LF line endings, the recipient from `emails.jsonl`,
/// never from the message's own headers). Exit 0 leaves it in `cur/` as delivered; exit 75
/// (EX_TEMPFAIL) puts it back in `new/` for the next try; anything else moves it to `failed/`.
/// Every outcome is a `deliveries.jsonl` line. A message found in `cur/` without an outcome
/// (the process died mid-hand-over) is moved to `failed/` as in doubt: a message is never
/// handed over twice.
public struct Deliverer {
    public let site: Site
    public let config: SiteConfig
    public let sendmail: String
    public var timeout: TimeInterval = 120

    public init(site: Site, config: SiteConfig, sendmail: String = "/usr/sbin/sendmail") {
        self.site = site
        self.config = config
        self.sendmail = sendmail
    }

    public func deliver(progress: (@Sendable (Int, Int) -> Void)? = nil) throws(IntakeError) -> DeliveryReport {
        try site.checkLayout()
        guard FileManager.default.isExecutableFile(atPath: sendmail) else {
            throw .siteNotReady(root: site.root, missing: "the MTA's sendmail program at \(sendmail) (install postfix, exim4 or nullmailer, or pass --sendmail PATH)")
        }
        let lock = try SiteLock(site: site)
        defer { withExtendedLifetime(lock) {} }
        let stores = try SiteStores(site: site, writable: true)
        let spool = Spool(site: site)
        var report = DeliveryReport()
        let emailsByFile = Dictionary(stores.emails.records.map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
        let outcomeFiles = Set(stores.deliveries.records.filter { $0.outcome != .deferred }.map(\.file))

        // Hand-overs an interrupted deliver left without an outcome.
        for file in try FileSystem.list(site.outboxCur) where !file.hasPrefix(".") && emailsByFile[file] != nil && !outcomeFiles.contains(file) {
            try spool.move(file, from: .cur, to: .failed)
            try stores.append(DeliveryRecord(file: file, messageID: emailsByFile[file]?.messageID ?? "", outcome: .failed,
                                             detail: "interrupted during hand-over; check the MTA log, and move it back to outbox/new to send it again"))
            report.inDoubt.append(file)
        }

        let waiting = try spool.waiting()
        for (index, file) in waiting.enumerated() {
            progress?(index, waiting.count)
            guard let email = emailsByFile[file] else { continue }  // not ours (yet): left for whoever put it there
            if outcomeFiles.contains(file) { continue }  // already handed over: never twice
            try spool.move(file, from: .new, to: .cur)
            let path = FileSystem.join(site.outboxCur, file)
            let bytes: [UInt8]
            do {
                guard let read = try FileSystem.read(path) else { continue }
                bytes = read
            }
            let (status, detail) = run(bytes, recipient: email.to)
            switch status {
            case 0:
                try stores.append(DeliveryRecord(file: file, messageID: email.messageID, outcome: .delivered, detail: "sendmail accepted it"))
                report.delivered.append(file)
            case 75:
                try spool.move(file, from: .cur, to: .new)
                try stores.append(DeliveryRecord(file: file, messageID: email.messageID, outcome: .deferred, detail: detail))
                report.deferred.append(file)
            default:
                try spool.move(file, from: .cur, to: .failed)
                try stores.append(DeliveryRecord(file: file, messageID: email.messageID, outcome: .failed, detail: detail))
                report.failed.append(file)
            }
        }
        progress?(waiting.count, waiting.count)
        return report
    }

    /// Pipes one message to sendmail. - Returns: its exit status (75 on a time-out) and what it said.
    private func run(_ message: [UInt8], recipient: String) -> (Int32, String) {
        guard EmailAddress.isPlausible(recipient) || recipient.hasSuffix("@localhost") else {
            return (64, "the recipient \"\(recipient)\" is not a plausible address")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sendmail)
        process.arguments = ["-oi", "-f", config.mailFrom, "--", recipient]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        do { try process.run() } catch { return (69, "cannot start \(sendmail): \(error.localizedDescription)") }
        let collected = OutputCollector()
        let reader = Thread { collected.set(output.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        input.fileHandleForWriting.write(Data(message))
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            return (75, "sendmail did not finish within \(Int(timeout)) s; will try again")
        }
        process.waitUntilExit()
        let said = collected.wait().trimmingCharacters(in: .whitespacesAndNewlines)
        let status = process.terminationStatus
        return (status, said.isEmpty ? "sendmail exited \(status)" : "sendmail exited \(status): \(said.prefix(500))")
    }
}

/// Output read on another thread, handed back once.
private final class OutputCollector: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    func set(_ data: Data) {
        self.data = data
        done.signal()
    }

    func wait() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}
