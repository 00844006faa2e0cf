import Foundation

/// The outcome of one `intake deliver`.
public struct DeliveryReport: Sendable, Codable {
    public var delivered: [String] = []
    public var deferred: [String] = []
    public var failed: [String] = []
    /// Messages found mid-hand-over from an interrupted deliver; moved to failed/ rather than risk sending twice.
    public var inDoubt: [String] = []
    /// Messages the MTA has deferred again and again: the relay has stayed down.
    public var stuck: [StuckMessage] = []
    /// Why this deliver stopped before trying every message (sendmail said its own setup is
    /// broken, EX_CONFIG): the rest stay queued in outbox/new.
    public var stopped: String?
    public init() {}

    enum CodingKeys: String, CodingKey {
        case delivered, deferred, failed, stuck, stopped
        case inDoubt = "in_doubt"
    }
}

/// A message still queued after the MTA deferred it `attempts` times in a row.
public struct StuckMessage: Sendable, Codable, Equatable {
    public var file: String
    public var attempts: Int
    /// When it was first deferred (RFC 3339, UTC).
    public var since: String
    /// What the MTA said the last time.
    public var detail: String

    /// A deferral is routine; this many in a row (three nights for a nightly deliver) means
    /// the relay stays down, and is said by `deliver` and in every digest until it clears.
    public static let attemptsBeforeWarning = 3

    /// The messages whose latest hand-overs were all deferrals, `threshold` or more of them.
    public static func find(in deliveries: [DeliveryRecord], threshold: Int = attemptsBeforeWarning) -> [StuckMessage] {
        var runs: [String: (count: Int, since: String, detail: String)] = [:]
        var order: [String] = []
        for record in deliveries {
            if record.outcome == .deferred {
                if let run = runs[record.file] {
                    runs[record.file] = (run.count + 1, run.since, record.detail)
                } else {
                    runs[record.file] = (1, record.at, record.detail)
                    order.append(record.file)
                }
            } else {
                runs[record.file] = nil
            }
        }
        return order.compactMap { file in
            guard let run = runs[file], run.count >= threshold else { return nil }
            return StuckMessage(file: file, attempts: run.count, since: run.since, detail: run.detail)
        }
    }
}

/// Hands spooled messages to the system MTA through its `sendmail` interface.
///
/// Each message is first claimed by renaming it from `new/` to `cur/`, then piped to
/// `sendmail -oi -f SENDER -- RECIPIENT` (LF line endings, the recipient from `emails.jsonl`,
/// never from the message's own headers). Exit 0 after reading the whole message leaves it in
/// `cur/` as delivered; a sendmail that stopped reading (EPIPE, short write) did not take it,
/// whatever its exit status. Exit 75 (EX_TEMPFAIL) puts it back in `new/` for the next try;
/// exit 78 (EX_CONFIG: the MTA's own setup is broken) puts it back too and stops the deliver
/// (a site problem, not the message's); anything else moves it to `failed/`.
/// Every outcome is a `deliveries.jsonl` line. A message found in `cur/` without an outcome
/// (the process died mid-hand-over) is moved to `failed/` as in doubt: a message is never
/// handed over twice.
public struct Deliverer {
    public let site: Site
    public let config: SiteConfig
    public let sendmail: String
    public var timeout: TimeInterval = 120
    /// Deferrals in a row after which a message is reported as stuck.
    public var stuckAfter = StuckMessage.attemptsBeforeWarning

    public init(site: Site, config: SiteConfig, sendmail: String = "/usr/sbin/sendmail") {
        self.site = site
        self.config = config
        self.sendmail = sendmail
    }

