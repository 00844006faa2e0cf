import IntakeKit
import Testing

/// Findings for `bytes` checked as `type`.
private func check(_ bytes: [UInt8], _ type: FileType) -> [StructureFinding] {
    StructureChecker.check(bytes, as: type)
}

/// Whether every proper prefix of `bytes` (from `from` on) yields at least one finding and none
/// of them claims trailing data; returns the lengths that were wrongly accepted.
private func acceptedPrefixLengths(of bytes: [UInt8], as type: FileType, upTo end: Int? = nil) -> [Int] {
    (0..<(end ?? bytes.count)).filter { length in
        let findings = check(Array(bytes[..<length]), type)
        return findings.isEmpty || findings.contains { $0.isTrailingData }
    }
}

struct StructureCheckerSoundFileTests {
    @Test(arguments: [
        (SampleFiles.png, FileType.png), (SampleFiles.pngSplitIDAT, .png), (SampleFiles.pngPalette, .png),
        (SampleFiles.jpeg, .jpeg), (SampleFiles.progressiveJPEG, .jpeg),
        (SampleFiles.gif, .gif), (SampleFiles.animatedGIF, .gif),
        (SampleFiles.webpLossless, .webp), (SampleFiles.webpLossy, .webp), (SampleFiles.webpExtended, .webp),
        (SampleFiles.pdf, .pdf),
    ])
    func soundSamplesHaveNoFindings(bytes: [UInt8], type: FileType) {
        #expect(check(bytes, type) == [])
    }

    @Test(arguments: [("jpg", FileType.jpeg), ("png", .png), ("webp", .webp), ("pdf", .pdf)])
    func realFilesSniffRightAndCheckClean(ext: String, type: FileType) throws {
        let bytes = try SampleFiles.fixture("sample", ext)
        #expect(TypeSniffer.detect(bytes) == type)
        #expect(check(bytes, type) == [])
    }

    @Test(arguments: [("jpg", FileType.jpeg), ("png", .png), ("webp", .webp), ("pdf", .pdf)])
    func realFilesCutShortAreCaught(ext: String, type: FileType) throws {
        let bytes = try SampleFiles.fixture("sample", ext)
        for fraction in [0.1, 0.5, 0.9, 0.99] {
            let findings = check(Array(bytes[..<Int(Double(bytes.count) * fraction)]), type)
            #expect(!findings.isEmpty, "\(ext) cut at \(fraction)")
            #expect(!findings.contains { $0.isTrailingData })
        }
        // A PDF may lose its final newline and stay whole; two bytes cut into "%%EOF".
        #expect(!check(Array(bytes.dropLast(type == .pdf ? 2 : 1)), type).isEmpty)
    }

    @Test func typesWithoutAStructureCheckHaveNoFindings() {
        #expect(check(SampleFiles.zip, .zip) == [])
        #expect(check(SampleFiles.elf, .elfExecutable) == [])
        #expect(check(Array("<svg/>".utf8), .svg) == [])
        #expect(check([], .unknown) == [])
        #expect(StructureChecker.checkedTypes == [.jpeg, .png, .gif, .webp, .pdf, .heic, .heif, .avif])
    }

    @Test(arguments: [FileType.jpeg, .png, .gif, .webp, .pdf])
    func emptyFilesAreReported(type: FileType) {
        #expect(check([], type).count == 1)
    }

    @Test func aFileCheckedAsTheWrongTypeIsReported() {
        #expect(check(SampleFiles.jpeg, .png) == [StructureFinding(detail: "The file does not start with the 8-byte PNG signature.")])
        #expect(check(SampleFiles.png, .jpeg).count == 1)
        #expect(check(SampleFiles.png, .gif).count == 1)
        #expect(check(SampleFiles.png, .webp).count == 1)
        #expect(check(SampleFiles.png, .pdf).count >= 1)
    }

    @Test func trailingDataIsTheOnlyFindingAfterACompleteImage() {
        let extra = Array("PK\u{3}\u{4}hidden".utf8)
        let cases: [([UInt8], FileType)] = [
            (SampleFiles.png, .png), (SampleFiles.jpeg, .jpeg), (SampleFiles.gif, .gif), (SampleFiles.pdf, .pdf),
        ]
        for (bytes, type) in cases {
            let findings = check(bytes + extra, type)
            #expect(findings.count == 1 && findings.allSatisfy { $0.isTrailingData }, "\(type)")
            #expect(findings.first?.detail.hasPrefix("10 bytes of data after the end of the") == true, "\(type)")
        }
    }
}

struct PNGStructureTests {
    let png = SampleFiles.png

    @Test func everyTruncationIsReported() {
        #expect(acceptedPrefixLengths(of: png, as: .png) == [])
        #expect(acceptedPrefixLengths(of: SampleFiles.pngSplitIDAT, as: .png) == [])
    }

