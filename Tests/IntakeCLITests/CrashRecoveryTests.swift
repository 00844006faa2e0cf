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

    @Test(arguments: [0.02, 0.08, 0.15, 0.3, 0.6])
    func killAndRerun(after delay: Double) throws {
        let site = try TestSite()
        try fill(site, count: 30)
        let before = try site.inputFileDigests()

        let process = Process()
        process.executableURL = URL(fileURLWithPath: IntakeBinary.path)
        process.arguments = ["run", "--root", site.root, "--settle", "0"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: delay)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()

        let rerun = try site.intake("run", "--settle", "0")
        #expect(rerun.status == 0, "\(rerun.stderr)")

        // Everything is decided exactly once.
        let apps = try site.lines("applications.jsonl")
        let rejections = try site.lines("rejections.jsonl")
        let decided = apps.map { $0["bundle"] as! String } + rejections.map { $0["bundle"] as! String }
        #expect(decided.count == 30, "\(decided.count) decisions for 30 bundles")
        #expect(Set(decided).count == 30)
        #expect(rejections.count == 30 / 7 + (30 % 7 > 3 ? 1 : 0))
        #expect(site.list("data/inbox").isEmpty)
        #expect(site.list("data/work").isEmpty)

        // seq stays contiguous in every store.
        for store in ["applications.jsonl", "rejections.jsonl", "emails.jsonl", "runs.jsonl"] {
            let seqs = try site.lines(store).map { $0["seq"] as! Int }
            #expect(seqs == Array(stride(from: 1, through: seqs.count, by: 1)), "\(store)")
        }

        // Each input file is in exactly one place, byte for byte.
        let after = try site.inputFileDigests()
        #expect(Set(after.keys) == Set(before.keys))
        for (digest, places) in after { #expect(places.count == before[digest]?.count, "\(places)") }

        // One message per event, each spool file recorded once.
        let emails = try site.lines("emails.jsonl")
        let received = emails.filter { $0["kind"] as? String == "received" }.compactMap { $0["id"] as? String }
        #expect(received.sorted() == apps.map { $0["id"] as! String }.sorted())
        let files = emails.map { $0["file"] as! String }
        #expect(Set(files).count == files.count)
        let spooled = site.list("data/outbox/new")
        #expect(Set(spooled) == Set(files))
        #expect(site.list("data/outbox/tmp").allSatisfy { !spooled.contains($0) })
    }
}
