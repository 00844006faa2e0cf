@testable import IntakeKit
import Testing

struct TypeSnifferTests {
    @Test(arguments: [
        (SampleFiles.jpeg, FileType.jpeg), (SampleFiles.progressiveJPEG, .jpeg),
        (SampleFiles.png, .png), (SampleFiles.pngPalette, .png),
        (SampleFiles.gif, .gif), (SampleFiles.animatedGIF, .gif),
        (SampleFiles.webpLossless, .webp), (SampleFiles.webpLossy, .webp), (SampleFiles.webpExtended, .webp),
        (SampleFiles.pdf, .pdf),
        (SampleFiles.portableExecutable, .windowsExecutable), (SampleFiles.elf, .elfExecutable),
        (SampleFiles.zip, .zip), (SampleFiles.emptyZip, .zip), (SampleFiles.gzip, .gzip),
    ])
    func detectsSampleFiles(bytes: [UInt8], expected: FileType) {
        #expect(TypeSniffer.detect(bytes) == expected)
    }

    @Test(arguments: [("jpg", FileType.jpeg), ("png", .png), ("webp", .webp), ("pdf", .pdf)])
    func detectsRealFilesFromTheirContent(ext: String, expected: FileType) throws {
        let bytes = try SampleFiles.fixture("sample", ext)
        #expect(TypeSniffer.detect(bytes) == expected)
        #expect(TypeSniffer.detect(Array(bytes.prefix(TypeSniffer.headLength))) == expected)
    }

    @Test func emptyAndTinyInputsAreUnknown() {
        #expect(TypeSniffer.detect([]) == .unknown)
        #expect(TypeSniffer.detect([0xFF]) == .unknown)
        #expect(TypeSniffer.detect([0xFF, 0xD8]) == .unknown)   // a JPEG needs FF D8 FF
        #expect(TypeSniffer.detect(Array("<".utf8)) == .unknown)
        #expect(TypeSniffer.detect(Array("RIFF".utf8)) == .unknown)
        #expect(TypeSniffer.detect(Array("GIF89".utf8)) == .unknown)
        #expect(TypeSniffer.detect([0x89, 0x50, 0x4E, 0x47]) == .unknown)
    }

    @Test func plainTextAndOtherRIFFAreUnknown() {
        #expect(TypeSniffer.detect(Array("Hello, 안녕하세요\n".utf8)) == .unknown)
        #expect(TypeSniffer.detect(Array("RIFF\u{24}\u{0}\u{0}\u{0}WAVEfmt ".utf8)) == .unknown)
        #expect(TypeSniffer.detect(Array("{\"schema\": \"community-application/1\"}".utf8)) == .unknown)
    }

    @Test func findsAPDFHeaderAfterLeadingJunkWithinTheFirstKilobyte() {
        let junk = [UInt8](repeating: 0x41, count: 1000)
        #expect(TypeSniffer.detect(junk + SampleFiles.pdf) == .pdf)
        let tooFar = [UInt8](repeating: 0x41, count: 1020)
        #expect(TypeSniffer.detect(tooFar + SampleFiles.pdf) == .unknown)
    }

    @Test func aSignatureAtByteZeroWinsOverAnEmbeddedPDFHeader() {
        // An executable or HTML page that merely contains "%PDF-" is not a PDF.
        let pdfHeader = Array("%PDF-1.7\n".utf8)
        #expect(TypeSniffer.detect(SampleFiles.portableExecutable + pdfHeader) == .windowsExecutable)
        #expect(TypeSniffer.detect(Array("<html><body>%PDF-1.7".utf8)) == .html)
        #expect(TypeSniffer.detect(Array("#!/bin/sh\n# %PDF-1.4\n".utf8)) == .script)
    }

    @Test func recognisesPEHeadersAndBareMZPrograms() {
        let pe = SampleFiles.portableExecutable
        #expect(pe.withUnsafeBytes { TypeSniffer.hasPortableExecutableHeader($0) })
        #expect(TypeSniffer.detect(Array(pe.prefix(2))) == .windowsExecutable)
        #expect(!Array(pe.prefix(2)).withUnsafeBytes { TypeSniffer.hasPortableExecutableHeader($0) })

        var pointingElsewhere = pe
        pointingElsewhere[0x3C] = 0x40   // e_lfanew at the DOS stub, not at "PE\0\0"
        #expect(TypeSniffer.detect(pointingElsewhere) == .windowsExecutable)
        #expect(!pointingElsewhere.withUnsafeBytes { TypeSniffer.hasPortableExecutableHeader($0) })
    }