    public func deliver(progress: (@Sendable (Int, Int) -> Void)? = nil) throws(IntakeError) -> DeliveryReport {
        try site.checkLayout()
        guard Self.isExecutableFile(sendmail) else {
            throw .missingProgram(path: sendmail, advice: "install an MTA (postfix, exim4, nullmailer) or pass --sendmail PATH")
        }
        let lock = try SiteLock(site: site)
        defer { withExtendedLifetime(lock) {} }
        let stores = try SiteStores(site: site, writable: true)
        let spool = Spool(site: site)
        var report = DeliveryReport()
        // What the index knows of each file, asked per file: never the whole stores.
        var emailOf: [String: EmailRecord?] = [:]
        func email(_ file: String) throws(IntakeError) -> EmailRecord? {
            if let known = emailOf[file] { return known }
            let found = try stores.email(file: file)
            emailOf[file] = found
            return found
        }
        // The latest outcome per file decides: delivered is final; a failed message the admin
        // moved back to new/ is tried again.
        // Hand-overs an interrupted deliver (or a sendmail that never answered) left in doubt.
        for file in try FileSystem.list(site.outboxCur) where !file.hasPrefix(".") {
            guard let inDoubt = try email(file), try stores.latestOutcome(file: file) != .delivered else { continue }
            try stores.append(DeliveryRecord(file: file, messageID: inDoubt.messageID, outcome: .failed,
                                             detail: "interrupted during hand-over; check the MTA log, and move it back to outbox/new to send it again"))
            try spool.move(file, from: .cur, to: .failed)
            report.inDoubt.append(file)
        }

        let waiting = try spool.waiting()
        deliveries: for (index, file) in waiting.enumerated() {
            progress?(index, waiting.count)
            guard let email = try email(file) else { continue }  // not ours (yet): left for whoever put it there
            if try stores.latestOutcome(file: file) == .delivered { continue }  // handed over already: never twice
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
            case .mtaBroken(let detail):
                // The MTA's fault, not the message's: every message stays queued for when it is fixed.
                try stores.append(DeliveryRecord(file: file, messageID: email.messageID, outcome: .deferred, detail: detail))
                try spool.move(file, from: .cur, to: .new)
                report.deferred.append(file)
                report.stopped = "\(sendmail) says its own configuration is broken (exit 78, EX_CONFIG): \(detail); "
                    + "nothing more was handed over and every message stays in outbox/new; fix the MTA, then run deliver again"
                break deliveries
            case .failed(let detail), .inDoubt(let detail):
                // Recorded before the move: a crash in between leaves it in cur/, in doubt, never resent.
                try stores.append(DeliveryRecord(file: file, messageID: email.messageID, outcome: .failed, detail: detail))
                try spool.move(file, from: .cur, to: .failed)
                if case .inDoubt = handOver { report.inDoubt.append(file) } else { report.failed.append(file) }
            }
        }
        progress?(waiting.count, waiting.count)
        let stillQueued = Set(try spool.waiting())
        report.stuck = StuckMessage.find(in: try stores.deliveries(ofFiles: Array(stillQueued)), threshold: stuckAfter)
            .filter { stillQueued.contains($0.file) }
        return report
    }

    /// Whether `path` names (through any links, resolved the kernel's way: a relative link
    /// against its own folder) a regular file this process may execute. Never depends on the
    /// current directory.
    public static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    enum HandOver {
        case accepted
        case deferred(String)
        case failed(String)
        /// sendmail exited 78 (EX_CONFIG): its own setup is broken.
        case mtaBroken(String)
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
        // A reader of our own on sendmail's stdin (never inherited): after sendmail exits it
        // tells whether any of the message was left unread, which a write into the pipe's
        // buffer cannot (a 50 KB message fits in the buffer of a sendmail that read 1,000 bytes).
        let probe = fcntl(input.fileHandleForReading.fileDescriptor, F_DUPFD_CLOEXEC, 0)
        do { try process.run() } catch {
            if probe >= 0 { close(probe) }
            return .failed("cannot start \(sendmail): \(error.localizedDescription)")
        }
        let collected = OutputCollector()
        Thread { collected.set(output.fileHandleForReading.readDataToEndOfFile()) }.start()
        let writer = input.fileHandleForWriting
        let handed = HandOverResult()
        Thread {
            // EPIPE (sendmail exited without reading) is an error here, not a signal: the
            // executable ignores SIGPIPE. Every byte must go: a sendmail that stopped reading
            // has not taken the message, whatever it exits with.
            let fd = writer.fileDescriptor
            var done = 0, failure: Int32 = 0
            message.withUnsafeBytes { buffer in
                while done < buffer.count {
                    let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
                    if n > 0 { done += n } else if n < 0 && errno == EINTR { continue } else { failure = n < 0 ? errno : EIO; break }
                }
            }
            if close(fd) != 0 && failure == 0 && errno != EINTR { failure = errno }
            handed.set(written: done, errno: failure)
        }.start()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            if probe >= 0 { close(probe) }
            return .inDoubt("sendmail did not finish within \(Int(timeout)) s; it may or may not have taken the message, so it is not sent again: check the MTA log")
        }
        process.waitUntilExit()
        let said = collected.wait().trimmingCharacters(in: .whitespacesAndNewlines)
        let status = process.terminationStatus
        let exited = process.terminationReason == .uncaughtSignal ? "sendmail was killed by signal \(status)" : "sendmail exited \(status)"
        var detail = said.isEmpty ? exited : "\(exited): \(said.prefix(500))"
        // Anything still in the pipe was never read. Then closing the probe gives a writer still
        // blocked on a full pipe EPIPE; a descendant that kept the pipe open and stopped
        // reading must not hold this process either.
        var leftUnread = false
        if probe >= 0 {
            _ = fcntl(probe, F_SETFL, O_NONBLOCK)
            var byte: UInt8 = 0
            leftUnread = read(probe, &byte, 1) > 0
            close(probe)
        }
        let (written, writeError) = handed.wait(timeout: 10) ?? (-1, ETIMEDOUT)
        let whole = written == message.count && writeError == 0 && !leftUnread
        if !whole {
            let why = writeError == 0 ? "" : " (\(String(cString: strerror(writeError))))"
            let got = leftUnread ? "did not read all \(message.count) bytes" : "read \(max(written, 0)) of \(message.count) bytes"
            detail = "sendmail \(got)\(why) and \(detail.dropFirst("sendmail ".count))"
        }
        switch status {
        case 0 where process.terminationReason == .exit:
            if whole { return .accepted }
            // It may have queued the part it read: not sent again, the admin looks.
            return .failed("not handed over: \(detail); it may have queued a cut message, check the MTA log")
        case 75 where process.terminationReason == .exit: return .deferred(detail)
        case 78 where process.terminationReason == .exit: return .mtaBroken(detail)
        default: return .failed(detail)
        }
    }
}

/// How much of a message the writer thread handed to sendmail, and the error that stopped it.
private final class HandOverResult: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var written = 0
    private var code: Int32 = 0

    func set(written: Int, errno: Int32) {
        self.written = written
        self.code = errno
        done.signal()
    }

    func wait(timeout: TimeInterval) -> (Int, Int32)? {
        guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        return (written, code)
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
