import Foundation
import IntakeKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("killing a run at any moment loses nothing and duplicates nothing", .serialized)
struct CrashRecoveryTests {
    /// Fills an inbox with `count` bundles of a few hundred KB each, some of them bad.
    private func fill(_ site: TestSite, count: Int) throws {
        for i in 0..<count {
            var bundle = BundleWriter.typical(String(format: "bundle-%03d", i), seed: UInt64(100 + i),
                                              applicant: "지원자\(i)", email: "applicant\(i)@example.kr")
            bundle.files[0].data = SampleFiles.jpeg(bulk: 200_000 + i * 1000, seed: UInt64(i))
            if i % 7 == 3 { bundle.files[1].data = SampleFiles.windowsExecutable() }
            try bundle.write(into: site.path("data/inbox"))
        }
    }

    /// Starts a run and kills it with SIGKILL after `delay` seconds.
    /// - Returns: whether the run was still working (it had not written its runs.jsonl line).
    private func killRun(_ site: TestSite, after delay: Double) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: IntakeBinary.path)
        process.arguments = ["run", "--root", site.root, "--settle", "0"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: delay)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return try site.lines("runs.jsonl").isEmpty
    }

    /// Kills runs at spread-out moments of a run's own duration (measured first on this
    /// machine), then runs again and checks that nothing was lost or done twice.
    @Test func killAtAnyMomentAndRerun() throws {
        let timing = try TestSite()
        try fill(timing, count: 30)
        let started = Date()
        #expect(try timing.intake("run", "--settle", "0").status == 0)
        let duration = Date().timeIntervalSince(started)

        var interrupted = 0
        let fractions = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8]
        for fraction in fractions {
            let site = try TestSite()
            try fill(site, count: 30)
            let before = try site.inputFileDigests()
            if try killRun(site, after: duration * fraction) { interrupted += 1 }
            let rerun = try site.intake("run", "--settle", "0")
            #expect(rerun.status == 0, "\(rerun.stderr)")
            try checkEverythingOnce(site, before: before, fraction: fraction)
        }
        // The kills must have hit running processes, or this test proves nothing.
        #expect(interrupted >= fractions.count / 2, "only \(interrupted) of \(fractions.count) kills interrupted a run (\(duration) s)")
    }

    private func checkEverythingOnce(_ site: TestSite, before: [String: [String]], fraction: Double) throws {
        let note = Comment(rawValue: "killed at \(Int(fraction * 100))% of a run")
        // Everything is decided exactly once.
        let apps = try site.lines("applications.jsonl")
        let rejections = try site.lines("rejections.jsonl")
        let decided = apps.map { $0["bundle"] as! String } + rejections.map { $0["bundle"] as! String }
        #expect(decided.count == 30, note)
        #expect(Set(decided).count == 30, note)
        #expect(rejections.count == 4, note)
        #expect(site.list("data/inbox").isEmpty, note)
        #expect(site.list("data/work").isEmpty, note)

        // seq stays contiguous in every store.
        for store in ["applications.jsonl", "rejections.jsonl", "emails.jsonl", "runs.jsonl"] {
            let seqs = try site.lines(store).map { $0["seq"] as! Int }
            #expect(seqs == Array(stride(from: 1, through: seqs.count, by: 1)), "\(store), \(note)")
        }

        // Each input file is in exactly one place, byte for byte.
        let after = try site.inputFileDigests()
        #expect(Set(after.keys) == Set(before.keys), note)
        for (digest, places) in after { #expect(places.count == before[digest]?.count, "\(places), \(note)") }

        // One message per event, each spool file recorded once.
        let emails = try site.lines("emails.jsonl")
        let received = emails.filter { $0["kind"] as? String == "received" }.compactMap { $0["id"] as? String }
        #expect(received.sorted() == apps.map { $0["id"] as! String }.sorted(), note)
        let rejected = emails.filter { $0["kind"] as? String == "rejected" }.compactMap { $0["rejection"] as? String }
        #expect(rejected.sorted() == rejections.map { $0["id"] as! String }.sorted(), note)
        let files = emails.map { $0["file"] as! String }
        #expect(Set(files).count == files.count, note)
        #expect(Set(site.list("data/outbox/new")) == Set(files), note)
    }
}

@Suite("killing a command while it builds the index from nothing")
struct IndexBuildKillTests {
    /// A site whose applications store holds `count` lines, made from one real run's line.
    private func bigSite(_ count: Int) throws -> TestSite {
        let site = try TestSite()
        try BundleWriter.typical("b0", seed: 1, applicant: "김민수", email: "minsu@example.kr").write(into: site.path("data/inbox"))
        #expect(try site.intake("run", "--settle", "0").status == 0)
        var line = try #require(try site.lines("applications.jsonl").first)
        var text = ""
        for i in 1...count {
            line["seq"] = i
            line["id"] = String(format: "A%06d", i)
            line["bundle"] = "b\(i)"
            line["digest"] = String(format: "%064x", i)
            var applicant = line["applicant"] as! [String: Any]
            applicant["name"] = ["김민수", "이서연", "박지훈", "최유진"][i % 4] + "\(i % 100)"
            applicant["email"] = "u\(i)@example.kr"
            line["applicant"] = applicant
            text += String(decoding: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), as: UTF8.self) + "\n"
        }
        try text.write(toFile: site.path("data/stores/applications.jsonl"), atomically: true, encoding: .utf8)
        try? FileManager.default.removeItem(atPath: site.path("data/index"))
        return site
    }

    /// The bulk load of a new index file runs with a rollback journal, not WAL: killed in the
    /// middle, the journal rolls the file back and the next command answers as a rebuild does.
    @Test func aKillMidBuildLeavesAnIndexThatAnswersAsARebuildDoes() throws {
        let site = try bigSite(40_000)
        let journal = site.path("data/index/site.sqlite-journal")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: IntakeBinary.path)
        process.arguments = ["list", "--limit", "1", "--root", site.root]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var sawJournal = false
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline {
            if FileManager.default.fileExists(atPath: journal) { sawJournal = true; break }
            usleep(500)
        }
        // Some way into the load, not at its start.
        usleep(200_000)
        let killedWhileRunning = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(sawJournal, "the bulk load of a new file writes a rollback journal")
        #expect(killedWhileRunning, "the kill came while the index was being built")

        let after = try site.intake("list", "--limit", "3", "--json")
        #expect(after.status == 0, "\(after.stderr)")
        let search = try site.intake("search", "u39999@", "--json")
        #expect(!FileManager.default.fileExists(atPath: journal))
        #expect(try site.intake("reindex").status == 0)
        #expect(try site.intake("list", "--limit", "3", "--json").stdout == after.stdout)
        #expect(try site.intake("search", "u39999@", "--json").stdout == search.stdout)
        #expect(search.stdout.contains("A039999"))
        let verify = try site.intake("verify")
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
