import Foundation
import IntakeKit
import Testing

@Suite("metrics, progress and reports for operators", .serialized)
struct OperationsTests {
    @Test func aRunWritesTheMetricsFileForTheTextfileCollector() throws {
        let site = try TestSite()
        try BundleWriter.typical("good", seed: 41).write(into: site.path("data/inbox"))
        var bad = BundleWriter.typical("bad", seed: 42)
        bad.files[1].data = SampleFiles.windowsExecutable()
        try bad.write(into: site.path("data/inbox"))
        #expect(try site.intake("run").status == 0)
        let text = try String(contentsOfFile: site.path("data/intake.prom"), encoding: .utf8)
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            #expect(parts.count == 2, "malformed sample line: \(line)")
            samples[String(parts[0])] = Double(parts[1])
        }
        #expect(samples["intake_run_bundles{outcome=\"accepted\"}"] == 1)
        #expect(samples["intake_run_bundles{outcome=\"rejected\"}"] == 1)
        #expect(samples["intake_applications{community=\"seoul-hiking\",status=\"pending\"}"] == 1, "one series per community: \(text)")
        #expect(samples["intake_messages_spooled_total"] == 3)
        #expect(samples["intake_last_run_exit_code"] == 0)
        let now = Date().timeIntervalSince1970
        #expect(abs((samples["intake_last_success_timestamp_seconds"] ?? 0) - now) < 120)
        #expect(text.contains("# TYPE intake_run_duration_seconds gauge"))
        // Written by rename: no temporary file is left beside it.
        #expect(site.list("data").filter { $0.hasSuffix(".tmp") }.isEmpty)
    }

    @Test func noProgressLineWhenNotATerminal() throws {
        let site = try TestSite()
        try BundleWriter.typical("good", seed: 43).write(into: site.path("data/inbox"))
        let result = try site.intake("run")
        #expect(result.status == 0)
        #expect(!result.stderr.contains("bundles/s"))
        #expect(!result.stderr.contains("\r"))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) from bsdutils for a pseudo-terminal"))
    func aProgressLineOnATerminal() throws {
        let site = try TestSite()
        for i in 0..<5 { try BundleWriter.typical("b\(i)", seed: UInt64(50 + i)).write(into: site.path("data/inbox")) }
        let result = try runProcess("/usr/bin/script", ["-qec", "\(IntakeBinary.path) run --root \(site.root)", "/dev/null"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("5/5 bundles (100%)"), "\(result.stdout)")
    }

    @Test func dryRunShowsTheFeatureFlags() throws {
        let site = try TestSite()
        try site.writeConfig("[features]\nmail_declined = false\nxml_manifests = false\n")
        let text = try site.intake("run", "--dry-run")
        #expect(text.status == 0)
        #expect(text.stdout.contains("features on: admin_digest, mail_approved, mail_received, mail_rejected; off: mail_declined, xml_manifests"), "\(text.stdout)")
        let json = try site.intake("run", "--dry-run", "--json")
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect((report["features"] as? [String: Bool])?["mail_declined"] == false)
        #expect(try site.intake("doctor").stdout.contains("off: declined; XML manifests off"))
    }

    @Test func everyListingCommandSpeaksJSON() throws {
        let site = try TestSite()
        try BundleWriter.typical("good", seed: 44).write(into: site.path("data/inbox"))
        #expect(try site.intake("run").status == 0)
        for args in [["list", "--json"], ["search", "김", "--json"], ["show", "1", "--json"], ["run", "--dry-run", "--json"],
                     ["doctor", "--json"], ["verify", "--json"]] {
            let result = try site.intake(args[0], arguments: Array(args.dropFirst()))
            #expect(result.status == 0, "\(args): \(result.stderr)")
            #expect((try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) != nil, "\(args) did not print one JSON document")
        }
    }

    @Test func aReaderThatGoesAwayEndsTheOutputNotTheProgram() throws {
        let site = try TestSite()
        for i in 0..<60 {
            try BundleWriter.typical("b\(i)", seed: UInt64(300 + i), applicant: "김민수", email: "m\(i)@example.kr").write(into: site.path("data/inbox"))
        }
        #expect(try site.intake("run").status == 0)
        for command in ["list", "search 김민수", "list --json"] {
            let result = try runProcess("/bin/bash", ["-c", "set -o pipefail; \(IntakeBinary.path) \(command) --root \(site.root) | true"])
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error"))
        }
    }

    @Test func helpTeachesEveryCommand() throws {
        for command in ["init", "doctor", "run", "list", "show", "approve", "decline", "search", "verify", "deliver"] {
            let result = try runProcess(IntakeBinary.path, [command, "--help"])
            #expect(result.status == 0)
            #expect(result.stdout.contains("--root"), "\(command) --help does not mention --root")
        }
        let usage = try runProcess(IntakeBinary.path, ["approve", "--by", "x"])
        #expect(usage.status == 64)
    }
}