    @Test func missingIENDIsReportedWithTheEndOffset() {
        let cut = Array(png.dropLast(12))
        #expect(check(cut, .png) == [StructureFinding(detail: "PNG ends at byte \(cut.count) without an IEND chunk.")])
    }

    @Test func aCutChunkNamesTheChunk() {
        let cut = Array(png[..<(SampleFiles.pngIDATOffset + 20)])
        let findings = check(cut, .png)
        #expect(findings.count == 1)
        #expect(findings[0].detail.hasPrefix("PNG chunk IDAT at byte 33 is cut short"))
        #expect(findings[0].detail.contains("the file ends at byte \(cut.count) without an IEND chunk"))
    }

    @Test func aBadCRCIsReportedForItsChunk() throws {
        // Flip one pixel byte inside the IDAT data: the stored CRC no longer matches.
        let damaged = SampleFiles.flipping(png, at: SampleFiles.pngIDATOffset + 20)
        let findings = check(damaged, .png)
        #expect(findings.count == 1)
        let detail = try #require(findings.first?.detail)
        #expect(detail.hasPrefix("PNG chunk IDAT at byte 33 has a bad CRC"))
        #expect(!findings[0].isTrailingData)
    }

    @Test func aDamagedStoredCRCIsReported() {
        let crcOfIHDR = 8 + 8 + 13
        let findings = check(SampleFiles.flipping(png, at: crcOfIHDR + 3), .png)
        #expect(findings.map(\.detail).first?.hasPrefix("PNG chunk IHDR at byte 8 has a bad CRC") == true)
    }

    @Test func manyBadCRCsAreSummedUp() {
        var bytes = SampleFiles.pngSignature + SampleFiles.pngChunk("IHDR", SampleFiles.pngHeader(width: 1, height: 1))
        for _ in 0..<6 {
            var chunk = SampleFiles.pngChunk("tEXt", Array("Comment\u{0}x".utf8))
            chunk[chunk.count - 1] ^= 0xFF
            bytes += chunk
        }
        bytes += SampleFiles.pngChunk("IDAT", SampleFiles.zlibStored([0, 1, 2, 3])) + SampleFiles.pngChunk("IEND", [])
        let details = check(bytes, .png).map(\.detail)
        #expect(details.count == 4)
        #expect(details.prefix(3).allSatisfy { $0.contains("tEXt") && $0.contains("bad CRC") })
        #expect(details.last == "PNG has 3 more chunks with a bad CRC (6 in all).")
    }

