import ArgumentParser
import Foundation
import IntakeKit
import Logging

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the batch: claim settled bundles, validate, record or quarantine, spool e-mail.",
        discussion: """
        A bundle is taken once its manifest exists and nothing in it has changed for settle_seconds (intake.toml, default 60). Bundles an interrupted run left in data/work/ are finished first. Rejected bundles are a normal outcome: the exit status is 0 unless the run itself could not do its work.

        Nightly from /etc/cron.d (see deploy/intake.cron):
        15 2 * * * intake flock -n /srv/intake/data/.cron sh -c 'intake run --root /srv/intake && intake deliver --root /srv/intake'

        """
    )

    @OptionGroup var siteOptions: SiteOptions

    @Flag(name: .long, help: "Show what a run would do; change nothing on disk.")
    var dryRun = false

    @Option(name: .long, help: ArgumentHelp("Seconds a bundle must be unchanged before it is taken (overrides settle_seconds).", valueName: "seconds"))
    var settle: Int?

    @Flag(name: .long, help: "Print the run's report as one JSON object.")
    var json = false

    func validate() throws {
        if let settle, settle < 0 {
            throw ValidationError("--settle must be 0 or more seconds, e.g. --settle 0 to take every bundle now.")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let (site, config) = try siteOptions.load()
            let runner = BatchRunner(site: site, config: config, logger: Logger(label: "intake.run"))
            let progress = Terminal.ProgressLine()
            let report = try await runner.run(.init(dryRun: dryRun, settleSeconds: settle)) { progress.update($0) }
            progress.finish()
            if json {
                try Terminal.json(report)
            } else {
                printSummary(report)
            }
            for warning in report.warnings { Terminal.error("warning: \(warning)") }
            if report.exit != 0 { throw ExitCode(report.exit) }
        }
    }

    private func printSummary(_ report: RunReport) {
        let would = report.dryRun ? "would be " : ""
        for outcome in report.outcomes where outcome.verdict == .rejected {
            let id = outcome.id.map { " \($0)" } ?? ""
            Terminal.out("\(would)rejected\(id) \(outcome.bundle):")
            for reason in outcome.reasons {
                Terminal.out("  \(reason.code.rawValue)\(reason.file.map { " [\($0)]" } ?? ""): \(reason.detail)")
            }
        }
        let c = report.counts
        let mb = Double(c.bytes) / 1_000_000
        var line = report.dryRun ? "dry run (nothing changed): " : "run \(report.run): "
        line += "\(c.claimed) bundles, \(c.accepted) \(would)accepted, \(c.rejected) \(would)rejected"
        if c.duplicates > 0 { line += " (\(c.duplicates) duplicates)" }
        if c.resumed > 0 { line += ", \(c.resumed) resumed from an interrupted run" }
        line += ", \(c.skippedUnsettled) waiting in the inbox"
        line += ", \(report.emails) messages \(report.dryRun ? "would be " : "")spooled"
        line += String(format: "; %.1f MB in %.2f s", mb, report.seconds)
        Terminal.out(line)
        if report.dryRun {
            let on = report.features.filter(\.value).keys.sorted(), off = report.features.filter { !$0.value }.keys.sorted()
            Terminal.out("features on: \(on.isEmpty ? "none" : on.joined(separator: ", "))\(off.isEmpty ? "" : "; off: " + off.joined(separator: ", "))")
            if !report.waiting.isEmpty { Terminal.out("waiting (still being written, or no manifest yet): \(report.waiting.joined(separator: ", "))") }
        }
        if !report.strays.isEmpty {
            Terminal.out("not bundles (left in the inbox): \(report.strays.joined(separator: ", "))")
        }
    }
}
