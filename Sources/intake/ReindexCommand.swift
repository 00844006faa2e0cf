import ArgumentParser
import Foundation
import IntakeKit

struct ReindexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuild the derived index (data/index/) from the stores.",
        discussion: "The stores are the truth and are only read. Every command keeps the index up to date by itself; this is for when `intake verify` says the index disagrees, or to time a rebuild."
    )

    @OptionGroup var siteOptions: SiteOptions

    func run() async throws {
        try await reportingErrors {
            let site = siteOptions.site
            try site.checkLayout()
            let started = Date()
            let onTerminal = Terminal.stderrIsTerminal
            var last = Date.distantPast
            let lines = try SiteMaintenance.reindex(site: site) { lines, store in
                guard onTerminal, Date().timeIntervalSince(last) > 0.2 else { return }
                last = Date()
                Terminal.write(Data("\rreindex: \(lines) lines taken in (\(store))\u{1B}[K".utf8), to: .standardError)
            }
            if onTerminal { Terminal.write(Data("\r\u{1B}[K".utf8), to: .standardError) }
            Terminal.out("index rebuilt from \(lines) store lines in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        }
    }
}
