import ArgumentParser
import IntakeKit

@main
struct Intake: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake",
        abstract: "Runs a community's membership applications from files.",
        discussion: """
        Bundles (a manifest plus uploaded files) arrive in data/inbox/. The nightly `intake run`
        validates every file by its content, records accepted applications and quarantines the
        rest with their reasons, and spools e-mails for the system mail relay. Admins review,
        approve and decline with the other commands.

        Every command works on one site: --root DIR, or $INTAKE_ROOT, or the current directory.
        Exit codes (sysexits.h): 0 done, 64 usage, 65 bad data, 74 I/O error,
        75 another run holds the lock (try later), 78 site or config not ready.
        """,
        version: IntakeVersion.string,
        subcommands: [
            InitCommand.self, RunCommand.self, ListCommand.self, ShowCommand.self,
        ]
    )
}
