import Foundation
import Testing
@testable import IntakeKit

@Suite struct InboxTests {
    @Test func onlySettledBundlesWithAManifestAreTaken() throws {
        let dir = try TemporaryDirectory()
        let site = try dir.site()
        let old = Date(timeIntervalSinceNow: -3600)
        for (name, manifest) in [("ready", true), ("no-manifest", false), ("fresh", true)] {
            try dir.write("data/inbox/\(name)/photo.jpg", Data([1]))
            if manifest { try dir.write("data/inbox/\(name)/application.json", "{}") }
        }
        try dir.write("data/inbox/stray.txt", "not a bundle")
        try dir.write("data/inbox/.uploading-tmp/x", "hidden")
        for name in ["ready", "no-manifest"] {
            for entry in ["", "/photo.jpg", "/application.json"] where FileManager.default.fileExists(atPath: dir.file("data/inbox/\(name)\(entry)")) {
                try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: dir.file("data/inbox/\(name)\(entry)"))
            }
        }
        let scan = try Inbox.scan(site: site, settleSeconds: 60, now: Date())
        #expect(scan.settled == ["ready"])
        #expect(Set(scan.waiting) == ["no-manifest", "fresh"])
        #expect(scan.strays == ["stray.txt"])
    }

    @Test func claimingIsOneRenameIntoTheRunsWorkFolder() throws {
        let dir = try TemporaryDirectory()
        let site = try dir.site()
        try dir.write("data/inbox/b1/application.json", "{}")
        let (claimed, unclaimed, warnings) = try Inbox.claim(["b1", "vanished"], site: site, run: "R1")
        #expect(unclaimed.isEmpty)
        #expect(warnings.isEmpty, "a bundle taken away meanwhile is not a problem")
        #expect(claimed.map(\.path) == [site.work + "/R1/b1"])
        #expect(FileSystem.exists(site.work + "/R1/b1/application.json"))
        #expect(try Inbox.leftovers(site: site).map(\.name) == ["b1"])
        try FileManager.default.removeItem(atPath: site.work + "/R1/b1")
        try Inbox.removeEmptyRunFolders(site: site)
        #expect(try FileSystem.list(site.work).isEmpty)
    }
}