    @Test func trailingDataNamesTheIENDOffset() {
        let findings = check(png + Array("hello".utf8), .png)
        let iend = png.count - 12
        #expect(findings == [StructureFinding(
            detail: "5 bytes of data after the end of the PNG image (IEND at byte \(iend)).", isTrailingData: true)])
        // Padding is what real writers leave there: accepted and recorded.
        let padded = StructureChecker.inspect(png + [0, 0, 0, 0, 0], as: .png)
        #expect(padded == StructureReport(trailing: [TrailingSegment(offset: png.count, bytes: 5, kind: .padding, detail: "NUL")]))
    }

    @Test func theFirstChunkMustBeIHDR() {
        let bytes = SampleFiles.pngSignature
            + SampleFiles.pngChunk("sRGB", [0])
            + SampleFiles.pngChunk("IHDR", SampleFiles.pngHeader(width: 1, height: 1))
            + SampleFiles.pngChunk("IDAT", SampleFiles.zlibStored([0, 1, 2, 3]))
            + SampleFiles.pngChunk("IEND", [])
        #expect(check(bytes, .png).map(\.detail) == ["PNG's first chunk, at byte 8, is sRGB instead of IHDR."])
    }

    @Test(arguments: [
        (SampleFiles.pngHeader(width: 0, height: 1), "has an invalid width of 0"),
        (SampleFiles.pngHeader(width: 1, height: 0), "has an invalid height of 0"),
        (SampleFiles.pngHeader(width: 0x8000_0000, height: 1), "has an invalid width of 2147483648"),
        (SampleFiles.pngHeader(width: 1, height: 1, bitDepth: 4, colourType: 2), "has bit depth 4, which colour type 2 does not allow"),
        (SampleFiles.pngHeader(width: 1, height: 1, bitDepth: 16, colourType: 3), "has bit depth 16, which colour type 3 does not allow"),
        (SampleFiles.pngHeader(width: 1, height: 1, colourType: 5), "has an invalid colour type 5"),
        (SampleFiles.pngHeader(width: 1, height: 1, interlace: 2), "has an unknown interlace method 2"),
    ])
    func insaneHeaderFieldsAreReported(header: [UInt8], problem: String) {
        let bytes = SampleFiles.pngSignature + SampleFiles.pngChunk("IHDR", header)
            + SampleFiles.pngChunk("PLTE", [0, 0, 0])
            + SampleFiles.pngChunk("IDAT", SampleFiles.zlibStored([0, 0, 0, 0]))
            + SampleFiles.pngChunk("IEND", [])
        #expect(check(bytes, .png).map(\.detail) == ["PNG IHDR chunk at byte 8 \(problem)."])
    }

    @Test func aWrongIHDRLengthIsReported() {
        let bytes = SampleFiles.pngSignature + SampleFiles.pngChunk("IHDR", SampleFiles.pngHeader(width: 1, height: 1) + [0])
            + SampleFiles.pngChunk("IDAT", SampleFiles.zlibStored([0, 0, 0, 0])) + SampleFiles.pngChunk("IEND", [])
        #expect(check(bytes, .png).map(\.detail) == ["PNG IHDR chunk at byte 8 has length 14 instead of 13."])
    }

    @Test func imageDataAndPaletteAreRequired() {
        let noIDAT = SampleFiles.pngSignature + SampleFiles.pngChunk("IHDR", SampleFiles.pngHeader(width: 1, height: 1))
            + SampleFiles.pngChunk("IEND", [])
        #expect(check(noIDAT, .png).map(\.detail) == ["PNG has no IDAT chunk, so it holds no image data."])

        let noPLTE = SampleFiles.pngSignature
            + SampleFiles.pngChunk("IHDR", SampleFiles.pngHeader(width: 1, height: 1, colourType: 3))
            + SampleFiles.pngChunk("IDAT", SampleFiles.zlibStored([0, 0])) + SampleFiles.pngChunk("IEND", [])
        #expect(check(noPLTE, .png).map(\.detail) == ["PNG uses a palette (colour type 3) but has no PLTE chunk."])
    }

    @Test func idatChunksMustBeConsecutive() {
        let z = SampleFiles.zlibStored(SampleFiles.rgbRows(width: 1, height: 1))
        let bytes = SampleFiles.pngSignature + SampleFiles.pngChunk("IHDR", SampleFiles.pngHeader(width: 1, height: 1))
            + SampleFiles.pngChunk("IDAT", Array(z[..<6])) + SampleFiles.pngChunk("tEXt", Array("a\u{0}b".utf8))
            + SampleFiles.pngChunk("IDAT", Array(z[6...])) + SampleFiles.pngChunk("IEND", [])
        let details = check(bytes, .png).map(\.detail)
        #expect(details.count == 1)
        #expect(details.first?.contains("is separated from the earlier IDAT chunks") == true)
    }

    @Test func unknownCriticalChunksAreReportedButAncillaryOnesAreNot() {
        func withChunk(_ type: String) -> [UInt8] {
            SampleFiles.pngSignature + SampleFiles.pngChunk("IHDR", SampleFiles.pngHeader(width: 1, height: 1))
                + SampleFiles.pngChunk(type, [1, 2, 3])
                + SampleFiles.pngChunk("IDAT", SampleFiles.zlibStored(SampleFiles.rgbRows(width: 1, height: 1)))
                + SampleFiles.pngChunk("IEND", [])
        }
        #expect(check(withChunk("abCd"), .png) == [])
        #expect(check(withChunk("ABCD"), .png).map(\.detail)
            == ["PNG chunk ABCD at byte 33 is an unknown critical chunk, so decoders must refuse the image."])
    }

    @Test func garbageWhereAChunkShouldStartStopsTheWalk() {
        var bytes = png
        bytes.replaceSubrange(37..<41, with: [0x00, 0x01, 0x02, 0x03])   // IDAT's type code
        #expect(check(bytes, .png).map(\.detail)
            == ["PNG has no valid chunk at byte 33: the type code 0x00010203 is not four letters."])
    }

    @Test func anAbsurdChunkLengthIsReported() {
        var bytes = png
        bytes.replaceSubrange(33..<37, with: [0xFF, 0xFF, 0xFF, 0xF0])
        #expect(check(bytes, .png).map(\.detail).first?.contains("more than the 2^31-1 a chunk may hold") == true)
    }

    @Test func aWrongSignatureIsReported() {
        #expect(check(SampleFiles.flipping(png, at: 1), .png)
            == [StructureFinding(detail: "The file does not start with the 8-byte PNG signature.")])
        #expect(check(Array(png.prefix(5)), .png)
            == [StructureFinding(detail: "PNG ends at byte 5, inside the 8-byte PNG signature.")])
    }
}

struct JPEGStructureTests {
    let jpeg = SampleFiles.jpeg

    @Test func everyTruncationIsReported() {
        #expect(acceptedPrefixLengths(of: jpeg, as: .jpeg) == [])
        #expect(acceptedPrefixLengths(of: SampleFiles.progressiveJPEG, as: .jpeg) == [])
    }

