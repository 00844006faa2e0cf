import Foundation
import IntakeKit
import Testing

/// The built `intake` binary, found beside the test bundle (SwiftPM builds it with the tests).
enum IntakeBinary {
    static let path: String = {
        if let explicit = ProcessInfo.processInfo.environment["INTAKE_BIN"] { return explicit }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { break }
            dir = dir.deletingLastPathComponent()
        }
        for config in ["debug", "release"] {
            let candidate = dir.appendingPathComponent(".build/\(config)/intake").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return dir.appendingPathComponent(".build/debug/intake").path
    }()
}

/// What one run of a command printed and how it ended.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to completion, collecting its output.
@discardableResult
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:], stdin: Data? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "INTAKE_ROOT")
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    // Read both pipes concurrently so neither fills up and blocks the child.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// A site in a fresh temporary directory, driven through the real binary.
final class TestSite {
    let root: String
    var site: Site { Site(root: root) }

    init(initialize: Bool = true) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("intake-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        if initialize {
            let result = try intake("init")
            #expect(result.status == 0, "init failed: \(result.stderr)")
            try writeConfig("")
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Runs `intake <command> --root <site> <args>`.
    @discardableResult
    func intake(_ command: String, _ args: String..., environment: [String: String] = [:]) throws -> CommandResult {
        try intake(command, arguments: args, environment: environment)
    }

    @discardableResult
    func intake(_ command: String, arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        try runProcess(IntakeBinary.path, [command, "--root", root] + arguments, environment: environment)
    }

    /// Replaces intake.toml with a test config plus `extra`.
    func writeConfig(_ extra: String) throws {
        let text = """
        [site]
        name = "서울 산악회"
        settle_seconds = 0
        admin_email = "admin@example.kr"

        [mail]
        from = "intake@example.kr"

        \(extra)
        """
        try text.write(toFile: path("intake.toml"), atomically: true, encoding: .utf8)
    }

    func path(_ relative: String) -> String { (root as NSString).appendingPathComponent(relative) }

    func lines(_ store: String) throws -> [[String: Any]] {
        let file = path("data/stores/\(store)")
        guard FileManager.default.fileExists(atPath: file) else { return [] }
        return try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    func list(_ relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path(relative))) ?? []).filter { $0 != ".gitkeep" }.sorted()
    }

    /// Every regular file under data/inbox, work, files and quarantine, by content digest.
    func inputFileDigests() throws -> [String: [String]] {
        var found: [String: [String]] = [:]
        for area in ["inbox", "work", "files", "quarantine"] {
            let base = path("data/\(area)")
            guard let walker = FileManager.default.enumerator(atPath: base) else { continue }
            while let rel = walker.nextObject() as? String {
                let full = (base as NSString).appendingPathComponent(rel)
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue else { continue }
                if rel.hasSuffix(".reasons.txt") || rel.hasSuffix(".gitkeep") { continue }
                let data = try Data(contentsOf: URL(fileURLWithPath: full))
                found[SampleFiles.sha256(data), default: []].append("\(area)/\(rel)")
            }
        }
        return found
    }
}

/// Real programs the CLI tests drive (postfix tools, msmtp, cjpeg, heif-enc...): found on PATH,
/// and under `CI=true` a missing one fails the test that needs it, never skips it.
enum RealToolsCLI {
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin"] {
            let candidate = (dir as NSString).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func path(_ name: String) throws -> String {
        guard let found = find(name) else {
            throw Missing(description: "\(name) is required by this test but is not on PATH; run scripts/setup --test (CI=\(isCI))")
        }
        return found
    }

    /// Whether a test needing these tools should run: always under CI (a missing tool then
    /// fails it), elsewhere only where they are all installed.
    static func usable(_ names: String...) -> Bool { isCI || names.allSatisfy { find($0) != nil } }

    struct Missing: Error, CustomStringConvertible { var description: String }
}
