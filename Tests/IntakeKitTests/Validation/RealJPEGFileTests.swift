import Foundation
import Crypto
import Testing
@testable import IntakeKit

/// JPEGs as phones and cameras write them, made at test time by real tools: libjpeg-turbo's
/// `cjpeg` encodes the pictures, `exiftool` writes the XMP, and the layouts phones put after the
/// EOI are recreated byte for byte (the MPF index of iPhone and Ultra HDR gain maps, Google's
/// motion photo, Samsung's SEFH/SEFT trailer, NUL padding). The oracles are `djpeg` (the primary
/// picture decodes) and `exiftool` (it reads the MPF index, the XMP directory and Samsung's
/// trailer, and extracts the same picture or video the checker found).
///
/// The MP4 inside the motion photos is built here box by box (ftyp, moov/mvhd, mdat): no movie
/// encoder is installed for the tests, and exiftool is the oracle that it parses as an MP4.
@Suite(.enabled(if: RealTools.usable("cjpeg", "djpeg", "exiftool"), RealTools.why("cjpeg", "djpeg", "exiftool")))
struct RealJPEGFileTests {
    // MARK: - Makers

    /// A colour gradient as a binary PPM, the input cjpeg takes.
    static func ppm(width: Int, height: Int, seed: Int = 0) -> Data {
        var bytes = Array("P6 \(width) \(height) 255\n".utf8)
        for y in 0..<height {
            for x in 0..<width {
                bytes += [UInt8((x * 4 + seed) & 0xFF), UInt8((y * 5 + seed * 3) & 0xFF), UInt8((x ^ y) & 0xFF)]
            }
        }
        return Data(bytes)
    }

    /// A JPEG written by cjpeg.
    static func cjpeg(_ directory: TemporaryDirectory, _ arguments: [String] = [], width: Int = 96, height: Int = 64,
                      seed: Int = 0) throws -> [UInt8] {
        let input = directory.file("in-\(seed)-\(width)x\(height).ppm")
        try ppm(width: width, height: height, seed: seed).write(to: URL(fileURLWithPath: input))
        return [UInt8](try RealTools.check("cjpeg", arguments + [input]))
    }