    @Test func aMissingEOIIsReported() {
        let cut = Array(jpeg.dropLast(2))
        let details = check(cut, .jpeg).map(\.detail)
        #expect(details.count == 1)
        #expect(details.first?.hasPrefix("JPEG ends at byte \(cut.count) inside the scan data") == true)
        #expect(details.first?.hasSuffix("without an EOI marker.") == true)
    }

    @Test func aFileCutInsideAHeaderSegmentNamesTheSegment() throws {
        let dqt = try #require(SampleFiles.offset(of: [0xFF, 0xDB], in: jpeg))
        let details = check(Array(jpeg[..<(dqt + 30)]), .jpeg).map(\.detail)
        #expect(details == ["JPEG DQT segment at byte \(dqt) is cut short: it declares 67 bytes, but the file ends at byte \(dqt + 30) without an EOI marker."])
    }

    @Test func trailingDataNamesTheEOIOffset() {
        let findings = check(jpeg + Array(repeating: 0x41, count: 12), .jpeg)
        #expect(findings == [StructureFinding(
            detail: "12 bytes of data after the end of the JPEG image (EOI at byte \(jpeg.count - 2)).", isTrailingData: true)])
        // Padding is not refused: NUL, whitespace and FF fill of any length are recorded.
        for padding in [[0x00], [0x0A], Array(repeating: 0x00, count: 23_000), [0xFF, 0xFF, 0x20, 0x0D, 0x0A]] as [[UInt8]] {
            let report = StructureChecker.inspect(jpeg + padding, as: .jpeg)
            #expect(report.findings.isEmpty)
            #expect(report.trailing.map(\.bytes) == [padding.count])
            #expect(report.trailing.allSatisfy { $0.kind == .padding && $0.offset == jpeg.count })
        }
        // Padding then data: the data is still refused, at its own offset.
        let hidden = check(jpeg + [0, 0, 0, 0] + Array("PK\u{3}\u{4}".utf8) + Array(repeating: 0, count: 40), .jpeg)
        #expect(hidden.count == 1 && hidden[0].isTrailingData)
        #expect(hidden.first?.detail.hasPrefix("44 bytes of data at byte \(jpeg.count + 4), after the end") == true)
        #expect(hidden.first?.detail.hasSuffix("It is a ZIP archive, which no camera or scanner puts there.") == true)
    }

    @Test func aSecondImageAfterEOIIsTrailingData() {
        let findings = check(jpeg + SampleFiles.progressiveJPEG, .jpeg)
        #expect(findings.count == 1 && findings[0].isTrailingData)
    }

    @Test func aScanWithoutAFrameHeaderIsReported() throws {
        let sof = try #require(SampleFiles.offset(of: [0xFF, 0xC0], in: jpeg))
        var bytes = jpeg
        bytes.removeSubrange(sof..<(sof + 13))
        let details = check(bytes, .jpeg).map(\.detail)
        #expect(details.count == 1)
        #expect(details.first?.hasSuffix("comes before any frame header (SOF).") == true)
    }

    @Test func anImageWithoutAScanIsReported() throws {
        let sos = try #require(SampleFiles.offset(of: [0xFF, 0xDA], in: jpeg))
        let bytes = Array(jpeg[..<sos]) + [0xFF, 0xD9]
        #expect(check(bytes, .jpeg).map(\.detail) == ["JPEG reaches its EOI marker at byte \(sos) without any image scan (SOS)."])
    }

    @Test func aFrameHeaderWithWidthZeroIsReported() throws {
        let sof = try #require(SampleFiles.offset(of: [0xFF, 0xC0], in: jpeg))
        var bytes = jpeg
        bytes[sof + 7] = 0
        bytes[sof + 8] = 0
        #expect(check(bytes, .jpeg).map(\.detail) == ["JPEG frame header (SOF0) at byte \(sof) declares a width of 0."])
    }

    @Test func garbageBetweenSegmentsIsReported() throws {
        let dqt = try #require(SampleFiles.offset(of: [0xFF, 0xDB], in: jpeg))
        var bytes = jpeg
        bytes.insert(0x42, at: dqt)
        #expect(check(bytes, .jpeg).map(\.detail)
            == ["JPEG has no marker at byte \(dqt) where the next segment should start (found 0x42)."])
    }

    @Test func fillBytesBeforeMarkersAreAllowed() throws {
        let dqt = try #require(SampleFiles.offset(of: [0xFF, 0xDB], in: jpeg))
        var bytes = jpeg
        bytes.insert(contentsOf: [0xFF, 0xFF, 0xFF], at: dqt)
        bytes.insert(contentsOf: [0xFF, 0xFF], at: bytes.count - 2)   // before EOI, after scan data
        #expect(check(bytes, .jpeg) == [])
    }

    @Test func aSegmentLengthBelowTwoIsReported() throws {
        let dqt = try #require(SampleFiles.offset(of: [0xFF, 0xDB], in: jpeg))
        var bytes = jpeg
        bytes[dqt + 2] = 0
        bytes[dqt + 3] = 1
        #expect(check(bytes, .jpeg).map(\.detail) == ["JPEG DQT segment at byte \(dqt) has an invalid length of 1."])
    }

    @Test func theEndOfScanDataIsFoundAtEveryAlignment() throws {
        // Scan data of every length up to 80 bytes, with stuffed zeros, restart markers and
        // fill bytes at shifting positions, so the marker search meets the EOI at every offset
        // of its 8- and 16-byte steps and in its byte-wise tail.
        let sos = try #require(SampleFiles.offset(of: [0xFF, 0xDA], in: jpeg))
        let header = Array(jpeg[..<(sos + 10)])
        for length in 0...80 {
            var scan: [UInt8] = []
            while scan.count < length {
                switch scan.count % 13 {
                case 3: scan += [0xFF, 0x00]
                case 7: scan += [0xFF, 0xD0 + UInt8(scan.count % 8)]
                default: scan.append(UInt8(truncatingIfNeeded: scan.count &* 37))
                }
            }
            let eoi = header.count + scan.count
            for ending in [[0xFF, 0xD9], [0xFF, 0xFF, 0xD9]] as [[UInt8]] {
                let eoiOffset = eoi + ending.count - 2
                let file = header + scan + ending
                #expect(check(file, .jpeg) == [], "scan length \(length)")
                #expect(check(file + [0x58], .jpeg) == [StructureFinding(
                    detail: "1 byte of data after the end of the JPEG image (EOI at byte \(eoiOffset)).", isTrailingData: true)])
                #expect(!check(Array(file.dropLast()), .jpeg).isEmpty)
            }
        }
    }

    @Test func aMissingSOIIsReported() {
        #expect(check(Array(jpeg.dropFirst(2)), .jpeg)
            == [StructureFinding(detail: "The file does not start with the JPEG SOI marker (FF D8).")])
        #expect(check([0xFF], .jpeg) == [StructureFinding(detail: "JPEG ends at byte 1, inside the JPEG SOI marker (FF D8).")])
    }
}

