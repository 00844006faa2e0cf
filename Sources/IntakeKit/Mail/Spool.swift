import Foundation

/// The messages known to be in the spool during one command: the ones written by it, and
/// (when `probing`) any other found by ``Spool/isPresent(_:)``, a file at a time.
public struct SpoolNames: Sendable {
    let spool: Spool
    let probing: Bool
    private var written: Set<String> = []

    /// - Parameter probing: false where no message asked about can be in the spool yet (ids
    ///   just given out by this run), so only what this command wrote is checked.
    public init(spool: Spool, probing: Bool = true) {
        self.spool = spool
        self.probing = probing
    }

    public func contains(_ file: String) -> Bool { written.contains(file) || (probing && spool.isPresent(file)) }
    public mutating func insert(_ file: String) { written.insert(file) }
}

/// The outbox: a Maildir (`tmp/`, `new/`, `cur/`) plus `failed/`.
///
/// Message files are named after the event they are about (`A000042.received`), so that a
/// message is written at most once whatever happens to the process: before writing, every
/// folder is checked for that name.
public struct Spool: Sendable {
    public enum Folder: String, Sendable, CaseIterable {
        case new, cur, failed
    }

    public let site: Site

    public init(site: Site) {
        self.site = site
    }

    func path(_ folder: Folder) -> String {
        switch folder {
        case .new: return site.outboxNew
        case .cur: return site.outboxCur
        case .failed: return site.outboxFailed
        }
    }

    /// Where a message file is now, if anywhere. A relay may have added Maildir info (`:2,S`) in cur/.
    public func locate(_ file: String) -> (folder: Folder, path: String)? {
        for folder in Folder.allCases {
            let candidate = FileSystem.join(path(folder), file)
            if FileSystem.exists(candidate) { return (folder, candidate) }
        }
        if let names = try? FileSystem.list(site.outboxCur), let hit = names.first(where: { $0.hasPrefix(file + ":") }) {
            return (.cur, FileSystem.join(site.outboxCur, hit))
        }
        return nil
    }

    /// Whether a message of this name is in the spool, asked without listing `cur/` (which
    /// holds every message ever sent): the name in new/, cur/ and failed/, and in cur/ with
    /// the Maildir info a relay adds on taking it (`:2,` and `:2,S`). Only the rare message
    /// that a crash left without its line and that a relay then filed with other flags is
    /// missed; `intake deliver` never adds any.
    public func isPresent(_ file: String) -> Bool {
        for folder in Folder.allCases where FileSystem.exists(FileSystem.join(path(folder), file)) { return true }
        for info in [":2,", ":2,S"] where FileSystem.exists(FileSystem.join(site.outboxCur, file + info)) { return true }
        return false
    }

    /// The names of the messages waiting in new/ (what the relay has not taken yet).
    public func waitingNames() throws(IntakeError) -> [String] {
        try FileSystem.list(site.outboxNew).filter { !$0.hasPrefix(".") }
    }

    /// The names of every message in new/, cur/ (without Maildir info) and failed/, read once
    /// (for `intake verify`; never on the everyday path).
    public func names() throws(IntakeError) -> Set<String> {
        var names = Set<String>()
        for folder in Folder.allCases {
            for name in try FileSystem.list(path(folder)) where !name.hasPrefix(".") {
                names.insert(folder == .cur ? String(name.prefix { $0 != ":" }) : name)
            }
        }
        return names
    }

    /// Puts a message into `new/`: written to `tmp/`, flushed, renamed.
    /// - Parameter durable: `false` leaves flushing the file and `new/` to the caller
    ///   (``syncNew(_:)``), for a group of messages.
    /// - Returns: false when a message of that name is already in the spool (nothing written).
    @discardableResult
    public func put(_ bytes: [UInt8], as file: String, durable: Bool = true, known: SpoolNames? = nil) throws(IntakeError) -> Bool {
        if let known { if known.contains(file) { return false } } else if locate(file) != nil { return false }
        let tmp = FileSystem.join(site.outboxTmp, file)
        try FileSystem.write(tmp, bytes, mode: 0o640, exclusive: false, durable: durable)
        try FileSystem.move(tmp, to: FileSystem.join(site.outboxNew, file))
        if durable { try FileSystem.syncDirectory(site.outboxNew) }
        return true
    }

    /// Makes a group of messages put with `durable: false` durable: their contents, then `new/`.
    public func syncNew(_ files: [String]) throws(IntakeError) {
        try FileSystem.syncFiles(files.map { FileSystem.join(site.outboxNew, $0) })
        try FileSystem.syncDirectory(site.outboxNew)
    }

    /// Removes what a killed writer left in `tmp/`. Only intake writes there, and only under
    /// the site lock, so anything found is half a message that will be written again whole
    /// (or a digest that is made up again): nothing there is ever delivered.
    public func removeLeftovers() throws(IntakeError) {
        let names = try FileSystem.list(site.outboxTmp)
        var removed = false
        for name in names where name != ".gitkeep" {
            let path = FileSystem.join(site.outboxTmp, name)
            guard FileSystem.info(path)?.kind == .file else { continue }
            if unlink(path) != 0, errno != ENOENT { throw .io(path: path, operation: "remove the leftover", errno: errno) }
            removed = true
        }
        if removed { try FileSystem.syncDirectory(site.outboxTmp) }
    }

    /// Messages waiting in `new/`, oldest name first.
    public func waiting() throws(IntakeError) -> [String] {
        try FileSystem.list(site.outboxNew).filter { !$0.hasPrefix(".") }
    }

    /// Moves a message between folders (delivery outcome).
    public func move(_ file: String, from: Folder, to: Folder) throws(IntakeError) {
        try FileSystem.move(FileSystem.join(path(from), file), to: FileSystem.join(path(to), file))
        try FileSystem.syncDirectories([path(from), path(to)])
    }
}