    @Test(arguments: [
        [0xFE, 0xED, 0xFA, 0xCE], [0xFE, 0xED, 0xFA, 0xCF], [0xCE, 0xFA, 0xED, 0xFE], [0xCF, 0xFA, 0xED, 0xFE],
    ] as [[UInt8]])
    func recognisesMachOMagicNumbers(magic: [UInt8]) {
        #expect(TypeSniffer.detect(magic + [0x07, 0x00, 0x00, 0x01, 0, 0, 0, 0]) == .machOExecutable)
    }

    @Test func tellsUniversalBinariesFromJavaClassFiles() {
        let fat: [UInt8] = [0xCA, 0xFE, 0xBA, 0xBE, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00, 0x00, 0x07]
        #expect(TypeSniffer.detect(fat) == .machOExecutable)
        // Java 8 class file: minor 0, major 52.
        let javaClass: [UInt8] = [0xCA, 0xFE, 0xBA, 0xBE, 0x00, 0x00, 0x00, 0x34, 0x00, 0x1D, 0x0A, 0x00]
        #expect(TypeSniffer.detect(javaClass) == .unknown)
        #expect(TypeSniffer.detect([0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 0]) == .unknown)
    }

    @Test func recognisesScriptsOnlyAtByteZero() {
        #expect(TypeSniffer.detect(Array("#!/bin/sh\necho hi\n".utf8)) == .script)
        #expect(TypeSniffer.detect(Array("#!".utf8)) == .script)
        #expect(TypeSniffer.detect(Array(" #!/bin/sh\n".utf8)) == .unknown)
    }

    @Test(arguments: [
        "<!DOCTYPE html>\n<html lang=\"ko\">", "<!doctype HTML><title>x</title>", "<html>", "<HTML><BODY>",
        "\u{FEFF}  \r\n<html>", "\u{FEFF}<!DOCTYPE html>", "<head><meta charset=utf-8>", "<body onload=x()>",
        "<script>alert(1)</script>", "<ScRiPt src=x>", "<!-- saved from url -->\n<html>", "<iframe src=x>",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"x\">\n<html>",
        "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\">",
    ])
    func recognisesHTML(text: String) {
        #expect(TypeSniffer.detect(Array(text.utf8)) == .html)
    }

    @Test(arguments: [
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>",
        "\u{FEFF}\n  <svg>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\">",
        "<?xml version=\"1.0\"?>\n<!-- Generator: Adobe Illustrator 27.0 -->\n"
            + "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg>",
        "<!DOCTYPE svg [ <!ENTITY x \"y\"> ]>\n<svg>",
        "<?xml version=\"1.0\"?><?xml-stylesheet href=\"a.css\"?><svg:svg xmlns:svg=\"http://www.w3.org/2000/svg\">",
    ])
    func recognisesSVG(text: String) {
        #expect(TypeSniffer.detect(Array(text.utf8)) == .svg)
    }

    @Test func recognisesXMLThatIsNotSVGOrHTML() {
        let manifest = """
            <?xml version="1.0" encoding="UTF-8"?>
            <application schema="community-application/1">
              <community>seoul-hiking</community>
              <applicant><name>김민수</name></applicant>
            </application>
            """
        #expect(TypeSniffer.detect(Array(manifest.utf8)) == .xml)
        #expect(TypeSniffer.detect(Array("\u{FEFF}<?xml version=\"1.0\"?><rss><channel><svg/>".utf8)) == .xml)
        #expect(TypeSniffer.detect(Array("<?xml version=\"1.0\"?><!DOCTYPE note><note/>".utf8)) == .xml)
    }

    @Test func looksOnlyAtTheHead() {
        // The root element lies beyond headLength, so only the XML declaration is seen.
        let prolog = "<?xml version=\"1.0\"?>\n<!--" + String(repeating: " ", count: TypeSniffer.headLength) + "-->\n<svg>"
        #expect(TypeSniffer.detect(Array(prolog.utf8)) == .xml)
        // Bytes past the head do not change a verdict that the head already determines.
        let long = SampleFiles.png + [UInt8](repeating: 0x3C, count: TypeSniffer.headLength * 2)
        #expect(TypeSniffer.detect(long) == .png)
    }