struct GIFStructureTests {
    @Test func everyTruncationIsReported() {
        #expect(acceptedPrefixLengths(of: SampleFiles.gif, as: .gif) == [])
        #expect(acceptedPrefixLengths(of: SampleFiles.animatedGIF, as: .gif) == [])
    }

    @Test func aMissingTrailerIsReported() {
        let cut = Array(SampleFiles.gif.dropLast())
        #expect(check(cut, .gif) == [StructureFinding(detail: "GIF ends at byte \(cut.count) without the trailer (0x3B).")])
    }

    @Test func trailingDataNamesTheTrailerOffset() {
        let gif = SampleFiles.gif
        #expect(check(gif + [0x42], .gif) == [StructureFinding(
            detail: "1 byte of data after the end of the GIF image (trailer at byte \(gif.count - 1)).", isTrailingData: true)])
        #expect(StructureChecker.inspect(gif + [0x0A], as: .gif).trailing
            == [TrailingSegment(offset: gif.count, bytes: 1, kind: .padding, detail: "whitespace")])
    }

    @Test func anUnknownBlockIsReported() {
        var bytes = SampleFiles.gif
        bytes.insert(0x99, at: bytes.count - 1)
        #expect(check(bytes, .gif).map(\.detail) == ["GIF has an unknown block type 0x99 at byte \(bytes.count - 2)."])
    }

    @Test func aGIFWithoutImagesIsReported() {
        let bytes = Array(SampleFiles.gif[..<19]) + [0x3B]
        #expect(check(bytes, .gif).map(\.detail) == ["GIF reaches its trailer at byte 19 without any image."])
    }

    @Test func anImageCutInsideItsDataIsReported() {
        let cut = Array(SampleFiles.gif[..<40])
        #expect(check(cut, .gif).map(\.detail)
            == ["GIF ends at byte 40, inside the image data of the image at byte 27, without the trailer."])
    }
}

struct WebPStructureTests {
    @Test func everyTruncationIsReported() {
        for webp in [SampleFiles.webpLossless, SampleFiles.webpLossy, SampleFiles.webpExtended] {
            #expect(acceptedPrefixLengths(of: webp, as: .webp) == [])
        }
    }

    @Test func aRIFFSizeLargerThanTheFileMeansTruncated() {
        let cut = Array(SampleFiles.webpLossless.dropLast(4))
        #expect(check(cut, .webp).map(\.detail) == ["WebP is cut short: its RIFF header declares 34 bytes, but the file ends at byte 30."])
    }

