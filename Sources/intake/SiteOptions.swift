import ArgumentParser
import Foundation
import IntakeKit
import Logging

/// The options every command takes to find its site.
struct SiteOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The site's root directory (default: $INTAKE_ROOT, else the current directory).", valueName: "dir"))
    var root: String?

    var site: Site {
        if let root { return Site(root: root) }
        if let env = ProcessInfo.processInfo.environment["INTAKE_ROOT"], !env.isEmpty { return Site(root: env) }
        return Site(root: FileManager.default.currentDirectoryPath)
    }

    /// The site after checking its layout and reading its config.
    func load() throws(IntakeError) -> (Site, SiteConfig) {
        let site = self.site
        try site.checkLayout()
        return (site, try SiteConfig.load(from: site))
    }
}

/// Runs a command body, turning an ``IntakeError`` into its one-line message on stderr and its
/// sysexits.h status.
func reportingErrors(_ body: () async throws -> Void) async throws {
    LoggingSetup.once
    do {
        try await body()
    } catch let error as IntakeError {
        Terminal.error(error.localizedDescription)
        throw ExitCode(error.exitStatus.rawValue)
    }
}

/// Library diagnostics (a resumed bundle, an unwritable metrics file) go to stderr, prefixed.
enum LoggingSetup {
    static let once: Void = {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["INTAKE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .notice
            return handler
        }
    }()
}
