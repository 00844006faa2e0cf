import Foundation
import Testing

/// What real phones send, through the real binary: an iPhone/Galaxy HEIC photo (made by
/// libheif's `heif-enc`), and a Galaxy motion photo (a `cjpeg` picture with Samsung's trailer
/// after its EOI). Under `CI=true` a missing tool fails these tests instead of skipping them.
@Suite(.enabled(if: PhoneTools.usable, "needs heif-enc and cjpeg (scripts/setup --test installs them)"))
struct RealPhoneFileTests {
    @Test func aHEICPhotoIsAcceptedByDefault() throws {
        let site = try TestSite()
        var bundle = BundleWriter.typical("iphone", seed: 31)
        bundle.files[0] = BundleWriter.File(name: "IMG_0042.HEIC", kind: "photo", declared: "image/heic", data: try PhoneTools.heic())
        try bundle.write(into: site.path("data/inbox"))
        let run = try site.intake("run", "--settle", "0")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let app = try #require(try site.lines("applications.jsonl").first)
        let attachments = try #require(app["attachments"] as? [[String: Any]])
        #expect(attachments.first?["detected_type"] as? String == "image/heic")
    }

    @Test func aHEICApplicantIsToldWhatTheySentAndHowToSendAJPEG() throws {
        let site = try TestSite()
        try site.writeConfig("""
            [kinds.photo]
            types = ["image/jpeg", "image/png", "image/webp"]

            [kinds.form]
            types = ["application/pdf"]
            """)
        var bundle = BundleWriter.typical("iphone", seed: 32)
        bundle.files[0] = BundleWriter.File(name: "IMG_0042.HEIC", kind: "photo", declared: "image/heic", data: try PhoneTools.heic())
        try bundle.write(into: site.path("data/inbox"))
        #expect(try site.intake("run", "--settle", "0").status == 0)
        let rejection = try #require(try site.lines("rejections.jsonl").first)
        let codes = (rejection["reasons"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
        #expect(codes == ["type_not_allowed"], "\(rejection)")
        let file = try #require(site.list("data/outbox/new").first { $0.hasSuffix(".rejected") })
        let script = """
        import email, email.policy, sys
        m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
        print(m.get_body(('plain',)).get_content())
        """
        let parsed = try runProcess("/usr/bin/env", ["python3", "-c", script, site.path("data/outbox/new/\(file)")])
        #expect(parsed.status == 0, "\(parsed.stderr)")
        #expect(parsed.stdout.contains("IMG_0042.HEIC"), "\(parsed.stdout)")
        #expect(parsed.stdout.contains("보내 주신 사진은 HEIC 형식입니다."), "\(parsed.stdout)")
        #expect(parsed.stdout.contains("이 항목은 JPEG·PNG·WebP 형식만 받습니다."), "\(parsed.stdout)")
        #expect(parsed.stdout.contains("설정 › 카메라 › 포맷에서 '높은 호환성'을 고르면"), "\(parsed.stdout)")
    }

    @Test func aGalaxyMotionPhotoIsAcceptedAndItsTrailerRecorded() throws {
        let site = try TestSite()
        var bundle = BundleWriter.typical("galaxy", seed: 33)
        bundle.files[0] = BundleWriter.File(name: "20261201_101500.jpg", kind: "photo", declared: "image/jpeg",
                                            data: try PhoneTools.samsungMotionPhoto())
        try bundle.write(into: site.path("data/inbox"))
        let run = try site.intake("run", "--settle", "0")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(try site.lines("rejections.jsonl").isEmpty)
        let app = try #require(try site.lines("applications.jsonl").first)
        let attachments = try #require(app["attachments"] as? [[String: Any]])
        let trailing = try #require(attachments.first?["trailing"] as? [[String: Any]])
        #expect(trailing.map { $0["kind"] as? String } == ["samsung_trailer"])
        #expect((trailing.first?["bytes"] as? Int ?? 0) > 1000)
    }
}

enum PhoneTools {
    static var usable: Bool { RealToolsCLI.usable("heif-enc", "cjpeg") }

    static func run(_ name: String, _ arguments: [String]) throws -> CommandResult {
        let result = try runProcess(try RealToolsCLI.path(name), arguments)
        guard result.status == 0 else {
            throw RealToolsCLI.Missing(description: "\(name) \(arguments) exited \(result.status): \(result.stderr)")
        }
        return result
    }

    static func ppm(_ path: String, width: Int = 96, height: Int = 64) throws {
        var bytes = Array("P6 \(width) \(height) 255\n".utf8)
        for y in 0..<height { for x in 0..<width { bytes += [UInt8(x * 2 & 0xFF), UInt8(y * 3 & 0xFF), 0x80] } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Runs `body` in a fresh folder holding `in.jpg`, a picture written by cjpeg.
    static func withPicture<T>(_ body: (String) throws -> T) throws -> T {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("phone-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ppm("\(dir)/in.ppm")
        _ = try run("cjpeg", ["-outfile", "\(dir)/in.jpg", "\(dir)/in.ppm"])
        return try body(dir)
    }

    /// A HEIC photo written by heif-enc from a JPEG written by cjpeg.
    static func heic() throws -> Data {
        try withPicture { dir in
            _ = try run("heif-enc", ["-q", "50", "-o", "\(dir)/out.heic", "\(dir)/in.jpg"])
            return try Data(contentsOf: URL(fileURLWithPath: "\(dir)/out.heic"))
        }
    }

    /// A cjpeg picture followed by Samsung's trailer holding a small MP4 (`MotionPhoto_Data`),
    /// its SEFH directory and `SEFT`, as Galaxy phones write motion photos.
    static func samsungMotionPhoto() throws -> Data {
        let jpeg = try withPicture { dir in [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/in.jpg"))) }
        func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24 & 0xFF)] }
        func box(_ type: String, _ payload: [UInt8]) -> [UInt8] { be32(8 + payload.count) + Array(type.utf8) + payload }
        let mvhd = [UInt8](repeating: 0, count: 12) + be32(1000) + be32(2000) + [UInt8](repeating: 0, count: 80)
        let mp4 = box("ftyp", Array("isom".utf8) + be32(0x200) + Array("isomiso2mp41".utf8)) + box("moov", box("mvhd", mvhd))
            + box("mdat", (0..<2048).map { UInt8($0 & 0xFF) })
        let name = Array("MotionPhoto_Data".utf8)
        let record = [0, 0, 0x30, 0x0A] + le32(name.count) + name + mp4
        let directory = Array("SEFH".utf8) + le32(106) + le32(1) + [0, 0, 0x30, 0x0A] + le32(record.count) + le32(record.count)
        return Data(jpeg + record + directory + le32(directory.count) + Array("SEFT".utf8))
    }
}