    @Test func aRIFFSizeSmallerThanTheFileMeansTrailingData() {
        let bytes = SampleFiles.webpLossless + Array("<?php system($_GET['c']); ?>".utf8)
        let findings = check(bytes, .webp)
        #expect(findings == [StructureFinding(
            detail: "28 bytes of data after the end of the WebP image (the RIFF container ends at byte 34).", isTrailingData: true)])
    }

    @Test func aWrongRIFFSizeIsReportedEvenWhenTheLengthIsUnchanged() {
        var bytes = SampleFiles.webpLossless
        bytes[4] = 0x1C   // 28 instead of 26: claims two bytes the file does not have
        #expect(check(bytes, .webp).map(\.detail).first?.hasPrefix("WebP is cut short") == true)
        bytes[4] = 0x18   // 24: the container ends before the VP8L chunk does
        let details = check(bytes, .webp).map(\.detail)
        #expect(details.count == 2)
        #expect(details.first?.hasPrefix("2 bytes of data after the end of the WebP image") == true)
        #expect(details.last?.hasPrefix("WebP chunk VP8L at byte 12 declares 13 bytes, running past the end") == true)
    }

    @Test func theFirstChunkMustBeAnImageChunk() {
        let bytes = SampleFiles.webp(chunks: Array("EXIF".utf8) + SampleFiles.littleEndian32(2) + [0, 0])
        #expect(check(bytes, .webp).map(\.detail) == [
            "WebP's first chunk, EXIF at byte 12, is not VP8, VP8L or VP8X.",
            "WebP has no image data chunk (VP8, VP8L or ANMF).",
        ])
    }

    @Test func aBadLosslessSignatureIsReported() {
        let bytes = SampleFiles.flipping(SampleFiles.webpLossless, at: 20, mask: 0xFF)
        #expect(check(bytes, .webp).map(\.detail)
            == ["WebP's first chunk, VP8L at byte 12, does not start with the lossless signature byte 0x2F."])
    }

    @Test func aLossyChunkWithoutStartCodeIsReported() {
        let bytes = SampleFiles.flipping(SampleFiles.webpLossy, at: 23)
        #expect(check(bytes, .webp).map(\.detail) == ["WebP's first chunk, VP8 at byte 12, lacks the key frame start code 9D 01 2A."])
    }

    @Test func aMissingPaddingByteIsReported() {
        // The 13-byte VP8L payload is odd; drop its pad byte and shrink the RIFF size to match.
        var bytes = Array(SampleFiles.webpLossless.dropLast())
        bytes[4] -= 1
        #expect(check(bytes, .webp).map(\.detail)
            == ["WebP chunk VP8L at byte 12 has an odd size (13) but no padding byte before the end of the RIFF container."])
    }

    @Test func strayBytesAtTheEndOfTheContainerAreReported() {
        var bytes = SampleFiles.webpLossless + [0, 0, 0, 0]
        bytes[4] += 4
        #expect(check(bytes, .webp).map(\.detail) == ["WebP has 4 bytes at byte 34, too few for a chunk header."])
    }

    @Test func anExtendedFileWithoutImageDataIsReported() {
        let vp8x = Array("VP8X".utf8) + SampleFiles.littleEndian32(10) + [UInt8](repeating: 0, count: 10)
        #expect(check(SampleFiles.webp(chunks: vp8x), .webp).map(\.detail) == ["WebP has no image data chunk (VP8, VP8L or ANMF)."])
    }

    @Test func aWrongFormTypeIsReported() {
        var bytes = SampleFiles.webpLossless
        bytes.replaceSubrange(8..<12, with: Array("WAVE".utf8))
        #expect(check(bytes, .webp) == [StructureFinding(detail: "The file does not start with the RIFF/WEBP header.")])
    }
}

struct PDFStructureTests {
    let pdf = SampleFiles.pdfWithEOFOffset.bytes
    let eof = SampleFiles.pdfWithEOFOffset.eofOffset

    @Test func everyTruncationBeforeTheEndMarkerIsReported() {
        // A file cut right after "%%EOF" (dropping only the final newline) is complete.
        #expect(acceptedPrefixLengths(of: pdf, as: .pdf, upTo: eof + 5) == [])
        #expect(check(Array(pdf[..<(eof + 5)]), .pdf) == [])
    }

    @Test func aMissingEOFIsReported() {
        let cut = Array(pdf[..<eof])
        #expect(check(cut, .pdf).map(\.detail) == ["PDF has no %%EOF marker, so it is truncated."])
    }

    @Test func whitespaceAfterEOFIsAllowed() {
        #expect(check(pdf + Array("\r\n \n\t\u{0}".utf8), .pdf) == [])
    }

