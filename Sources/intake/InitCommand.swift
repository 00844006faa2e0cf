import ArgumentParser
import Foundation
import IntakeKit

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Lay out a site: data folders, a commented intake.toml and the shipped templates.",
        discussion: "Safe to run again: it only creates what is missing and never overwrites a file."
    )

    @OptionGroup var siteOptions: SiteOptions

    func run() async throws {
        try await reportingErrors {
            let site = siteOptions.site
            let created = try site.initialize()
            if created.isEmpty {
                Terminal.out("site \(site.root) is already laid out; nothing to do")
            } else {
                Terminal.out("laid out site \(site.root):")
                for path in created { Terminal.out("  created \(path)") }
                Terminal.out("next: edit intake.toml, then `intake doctor --root \(site.root)`")
            }
        }
    }
}
