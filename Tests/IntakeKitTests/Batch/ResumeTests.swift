import Foundation
import Testing
@testable import IntakeKit

/// Each state a killed run can leave behind, built exactly, then resumed by a real run.
@Suite struct ResumeTests {
    private func site(_ dir: TemporaryDirectory) throws -> (Site, SiteConfig) {
        let site = try dir.site()
        var config = SiteConfig()
        config.settleSeconds = 0
        config.minFreeBytes = 0
        config.enabledMessages.remove(.digest)
        return (site, config)
    }

    /// A good bundle folder at `path`, built from the fixture files.
    private func writeBundle(at path: String, email: String = "minsu@example.kr") throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Fixture.data("sample.jpg").write(to: URL(fileURLWithPath: path + "/photo.jpg"))
        let manifest: [String: Any] = [
            "schema": "community-application/1", "community": "seoul-hiking",
            "applicant": ["name": "김민수", "email": email, "locale": "ko"],
            "attachments": [["file": "photo.jpg", "kind": "photo", "content_type": "image/jpeg"]],
            "submitted_at": "2026-11-29T21:14:00+09:00",
        ]
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: path + "/application.json"))
    }

    @Test func aBundleLeftInWorkWithoutARecordIsJudgedUnderItsOldRun() async throws {
        let dir = try TemporaryDirectory()
        let (site, config) = try site(dir)
        try writeBundle(at: site.work + "/20261129T021500Z-dead/b1")
        let report = try await BatchRunner(site: site, config: config).run(.init())
        #expect(report.counts.accepted == 1)
        #expect(report.outcomes.first?.resumed == true)
        let stores = try SiteStores(site: site, writable: false)
        #expect(stores.applications.records.map(\.run) == ["20261129T021500Z-dead"])
        #expect(FileSystem.exists(site.files + "/A000/A000001/photo.jpg"))
        #expect(try FileSystem.list(site.work).isEmpty)
    }

    @Test func aRecordWhoseBundleWasNotMovedYetIsMovedNotRecordedAgain() async throws {
        let dir = try TemporaryDirectory()
        let (site, config) = try site(dir)
        // The first run validated and recorded b1, then died before the rename.
        try writeBundle(at: site.inbox + "/b1")
        let first = try await BatchRunner(site: site, config: config).run(.init())
        let app = try #require(try SiteStores(site: site, writable: false).application("A000001"))
        try FileManager.default.createDirectory(atPath: site.work + "/\(app.run)", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: site.files + "/A000/A000001", toPath: site.work + "/\(app.run)/b1")
        #expect(first.counts.accepted == 1)

        let second = try await BatchRunner(site: site, config: config).run(.init())
        #expect(second.counts.resumed == 1)
        #expect(second.counts.accepted == 0, "nothing is recorded twice")
        let stores = try SiteStores(site: site, writable: false)
        #expect(stores.applications.records.count == 1)
        #expect(FileSystem.exists(site.files + "/A000/A000001/photo.jpg"))
        #expect(stores.emails.records.filter { $0.kind == .received }.count == 1)
    }

    @Test func aMessageSpooledButNotRecordedIsRecordedNotWrittenAgain() async throws {
        let dir = try TemporaryDirectory()
        let (site, config) = try site(dir)
        try writeBundle(at: site.inbox + "/b1")
        _ = try await BatchRunner(site: site, config: config).run(.init())
        // Forge the state "spool file written, emails line never appended": rebuild the
        // stores without the emails line.
        let emailsPath = site.stores + "/emails.jsonl"
        try Data().write(to: URL(fileURLWithPath: emailsPath))
        let spooled = site.outboxNew + "/A000001.received"
        let before = try Data(contentsOf: URL(fileURLWithPath: spooled))
        let mtime = FileSystem.info(spooled)?.modified

        let report = try await BatchRunner(site: site, config: config).run(.init())
        #expect(report.emails == 1)
        let stores = try SiteStores(site: site, writable: false)
        #expect(stores.emails.records.map(\.file) == ["A000001.received"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: spooled)) == before, "the message is not written again")
        #expect(FileSystem.info(spooled)?.modified == mtime)
        #expect(try FileSystem.list(site.outboxNew) == ["A000001.received"])
    }

    @Test func aMessageAlreadyDeliveredIsNeverSpooledAgain() async throws {
        let dir = try TemporaryDirectory()
        let (site, config) = try site(dir)
        try writeBundle(at: site.inbox + "/b1")
        _ = try await BatchRunner(site: site, config: config).run(.init())
        // A relay took it and marked it seen (Maildir info suffix), and its line is lost.
        try FileManager.default.moveItem(atPath: site.outboxNew + "/A000001.received", toPath: site.outboxCur + "/A000001.received:2,S")
        try Data().write(to: URL(fileURLWithPath: site.stores + "/emails.jsonl"))
        let report = try await BatchRunner(site: site, config: config).run(.init())
        #expect(report.emails == 1)
        #expect(try FileSystem.list(site.outboxNew).isEmpty)
    }

    @Test func aSecondRunnerWaitsForTheLock() async throws {
        let dir = try TemporaryDirectory()
        let (site, config) = try site(dir)
        let held = try SiteLock(site: site)
        await #expect(throws: IntakeError.locked(lockFile: site.lockFile)) {
            _ = try await BatchRunner(site: site, config: config).run(.init())
        }
        withExtendedLifetime(held) {}
    }
}
