import ArgumentParser
import Foundation
import IntakeKit

@main
struct Intake: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake",
        abstract: "Runs a community's membership applications from files.",
        discussion: """
        Bundles (a manifest plus uploaded files) arrive in data/inbox/. The nightly `intake run` validates every file by its content, records accepted applications, quarantines the rest with their reasons, and spools e-mails; `intake deliver` hands them to the mail relay. Admins review with list, show and search, and decide with approve and decline.

        Every command works on one site: --root DIR, or $INTAKE_ROOT, or the current directory.

        Exit codes (sysexits.h): 0 done, 64 usage, 65 bad data, 74 I/O error, 75 another run holds the lock (try later), 78 site or config not ready.
        """,
        version: IntakeVersion.string,
        subcommands: [
            InitCommand.self, DoctorCommand.self, RunCommand.self, ListCommand.self, ShowCommand.self,
            ApproveCommand.self, DeclineCommand.self, SearchCommand.self, VerifyCommand.self, ReindexCommand.self, DeliverCommand.self,
        ]
    )

    /// The default entry point, after ignoring SIGPIPE: a sendmail that exits without reading
    /// its message must be an error `intake deliver` records, not a signal that kills it.
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
