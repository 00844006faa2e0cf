import Foundation
import Testing
@testable import IntakeKit

/// Files made at test time by real tools from Debian (heif-enc, ImageMagick, cjpeg, 7z, zip, xz,
/// bzip2, zstd, tar, gzip, Python's zipfile), checked for the type intake names them, with
/// heif-info / heif-convert and libmagic's `file` as oracles. Nothing here ships a binary file.
///
/// Each line of the confusion table is printed as "TYPES: file (maker) -> ours -> oracle".
struct RealTypeFileTests {
    // MARK: - Helpers

    static func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    static func write(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    /// A small picture made by ImageMagick: a gradient, so the encoders have something to code.
    static func picture(_ dir: TemporaryDirectory, size: String, name: String = "in.png") throws -> String {
        let path = dir.file(name)
        try RealTools.check("convert", ["-size", size, "gradient:red-blue", path])
        return path
    }

    /// An HEIC (or AVIF) file from heif-enc. libaom 3.6 in Debian 12 asserts on 4:2:0 and 4:4:4
    /// input through heif-enc 1.15, so AVIF is made 4:2:2.
    static func heif(_ dir: TemporaryDirectory, size: String, avif: Bool) throws -> String {
        let png = try picture(dir, size: size)
        let out = dir.file(avif ? "photo-\(size).avif" : "photo-\(size).heic")
        try RealTools.check("heif-enc", (avif ? ["-A", "-p", "chroma=422"] : []) + ["-o", out, png])
        return out
    }

    /// heif-info's verdict and the MIME type it names.
    static func heifInfo(_ bytes: [UInt8], in dir: TemporaryDirectory, name: String) throws -> (ok: Bool, mime: String?) {
        let path = dir.file(name)
        try write(bytes, path)
        let result = try RealTools.run("heif-info", [path])
        let text = String(decoding: result.stdout, as: UTF8.self)
        let mime = text.split(separator: "\n").first { $0.hasPrefix("MIME type: ") }.map { String($0.dropFirst(11)) }
        return (result.status == 0, mime)
    }

    /// heif-info accepts it and heif-convert decodes it to a PNG.
    static func heifOracle(_ bytes: [UInt8], in dir: TemporaryDirectory, name: String) throws -> Bool {
        guard try heifInfo(bytes, in: dir, name: name).ok else { return false }
        let result = try RealTools.run("heif-convert", [dir.file(name), dir.file(name + ".png")])
        return result.status == 0
    }

    /// libmagic's MIME type for a file.
    static func magic(_ path: String) throws -> String {
        String(decoding: try RealTools.check("file", ["-b", "--mime-type", path]), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func verdict(_ report: StructureReport) -> String {
        if report.findings.isEmpty { return report.trailing.isEmpty ? "sound" : "sound + trailing \(report.trailing.map(\.kind.rawValue))" }
        return "refused (\(report.findings.count): \(report.findings[0].detail))"
    }

    static func inspect(_ bytes: [UInt8], as type: FileType) -> StructureReport {
        bytes.withUnsafeBytes { StructureChecker.inspect($0, as: type) }
    }

    // MARK: - HEIC and AVIF from heif-enc

    static let heifCases: [(size: String, avif: Bool)] = [("128x96", false), ("64x48", false), ("128x96", true)]

    @Test(.enabled(if: RealTools.usable("convert", "heif-enc", "heif-info", "heif-convert", "file"),
                   RealTools.why("convert", "heif-enc", "heif-info", "heif-convert", "file")),
          arguments: heifCases)
    func heifEncOutputIsNamedAndSound(size: String, avif: Bool) throws {
        let dir = try TemporaryDirectory()
        let path = try Self.heif(dir, size: size, avif: avif)
        let bytes = try Self.read(path)
        let expected: FileType = avif ? .avif : .heic
        let info = try Self.heifInfo(bytes, in: dir, name: "copy")
        #expect(info.ok)
        #expect(info.mime == expected.mimeType, "heif-info names it \(info.mime ?? "nothing")")
        #expect(TypeSniffer.detect(bytes) == expected)
        #expect(TypeSniffer.detect(Array(bytes.prefix(TypeSniffer.headLength))) == expected)
        let report = Self.inspect(bytes, as: expected)
        #expect(report == StructureReport(), "\(report.findings.map { $0.detail })")
        #expect(try Self.heifOracle(bytes, in: dir, name: "decode"))
        print("TYPES: \((path as NSString).lastPathComponent) (heif-enc) -> \(TypeSniffer.detect(bytes).mimeType), \(Self.verdict(report)) -> heif-info \(info.ok ? "ok" : "refused") \(info.mime ?? ""), file \(try Self.magic(path))")
    }

    @Test(.enabled(if: RealTools.usable("convert", "heif-enc", "heif-info", "heif-convert"),
                   RealTools.why("convert", "heif-enc", "heif-info", "heif-convert")),
          arguments: heifCases)
    func cutHEIFFilesAreRefused(size: String, avif: Bool) throws {
        let dir = try TemporaryDirectory()
        let bytes = try Self.read(try Self.heif(dir, size: size, avif: avif))
        let type: FileType = avif ? .avif : .heic
        let fractions: [Double] = [0.05, 0.2, 0.35, 0.5, 0.7, 0.9, 0.99]
        var cuts = Set<Int>(fractions.map { (fraction: Double) -> Int in Int(Double(bytes.count) * fraction) })
        cuts.formUnion([bytes.count - 1, bytes.count - 9, 20])
        for cut in cuts.sorted() {
            let part = Array(bytes[..<cut])
            let report = Self.inspect(part, as: type)
            #expect(!report.findings.isEmpty, "cut at \(cut) of \(bytes.count) was accepted")
            #expect(!report.findings.contains { $0.isTrailingData }, "cut at \(cut): \(report.findings.map { $0.detail })")
            #expect(report.trailing.isEmpty)
            let oracle = try Self.heifOracle(part, in: dir, name: "cut-\(cut)")
            print("TYPES: \(type.shortName) \(size) cut at \(cut)/\(bytes.count) (heif-enc, head) -> \(Self.verdict(report)) -> heif-info+heif-convert \(oracle ? "ok" : "refused")")
        }
    }

    @Test(.enabled(if: RealTools.usable("convert", "heif-enc", "heif-info", "heif-convert"),
                   RealTools.why("convert", "heif-enc", "heif-info", "heif-convert")),
          arguments: heifCases)
    func editedHEIFFilesAreRefusedAndPaddingIsRecorded(size: String, avif: Bool) throws {
        let dir = try TemporaryDirectory()
        let bytes = try Self.read(try Self.heif(dir, size: size, avif: avif))
        let type: FileType = avif ? .avif : .heic
        let layout = try #require(HEIFLayout(bytes))

        // The meta box's size off by one, either way.
        for delta in [1, -1] {
            var edited = bytes
            HEIFLayout.setUInt32(&edited, at: layout.meta, UInt32(Int(layout.metaSize) + delta))
            let report = Self.inspect(edited, as: type)
            #expect(!report.findings.isEmpty, "meta size \(delta) accepted")
            let oracle = try Self.heifOracle(edited, in: dir, name: "meta\(delta)")
            print("TYPES: \(type.shortName) \(size) meta size \(delta > 0 ? "+1" : "-1") (heif-enc, edited) -> \(Self.verdict(report)) -> heif-info+heif-convert \(oracle ? "ok" : "refused")")
        }

        // An item's extent in mdat made to run past the end of the file.
        let field = try #require(layout.firstFileExtentLength, "no iloc extent in the file")
        var beyond = bytes
        HEIFLayout.setBigEndian(&beyond, at: field.offset, size: field.size, value: UInt64(bytes.count))
        let beyondReport = Self.inspect(beyond, as: type)
        #expect(beyondReport.findings.contains { $0.detail.contains("beyond the end of the file") }, "\(beyondReport.findings.map { $0.detail })")
        let beyondOracle = try Self.heifOracle(beyond, in: dir, name: "beyond")
        #expect(!beyondOracle)
        print("TYPES: \(type.shortName) \(size) item \(field.item) extent past the end (heif-enc, edited) -> \(Self.verdict(beyondReport)) -> heif-info+heif-convert \(beyondOracle ? "ok" : "refused")")

        // Junk after the last box: refused as trailing data (heif-info does not look there).
        let junk = bytes + Array("<?php system($_GET['c']); ?>".utf8)
        let junkReport = Self.inspect(junk, as: type)
        #expect(junkReport.findings.count == 1)
        #expect(junkReport.findings.first?.isTrailingData == true, "\(junkReport.findings.map { $0.detail })")
        let junkOracle = try Self.heifOracle(junk, in: dir, name: "junk")
        print("TYPES: \(type.shortName) \(size) + 28 bytes of PHP (heif-enc, appended) -> \(Self.verdict(junkReport)) -> heif-info+heif-convert \(junkOracle ? "ok" : "refused")")

        // NUL padding: accepted, recorded.
        let padded = bytes + [UInt8](repeating: 0, count: 100)
        let padReport = Self.inspect(padded, as: type)
        #expect(padReport.findings.isEmpty, "\(padReport.findings.map { $0.detail })")
        #expect(padReport.trailing == [TrailingSegment(offset: bytes.count, bytes: 100, kind: .padding, detail: "NUL")])
        let padOracle = try Self.heifOracle(padded, in: dir, name: "pad")
        #expect(padOracle)
        print("TYPES: \(type.shortName) \(size) + 100 NUL (heif-enc, appended) -> \(Self.verdict(padReport)) -> heif-info+heif-convert \(padOracle ? "ok" : "refused")")
    }

    @Test(.enabled(if: RealTools.usable("convert", "cjpeg", "heif-enc", "heif-info", "heif-convert"),
                   RealTools.why("convert", "cjpeg", "heif-enc", "heif-info", "heif-convert")),
          arguments: [["-t", "32"], ["-q", "30", "-t", "48"], ["-L", "-p", "chroma=444"]])
    func heifEncFromAJPEGWithThumbnailsIsSound(options: [String]) throws {
        let dir = try TemporaryDirectory()
        let png = try Self.picture(dir, size: "160x120")
        try RealTools.check("convert", [png, dir.file("in.ppm")])
        try RealTools.check("cjpeg", ["-outfile", dir.file("in.jpg"), dir.file("in.ppm")])
        try RealTools.check("heif-enc", options + ["-o", dir.file("out.heic"), dir.file("in.jpg")])
        let bytes = try Self.read(dir.file("out.heic"))
        #expect(TypeSniffer.detect(bytes) == .heic)
        let report = Self.inspect(bytes, as: .heic)
        #expect(report == StructureReport(), "\(report.findings.map { $0.detail })")
        #expect(try Self.heifOracle(bytes, in: dir, name: "copy"))
        let half = Array(bytes[..<(bytes.count / 2)])
        #expect(!Self.inspect(half, as: .heic).findings.isEmpty)
        #expect(!(try Self.heifOracle(half, in: dir, name: "half")))
        print("TYPES: out.heic (cjpeg + heif-enc \(options.joined(separator: " "))) -> \(TypeSniffer.detect(bytes).mimeType), \(Self.verdict(report)) -> heif-info+heif-convert ok; cut at half -> \(Self.verdict(Self.inspect(half, as: .heic))) -> refused")
    }

    // MARK: - Other images

    @Test(.enabled(if: RealTools.usable("convert", "cjpeg", "file"), RealTools.why("convert", "cjpeg", "file")),
          arguments: [("out.tif", FileType.tiff), ("TIFF64:big.tif", .tiff), ("out.bmp", .bmp), ("BMP3:old.bmp", .bmp),
                      ("out.gif", .gif), ("out.ico", .ico), ("out.png", .png), ("out.ppm", .unknown)])
    func imageMagickOutputIsNamed(target: String, expected: FileType) throws {
        let dir = try TemporaryDirectory()
        let png = try Self.picture(dir, size: "48x32")
        let name = target.split(separator: ":").last.map(String.init) ?? target
        let spec = target.contains(":") ? String(target.split(separator: ":")[0]) + ":" + dir.file(name) : dir.file(name)
        try RealTools.check("convert", [png, spec])
        let bytes = try Self.read(dir.file(name))
        let ours = TypeSniffer.detect(bytes)
        #expect(ours == expected)
        let oracle = try Self.magic(dir.file(name))
        if expected != .unknown { #expect(FileType(mimeType: oracle) == expected, "file says \(oracle)") }
        print("TYPES: \(target) (ImageMagick) -> \(ours.mimeType) -> file \(oracle)")
    }

    @Test(.enabled(if: RealTools.usable("convert", "cjpeg", "file"), RealTools.why("convert", "cjpeg", "file")))
    func cjpegOutputIsAJPEG() throws {
        let dir = try TemporaryDirectory()
        let png = try Self.picture(dir, size: "48x32")
        try RealTools.check("convert", [png, dir.file("in.ppm")])
        try RealTools.check("cjpeg", ["-outfile", dir.file("out.jpg"), dir.file("in.ppm")])
        let bytes = try Self.read(dir.file("out.jpg"))
        #expect(TypeSniffer.detect(bytes) == .jpeg)
        #expect(Self.inspect(bytes, as: .jpeg).findings.isEmpty)
        print("TYPES: out.jpg (cjpeg) -> \(TypeSniffer.detect(bytes).mimeType), \(Self.verdict(Self.inspect(bytes, as: .jpeg))) -> file \(try Self.magic(dir.file("out.jpg")))")
    }

    // MARK: - Archives

    static let archivers: [(tool: String, arguments: [String], output: String, expected: FileType)] = [
        ("zip", ["-q", "out.zip", "in.png"], "out.zip", .zip),
        ("7z", ["a", "-bd", "-bso0", "out.7z", "in.png"], "out.7z", .sevenZip),
        ("xz", ["-k", "in.png"], "in.png.xz", .xz),
        ("bzip2", ["-k", "in.png"], "in.png.bz2", .bzip2),
        ("zstd", ["-q", "in.png", "-o", "in.png.zst"], "in.png.zst", .zstd),
        ("gzip", ["-k", "in.png"], "in.png.gz", .gzip),
        ("tar", ["--format=ustar", "-cf", "ustar.tar", "in.png"], "ustar.tar", .tar),
        ("tar", ["--format=gnu", "-cf", "gnu.tar", "in.png"], "gnu.tar", .tar),
        ("tar", ["--format=pax", "-cf", "pax.tar", "in.png"], "pax.tar", .tar),
    ]

    @Test(.enabled(if: RealTools.usable("convert", "zip", "7z", "xz", "bzip2", "zstd", "gzip", "tar", "file"),
                   RealTools.why("convert", "zip", "7z", "xz", "bzip2", "zstd", "gzip", "tar", "file")),
          arguments: archivers)
    func archivesAreNamed(tool: String, arguments: [String], output: String, expected: FileType) throws {
        let dir = try TemporaryDirectory()
        _ = try Self.picture(dir, size: "48x32")
        try RealTools.check(tool, arguments, cwd: dir.path)
        let bytes = try Self.read(dir.file(output))
        let ours = TypeSniffer.detect(bytes)
        #expect(ours == expected)
        let oracle = try Self.magic(dir.file(output))
        #expect(FileType(mimeType: oracle) == expected, "file says \(oracle)")
        print("TYPES: \(output) (\(tool)) -> \(ours.mimeType) -> file \(oracle)")
    }

    // MARK: - Office, OpenDocument and HWPX (Python's zipfile)

    /// Writes each document with Python's zipfile in the layout its application uses: OOXML with
    /// `[Content_Types].xml` first, OpenDocument and HWPX with a stored `mimetype` first; "big"
    /// puts a 20 KB stored thumbnail before `word/`, beyond the sniffer's head.
    static let pythonZipScript = #"""
    import sys, zipfile, os
    out = sys.argv[1]
    def ooxml(name, part, main):
        with zipfile.ZipFile(os.path.join(out, name), "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
            z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
            if name == "big.docx":
                z.writestr(zipfile.ZipInfo("docProps/thumbnail.jpeg"), os.urandom(20000), zipfile.ZIP_STORED)
            z.writestr(part + "/" + main, '<?xml version="1.0"?><document/>')
    def stored_mimetype(name, mimetype, files):
        with zipfile.ZipFile(os.path.join(out, name), "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(zipfile.ZipInfo("mimetype"), mimetype, zipfile.ZIP_STORED)
            for f in files:
                z.writestr(f, '<?xml version="1.0"?><x/>')
    ooxml("out.docx", "word", "document.xml")
    ooxml("big.docx", "word", "document.xml")
    ooxml("out.xlsx", "xl", "workbook.xml")
    ooxml("out.pptx", "ppt", "presentation.xml")
    stored_mimetype("out.odt", "application/vnd.oasis.opendocument.text", ["content.xml", "META-INF/manifest.xml"])
    stored_mimetype("out.ods", "application/vnd.oasis.opendocument.spreadsheet", ["content.xml", "META-INF/manifest.xml"])
    stored_mimetype("out.odp", "application/vnd.oasis.opendocument.presentation", ["content.xml", "META-INF/manifest.xml"])
    stored_mimetype("out.hwpx", "application/hwp+zip", ["version.xml", "Contents/header.xml", "Contents/section0.xml", "Contents/content.hpf", "META-INF/container.xml"])
    """#

    @Test(.enabled(if: RealTools.usable("python3", "file"), RealTools.why("python3", "file")))
    func zipBasedDocumentsAreNamed() throws {
        let dir = try TemporaryDirectory()
        try dir.write("make.py", Self.pythonZipScript)
        try RealTools.check("python3", [dir.file("make.py"), dir.path])
        let expected: [(String, FileType)] = [("out.docx", .docx), ("big.docx", .docx), ("out.xlsx", .xlsx), ("out.pptx", .pptx),
                                              ("out.odt", .odt), ("out.ods", .ods), ("out.odp", .odp), ("out.hwpx", .hwpx)]
        for (name, type) in expected {
            let bytes = try Self.read(dir.file(name))
            let ours = TypeSniffer.detect(bytes)
            #expect(ours == type, "\(name)")
            print("TYPES: \(name) (python zipfile) -> \(ours.mimeType) -> file \(try Self.magic(dir.file(name)))")
        }
        // Only the head: the small files show their parts there; the big one's word/ lies beyond.
        #expect(TypeSniffer.detect(Array(try Self.read(dir.file("out.docx")).prefix(TypeSniffer.headLength))) == .docx)
        #expect(TypeSniffer.detect(Array(try Self.read(dir.file("big.docx")).prefix(TypeSniffer.headLength))) == .zip)
    }

    // MARK: - OLE compound files (built here by hand: olefile cannot create one)

    @Test(.enabled(if: RealTools.usable("file"), RealTools.why("file")),
          arguments: [("FileHeader", FileType.hwp), ("WordDocument", .doc), ("Workbook", .xls), ("PowerPoint Document", .ppt),
                      ("Contents", .compoundFile)])
    func compoundFilesAreNamedByTheirStreams(stream: String, expected: FileType) throws {
        let dir = try TemporaryDirectory()
        let content: [UInt8] = stream == "FileHeader"
            ? Array("HWP Document File".utf8) + [UInt8](repeating: 0, count: 15) + [0, 0, 5, 5] + [UInt8](repeating: 0, count: 220)
            : [UInt8](repeating: 0x41, count: 256)
        let bytes = CompoundFileBuilder.build(streams: [(stream, content), ("DocInfo", [UInt8](repeating: 1, count: 64))])
        try Self.write(bytes, dir.file("out.bin"))
        let ours = TypeSniffer.detect(bytes)
        #expect(ours == expected)
        let oracle = try Self.magic(dir.file("out.bin"))
        if expected == .hwp || expected == .doc || expected == .xls || expected == .ppt {
            #expect(oracle != "application/octet-stream", "libmagic does not read our compound file: \(oracle)")
        }
        print("TYPES: CFB with \(stream) (built by hand) -> \(ours.mimeType) -> file \(oracle)")

        // The same content with a stream named like HWP's but without its signature is not HWP.
        if stream == "FileHeader" {
            let fake = CompoundFileBuilder.build(streams: [("FileHeader", [UInt8](repeating: 0x41, count: 256))])
            #expect(TypeSniffer.detect(fake) == .compoundFile)
        }
    }

    // MARK: - A HEIC photo through the validator, and what the applicant is told

    @Test(.enabled(if: RealTools.usable("convert", "heif-enc"), RealTools.why("convert", "heif-enc")))
    func aRealHEICPhotoIsAcceptedByDefaultAndExplainedWhereRefused() throws {
        let dir = try TemporaryDirectory()
        let heic = try Data(contentsOf: URL(fileURLWithPath: try Self.heif(dir, size: "128x96", avif: false)))
        func bundle(_ name: String, file: String, type: String) throws -> String {
            try dir.write("\(name)/\(file)", heic)
            let manifest: [String: Any] = [
                "schema": "community-application/1", "community": "seoul-hiking",
                "applicant": ["name": "김민수", "email": "minsu@example.kr", "locale": "ko"],
                "answers": [:] as [String: String], "submitted_at": "2026-11-29T21:14:00+09:00",
                "attachments": [["file": file, "kind": "photo", "content_type": type]],
            ]
            try dir.write("\(name)/application.json", try JSONSerialization.data(withJSONObject: manifest))
            return dir.file(name)
        }
        let accepted = BundleValidator(config: SiteConfig()).validate(bundleAt: try bundle("a", file: "photo.heic", type: "image/heic"), name: "a")
        #expect(accepted.reasons == [])
        #expect(accepted.attachments.map(\.detectedType) == ["image/heic"])

        var strict = SiteConfig()
        strict.kinds["photo"] = KindPolicy(allowedTypes: [.jpeg, .png, .webp], maxBytes: 25 << 20)
        let refused = BundleValidator(config: strict).validate(bundleAt: try bundle("b", file: "photo.jpg", type: "image/jpeg"), name: "b")
        #expect(refused.reasons.map(\.code) == [.typeNotAllowed, .typeMismatch, .typeMismatch])
        let reason = try #require(refused.reasons.first)
        #expect(reason.detected == "image/heic")
        #expect(reason.hint == .heifPhoto)
        #expect(reason.allowed == ["image/jpeg", "image/png", "image/webp"])
        #expect(reason.detail == "the content is a HEIC image (image/heic); photo accepts JPEG image, PNG image, WebP image")
        #expect(refused.reasons[1].detail == "declared as image/jpeg but the content is a HEIC image (image/heic)")
        let korean = ReasonText.text(for: reason, locale: "ko")
        #expect(korean.hasPrefix("보내 주신 사진은 HEIC 형식입니다. 이 항목은 JPEG·PNG·WebP 형식만 받습니다. iPhone에서는 설정 › 카메라 › 포맷에서 '높은 호환성'을 고르면 JPEG 형식으로 찍힙니다."))
        let english = ReasonText.text(for: reason, locale: "en")
        #expect(english.hasPrefix("The photo you sent is a HEIC image. This item accepts only JPEG, PNG or WebP. On an iPhone, choose Settings › Camera › Formats › Most Compatible"))
        print("TYPES-KO: \(korean)")
        print("TYPES-EN: \(english)")
    }
}

/// Where the boxes an edit needs lie in a heif-enc file.
struct HEIFLayout {
    var meta: Int
    var metaSize: UInt32
    /// The length field of the first extent that lies in the file (construction method 0).
    var firstFileExtentLength: (item: Int, offset: Int, size: Int)?

    init?(_ b: [UInt8]) {
        func u32(_ at: Int) -> Int { Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3]) }
        func u16(_ at: Int) -> Int { Int(b[at]) << 8 | Int(b[at + 1]) }
        let ftypSize = u32(0)
        guard b.count > ftypSize + 8, Array(b[(ftypSize + 4)..<(ftypSize + 8)]) == Array("meta".utf8) else { return nil }
        meta = ftypSize
        metaSize = UInt32(u32(ftypSize))
        // Children of meta, after its version and flags.
        var at = meta + 12
        while at + 8 <= meta + Int(metaSize) {
            let size = u32(at)
            if Array(b[(at + 4)..<(at + 8)]) == Array("iloc".utf8) {
                var c = at + 8
                let version = Int(b[c]); c += 4
                let offsetSize = Int(b[c] >> 4), lengthSize = Int(b[c] & 0xF), baseSize = Int(b[c + 1] >> 4)
                let indexSize = version == 0 ? 0 : Int(b[c + 1] & 0xF)
                c += 2
                let count = version < 2 ? u16(c) : u32(c); c += version < 2 ? 2 : 4
                for _ in 0..<count {
                    let item = version < 2 ? u16(c) : u32(c); c += version < 2 ? 2 : 4
                    var method = 0
                    if version >= 1 { method = u16(c) & 0xF; c += 2 }
                    c += 2 + baseSize
                    let extents = u16(c); c += 2
                    for _ in 0..<extents {
                        c += indexSize + offsetSize
                        if method == 0, firstFileExtentLength == nil, lengthSize > 0 {
                            firstFileExtentLength = (item, c, lengthSize)
                        }
                        c += lengthSize
                    }
                }
            }
            guard size >= 8 else { break }
            at += size
        }
    }

    static func setUInt32(_ b: inout [UInt8], at offset: Int, _ value: UInt32) {
        setBigEndian(&b, at: offset, size: 4, value: UInt64(value))
    }

    static func setBigEndian(_ b: inout [UInt8], at offset: Int, size: Int, value: UInt64) {
        for k in 0..<size { b[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(size - 1 - k))) }
    }
}

/// A minimal Compound File Binary (MS-CFB version 3, 512-byte sectors) holding small streams in
/// its mini stream, as HWP 5 and Office 97-2003 files keep their short streams.
///
/// Layout: sector 0 the FAT, 1 the directory, 2 the mini FAT, 3... the mini stream.
enum CompoundFileBuilder {
    static func build(streams: [(name: String, content: [UInt8])]) -> [UInt8] {
        let free: UInt32 = 0xFFFF_FFFF, end: UInt32 = 0xFFFF_FFFE, fatSect: UInt32 = 0xFFFF_FFFD
        var mini: [UInt8] = []
        var miniFAT: [UInt32] = []
        var starts: [UInt32] = []
        for stream in streams {
            let first = UInt32(mini.count / 64)
            starts.append(first)
            let sectors = max(1, (stream.content.count + 63) / 64)
            for k in 0..<sectors { miniFAT.append(k == sectors - 1 ? end : first + UInt32(k) + 1) }
            mini += stream.content + [UInt8](repeating: 0, count: sectors * 64 - stream.content.count)
        }
        let miniSectors = max(1, (mini.count + 511) / 512)
        mini += [UInt8](repeating: 0, count: miniSectors * 512 - mini.count)

        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func sector(_ words: [UInt32]) -> [UInt8] { (words + [UInt32](repeating: free, count: 128 - words.count)).flatMap(le32) }

        var header = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], _ at: Int) { header.replaceSubrange(at..<(at + bytes.count), with: bytes) }
        put([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], 0)
        put(le16(0x3E), 0x18); put(le16(3), 0x1A); put(le16(0xFFFE), 0x1C); put(le16(9), 0x1E); put(le16(6), 0x20)
        put(le32(1), 0x2C)          // one FAT sector
        put(le32(1), 0x30)          // the directory at sector 1
        put(le32(0x1000), 0x38)     // mini stream cutoff
        put(le32(2), 0x3C); put(le32(1), 0x40)   // the mini FAT at sector 2, one sector
        put(le32(end), 0x44)        // no DIFAT sectors
        for k in 0..<109 { put(le32(k == 0 ? 0 : free), 0x4C + 4 * k) }

        var fat: [UInt32] = [fatSect, end, end]
        for k in 0..<miniSectors { fat.append(k == miniSectors - 1 ? end : UInt32(3 + k + 1)) }

        func entry(_ name: String, type: UInt8, child: UInt32 = 0xFFFF_FFFF, right: UInt32 = 0xFFFF_FFFF, start: UInt32, size: UInt32) -> [UInt8] {
            var e = [UInt8](repeating: 0, count: 128)
            var utf16: [UInt8] = []
            for unit in name.utf16.prefix(31) { utf16 += le16(unit) }
            utf16 += [0, 0]
            e.replaceSubrange(0..<utf16.count, with: utf16)
            e.replaceSubrange(0x40..<0x42, with: le16(UInt16(utf16.count)))
            e[0x42] = type
            e[0x43] = 1   // black
            e.replaceSubrange(0x44..<0x48, with: le32(0xFFFF_FFFF))   // left sibling
            e.replaceSubrange(0x48..<0x4C, with: le32(right))
            e.replaceSubrange(0x4C..<0x50, with: le32(child))
            e.replaceSubrange(0x74..<0x78, with: le32(start))
            e.replaceSubrange(0x78..<0x7C, with: le32(size))
            return e
        }
        var directory = entry("Root Entry", type: 5, child: 1, start: 3, size: UInt32(mini.count))
        for (index, stream) in streams.enumerated() {
            let right = index + 1 < streams.count ? UInt32(index + 2) : 0xFFFF_FFFF
            directory += entry(stream.name, type: 2, right: right, start: starts[index], size: UInt32(stream.content.count))
        }
        while directory.count < 512 { directory += [UInt8](repeating: 0, count: 128) }
        // Unused directory slots are empty entries with no siblings.
        return header + sector(fat) + Array(directory.prefix(512)) + sector(miniFAT) + mini
    }
}

/// What an applicant is told about a type their kind does not take (no tools needed).
struct TypeNotAllowedTextTests {
    private func reason(_ detected: FileType, kind: String, allowed: [FileType]) -> Reason {
        Reason(.typeNotAllowed, file: "x", "detail", hint: BundleValidator.notAllowedHint(detected, allowed: allowed),
               detected: detected.mimeType, allowed: allowed.map(\.mimeType), kind: kind)
    }

    @Test func aHEICPhotoWhereOnlyJPEGPNGAndWebPAreTaken() {
        let r = reason(.heic, kind: "photo", allowed: [.jpeg, .png, .webp])
        #expect(r.hint == .heifPhoto)
        #expect(ReasonText.text(for: r, locale: "ko") == "보내 주신 사진은 HEIC 형식입니다. 이 항목은 JPEG·PNG·WebP 형식만 받습니다. "
            + "iPhone에서는 설정 › 카메라 › 포맷에서 '높은 호환성'을 고르면 JPEG 형식으로 찍힙니다. "
            + "갤럭시에서는 카메라 설정 › 고급 촬영 옵션에서 '고효율 사진'을 끄면 됩니다. 이미 찍은 사진은 JPEG 형식으로 바꿔서 다시 보내 주세요.")
        #expect(ReasonText.text(for: r, locale: "en") == "The photo you sent is a HEIC image. This item accepts only JPEG, PNG or WebP. "
            + "On an iPhone, choose Settings › Camera › Formats › Most Compatible and photos are taken as JPEG. "
            + "On a Galaxy, turn off Camera settings › Advanced picture options › High efficiency pictures. "
            + "Please convert photos already taken to JPEG and send them again.")
    }

    @Test func documentsAndScansWhereAPDFFormIsWanted() {
        #expect(ReasonText.text(for: reason(.hwp, kind: "form", allowed: [.pdf]), locale: "ko")
            == "보내 주신 신청서는 한글(HWP) 문서입니다. 이 항목은 PDF 형식만 받습니다. PDF로 저장해서 보내 주세요. 한글에서는 파일 › PDF로 저장하기를 고르면 됩니다.")
        #expect(ReasonText.text(for: reason(.hwpx, kind: "form", allowed: [.pdf]), locale: "en")
            == "The form you sent is a Hangul (HWPX) document. This item accepts only PDF. Please save it as a PDF and send that. In Hangul, choose File › Save as PDF.")
        #expect(ReasonText.text(for: reason(.docx, kind: "form", allowed: [.pdf]), locale: "ko")
            == "보내 주신 신청서는 Word 문서(.docx)입니다. 이 항목은 PDF 형식만 받습니다. PDF로 저장해서 보내 주세요. Word에서는 파일 › 다른 이름으로 저장에서 파일 형식을 PDF로 고르면 됩니다.")
        #expect(ReasonText.text(for: reason(.jpeg, kind: "form", allowed: [.pdf]), locale: "ko")
            == "보내 주신 신청서는 JPEG 형식입니다. 이 항목은 PDF 형식만 받습니다. PDF로 저장해서 보내 주세요. 종이 서류는 스캔 앱에서 PDF로 저장하면 됩니다.")
        #expect(ReasonText.text(for: reason(.doc, kind: "form", allowed: [.pdf]), locale: "en")
            == "The form you sent is a Word 97-2003 document (.doc). This item accepts only PDF. Please save it as a PDF and send that. In Word, choose File › Save As and pick PDF as the file type.")
    }

    @Test func archivesVideosAndOtherImages() {
        #expect(ReasonText.text(for: reason(.sevenZip, kind: "document", allowed: [.pdf, .jpeg, .png]), locale: "ko")
            == "보내 주신 서류는 7-Zip 압축 파일입니다. 이 항목은 PDF·JPEG·PNG 형식만 받습니다. 압축을 풀어 파일을 하나씩 보내 주세요.")
        #expect(ReasonText.text(for: reason(.zip, kind: "photo", allowed: [.jpeg]), locale: "en")
            == "The photo you sent is a ZIP archive. This item accepts only JPEG. Please unpack the archive and send the files one by one.")
        #expect(ReasonText.text(for: reason(.quickTime, kind: "photo", allowed: [.jpeg, .png]), locale: "ko")
            == "보내 주신 사진은 MOV 동영상입니다. 이 항목은 JPEG·PNG 형식만 받습니다. 동영상이 아니라 사진을 보내 주세요.")
        #expect(ReasonText.text(for: reason(.tiff, kind: "photo", allowed: [.jpeg, .png]), locale: "ko")
            == "보내 주신 사진은 TIFF 형식입니다. 이 항목은 JPEG·PNG 형식만 받습니다. JPEG·PNG 형식으로 바꿔서 다시 보내 주세요.")
        #expect(ReasonText.text(for: reason(.unknown, kind: "selfie", allowed: [.jpeg]), locale: "ko")
            == "보내 주신 파일은 어떤 형식인지 알아볼 수 없습니다. 이 항목은 JPEG 형식만 받습니다. 이 항목에 맞는 파일을 골라 다시 보내 주세요.")
        #expect(ReasonText.text(for: reason(.windowsExecutable, kind: "form", allowed: [.pdf]), locale: "en")
            == "The form you sent is a Windows executable (PE). This item accepts only PDF. Please choose a file of an accepted type and send it again.")
    }

    /// No type's name is followed directly by a particle whose form depends on its last sound.
    @Test func noParticleFollowsAVariableName() {
        let kinds = ["photo", "form", "document", "other"]
        let allowedSets: [[FileType]] = [[.jpeg, .png, .webp], [.pdf], [.pdf, .jpeg, .png], [.heic], [.gif]]
        for detected in FileType.allCases {
            for kind in kinds {
                for allowed in allowedSets where !allowed.contains(detected) {
                    let text = ReasonText.text(for: reason(detected, kind: kind, allowed: allowed), locale: "ko")
                    let names = [detected.shortName, ReasonText.koreanName(detected)] + allowed.map(\.shortName)
                    for name in names {
                        for particle in ["을", "를", "이 ", "가 ", "은 ", "는 ", "과 ", "와 "] {
                            #expect(!text.contains(name + particle), "\(detected) \(kind): \(text)")
                        }
                    }
                }
            }
        }
    }

    @Test func reasonsWithoutADetectedTypeKeepTheGeneralSentence() {
        let r = Reason(.typeNotAllowed, file: "x", "kind \"selfie\" is not accepted here")
        #expect(ReasonText.text(for: r, locale: "ko") == ReasonText.text(for: .typeNotAllowed, locale: "ko"))
    }
}
