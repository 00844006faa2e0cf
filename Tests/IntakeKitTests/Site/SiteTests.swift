import Foundation
import Testing
@testable import IntakeKit

@Suite struct SiteTests {
    @Test func initLaysOutEverythingOnceAndChecksPass() throws {
        let dir = try TemporaryDirectory()
        let site = Site(root: dir.path)
        #expect(throws: IntakeError.self) { try site.checkLayout() }
        let created = try site.initialize()
        #expect(created.contains("intake.toml"))
        #expect(created.contains("templates/ko/received.txt.mustache"))
        try site.checkLayout()
        try site.checkWritable()
        try "# mine\n".write(toFile: site.configFile, atomically: true, encoding: .utf8)
        #expect(try site.initialize().isEmpty)
        #expect(try String(contentsOfFile: site.configFile, encoding: .utf8) == "# mine\n", "init never overwrites")
    }

    @Test func aMissingFolderIsNamed() throws {
        let dir = try TemporaryDirectory()
        let site = try dir.site()
        try FileManager.default.removeItem(atPath: site.outboxNew)
        do {
            try site.checkLayout()
            Issue.record("layout check passed without outbox/new")
        } catch {
            #expect(error == .siteNotReady(root: site.root, missing: "data/outbox/new"))
            #expect(error.exitStatus == .config)
        }
    }

    @Test func theLockAdmitsOneHolder() throws {
        let dir = try TemporaryDirectory()
        let site = try dir.site()
        let held = try SiteLock(site: site)
        #expect(SiteLock.holder(site: site).held)
        #expect(throws: IntakeError.locked(lockFile: site.lockFile)) { _ = try SiteLock(site: site) }
        withExtendedLifetime(held) {}
    }

    @Test func aTemporaryFileLeftByAKilledWriterDoesNotStayBehind() throws {
        let dir = try TemporaryDirectory()
        // What a process killed between creating and renaming its temporary file leaves.
        try dir.write(".reasons.txt.tmp", Data())
        try FileSystem.writeAtomically(dir.file("reasons.txt"), Array("bundle: b\n".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["reasons.txt"])
        #expect(try String(contentsOfFile: dir.file("reasons.txt"), encoding: .utf8) == "bundle: b\n")
    }
}
