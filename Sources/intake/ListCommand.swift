import ArgumentParser
import Foundation
import IntakeKit

extension ApplicationStatus: ExpressibleByArgument {}

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List applications, newest first.",
        discussion: "Example: intake list --status pending"
    )

    @OptionGroup var siteOptions: SiteOptions

    @Option(name: .long, help: ArgumentHelp("Only applications with this status.", valueName: "pending|approved|declined"))
    var status: ApplicationStatus?

    @Flag(name: .long, help: "Print one JSON array.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let (site, _) = try siteOptions.load()
            let stores = try SiteStores(site: site, writable: false)
            let rows = ApplicationQueries.list(stores, status: status)
            if json { try Terminal.json(rows); return }
            if rows.isEmpty {
                Terminal.out(status.map { "no \($0.rawValue) applications" } ?? "no applications yet")
                return
            }
            Terminal.out(Terminal.pad("ID", 9) + Terminal.pad("STATUS", 10) + Terminal.pad("NAME", 16) + Terminal.pad("E-MAIL", 32) + "RECEIVED")
            for row in rows {
                Terminal.out(Terminal.pad(row.id, 9) + Terminal.pad(row.status.rawValue, 10) + Terminal.pad(row.name, 16)
                             + Terminal.pad(row.email, 32) + String(row.receivedAt.prefix(16)).replacingOccurrences(of: "T", with: " "))
            }
            Terminal.out("\(rows.count) application\(rows.count == 1 ? "" : "s")")
        }
    }
}
