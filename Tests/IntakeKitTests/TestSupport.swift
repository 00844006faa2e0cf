import Foundation
import Testing
@testable import IntakeKit

/// A temporary directory removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("intake-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ relative: String) -> String { (path as NSString).appendingPathComponent(relative) }

    func write(_ relative: String, _ data: Data) throws {
        let full = file(relative)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: full))
    }

    func write(_ relative: String, _ text: String) throws { try write(relative, Data(text.utf8)) }

    /// A laid-out site in this directory.
    func site() throws -> Site {
        let site = Site(root: path)
        try site.initialize()
        return site
    }
}

/// The package's own directory, for tests that compare shipped files.
enum PackageRoot {
    static let path: String = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/", !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.path
    }()
}

/// The fixture files shipped with the tests.
enum Fixture {
    static func data(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)
            ?? Bundle.module.url(forResource: name, withExtension: nil))
        return try Data(contentsOf: url)
    }
}

/// A small deterministic generator (SplitMix64), so generated cases and failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Real programs the tests use as makers of files and as oracles (cjpeg, djpeg, qpdf, heif-enc...).
///
/// `scripts/setup --test` installs them. A test that needs one is declared with
/// `.enabled(if: RealTools.usable("cjpeg", "djpeg"), RealTools.why("cjpeg", "djpeg"))`: outside CI a
/// machine without the tools skips it with that comment; under `CI=true` it always runs, and
/// `RealTools.path(_:)` then fails it, naming what is missing: it never skips silently.
enum RealTools {
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Where `name` is on PATH (or in /usr/sbin, /usr/bin), if anywhere.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin"] {
            let candidate = (dir as NSString).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Whether a test needing these tools should run: always under CI, else when all are there.
    static func usable(_ names: String...) -> Bool { isCI || names.allSatisfy { find($0) != nil } }

    /// The skip comment for a machine without the tools.
    static func why(_ names: String...) -> Comment {
        Comment(rawValue: "needs \(names.joined(separator: ", ")) (scripts/setup --test installs them)")
    }

    /// The tool's path, or a failure that names it and says how to get it.
    static func path(_ name: String) throws -> String {
        guard let found = find(name) else {
            throw ToolMissing(description: "\(name) is required by this test but is not on PATH; run scripts/setup --test (CI=\(isCI))")
        }
        return found
    }

    struct ToolMissing: Error, CustomStringConvertible { var description: String }

    /// Runs a tool to completion; returns its exit status, stdout and stderr.
    @discardableResult
    static func run(_ name: String, _ arguments: [String], stdin: Data? = nil, cwd: String? = nil) throws -> (status: Int32, stdout: Data, stderr: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path(name))
        process.arguments = arguments
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        // Read both pipes on their own threads so a chatty tool never blocks on a full pipe.
        nonisolated(unsafe) var outData = Data(), errData = Data()
        let group = DispatchGroup()
        group.enter(); DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter(); DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if let stdin { try input.fileHandleForWriting.write(contentsOf: stdin) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return (process.terminationStatus, outData, errData)
    }

    /// Runs a tool and fails unless it exits 0; returns its stdout.
    @discardableResult
    static func check(_ name: String, _ arguments: [String], cwd: String? = nil) throws -> Data {
        let result = try run(name, arguments, cwd: cwd)
        guard result.status == 0 else {
            throw ToolMissing(description: "\(name) \(arguments.joined(separator: " ")) exited \(result.status): \(String(decoding: result.stderr.prefix(2000), as: UTF8.self))")
        }
        return result.stdout
    }
}