    @Test func anyAmountOfPaddingAfterEOFIsAcceptedAndRecorded() {
        // Generators pad with NUL bytes well past the last kilobyte; once this was "no %%EOF".
        for count in [1, 1024, 100_000] {
            let report = inspect(pdf + [UInt8](repeating: 0, count: count))
            #expect(report.findings == [])
            #expect(report.trailing == [TrailingSegment(offset: pdf.count, bytes: count, kind: .padding, detail: "NUL")])
        }
        let spaces = inspect(pdf + Array("\r\n".utf8) + [UInt8](repeating: 0x20, count: 5000))
        #expect(spaces.findings == [])
        #expect(spaces.trailing == [TrailingSegment(offset: pdf.count, bytes: 5002, kind: .padding, detail: "whitespace")])
        // The end of line right after %%EOF belongs to the file.
        #expect(inspect(Array(pdf[..<(eof + 5)]) + Array("\r\n".utf8)).trailing == [])
        #expect(inspect(pdf).trailing == [])
    }

    @Test func dataAfterPaddingIsStillTrailingData() {
        let findings = check(pdf + [UInt8](repeating: 0, count: 2000) + Array("PK\u{3}\u{4}".utf8), .pdf)
        #expect(findings.map(\.isTrailingData) == [true])
        #expect(findings.first?.detail == "4 bytes of data after the end of the PDF (%%EOF at byte \(eof)).")
    }

    @Test func anUpdateCutShortIsTruncationNotTrailingData() {
        let findings = check(pdf + Array("5 0 obj\n(upd".utf8), .pdf)
        #expect(findings == [StructureFinding(
            detail: "PDF ends at byte \(pdf.count + 12) inside a revision that starts at byte \(pdf.count), after the %%EOF at byte \(eof), so it is truncated (an update was not written completely).")])
    }

    private func inspect(_ bytes: [UInt8]) -> StructureReport {
        bytes.withUnsafeBytes { StructureChecker.inspect($0, as: .pdf) }
    }

    @Test func otherDataAfterEOFIsTrailingData() {
        let findings = check(pdf + Array("<script>".utf8), .pdf)
        #expect(findings == [StructureFinding(
            detail: "8 bytes of data after the end of the PDF (%%EOF at byte \(eof)).", isTrailingData: true)])
    }

    @Test func anIncrementalUpdateIsSound() throws {
        // A second revision appends objects, a new xref section and a second %%EOF.
        let previousXref = try #require(SampleFiles.offset(of: Array("xref\n0 ".utf8), in: pdf))
        var bytes = pdf
        let objectOffset = bytes.count
        bytes += Array("5 0 obj\n(update)\nendobj\n".utf8)
        let xref = bytes.count
        let digits = String(objectOffset)
        bytes += Array(("xref\n5 1\n" + String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n \n"
            + "trailer\n<< /Size 6 /Root 1 0 R /Prev \(previousXref) >>\nstartxref\n\(xref)\n%%EOF\n").utf8)
        #expect(check(bytes, .pdf) == [])
    }

    @Test func aStartxrefBeyondTheFileIsReported() throws {
        let bytes = try replacingStartxref(with: "999999")
        #expect(check(bytes, .pdf).map(\.detail).first?.hasSuffix("points to byte 999999, beyond the end of the file (\(bytes.count) bytes).") == true)
    }

    @Test func aStartxrefThatMissesTheXrefTableIsReported() throws {
        let bytes = try replacingStartxref(with: "20")
        #expect(check(bytes, .pdf).map(\.detail).first?.hasSuffix("points to byte 20, where there is no cross-reference section.") == true)
    }

    @Test func aStartxrefWithoutNumberIsReported() throws {
        let bytes = try replacingStartxref(with: "")
        #expect(check(bytes, .pdf).map(\.detail).first?.hasSuffix("is not followed by a byte offset.") == true)
    }

    @Test func aMissingStartxrefIsReported() throws {
        let keyword = try #require(SampleFiles.offset(of: Array("startxref".utf8), in: pdf))
        var bytes = pdf
        bytes.replaceSubrange(keyword..<(keyword + 9), with: Array("startXref".utf8))
        #expect(check(bytes, .pdf).map(\.detail) == ["PDF has no startxref before its %%EOF marker at byte \(eof)."])
    }

    @Test func headerProblemsAreReported() {
        var unknownVersion = pdf
        unknownVersion.replaceSubrange(5..<8, with: Array("3.1".utf8))
        #expect(check(unknownVersion, .pdf).map(\.detail) == ["PDF header at byte 0 declares an unknown version \"3.1\"."])

        var noHeader = pdf
        noHeader[0] = UInt8(ascii: "#")
        #expect(check(noHeader, .pdf).map(\.detail) == ["PDF has no %PDF- header in its first 1024 bytes."])
    }

    @Test func pdf2AndLeadingJunkAreAccepted() {
        var version2 = pdf
        version2.replaceSubrange(5..<8, with: Array("2.0".utf8))
        #expect(check(version2, .pdf) == [])
        // Readers take offsets relative to the header when junk precedes it.
        #expect(check(Array("junk before the header\n".utf8) + pdf, .pdf) == [])
    }

    /// The sample PDF with the number after `startxref` replaced.
    private func replacingStartxref(with text: String) throws -> [UInt8] {
        let keyword = try #require(SampleFiles.offset(of: Array("startxref\n".utf8), in: pdf))
        let numberStart = keyword + 10
        return Array(pdf[..<numberStart]) + Array(text.utf8) + Array(pdf[(eof - 1)...])
    }
}

