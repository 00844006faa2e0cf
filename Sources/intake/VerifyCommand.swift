import ArgumentParser
import Foundation
import IntakeKit

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every store line by line: it parses, seq is contiguous, references exist.",
        discussion: "Exit 0 when every line is sound; 65 with the file and line of each problem otherwise."
    )

    @OptionGroup var siteOptions: SiteOptions

    @Flag(name: .long, help: "Print the result as one JSON object.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let summary = try SiteMaintenance.verify(site: siteOptions.site)
            if json {
                try Terminal.json(summary)
            } else {
                for (store, count) in summary.lines.sorted(by: { $0.key < $1.key }) {
                    Terminal.out("\(Terminal.pad(store, 20)) \(count) lines")
                }
                for warning in summary.warnings { Terminal.out("note: \(warning)") }
                for problem in summary.problems.prefix(50) { Terminal.out("problem: \(problem)") }
                if summary.problems.count > 50 { Terminal.out("... and \(summary.problems.count - 50) more") }
            }
            if let first = summary.problems.first {
                Terminal.error("\(first) (\(summary.problems.count) problem\(summary.problems.count == 1 ? "" : "s")); restore the store from backup or see README 'When something is wrong'")
                throw ExitCode(ExitStatus.dataError.rawValue)
            }
            if !json { Terminal.out("all stores are whole") }
        }
    }
}
