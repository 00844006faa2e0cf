import Foundation

/// Exit statuses from sysexits.h, the contract between intake and cron, systemd and the admin.
public enum ExitStatus: Int32, Sendable, Codable {
    case ok = 0
    case usage = 64
    case dataError = 65
    case ioError = 74
    case tempFail = 75
    case config = 78
}

/// The one public error type of IntakeKit: everything that stops a whole command.
///
/// A rejected bundle is not an error (it is a ``BundleVerdict``); these are the conditions
/// under which a run or a decision cannot go on at all.
public enum IntakeError: Error, Equatable, Sendable, LocalizedError {
    /// The site layout is missing or incomplete.
    case siteNotReady(root: String, missing: String)
    /// `intake.toml` could not be read or has invalid content; `line` and `column` (1-based,
    /// the column in characters) say where, when the problem has a place.
    case invalidConfig(file: String, line: Int?, column: Int? = nil, detail: String)
    /// Another run or decision holds the site lock.
    case locked(lockFile: String)
    /// A file or directory could not be read or written.
    case io(path: String, operation: String, errno: Int32)
    /// A store holds a line that cannot be trusted.
    case corruptStore(file: String, line: Int, detail: String)
    /// An application id that the site does not know.
    case unknownApplication(String)
    /// A request that makes no sense for the data (e.g. deciding twice the same way).
    case invalidRequest(String)
    /// A program the command needs (the MTA's sendmail) is not there.
    case missingProgram(path: String, advice: String)
    /// A template is missing or cannot be parsed.
    case template(file: String, line: Int?, column: Int?, detail: String)

    /// The sysexits.h status a command exits with for this error.
    public var exitStatus: ExitStatus {
        switch self {
        case .siteNotReady, .invalidConfig, .template, .missingProgram: return .config
        case .locked: return .tempFail
        case .io: return .ioError
        case .corruptStore, .unknownApplication, .invalidRequest: return .dataError
        }
    }

    public var errorDescription: String? {
        switch self {
        case let .siteNotReady(root, missing):
            return "the site at \(root) is not ready: \(missing) is missing; run `intake init --root \(root)` first"
        case let .invalidConfig(file, line, column, detail):
            var at = file
            if let line { at += ":\(line)" }
            if let line, let column, line > 0 { at += ":\(column)" }
            return "\(at): \(detail); fix the config (see README, 'Configuration') and run `intake doctor`"
        case let .locked(lockFile):
            return "another intake run or decision holds the lock \(lockFile); try again when it has finished"
        case let .io(path, operation, code):
            return "cannot \(operation) \(path): \(String(cString: strerror(code))); check permissions and free space, then run again"
        case let .corruptStore(file, line, detail):
            return "\(file):\(line): \(detail); run `intake verify` and restore the store from backup if needed"
        case let .unknownApplication(id):
            return "no application with id \(id); `intake list` or `intake search` shows the ids"
        case let .invalidRequest(detail):
            return detail
        case let .missingProgram(path, advice):
            return "\(path) is not there or not executable; \(advice)"
        case let .template(file, line, column, detail):
            var at = file
            if let line { at += ":\(line)" }
            if let column { at += ":\(column)" }
            return "\(at): \(detail); fix the template and run `intake doctor`"
        }
    }
}
