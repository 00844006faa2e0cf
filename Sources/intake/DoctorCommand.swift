import ArgumentParser
import Foundation
import IntakeKit

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the site's health: layout, permissions, config, templates, libxml2, disk, lock, stores, MTA.",
        discussion: "One line per check, each saying what is wrong and what to do. Exit 0 when healthy, 78 when the site or config is not ready, 74 on an I/O problem, 65 when a store is damaged."
    )

    @OptionGroup var siteOptions: SiteOptions

    @Flag(name: .long, help: "Print the checks as one JSON array.")
    var json = false

    func run() async throws {
        let checks = Doctor.check(site: siteOptions.site)
        if json {
            try Terminal.json(checks)
        } else {
            for check in checks {
                let mark = switch check.status {
                case .ok: "ok  "
                case .warn: "warn"
                case .fail: "FAIL"
                }
                Terminal.out("\(mark)  \(Terminal.pad(check.name, 12))\(check.detail)")
            }
        }
        let status = Doctor.exitStatus(checks)
        if status != .ok {
            if !json { Terminal.error("the site is not healthy; fix the FAIL lines above and run `intake doctor` again") }
            throw ExitCode(status.rawValue)
        }
    }
}
