import ArgumentParser
import Foundation
import IntakeKit

extension ApplicationStatus: ExpressibleByArgument {}

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List applications, newest first.",
        discussion: "Examples: intake list --status pending   intake list --community jeju-photo-club"
    )

    @OptionGroup var siteOptions: SiteOptions

    @Option(name: .long, help: ArgumentHelp("Only applications with this status.", valueName: "pending|approved|declined"))
    var status: ApplicationStatus?

    @Option(name: .long, help: ArgumentHelp("Only applications to this community (its id, as manifests name it).", valueName: "id"))
    var community: String?

    @Option(name: .long, help: ArgumentHelp("At most this many, the newest.", valueName: "N"))
    var limit: Int?

    @Flag(name: .long, help: "Print one JSON array.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let (site, config) = try siteOptions.load()
            if let limit, limit < 0 { throw IntakeError.invalidRequest("--limit must be 0 or more") }
            if json {
                // One JSON array, written as the rows come: the same document as encoding them all at once.
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                var count = 0
                var failure: (any Error)?
                try ApplicationQueries.each(site: site, config: config, status: status, community: community, limit: limit) { row in
                    guard failure == nil else { return }
                    do {
                        let text = String(decoding: try encoder.encode(row), as: UTF8.self)
                        let indented = text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
                        Terminal.write(Data(((count == 0 ? "[\n" : ",\n") + indented).utf8), to: .standardOutput)
                        count += 1
                    } catch { failure = error }
                }
                if let failure { throw failure }
                Terminal.out(count == 0 ? "[\n\n]" : "\n]")
                return
            }
            // Which community each is to, where the site serves several and no filter names one.
            let showCommunity = config.hasCommunities && community == nil
            var count = 0
            try ApplicationQueries.each(site: site, config: config, status: status, community: community, limit: limit) { row in
                if count == 0 {
                    Terminal.out(Terminal.pad("ID", 9) + Terminal.pad("STATUS", 10) + (showCommunity ? Terminal.pad("COMMUNITY", 28) : "")
                                 + Terminal.pad("NAME", 16) + Terminal.pad("E-MAIL", 32) + "RECEIVED")
                }
                count += 1
                Terminal.out(Terminal.pad(row.id, 9) + Terminal.pad(row.status.rawValue, 10) + (showCommunity ? Terminal.pad(row.community, 28) : "")
                             + Terminal.pad(row.name, 16)
                             + Terminal.pad(row.email, 32) + String(row.receivedAt.prefix(16)).replacingOccurrences(of: "T", with: " "))
            }
            if count == 0 {
                let what = status.map { "no \($0.rawValue) applications" } ?? "no applications"
                Terminal.out(community.map { "\(what) to \($0)" } ?? (status == nil ? "no applications yet" : what))
                return
            }
            Terminal.out("\(count) application\(count == 1 ? "" : "s")")
        }
    }
}
