import Foundation

/// A bundle folder the run has taken into `work/<run>/`.
public struct ClaimedBundle: Sendable, Equatable {
    /// The run whose `work/` folder holds it (an earlier, interrupted run when resumed).
    public var run: String
    /// The folder's name as it arrived in the inbox.
    public var name: String
    /// Its path now, under `data/work/<run>/`.
    public var path: String
    public var resumed: Bool
}

/// What the inbox holds right now.
public struct InboxScan: Sendable, Equatable {
    /// Bundles with a manifest and nothing changed for the settle time, ready to claim.
    public var settled: [String] = []
    /// Bundles still being written (changed recently) or without a manifest yet.
    public var waiting: [String] = []
    /// Entries that are not bundle folders (files, links); left where they are.
    public var strays: [String] = []
    /// Bundles that cannot be looked into (permissions), each with what to do.
    public var warnings: [String] = []
}

/// Finding settled bundles in `data/inbox/` and claiming them for a run.
public enum Inbox {
    public static let manifestNames = ["application.json", "application.xml"]

    /// Looks at the inbox without changing it.
    /// - Parameters:
    ///   - settleSeconds: how long a bundle must have been unchanged.
    ///   - now: the run's clock.
    public static func scan(site: Site, settleSeconds: Int, now: Date) throws(IntakeError) -> InboxScan {
        var scan = InboxScan()
        let cutoff = now.addingTimeInterval(-TimeInterval(settleSeconds))
        for name in try FileSystem.list(site.inbox) {
            if name.hasPrefix(".") { continue }  // upload tools' temporary folders and files
            let path = FileSystem.join(site.inbox, name)
            guard let info = FileSystem.info(path), info.kind == .directory else {
                scan.strays.append(name)
                continue
            }
            do {
                if try isSettled(path, cutoff: cutoff, folder: info) {
                    scan.settled.append(name)
                } else {
                    scan.waiting.append(name)
                }
            } catch {
                // One unreadable folder must not stop the night's run for everyone else.
                scan.waiting.append(name)
                scan.warnings.append("inbox/\(name) cannot be read (\(error.localizedDescription)); it stays in the inbox")
            }
        }
        return scan
    }

    /// A bundle is settled when its manifest is there and neither the folder nor anything in it
    /// changed after `cutoff`; a folder without a manifest is still being written.
    static func isSettled(_ path: String, cutoff: Date, folder: EntryInfo) throws(IntakeError) -> Bool {
        if folder.modified > cutoff { return false }
        var hasManifest = false
        for entry in try FileSystem.list(path) {
            guard let info = FileSystem.info(FileSystem.join(path, entry)) else { return false }
            if info.modified > cutoff { return false }
            if manifestNames.contains(entry) && info.kind == .file { hasManifest = true }
        }
        return hasManifest
    }

    /// Moves settled bundles into `work/<run>/`, one rename each.
    ///
    /// A bundle that vanished is left alone (another process took it, or the admin is moving
    /// it). One that cannot be moved for another reason (EIO, EROFS, permissions) stays in the
    /// inbox and is said: the run goes on with the rest, but it is an I/O error, not "waiting".
    /// - Returns: the bundles claimed, the names that could not be moved, and a warning for each.
    public static func claim(_ names: [String], site: Site, run: String, onClaimed: ((ClaimedBundle) -> Void)? = nil) throws(IntakeError)
        -> (claimed: [ClaimedBundle], unclaimed: [String], warnings: [String]) {
        guard !names.isEmpty else { return ([], [], []) }
        let workDir = FileSystem.join(site.work, run)
        try FileSystem.makeDirectory(workDir)
        try FileSystem.syncDirectory(site.work)
        var claimed: [ClaimedBundle] = []
        var unclaimed: [String] = []
        var warnings: [String] = []
        for name in names {
            let destination = FileSystem.join(workDir, name)
            do {
                try FileSystem.move(FileSystem.join(site.inbox, name), to: destination)
                let bundle = ClaimedBundle(run: run, name: name, path: destination, resumed: false)
                claimed.append(bundle)
                onClaimed?(bundle)
            } catch {
                if case let .io(_, _, code) = error, code == ENOENT { continue }  // taken away meanwhile
                unclaimed.append(name)
                warnings.append("inbox/\(name) cannot be claimed (\(error.localizedDescription)); it stays in the inbox")
            }
        }
        try FileSystem.syncDirectories([site.inbox, workDir])
        return (claimed, unclaimed, warnings)
    }

    /// Bundles an interrupted run left in `work/`, oldest run first, to be finished before new ones.
    public static func leftovers(site: Site) throws(IntakeError) -> [ClaimedBundle] {
        var found: [ClaimedBundle] = []
        for run in try FileSystem.list(site.work) where FileSystem.isDirectory(FileSystem.join(site.work, run)) {
            let runDir = FileSystem.join(site.work, run)
            for name in try FileSystem.list(runDir) where FileSystem.isDirectory(FileSystem.join(runDir, name)) {
                found.append(ClaimedBundle(run: run, name: name, path: FileSystem.join(runDir, name), resumed: true))
            }
        }
        return found
    }

    /// Removes the `work/<run>/` folders that hold nothing any more.
    /// - Throws: when `work/` cannot be flushed afterwards (the disk is failing).
    public static func removeEmptyRunFolders(site: Site) throws(IntakeError) {
        guard let runs = try? FileSystem.list(site.work) else { return }
        for run in runs {
            let dir = FileSystem.join(site.work, run)
            if FileSystem.isDirectory(dir), (try? FileSystem.list(dir))?.isEmpty == true {
                rmdir(dir)
            }
        }
        try FileSystem.syncDirectory(site.work)
    }
}