    @Test func unsafeBufferAndArrayOverloadsAgree() {
        for bytes in [SampleFiles.jpeg, SampleFiles.pdf, SampleFiles.elf, Array("<svg>".utf8), []] {
            #expect(bytes.withUnsafeBytes { TypeSniffer.detect($0) } == TypeSniffer.detect(bytes))
        }
    }
}

/// Hand-built signatures for the types named since HEIC support: what a real tool writes is
/// tested in RealTypeFileTests; here the edges (brands, near-misses, formats no free tool writes).
struct NamedTypeSnifferTests {
    private func ftyp(_ major: String, _ compatible: [String] = []) -> [UInt8] {
        HEIFBoxes.box("ftyp", Array(major.utf8) + [0, 0, 0, 0] + compatible.flatMap { Array($0.utf8) }) + HEIFBoxes.box("free", [])
    }

    @Test(arguments: [
        ("heic", [], FileType.heic), ("heix", [], .heic), ("hevc", [], .heic), ("heim", [], .heic), ("heis", [], .heic),
        ("mif1", ["mif1", "heic"], .heic), ("msf1", ["msf1", "hevc"], .heic), ("mif1", ["mif1"], .heif),
        ("msf1", [], .heif), ("avif", ["avif", "mif1", "miaf"], .avif), ("mif1", ["avif"], .avif), ("avis", [], .avif),
        ("isom", ["isom", "avc1"], .mp4), ("mp42", ["isom"], .mp4), ("mp41", [], .mp4), ("3gp4", [], .mp4),
        ("qt  ", ["qt  "], .quickTime), ("abcd", ["mif1", "heic"], .heic), ("abcd", ["isom"], .mp4),
        ("abcd", ["efgh"], .unknown), ("M4A ", ["M4A "], .unknown),
    ] as [(String, [String], FileType)])
    func namesISOBMFFFilesByTheirBrands(major: String, compatible: [String], expected: FileType) {
        #expect(TypeSniffer.detect(ftyp(major, compatible)) == expected)
    }

    @Test func namesArchivesBySignature() {
        #expect(TypeSniffer.detect([0x52, 0x61, 0x72, 0x21, 0x1A, 0x07, 0x00, 0xCF, 0x90, 0x73]) == .rar)          // RAR 4
        #expect(TypeSniffer.detect([0x52, 0x61, 0x72, 0x21, 0x1A, 0x07, 0x01, 0x00, 0x33, 0x92]) == .rar)          // RAR 5
        #expect(TypeSniffer.detect([0x52, 0x61, 0x72, 0x21, 0x1A, 0x07, 0x02]) == .unknown)
        #expect(TypeSniffer.detect([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0x00, 0x04]) == .sevenZip)
        #expect(TypeSniffer.detect([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0x00, 0x04]) == .xz)
        #expect(TypeSniffer.detect([0x28, 0xB5, 0x2F, 0xFD, 0x24, 0x05]) == .zstd)
        #expect(TypeSniffer.detect(Array("BZh9".utf8) + [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]) == .bzip2)
        #expect(TypeSniffer.detect(Array("BZh9".utf8) + [0x17, 0x72, 0x45, 0x38, 0x50, 0x90]) == .bzip2)   // empty stream
        #expect(TypeSniffer.detect(Array("BZh is how it starts".utf8)) == .unknown)
        var tar = [UInt8](repeating: 0, count: 512)
        tar.replaceSubrange(0..<8, with: Array("file.txt".utf8))
        tar.replaceSubrange(257..<265, with: Array("ustar".utf8) + [0, 0x30, 0x30])
        #expect(TypeSniffer.detect(tar) == .tar)
        tar.replaceSubrange(257..<265, with: Array("ustar  ".utf8) + [0])
        #expect(TypeSniffer.detect(tar) == .tar)
        tar.replaceSubrange(257..<265, with: Array("ustarXYZ".utf8))
        #expect(TypeSniffer.detect(tar) == .unknown)
    }