    /// The JPEG with an XMP packet written into APP1 by exiftool.
    static func withXMP(_ directory: TemporaryDirectory, _ jpeg: [UInt8], xmp: String) throws -> [UInt8] {
        let image = directory.file("xmp-\(UUID().uuidString).jpg")
        let packet = directory.file("packet.xmp")
        try Data(jpeg).write(to: URL(fileURLWithPath: image))
        try xmp.write(toFile: packet, atomically: true, encoding: .utf8)
        try RealTools.check("exiftool", ["-q", "-overwrite_original", "-xmp<=\(packet)", image])
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: image)))
    }

    static func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        SampleFiles.bigEndian32(UInt32(8 + payload.count)) + Array(type.utf8) + payload
    }

    /// A small MP4: ftyp, moov with a movie header (2 s at 1000/s), and an mdat.
    static let mp4: [UInt8] = {
        let ftyp = box("ftyp", Array("isom".utf8) + SampleFiles.bigEndian32(0x200) + Array("isomiso2mp41".utf8))
        var mvhd: [UInt8] = [0, 0, 0, 0] + SampleFiles.bigEndian32(0) + SampleFiles.bigEndian32(0)
        mvhd += SampleFiles.bigEndian32(1000) + SampleFiles.bigEndian32(2000) + SampleFiles.bigEndian32(0x0001_0000)
        mvhd += [0x01, 0x00] + [UInt8](repeating: 0, count: 10)
        for value: UInt32 in [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x4000_0000] { mvhd += SampleFiles.bigEndian32(value) }
        mvhd += [UInt8](repeating: 0, count: 24) + SampleFiles.bigEndian32(2)
        return ftyp + box("moov", box("mvhd", mvhd)) + box("mdat", (0..<1024).map { UInt8($0 & 0xFF) })
    }()

    /// A multi-picture JPEG as iPhones (HDR gain map) and Ultra HDR phones write it: an APP2 MPF
    /// index after APP0 naming the primary picture and the further ones, which follow its EOI.
    static func multiPicture(primary: [UInt8], others: [[UInt8]], padding: Int = 0) -> [UInt8] {
        let app0End = 4 + Int(UInt16(primary[4]) << 8 | UInt16(primary[5]))
        let count = 1 + others.count
        func index(_ entries: [(size: Int, offset: Int)]) -> [UInt8] {
            var ifd: [UInt8] = le16(3)
            ifd += le16(0xB000) + le16(7) + le32(4) + Array("0100".utf8)
            ifd += le16(0xB001) + le16(4) + le32(1) + le32(UInt32(count))
            ifd += le16(0xB002) + le16(7) + le32(UInt32(16 * count)) + le32(UInt32(8 + 2 + 36 + 4))
            ifd += le32(0)
            var records: [UInt8] = []
            for (k, entry) in entries.enumerated() {
                records += le32(k == 0 ? 0x03_0000 : 0) + le32(UInt32(entry.size)) + le32(UInt32(entry.offset)) + le16(0) + le16(0)
            }
            return [0x49, 0x49, 0x2A, 0x00] + le32(8) + ifd + records
        }
        let placeholder = index(Array(repeating: (0, 0), count: count))
        let segmentLength = 2 + 4 + placeholder.count
        let primaryLength = primary.count + 2 + segmentLength
        let header = app0End + 4 + 4
        var entries = [(size: primaryLength, offset: 0)]
        var position = primaryLength + padding
        for other in others {
            entries.append((other.count, position - header))
            position += other.count
        }
        let app2 = [0xFF, 0xE2, UInt8(segmentLength >> 8), UInt8(segmentLength & 0xFF)] + Array("MPF\u{0}".utf8) + index(entries)
        return Array(primary[..<app0End]) + app2 + Array(primary[app0End...]) + [UInt8](repeating: 0, count: padding)
            + others.joined()
    }

    /// Samsung's trailer: records (the motion photo's MP4 in `MotionPhoto_Data`), the SEFH
    /// directory, its length and `SEFT`, as Galaxy phones append it after the EOI.
    static func samsungTrailer(video: [UInt8]) -> [UInt8] {
        func record(_ type: UInt16, _ name: String, _ data: [UInt8]) -> [UInt8] {
            le16(0) + le16(type) + le32(UInt32(name.utf8.count)) + Array(name.utf8) + data
        }
        let records = [record(0x0A30, "MotionPhoto_Data", video), record(0x0A01, "Image_UTC_Data", Array("1733100000000".utf8))]
        var body: [UInt8] = []
        var entries: [(type: UInt16, offset: Int, length: Int)] = []
        for (k, r) in records.enumerated() {
            entries.append(([0x0A30, 0x0A01][k], body.count, r.count))
            body += r
        }
        var directory = Array("SEFH".utf8) + le32(106) + le32(UInt32(records.count))
        for entry in entries {
            directory += le16(0) + le16(entry.type) + le32(UInt32(body.count - entry.offset)) + le32(UInt32(entry.length))
        }
        return body + directory + le32(UInt32(directory.count)) + Array("SEFT".utf8)
    }

    static func googleMotionPhotoXMP(videoLength: Int) -> String {
        """
        <x:xmpmeta xmlns:x="adobe:ns:meta/">
         <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
          <rdf:Description rdf:about="" xmlns:GCamera="http://ns.google.com/photos/1.0/camera/"
            xmlns:Container="http://ns.google.com/photos/1.0/container/"
            xmlns:Item="http://ns.google.com/photos/1.0/container/item/"
            GCamera:MotionPhoto="1" GCamera:MotionPhotoVersion="1" GCamera:MotionPhotoPresentationTimestampUs="0">
           <Container:Directory><rdf:Seq>
             <rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg" Item:Semantic="Primary" Item:Length="0" Item:Padding="0"/></rdf:li>
             <rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4" Item:Semantic="MotionPhoto" Item:Length="\(videoLength)" Item:Padding="0"/></rdf:li>
           </rdf:Seq></Container:Directory>
          </rdf:Description>
         </rdf:RDF>
        </x:xmpmeta>
        """
    }

    static func microVideoXMP(offset: Int) -> String {
        """
        <x:xmpmeta xmlns:x="adobe:ns:meta/">
         <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
          <rdf:Description rdf:about="" xmlns:GCamera="http://ns.google.com/photos/1.0/camera/"
            GCamera:MicroVideo="1" GCamera:MicroVideoVersion="1" GCamera:MicroVideoOffset="\(offset)"
            GCamera:MicroVideoPresentationTimestampUs="0"/>
         </rdf:RDF>
        </x:xmpmeta>
        """
    }

    // MARK: - Oracles

    /// djpeg's verdict on the primary picture: it decodes without a warning.
    static func djpegDecodes(_ directory: TemporaryDirectory, _ bytes: [UInt8]) throws -> Bool {
        let path = directory.file("oracle-\(UUID().uuidString).jpg")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let result = try RealTools.run("djpeg", ["-outfile", "/dev/null", path])
        return result.status == 0 && result.stderr.isEmpty
    }

    /// The bytes exiftool extracts for a binary tag (`-b -TAG`).
    static func exiftoolExtract(_ directory: TemporaryDirectory, _ bytes: [UInt8], tag: String) throws -> [UInt8] {
        let path = directory.file("extract-\(UUID().uuidString).jpg")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return [UInt8](try RealTools.check("exiftool", ["-b", "-\(tag)", path]))
    }

    // MARK: - The phone layouts, accepted and recorded

    @Test func aMultiPictureFileWithAGainMapIsAcceptedAndItsPictureRecorded() throws {
        let directory = try TemporaryDirectory()
        let primary = try Self.cjpeg(directory, ["-quality", "90"])
        let gainMap = try Self.cjpeg(directory, ["-quality", "70", "-grayscale"], width: 48, height: 32, seed: 7)
        let file = Self.multiPicture(primary: primary, others: [gainMap])
        let report = StructureChecker.inspect(file, as: .jpeg)
        #expect(report.findings.isEmpty, "\(report.findings)")
        let gainMapOffset = file.count - gainMap.count
        #expect(report.trailing == [TrailingSegment(offset: gainMapOffset, bytes: gainMap.count, kind: .mpfImage,
                                                    detail: "picture 2 of the multi-picture file")])
        // The oracles: the primary decodes, and exiftool finds the same second picture, which decodes too.
        #expect(try Self.djpegDecodes(directory, file))
        let extracted = try Self.exiftoolExtract(directory, file, tag: "MPImage2")
        #expect(extracted == gainMap)
        #expect(try Self.djpegDecodes(directory, extracted))
    }

    @Test func aStereoFileWithPaddingBetweenItsPicturesIsAccepted() throws {
        let directory = try TemporaryDirectory()
        let left = try Self.cjpeg(directory, ["-quality", "85"], seed: 1)
        let right = try Self.cjpeg(directory, ["-quality", "85"], seed: 2)
        let file = Self.multiPicture(primary: left, others: [right], padding: 512)
        let report = StructureChecker.inspect(file, as: .jpeg)
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.trailing.map(\.kind) == [.padding, .mpfImage])
        #expect(try Self.exiftoolExtract(directory, file, tag: "MPImage2") == right)
    }

    @Test func aMultiPictureFileCutShortIsRefusedAsTruncated() throws {
        let directory = try TemporaryDirectory()
        let primary = try Self.cjpeg(directory)
        let gainMap = try Self.cjpeg(directory, ["-grayscale"], width: 48, height: 32, seed: 3)
        let file = Self.multiPicture(primary: primary, others: [gainMap])
        for cut in [1, 100, gainMap.count - 2] {
            let findings = StructureChecker.check(Array(file.dropLast(cut)), as: .jpeg)
            #expect(findings.count == 1, "cut \(cut)")
            #expect(findings.first?.isTrailingData == false, "cut \(cut)")
        }
        // Still a sound primary picture for djpeg: the upload lost its second picture.
        #expect(try Self.djpegDecodes(directory, Array(file.dropLast(100))))
    }

    @Test func aGoogleMotionPhotoIsAcceptedWithItsVideo() throws {
        let directory = try TemporaryDirectory()
        let photo = try Self.withXMP(directory, try Self.cjpeg(directory), xmp: Self.googleMotionPhotoXMP(videoLength: Self.mp4.count))
        let file = photo + Self.mp4
        let report = StructureChecker.inspect(file, as: .jpeg)
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.trailing == [TrailingSegment(offset: photo.count, bytes: Self.mp4.count, kind: .motionPhotoVideo,
                                                    detail: "the motion photo's video")])
        #expect(try Self.djpegDecodes(directory, file))
        // exiftool reads the same directory item, and the video as an MP4 of 2 s.
        let video = directory.file("video.mp4")
        try Data(Array(file[report.trailing[0].offset...])).write(to: URL(fileURLWithPath: video))
        let info = String(decoding: try RealTools.check("exiftool", ["-s", "-FileType", "-Duration", video]), as: UTF8.self)
        #expect(info.contains("FileType                        : MP4"))
        #expect(info.contains("2.00 s"))
        let items = String(decoding: try RealTools.check("exiftool", ["-a", "-s", "-DirectoryItemLength", directory.file(try Self.save(directory, file))]), as: UTF8.self)
        #expect(items.contains("\(Self.mp4.count)"))
    }

    @Test func anOlderMicroVideoPhotoIsAcceptedWithItsVideo() throws {
        let directory = try TemporaryDirectory()
        let photo = try Self.withXMP(directory, try Self.cjpeg(directory), xmp: Self.microVideoXMP(offset: Self.mp4.count))
        let report = StructureChecker.inspect(photo + Self.mp4, as: .jpeg)
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.trailing.map(\.kind) == [.motionPhotoVideo])
    }

    @Test func aSamsungMotionPhotoIsAcceptedWithItsTrailer() throws {
        let directory = try TemporaryDirectory()
        // Galaxy phones write the video into the trailer and name it in the XMP as well.
        let trailer = Self.samsungTrailer(video: Self.mp4)
        let videoOffsetFromEnd = trailer.count - (8 + "MotionPhoto_Data".utf8.count)
        let photo = try Self.withXMP(directory, try Self.cjpeg(directory), xmp: Self.microVideoXMP(offset: videoOffsetFromEnd))
        let file = photo + trailer
        let report = StructureChecker.inspect(file, as: .jpeg)
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.trailing == [TrailingSegment(
            offset: photo.count, bytes: trailer.count, kind: .samsungTrailer,
            detail: "Samsung's trailer with a motion photo video (MotionPhoto_Data, Image_UTC_Data)")])
        #expect(try Self.djpegDecodes(directory, file))
        #expect(try Self.exiftoolExtract(directory, file, tag: "EmbeddedVideoFile") == Self.mp4)
        // Without any XMP the trailer alone announces it.
        let plain = try Self.cjpeg(directory, seed: 5)
        #expect(StructureChecker.inspect(plain + trailer, as: .jpeg).findings.isEmpty)
    }

    @Test func cameraPaddingAndATrailingNewlineAreAccepted() throws {
        let directory = try TemporaryDirectory()
        let jpeg = try Self.cjpeg(directory, ["-quality", "95", "-progressive"])
        for (padding, detail) in [([UInt8](repeating: 0, count: 23 * 1024), "NUL"), ([0x0A], "whitespace"),
                                  ([0x0D, 0x0A], "whitespace"), ([UInt8](repeating: 0xFF, count: 300), "0xFF fill")] {
            let report = StructureChecker.inspect(jpeg + padding, as: .jpeg)
            #expect(report.findings.isEmpty)
            #expect(report.trailing == [TrailingSegment(offset: jpeg.count, bytes: padding.count, kind: .padding, detail: detail)])
            #expect(try Self.djpegDecodes(directory, jpeg + padding))
        }
    }

    // MARK: - The polyglot defence

    @Test func whatNoCameraWritesAfterTheEndIsRefusedByName() throws {
        let directory = try TemporaryDirectory()
        let jpeg = try Self.cjpeg(directory)
        let zipPath = directory.file("payload.zip")
        try "hello".write(toFile: directory.file("payload.txt"), atomically: true, encoding: .utf8)
        try RealTools.check("zip", ["-q", "-j", zipPath, directory.file("payload.txt")])
        let zip = [UInt8](try Data(contentsOf: URL(fileURLWithPath: zipPath)))
        let cases: [(String, [UInt8], String?)] = [
            ("a ZIP archive", zip, "a ZIP archive"),
            ("a PDF", Array("%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n".utf8), "a PDF document"),
            ("a shell script", Array("#!/bin/sh\nrm -rf /\n".utf8), "a script"),
            ("HTML", Array("<html><script>alert(1)</script></html>".utf8), "an HTML document"),
            ("an ELF executable", [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 56), "an ELF executable"),
            ("a video nothing announces", Self.mp4, nil),
            ("a second JPEG nothing announces", jpeg, "a JPEG image"),
            ("padding, then a ZIP archive", [0, 0, 0, 0, 0x0A] + zip, "a ZIP archive"),
        ]
        for (name, payload, what) in cases {
            let file = jpeg + payload
            let findings = StructureChecker.check(file, as: .jpeg)
            #expect(findings.count == 1 && findings[0].isTrailingData && findings[0].hint == .trailingData, "\(name)")
            if let what {
                #expect(findings.first?.detail.contains("It is \(what), which no camera or scanner puts there.") == true, "\(name): \(findings)")
            }
            // djpeg decodes every one of them: a decoder alone never sees a polyglot.
            #expect(try Self.djpegDecodes(directory, file), "\(name)")
        }
    }

    @Test func aMotionPhotoWhoseVideoIsNotAMovieIsRefused() throws {
        let directory = try TemporaryDirectory()
        let payload = [UInt8]("PK\u{3}\u{4}".utf8) + [UInt8](repeating: 0x41, count: 600)
        let photo = try Self.withXMP(directory, try Self.cjpeg(directory), xmp: Self.googleMotionPhotoXMP(videoLength: payload.count))
        let findings = StructureChecker.check(photo + payload, as: .jpeg)
        #expect(findings.count == 1)
        #expect(findings.first?.detail.contains("announced by the XMP in APP1") == true, "\(findings)")
        #expect(findings.first?.detail.hasSuffix("does not open with an ftyp box.") == true, "\(findings)")
    }

    @Test func anMPFIndexPointingAtSomethingElseIsRefused() throws {
        let directory = try TemporaryDirectory()
        let primary = try Self.cjpeg(directory)
        let notAPicture = [UInt8]("#!/bin/sh\necho hidden\n".utf8) + [UInt8](repeating: 0x20, count: 100)
        let findings = StructureChecker.check(Self.multiPicture(primary: primary, others: [notAPicture]), as: .jpeg)
        #expect(findings.count == 1)
        #expect(findings.first?.detail.hasPrefix("Picture 2 of the multi-picture file at byte") == true, "\(findings)")
        #expect(findings.first?.detail.contains("is not a sound JPEG") == true, "\(findings)")
    }

    // MARK: - Through the validator: what the attachment record says

    @Test func theValidatorRecordsWhatFollowsThePicture() throws {
        let directory = try TemporaryDirectory()
        let trailer = Self.samsungTrailer(video: Self.mp4)
        let photo = try Self.cjpeg(directory, ["-quality", "90"]) + trailer
        let bundle = directory.file("bundle")
        try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: true)
        try Data(photo).write(to: URL(fileURLWithPath: bundle + "/사진.jpg"))
        let manifest = """
            {"schema": "community-application/1", "community": "seoul-hiking",
             "submitted_at": "2026-12-01T10:00:00+09:00",
             "applicant": {"name": "김민수", "email": "minsu@example.com", "locale": "ko"},
             "answers": {"경력": "5년", "하고 싶은 말": "잘 부탁드립니다."},
             "attachments": [{"file": "사진.jpg", "kind": "photo", "content_type": "image/jpeg"}]}
            """
        try manifest.write(toFile: bundle + "/application.json", atomically: true, encoding: .utf8)
        let result = BundleValidator(config: SiteConfig()).validate(bundleAt: bundle, name: "bundle")
        #expect(result.reasons == [])
        #expect(result.isAccepted)
        #expect(result.attachments.first?.trailing?.map(\.kind) == [.samsungTrailer])
        #expect(result.manifest?.answers["하고 싶은 말"] == "잘 부탁드립니다.")
        // And the stores' line names it.
        let line = String(decoding: try JSONEncoder().encode(result.attachments[0]), as: UTF8.self)
        #expect(line.contains("\"trailing\":[{"))
        #expect(line.contains("\"kind\":\"samsung_trailer\""))
    }

    /// Saves bytes under a new name in the directory; returns the name.
    static func save(_ directory: TemporaryDirectory, _ bytes: [UInt8]) throws -> String {
        let name = "file-\(UUID().uuidString).jpg"
        try Data(bytes).write(to: URL(fileURLWithPath: directory.file(name)))
        return name
    }
}

