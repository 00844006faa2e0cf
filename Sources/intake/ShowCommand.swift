import ArgumentParser
import Foundation
import IntakeKit

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one application: applicant, answers, files and its whole history.",
        discussion: "IDs can be typed in full (A000042) or as the number (42)."
    )

    @OptionGroup var siteOptions: SiteOptions

    @Argument(help: "The application id.")
    var id: String

    @Option(name: .long, help: ArgumentHelp("Refuse (exit 65) unless the application is to this community.", valueName: "id"))
    var community: String?

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let (site, config) = try siteOptions.load()
            let detail = try ApplicationQueries.detail(site: site, id: id, community: community)
            if json { try Terminal.json(detail); return }
            let app = detail.application
            Terminal.out("\(app.id)  \(detail.status.rawValue)")
            Terminal.out("  name:      \(app.applicant.name)")
            Terminal.out("  e-mail:    \(app.applicant.email)")
            if let phone = app.applicant.phone { Terminal.out("  phone:     \(phone)") }
            Terminal.out("  locale:    \(app.applicant.locale)")
            let name = config.community(app.community).map { " (\($0.name))" } ?? ""
            Terminal.out("  community: \(app.community)\(name)")
            Terminal.out("  submitted: \(app.submittedAt)")
            Terminal.out("  files in:  data/\(app.files)/")
            if !app.answers.isEmpty {
                Terminal.out("answers:")
                for key in app.answers.keys.sorted() {
                    let value = app.answers[key]!.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n      ")
                    Terminal.out("  \(key): \(value)")
                }
            }
            Terminal.out("files:")
            for file in app.attachments {
                Terminal.out("  \(file.file)  \(file.kind)  \(file.detectedType)  \(ByteCount.text(file.size))  sha256 \(file.sha256)")
            }
            Terminal.out("history:")
            for event in detail.history {
                var line = "  \(event.at)  \(event.event)"
                if let by = event.by { line += " by \(by)" }
                if let d = event.detail, !d.isEmpty { line += ": \(d)" }
                Terminal.out(line)
            }
        }
    }
}
