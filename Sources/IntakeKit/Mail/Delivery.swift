import Foundation

/// The outcome of one `intake deliver`.
public struct DeliveryReport: Sendable, Codable {
    public var delivered: [String] = []
    public var deferred: [String] = []
    public var failed: [String] = []
    /// Messages found mid-hand-over from an interrupted deliver; moved to failed/ rather than risk sending twice.
    public var inDoubt: [String] = []
    public init() {}

    enum CodingKeys: String, CodingKey {
        case delivered, deferred, failed
        case inDoubt = "in_doubt"
    }
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
        // isExecutableFile is true of a directory too.
        guard !FileSystem.isDirectory((sendmail as NSString).resolvingSymlinksInPath),
              FileManager.default.isExecutableFile(atPath: sendmail) else {
            throw .missingProgram(path: sendmail, advice: "install an MTA (postfix, exim4, nullmailer) or pass --sendmail PATH")
        }
        let lock = try SiteLock(site: site)
        defer { withExtendedLifetime(lock) {} }
        let stores = try SiteStores(site: site, writable: true)
        let spool = Spool(site: site)
        var report = DeliveryReport()
        let emailsByFile = Dictionary(stores.emails.records.map { ($0.file, $0) }, uniquingKeysWith: { a, _ in a })
        // The latest outcome per file decides: delivered is final; a failed message the admin
        // moved back to new/ is tried again.
        var latest: [String: DeliveryOutcome] = [:]
        for record in stores.deliveries.records { latest[record.file] = record.outcome }

        // Hand-overs an interrupted deliver (or a sendmail that never answered) left in doubt.
        for file in try FileSystem.list(site.outboxCur) where !file.hasPrefix(".") && emailsByFile[file] != nil && latest[file] != .delivered {
            try stores.append(DeliveryRecord(file: file, messageID: emailsByFile[file]?.messageID ?? "", outcome: .failed,
                                             detail: "interrupted during hand-over; check the MTA log, and move it back to outbox/new to send it again"))
            try spool.move(file, from: .cur, to: .failed)
            report.inDoubt.append(file)
        }

        let waiting = try spool.waiting()
        for (index, file) in waiting.enumerated() {
            progress?(index, waiting.count)
            guard let email = emailsByFile[file] else { continue }  // not ours (yet): left for whoever put it there
            if latest[file] == .delivered { continue }  // handed over already: never twice
            try spool.move(file, from: .new, to: .cur)
            let path = FileSystem.join(site.outboxCur, file)
            guard let bytes = try FileSystem.read(path) else { continue }
            let handOver = run(bytes, recipient: email.to)
            switch handOver {
            case .accepted:
                try stores.append(DeliveryRecord(file: file, messageID: email.messageID, outcome: .delivered, detail: "sendmail accepted it"))
                report.delivered.append(file)
            case .deferred(let detail):
                try stores.append(DeliveryRecord(file: file, messageID: email.messageID, outcome: .deferred, detail: detail))
                try spool.move(file, from: .cur, to: .new)
                report.deferred.append(file)
            case .failed(let detail), .inDoubt(let detail):
                // Recorded before the move: a crash in between leaves it in cur/, in doubt, never resent.
                try stores.append(DeliveryRecord(file: file, messageID: email.messageID, outcome: .failed, detail: detail))
                try spool.move(file, from: .cur, to: .failed)
                if case .inDoubt = handOver { report.inDoubt.append(file) } else { report.failed.append(file) }
            }
        }
        progress?(waiting.count, waiting.count)
        return report
    }

    enum HandOver {
        case accepted
        case deferred(String)
        case failed(String)
        /// sendmail did not finish in time: it may have taken the message, so it is not retried.
        case inDoubt(String)
    }

    /// Pipes one message to sendmail, writing and reading on their own threads so that a
    /// sendmail that stops reading can neither block this process nor outlive the time-out.
    private func run(_ message: [UInt8], recipient: String) -> HandOver {
        guard EmailAddress.isPlausible(recipient) || recipient.hasSuffix("@localhost") else {
            return .failed("the recipient \"\(recipient)\" is not a plausible address")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sendmail)
        process.arguments = ["-oi", "-f", config.mailFrom, "--", recipient]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        do { try process.run() } catch { return .failed("cannot start \(sendmail): \(error.localizedDescription)") }
        let collected = OutputCollector()
        Thread { collected.set(output.fileHandleForReading.readDataToEndOfFile()) }.start()
        let writer = input.fileHandleForWriting
        Thread {
            // EPIPE (sendmail exited without reading) is an error here, not a signal: the
            // executable ignores SIGPIPE.
            try? writer.write(contentsOf: Data(message))
            try? writer.close()
        }.start()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            return .inDoubt("sendmail did not finish within \(Int(timeout)) s; it may or may not have taken the message, so it is not sent again: check the MTA log")
        }
        process.waitUntilExit()
        let said = collected.wait().trimmingCharacters(in: .whitespacesAndNewlines)
        let status = process.terminationStatus
        let detail = said.isEmpty ? "sendmail exited \(status)" : "sendmail exited \(status): \(said.prefix(500))"
        switch status {
        case 0: return .accepted
        case 75: return .deferred(detail)
        default: return .failed(detail)
        }
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