    @Test func namesImagesByAPlausibleHeader() {
        #expect(TypeSniffer.detect([0x49, 0x49, 0x2A, 0x00, 0x08, 0, 0, 0]) == .tiff)
        #expect(TypeSniffer.detect([0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 0x08]) == .tiff)
        #expect(TypeSniffer.detect([0x49, 0x49, 0x2B, 0x00, 0x08, 0x00, 0x00, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0]) == .tiff)   // BigTIFF
        #expect(TypeSniffer.detect([0x49, 0x49, 0x2B, 0x00, 0x04, 0x00, 0x00, 0x00]) == .unknown)
        // BITMAPINFOHEADER: file size, reserved, pixel offset 54, header size 40, 1x1, 1 plane, 24 bits.
        let bmp: [UInt8] = Array("BM".utf8) + HEIFBoxesLE.le32(58) + [0, 0, 0, 0] + HEIFBoxesLE.le32(54) + HEIFBoxesLE.le32(40)
            + HEIFBoxesLE.le32(1) + HEIFBoxesLE.le32(1) + [1, 0, 24, 0] + [UInt8](repeating: 0, count: 28)
        #expect(TypeSniffer.detect(bmp) == .bmp)
        #expect(TypeSniffer.detect(Array("BM: a text file that starts with BM and goes on".utf8)) == .unknown)
        var wrongPlanes = bmp
        wrongPlanes[26] = 3
        #expect(TypeSniffer.detect(wrongPlanes) == .unknown)
        // ICONDIR: one 16x16 32-bit image of 1128 bytes at 22.
        let ico: [UInt8] = [0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0] + HEIFBoxesLE.le32(1128) + HEIFBoxesLE.le32(22)
        #expect(TypeSniffer.detect(ico) == .ico)
        #expect(TypeSniffer.detect([0, 0, 1, 0, 0, 0] + [UInt8](repeating: 0, count: 16)) == .unknown)   // no images
    }

    @Test func namesDocumentsBySignature() {
        #expect(TypeSniffer.detect(Array("{\\rtf1\\ansi\\deff0 {\\fonttbl}".utf8)) == .rtf)
        #expect(TypeSniffer.detect(Array("HWP Document File V3.00 ".utf8) + [0x1A, 1, 2, 3, 4, 5]) == .hwp)
        // A compound file header whose directory lies beyond the bytes at hand: only "OLE".
        #expect(TypeSniffer.detect(TypeSniffer.Signature.compoundFile + [UInt8](repeating: 0, count: 504)) == .compoundFile)
        #expect(TypeSniffer.detect(TypeSniffer.Signature.compoundFile) == .compoundFile)
    }

    /// A ZIP local file header (stored) and its data.
    private func local(_ name: String, _ data: [UInt8]) -> [UInt8] {
        [0x50, 0x4B, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] + HEIFBoxesLE.le32(data.count) + HEIFBoxesLE.le32(data.count)
            + [UInt8(name.utf8.count), 0, 0, 0] + Array(name.utf8) + data
    }

    @Test func namesZIPBasedDocumentsByTheirEntries() {
        #expect(TypeSniffer.detect(local("mimetype", Array("application/hwp+zip".utf8)) + local("version.xml", [])) == .hwpx)
        #expect(TypeSniffer.detect(local("mimetype", Array("application/vnd.oasis.opendocument.text".utf8))) == .odt)
        #expect(TypeSniffer.detect(local("mimetype", Array("application/vnd.oasis.opendocument.spreadsheet-template".utf8))) == .ods)
        #expect(TypeSniffer.detect(local("mimetype", Array("application/epub+zip".utf8))) == .zip)
        #expect(TypeSniffer.detect(local("[Content_Types].xml", []) + local("word/document.xml", [])) == .docx)
        #expect(TypeSniffer.detect(local("[Content_Types].xml", []) + local("xl/workbook.xml", [])) == .xlsx)
        #expect(TypeSniffer.detect(local("[Content_Types].xml", []) + local("ppt/presentation.xml", [])) == .pptx)
        #expect(TypeSniffer.detect(local("word/document.xml", [])) == .zip)   // no [Content_Types].xml
        #expect(TypeSniffer.detect(local("photo.jpg", SampleFiles.jpeg)) == .zip)
    }

    @Test func corruptContainersNeverCrashTheSniffer() {
        let cfb = CompoundFileBuilder.build(streams: [("FileHeader", Array("HWP Document File".utf8) + [UInt8](repeating: 0, count: 239)),
                                                      ("DocInfo", [1, 2, 3])])
        let zip = local("[Content_Types].xml", [1, 2, 3]) + local("word/document.xml", [4, 5])
            + [0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18)
        for bytes in [cfb, zip] {
            for index in bytes.indices {
                for value: UInt8 in [0x00, 0x01, 0x80, 0xFF] {
                    var edited = bytes
                    edited[index] = value
                    _ = TypeSniffer.detect(edited)
                    _ = TypeSniffer.detect(Array(edited[..<index]))
                }
            }
        }
    }

