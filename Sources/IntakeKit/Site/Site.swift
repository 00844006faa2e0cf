import Foundation

/// One site: a root directory holding the config, the templates and `data/`.
///
/// ```swift
/// let site = Site(root: "/srv/intake")
/// try site.checkLayout()          // exit 78 with a clear message when `intake init` was not run
/// let config = try SiteConfig.load(from: site)
/// ```
public struct Site: Sendable, Equatable {
    public let root: String

    public init(root: String) {
        let absolute = root.hasPrefix("/") ? root : FileSystem.join(FileManager.default.currentDirectoryPath, root)
        self.root = (absolute as NSString).standardizingPath
    }

    public var configFile: String { FileSystem.join(root, "intake.toml") }
    public var templates: String { FileSystem.join(root, "templates") }
    public var data: String { FileSystem.join(root, "data") }
    public var inbox: String { FileSystem.join(data, "inbox") }
    public var work: String { FileSystem.join(data, "work") }
    public var files: String { FileSystem.join(data, "files") }
    public var quarantine: String { FileSystem.join(data, "quarantine") }
    public var stores: String { FileSystem.join(data, "stores") }
    public var outbox: String { FileSystem.join(data, "outbox") }
    public var outboxTmp: String { FileSystem.join(outbox, "tmp") }
    public var outboxNew: String { FileSystem.join(outbox, "new") }
    public var outboxCur: String { FileSystem.join(outbox, "cur") }
    public var outboxFailed: String { FileSystem.join(outbox, "failed") }
    public var lockFile: String { FileSystem.join(data, ".lock") }
    public var metricsFile: String { FileSystem.join(data, "intake.prom") }

    /// Every directory a site must have, in creation order.
    public var requiredDirectories: [String] {
        [data, inbox, work, files, quarantine, stores, outbox, outboxTmp, outboxNew, outboxCur, outboxFailed]
    }

    /// A path relative to `data/`, as stores record them.
    public func relativeToData(_ path: String) -> String {
        path.hasPrefix(data + "/") ? String(path.dropFirst(data.count + 1)) : path
    }

    /// Checks that `intake init` has laid the site out.
    /// - Throws: ``IntakeError/siteNotReady(root:missing:)`` naming the first missing directory.
    public func checkLayout() throws(IntakeError) {
        guard FileSystem.isDirectory(root) else { throw .siteNotReady(root: root, missing: root) }
        for dir in requiredDirectories where !FileSystem.isDirectory(dir) {
            throw .siteNotReady(root: root, missing: relativeToRoot(dir))
        }
    }

    /// Checks that every directory a run writes to is writable, before anything is claimed.
    public func checkWritable() throws(IntakeError) {
        for dir in requiredDirectories where !FileSystem.isWritableDirectory(dir) {
            throw .io(path: dir, operation: "write into", errno: EACCES)
        }
    }

    func relativeToRoot(_ path: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    /// Lays out a site; idempotent. Copies nothing over existing files.
    /// - Returns: the directories and files it created.
    @discardableResult
    public func initialize(templatesFrom bundledTemplates: String? = nil) throws(IntakeError) -> [String] {
        var created: [String] = []
        if !FileSystem.isDirectory(root) {
            try FileSystem.makeDirectory(root)
            created.append(root)
        }
        for dir in requiredDirectories where !FileSystem.isDirectory(dir) {
            try FileSystem.makeDirectory(dir)
            created.append(relativeToRoot(dir))
        }
        if !FileSystem.exists(configFile) {
            try FileSystem.write(configFile, Array(SiteConfig.sampleTOML.utf8), mode: 0o640, exclusive: true)
            created.append("intake.toml")
        }
        if !FileSystem.isDirectory(templates) {
            try FileSystem.makeDirectory(templates)
            created.append("templates")
            for (path, text) in DefaultTemplates.files {
                let full = FileSystem.join(templates, path)
                try FileSystem.makeDirectory((full as NSString).deletingLastPathComponent)
                try FileSystem.write(full, Array(text.utf8), mode: 0o640, exclusive: true)
                created.append("templates/\(path)")
            }
        }
        return created
    }
}