struct RobustnessTests {
    /// Random corruptions of every sample, checked as every type: debug builds trap on any
    /// read outside the buffer, so this passes only if every offset is bounds-checked.
    @Test func corruptedInputNeverReadsOutOfBounds() throws {
        var generator = SplitMix64(seed: 7)
        let samples = [
            SampleFiles.png, SampleFiles.pngPalette, SampleFiles.jpeg, SampleFiles.progressiveJPEG, SampleFiles.gif,
            SampleFiles.animatedGIF, SampleFiles.webpLossless, SampleFiles.webpExtended, SampleFiles.pdf,
            try SampleFiles.fixture("sample", "webp"), Array(try SampleFiles.fixture("sample", "jpg").prefix(600)),
        ]
        let special: [UInt8] = [0x00, 0xFF, 0xD9, 0xDA, 0x3B, 0x21, 0x2C, 0x80, 0x7F, 0x25]
        var checked = 0
        for sample in samples {
            for _ in 0..<150 {
                var bytes = sample
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    guard !bytes.isEmpty else { break }
                    let index = Int.random(in: 0..<bytes.count, using: &generator)
                    switch Int.random(in: 0..<4, using: &generator) {
                    case 0: bytes[index] = special.randomElement(using: &generator) ?? 0
                    case 1: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                    case 2: bytes.removeSubrange(index...)
                    default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: index)
                    }
                }
                _ = TypeSniffer.detect(bytes)
                for type in StructureChecker.checkedTypes {
                    _ = StructureChecker.check(bytes, as: type)
                    checked += 1
                }
            }
        }
        #expect(checked == samples.count * 150 * StructureChecker.checkedTypes.count)
    }

    @Test func fieldsThatClaimHugeSizesAreReportedNotFollowed() {
        var webp = SampleFiles.webpLossless
        webp.replaceSubrange(16..<20, with: [0xFF, 0xFF, 0xFF, 0xFF])   // VP8L chunk size 4 GiB
        #expect(check(webp, .webp).map(\.detail)
            == ["WebP chunk VP8L at byte 12 declares 4294967295 bytes, running past the end of the RIFF container at byte 34."])
        var gif = SampleFiles.gif
        gif[10] = 0xF7   // a global colour table of 256 entries that the file does not hold
        #expect(check(gif, .gif).map(\.detail) == ["GIF ends at byte 43, inside the global colour table that should end at byte 781."])
    }
}

/// Inputs the fuzzer found: each once read past the end of the buffer.
struct TrailerFuzzRegressionTests {
    @Test func anMPFPictureBeyondTheEndAfterPaddingIsACutFileNotACrash() {
        // Primary picture, then NUL padding, then an MPF index entry pointing far past the end.
        let primary = SampleFiles.jpeg
        let app0End = 4 + Int(UInt16(primary[4]) << 8 | UInt16(primary[5]))
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        var ifd: [UInt8] = le16(1) + le16(0xB002) + le16(7) + le32(32) + le32(8 + 2 + 12 + 4) + le32(0)
        ifd += le32(0) + le32(10) + le32(0) + le32(0)               // the primary
        ifd += le32(0) + le32(100) + le32(1_000_000) + le32(0)      // picture 2, far beyond the end
        let body = [0x49, 0x49, 0x2A, 0x00] + le32(8) + ifd
        let length = 2 + 4 + body.count
        let app2: [UInt8] = [0xFF, 0xE2, UInt8(length >> 8), UInt8(length & 0xFF)] + Array("MPF\u{0}".utf8) + body
        let file = Array(primary[..<app0End]) + app2 + Array(primary[app0End...]) + [0, 0, 0, 0]
        let findings = StructureChecker.check(file, as: .jpeg)
        #expect(findings.isEmpty || findings.allSatisfy { !$0.detail.isEmpty })
    }

    @Test func anAPP1ShorterThanTheXMPSignatureIsNotAnXMPPacket() {
        let primary = SampleFiles.jpeg
        let short: [UInt8] = [0xFF, 0xE1, 0x00, 0x06] + Array("http".utf8)
        let file = Array(primary[..<2]) + short + Array(primary[2...]) + Array("http://ns.adobe.com/xap/1.0/\u{0}".utf8)
        let findings = StructureChecker.check(file, as: .jpeg)
        #expect(findings.count == 1 && findings[0].isTrailingData)
    }
}