private func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
private func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

/// The streaming path (a mapped file hashed and released behind the checks) must judge every
/// file exactly as the in-memory path does: same type, digest, findings and trailing segments.
@Suite(.enabled(if: RealTools.usable("cjpeg"), RealTools.why("cjpeg")))
struct StreamingEquivalenceTests {
    @Test func mappedAndInMemoryVerdictsAgree() throws {
        let directory = try TemporaryDirectory()
        // A noisy picture of about 3 MiB, so the tracker hashes and releases several steps.
        var noise = SplitMix64(seed: 42)
        var ppm = Array("P6 1600 1200 255\n".utf8)
        ppm.reserveCapacity(ppm.count + 1600 * 1200 * 3)
        for _ in 0..<(1600 * 1200 * 3 / 8) { withUnsafeBytes(of: noise.next()) { ppm += $0 } }
        try Data(ppm).write(to: URL(fileURLWithPath: directory.file("noise.ppm")))
        let big = [UInt8](try RealTools.check("cjpeg", ["-quality", "95", directory.file("noise.ppm")]))
        #expect(big.count > 2 * StreamTracker.step)
        let small = try RealJPEGFileTests.cjpeg(directory)
        let gain = try RealJPEGFileTests.cjpeg(directory, ["-grayscale"], width: 48, height: 32, seed: 9)
        let cases: [(String, [UInt8])] = [
            ("large JPEG", big),
            ("large JPEG, cut", Array(big.dropLast(5000))),
            ("large JPEG + NUL padding", big + [UInt8](repeating: 0, count: 3 * StreamTracker.step + 17)),
            ("large JPEG + ZIP", big + Array("PK\u{3}\u{4}".utf8) + [UInt8](repeating: 1, count: 100)),
            ("multi-picture, large primary", RealJPEGFileTests.multiPicture(primary: big, others: [gain])),
            ("multi-picture, large second picture", RealJPEGFileTests.multiPicture(primary: small, others: [big])),
            ("Samsung motion photo", big + RealJPEGFileTests.samsungTrailer(video: RealJPEGFileTests.mp4)),
            ("PNG sample", SampleFiles.png + [0, 0]),
            ("a PDF", SampleFiles.pdf),
            ("one byte", [0x41]),
        ]
        for (name, bytes) in cases {
            let path = directory.file("case.bin")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let inMemory = try #require(try AttachmentContent.judge(path: path, limit: 1 << 30))
            let mapped = try #require(try AttachmentContent.judge(path: path, limit: 1 << 30, inMemoryLimit: 0))
            #expect(mapped.sha256 == inMemory.sha256, "\(name)")
            #expect(mapped.sha256 == SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined(), "\(name)")
            #expect(mapped.detected == inMemory.detected, "\(name)")
            #expect(mapped.structure == inMemory.structure, "\(name)")
            #expect(mapped.pdfOpen == inMemory.pdfOpen, "\(name)")
            #expect(mapped.size == bytes.count, "\(name)")
        }
        // Over the limit: not judged at all.
        #expect(try AttachmentContent.judge(path: directory.file("case.bin"), limit: 0, inMemoryLimit: 0) == nil)
    }
}
