import ArgumentParser
import Foundation
import IntakeKit

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find applicants and members by name, e-mail or phone (Korean-aware).",
        discussion: """
        Names match whatever their Unicode form (NFC or NFD), Latin letters ignore case, and part of a name is enough. Initial consonants find Korean names: ㄱㅁㅅ finds 김민수, as does 김ㅁㅅ. Phone numbers match by their digits, whatever the punctuation, national or +82. Exact matches come first, then prefixes, then partial matches; newest first within each.

        Examples: intake search 김민수   intake search ㄱㅁㅅ   intake search 010-1234-5678   intake search MINSU@EXAMPLE.KR
        """
    )

    @OptionGroup var siteOptions: SiteOptions

    @Argument(help: "What to look for.")
    var text: String

    @Option(name: .long, help: ArgumentHelp("Only applications with this status (approved = members).", valueName: "pending|approved|declined"))
    var status: ApplicationStatus?

    @Option(name: .long, help: ArgumentHelp("Only applicants to this community (its id).", valueName: "id"))
    var community: String?

    @Flag(name: .long, help: "Print one JSON array.")
    var json = false

    func validate() throws {
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("Give something to search for: a name, part of one, initial consonants, an e-mail or a phone number.")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let (site, config) = try siteOptions.load()
            let results = try SiteSearch.search(text, status: status, community: community, config: config, site: site)
            if json { try Terminal.json(results); return }
            if results.isEmpty { Terminal.out("no application\(community.map { " to \($0)" } ?? "") matches \"\(text)\""); return }
            let showCommunity = config.hasCommunities && community == nil
            for r in results {
                Terminal.out(Terminal.pad(r.id, 9) + Terminal.pad(r.status.rawValue, 10) + (showCommunity ? Terminal.pad(r.community, 28) : "")
                             + Terminal.pad(r.name, 16)
                             + Terminal.pad(r.email, 32) + Terminal.pad(r.phone ?? "", 18) + "\(r.match) (\(r.field.rawValue))")
            }
            Terminal.out("\(results.count) match\(results.count == 1 ? "" : "es")")
        }
    }
}