    @Test func everyTypeHasANameAnArticleAndExtensions() {
        #expect(FileType.heic.withArticle == "a HEIC image")
        #expect(FileType.mp4.withArticle == "an MP4 video")
        #expect(FileType.hwp.withArticle == "a Hangul (HWP) document")
        #expect(FileType.sevenZip.withArticle == "a 7-Zip archive")
        #expect(FileType.docx.displayName == "Word document (.docx)")
        #expect(FileType(mimeType: "image/heif") == .heif)
        #expect(FileType(mimeType: "image/heic-sequence") == .heic)
        #expect(FileType(mimeType: "application/haansofthwp") == .hwp)
        #expect(FileType(mimeType: "application/x-rar-compressed") == .rar)
        for type in FileType.allCases where type != .unknown {
            #expect(!type.fileExtensions.isEmpty, "\(type)")
        }
    }
}

/// Little-endian helpers for hand-built headers.
enum HEIFBoxesLE {
    static func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
}

struct FileTypeTests {
    @Test func mimeTypesRoundTrip() {
        for type in FileType.allCases {
            #expect(FileType(mimeType: type.mimeType) == type)
        }
        #expect(Set(FileType.allCases.map(\.mimeType)).count == FileType.allCases.count)
    }

    @Test func canonicalMIMETypesAreTheDocumentedOnes() {
        #expect(FileType.jpeg.mimeType == "image/jpeg")
        #expect(FileType.pdf.mimeType == "application/pdf")
        #expect(FileType.windowsExecutable.mimeType == "application/vnd.microsoft.portable-executable")
        #expect(FileType.elfExecutable.mimeType == "application/x-executable")
        #expect(FileType.machOExecutable.mimeType == "application/x-mach-binary")
        #expect(FileType.svg.mimeType == "image/svg+xml")
        #expect(FileType.unknown.mimeType == "application/octet-stream")
    }

    @Test(arguments: [
        ("image/jpeg", FileType.jpeg), ("IMAGE/JPEG", .jpeg), ("image/jpg", .jpeg), ("image/pjpeg", .jpeg),
        ("image/jpeg; charset=binary", .jpeg), ("  image/png ", .png), ("image/PNG;foo=bar", .png),
        ("application/x-pdf", .pdf), ("application/pdf ; version=1.7", .pdf), ("image/webp", .webp),
        ("text/html; charset=UTF-8", .html), ("text/xml", .xml), ("application/x-msdownload", .windowsExecutable),
        ("application/x-gzip", .gzip), ("application/x-zip-compressed", .zip),
    ])
    func mapsDeclaredMIMETypes(declared: String, expected: FileType) {
        #expect(FileType(mimeType: declared) == expected)
    }

    // "application/msword" left this list when Word 97-2003 documents got a name of their own.
    @Test(arguments: ["", "image", "image/jpeg2000", "text/plain", "application/x-unheard-of", ";", "image/ jpeg"])
    func rejectsUnknownMIMETypes(declared: String) {
        #expect(FileType(mimeType: declared) == nil)
    }

    @Test func extensionsAreLowerCaseWithoutDots() {
        #expect(FileType.jpeg.fileExtensions == ["jpg", "jpeg"])
        #expect(FileType.png.fileExtensions == ["png"])
        #expect(FileType.webp.fileExtensions == ["webp"])
        #expect(FileType.pdf.fileExtensions == ["pdf"])
        #expect(FileType.unknown.fileExtensions.isEmpty)
        for type in FileType.allCases {
            for ext in type.fileExtensions {
                #expect(ext == ext.lowercased() && !ext.contains(".") && !ext.isEmpty)
            }
        }
    }

    @Test func displayNamesAreDistinct() {
        #expect(FileType.windowsExecutable.displayName == "Windows executable (PE)")
        #expect(FileType.jpeg.displayName == "JPEG image")
        #expect(Set(FileType.allCases.map(\.displayName)).count == FileType.allCases.count)
    }

    @Test func codesAsItsRawValue() throws {
        #expect(FileType(rawValue: "windowsExecutable") == .windowsExecutable)
        #expect(FileType.machOExecutable.rawValue == "machOExecutable")
    }
}
