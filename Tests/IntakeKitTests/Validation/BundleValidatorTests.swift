import Foundation
import Crypto
import Testing
@testable import IntakeKit

#if canImport(Glibc)
import Glibc
#endif

@Suite struct BundleValidatorTests {
    /// Writes a bundle folder with the fixture files and a JSON manifest listing `entries`.
    private func bundle(in dir: TemporaryDirectory, name: String = "b", entries: [(file: String, kind: String, type: String)]? = nil,
                        files: [String: Data]? = nil) throws -> String {
        let photo = try Fixture.data("sample.jpg"), form = try Fixture.data("sample.pdf")
        let files = files ?? ["photo.jpg": photo, "가입신청서.pdf": form]
        let entries = entries ?? [("photo.jpg", "photo", "image/jpeg"), ("가입신청서.pdf", "form", "application/pdf")]
        for (file, data) in files { try dir.write("\(name)/\(file)", data) }
        let attachments = entries.map { ["file": $0.file, "kind": $0.kind, "content_type": $0.type] }
        let manifest: [String: Any] = [
            "schema": "community-application/1", "community": "seoul-hiking",
            "applicant": ["name": "김민수", "email": "minsu@example.kr", "phone": "+82 10-1234-5678", "locale": "ko"],
            "answers": ["motivation": "주말 산행"], "attachments": attachments, "submitted_at": "2026-11-29T21:14:00+09:00",
        ]
        try dir.write("\(name)/application.json", try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]))
        return dir.file(name)
    }

    private func codes(_ v: ValidatedBundle) -> [String] { v.reasons.map(\.code.rawValue).sorted() }

    @Test func aGoodBundleIsAcceptedWithTypesHashesAndADigest() throws {
        let dir = try TemporaryDirectory()
        let path = try bundle(in: dir)
        let v = BundleValidator(config: SiteConfig()).validate(bundleAt: path, name: "b")
        #expect(v.reasons.isEmpty, "\(v.reasons)")
        #expect(v.isAccepted)
        #expect(v.attachments.map(\.detectedType) == ["image/jpeg", "application/pdf"])
        #expect(v.attachments[0].sha256 == SampleHash.sha256(try Fixture.data("sample.jpg")))
        #expect(v.digest?.count == 64)
    }

    @Test func theDigestIgnoresTheFolderNameButNotTheContent() throws {
        let dir = try TemporaryDirectory()
        let validator = BundleValidator(config: SiteConfig())
        let a = validator.validate(bundleAt: try bundle(in: dir, name: "one"), name: "one")
        let b = validator.validate(bundleAt: try bundle(in: dir, name: "two"), name: "two")
        #expect(a.digest != nil && a.digest == b.digest)
        var other = try Fixture.data("sample.pdf")
        other.append(contentsOf: Array("% a comment\n".utf8))
        _ = other
        let photo = try Fixture.data("sample.png")
        let c = validator.validate(bundleAt: try bundle(in: dir, name: "three", entries: [("photo.png", "photo", "image/png")], files: ["photo.png": photo]), name: "three")
        #expect(c.digest != a.digest)
    }

    @Test func linksSubFoldersAndSpecialFilesAreNeverFollowed() throws {
        let dir = try TemporaryDirectory()
        let path = try bundle(in: dir)
        try FileManager.default.removeItem(atPath: "\(path)/photo.jpg")
        try FileManager.default.createSymbolicLink(atPath: "\(path)/photo.jpg", withDestinationPath: "/etc/passwd")
        try FileManager.default.createDirectory(atPath: "\(path)/extra", withIntermediateDirectories: false)
        #expect(mkfifo("\(path)/pipe", 0o600) == 0)
        let v = BundleValidator(config: SiteConfig()).validate(bundleAt: path, name: "b")
        let byFile = Dictionary(grouping: v.reasons, by: { $0.file ?? "" })
        #expect(byFile["photo.jpg"]?.map(\.code) == [.unsafeName])
        #expect(byFile["photo.jpg"]?.first?.detail.contains("link") == true)
        #expect(byFile["extra"]?.map(\.code) == [.unsafeName])
        #expect(byFile["pipe"]?.map(\.code) == [.unsafeName])
        #expect(!v.isAccepted)
    }

    @Test func unsafeNamesInTheManifestAreRejectedBeforeAnythingIsOpened() throws {
        let dir = try TemporaryDirectory()
        let path = try bundle(in: dir, entries: [("../../etc/passwd", "photo", "image/jpeg"), ("a/b.jpg", "photo", "image/jpeg"),
                                                  ("bell\u{7}.pdf", "form", "application/pdf"), ("..", "form", "application/pdf")], files: [:])
        let v = BundleValidator(config: SiteConfig()).validate(bundleAt: path, name: "b")
        #expect(Set(v.reasons.map(\.code)) == [.unsafeName])
        #expect(Set(v.reasons.compactMap(\.file)) == ["../../etc/passwd", "a/b.jpg", "bell\u{7}.pdf", ".."])
    }

    @Test func aDecomposedNameOnDiskMatchesTheComposedNameListed() throws {
        let dir = try TemporaryDirectory()
        let nfd = "가입신청서.pdf".decomposedStringWithCanonicalMapping
        #expect(nfd.utf8.count != "가입신청서.pdf".utf8.count)
        let path = try bundle(in: dir, files: ["photo.jpg": try Fixture.data("sample.jpg"), nfd: try Fixture.data("sample.pdf")])
        let v = BundleValidator(config: SiteConfig()).validate(bundleAt: path, name: "b")
        #expect(v.reasons.isEmpty, "\(v.reasons)")
        // The record keeps the name as it is on disk, so the kept file is found by it.
        #expect(v.attachments.map { Array($0.file.utf8) }.contains(Array(nfd.utf8)))
    }

    @Test func aHiddenUnlistedFileIsUnlistedNotUnsafe() throws {
        let dir = try TemporaryDirectory()
        let path = try bundle(in: dir)
        try dir.write("b/.DS_Store", Data([0, 0, 0, 1]))
        let v = BundleValidator(config: SiteConfig()).validate(bundleAt: path, name: "b")
        #expect(v.reasons.map(\.code) == [.unlistedFile])
        #expect(v.reasons.first?.file == ".DS_Store")
    }

    @Test func everyProblemIsReportedNotOnlyTheFirst() throws {
        let dir = try TemporaryDirectory()
        var jpegWithTail = try Fixture.data("sample.jpg")
        jpegWithTail.append(contentsOf: Array("<?php system($_GET['c']); ?>".utf8))
        let files: [String: Data] = [
            "photo.jpg": jpegWithTail,                         // hidden data after EOI
            "scan.png": try Fixture.data("sample.jpg"),        // a JPEG named .png, declared PNG
            "empty.pdf": Data(),
            "Thumbs.db": Data([0, 1, 2]),
            "setup.pdf": Data([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1] + [UInt8](repeating: 0, count: 60)),
        ]
        let entries = [("photo.jpg", "photo", "image/jpeg"), ("scan.png", "document", "image/png"), ("empty.pdf", "form", "application/pdf"),
                       ("setup.pdf", "form", "application/pdf"), ("gone.pdf", "form", "application/pdf"), ("x.jpg", "selfie", "image/jpeg")]
        let path = try bundle(in: dir, entries: entries, files: files)
        let v = BundleValidator(config: SiteConfig()).validate(bundleAt: path, name: "b")
        let byFile = Dictionary(grouping: v.reasons, by: { $0.file ?? "" }).mapValues { Set($0.map(\.code)) }
        #expect(byFile["photo.jpg"] == [.corruptFile])
        #expect(byFile["scan.png"] == [.typeMismatch])
        #expect(byFile["empty.pdf"] == [.emptyFile])
        // Not allowed, and not what the manifest says either: both are reported.
        #expect(byFile["setup.pdf"] == [.typeNotAllowed, .typeMismatch])
        #expect(byFile["gone.pdf"] == [.missingAttachment])
        #expect(byFile["x.jpg"]?.contains(.typeNotAllowed) == true || byFile["x.jpg"]?.contains(.missingAttachment) == true)
        #expect(byFile["Thumbs.db"] == [.unlistedFile])
        #expect(v.reasons.first { $0.file == "setup.pdf" }?.detail.contains("ELF executable") == true)
    }

    @Test func sizeLimitsAreCheckedBeforeReading() throws {
        let dir = try TemporaryDirectory()
        var config = SiteConfig()
        config.kinds["photo"]?.maxBytes = 1000
        let path = try bundle(in: dir)
        let v = BundleValidator(config: config).validate(bundleAt: path, name: "b")
        #expect(codes(v) == ["too_large"])
        #expect(v.reasons.first?.file == "photo.jpg")
    }

    @Test func xmlManifestsCanBeSwitchedOff() throws {
        let dir = try TemporaryDirectory()
        let path = try bundle(in: dir)
        try FileManager.default.moveItem(atPath: "\(path)/application.json", toPath: "\(path)/application.xml")
        var config = SiteConfig()
        config.xmlManifests = false
        let v = BundleValidator(config: config).validate(bundleAt: path, name: "b")
        #expect(codes(v) == ["invalid_manifest"])
        #expect(v.reasons.first?.detail.contains("xml_manifests") == true)
    }

    @Test func aBrokenManifestStillYieldsTheAddressToWriteTo() throws {
        let dir = try TemporaryDirectory()
        let path = try bundle(in: dir)
        try dir.write("b/application.json", #"{"applicant": {"name": "박지은", "email": "jieun@example.kr",}, "#)
        let v = BundleValidator(config: SiteConfig()).validate(bundleAt: path, name: "b")
        #expect(!codes(v).isEmpty)
        #expect(codes(v).allSatisfy { $0 == "invalid_manifest" })
        #expect(v.contact?.email == "jieun@example.kr")
        #expect(v.contact?.name == "박지은")
    }
}

enum SampleHash {
    static func sha256(_ data: Data) -> String {
        var hasher = Crypto.SHA256()
        hasher.update(data: data)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
