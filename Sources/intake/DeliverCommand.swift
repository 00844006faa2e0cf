import ArgumentParser
import Foundation
import IntakeKit

struct DeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Hand spooled messages in data/outbox/new to the system MTA through sendmail.",
        discussion: "Each message goes to `sendmail -oi -f FROM -- RECIPIENT`. Accepted: moved to outbox/cur. Exit 75 from sendmail: left in outbox/new for the next try; a message deferred 3 times in a row is warned about here and in the digest. Exit 78 (the MTA's own configuration is broken): every message stays in outbox/new and deliver exits 78. A sendmail that did not read the whole message has not taken it. Anything else: moved to outbox/failed with the error in deliveries.jsonl, and the next run's admin digest lists it. A message is never handed over twice."
    )

    @OptionGroup var siteOptions: SiteOptions

    @Option(name: .long, help: ArgumentHelp("The MTA's sendmail program.", valueName: "path"))
    var sendmail = "/usr/sbin/sendmail"

    @Flag(name: .long, help: "Print the result as one JSON object.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let (site, config) = try siteOptions.load()
            let progress = Terminal.ProgressLine(unit: "messages")
            let started = Date()
            let report = try Deliverer(site: site, config: config, sendmail: sendmail).deliver { done, total in
                progress.update(RunProgress(done: done, total: total, bytes: 0, elapsed: Date().timeIntervalSince(started)))
            }
            progress.finish()
            if json {
                try Terminal.json(report)
            } else {
                for file in report.failed { Terminal.out("failed: \(file) (moved to outbox/failed; see deliveries.jsonl)") }
                for file in report.inDoubt { Terminal.out("in doubt: \(file) was mid-hand-over when an earlier deliver stopped; moved to outbox/failed") }
                Terminal.out("\(report.delivered.count) delivered, \(report.deferred.count) deferred (will retry), \(report.failed.count + report.inDoubt.count) failed")
            }
            for stuck in report.stuck {
                Terminal.error("warning: \(stuck.file) has been deferred \(stuck.attempts) times in a row since \(stuck.since) (last: \(stuck.detail)); the relay stays down: check the MTA's queue and log (mailq, journalctl)")
            }
            if let stopped = report.stopped {
                Terminal.error("intake: \(stopped)")
                throw ExitCode(ExitStatus.config.rawValue)
            }
            if !report.failed.isEmpty || !report.inDoubt.isEmpty {
                throw ExitCode(ExitStatus.ioError.rawValue)
            }
        }
    }
}
