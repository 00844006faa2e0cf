import Foundation

/// Builds small, complete files of every checked format in memory, and defective variants.
///
/// The images are real: the JPEGs, GIFs, WebPs, PNGs and the PDF were checked once with
/// djpeg, giftext, dwebp, pngcheck and qpdf. CRCs here come from a bit-by-bit reference
/// implementation, not from the `CRC32` under test.
enum SampleFiles {
    // MARK: - PNG

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// One PNG chunk: length, type, data, CRC.
    static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return bigEndian32(UInt32(data.count)) + typeBytes + data + bigEndian32(referenceCRC32(typeBytes + data))
    }

    /// IHDR data for the given fields.
    static func pngHeader(width: UInt32, height: UInt32, bitDepth: UInt8 = 8, colourType: UInt8 = 2,
                          interlace: UInt8 = 0) -> [UInt8] {
        bigEndian32(width) + bigEndian32(height) + [bitDepth, colourType, 0, 0, interlace]
    }

    /// A zlib stream holding `raw` in one stored (uncompressed) deflate block.
    static func zlibStored(_ raw: [UInt8]) -> [UInt8] {
        precondition(raw.count <= 0xFFFF)
        let length = UInt16(raw.count)
        return [0x78, 0x01, 0x01, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            + raw + bigEndian32(adler32(raw))
    }

    /// Pixel rows for an 8-bit RGB image, each row with filter type 0.
    static func rgbRows(width: Int, height: Int) -> [UInt8] {
        var raw: [UInt8] = []
        for y in 0..<height {
            raw.append(0)
            for x in 0..<width { raw += [UInt8(x * 60 & 0xFF), UInt8(y * 90 & 0xFF), 0x80] }
        }
        return raw
    }

    /// A 3x2 RGB PNG: signature, IHDR at 8, IDAT at 33, IEND last.
    static let png: [UInt8] = pngSignature
        + pngChunk("IHDR", pngHeader(width: 3, height: 2))
        + pngChunk("IDAT", zlibStored(rgbRows(width: 3, height: 2)))
        + pngChunk("IEND", [])

    /// Offset of the IDAT chunk in `png`.
    static let pngIDATOffset = 33

    /// A 4x4 PNG with its zlib stream split over three IDAT chunks, plus ancillary chunks.
    static let pngSplitIDAT: [UInt8] = {
        let z = zlibStored(rgbRows(width: 4, height: 4))
        return pngSignature
            + pngChunk("IHDR", pngHeader(width: 4, height: 4))
            + pngChunk("pHYs", bigEndian32(3780) + bigEndian32(3780) + [1])
            + pngChunk("tEXt", Array("Software\u{0}intake tests".utf8))
            + pngChunk("IDAT", Array(z[0..<10]))
            + pngChunk("IDAT", Array(z[10..<40]))
            + pngChunk("IDAT", Array(z[40...]))
            + pngChunk("IEND", [])
    }()

    /// A 2x2 palette PNG (colour type 3, bit depth 8) with PLTE.
    static let pngPalette: [UInt8] = pngSignature
        + pngChunk("IHDR", pngHeader(width: 2, height: 2, bitDepth: 8, colourType: 3))
        + pngChunk("PLTE", [0xFF, 0, 0, 0, 0xFF, 0])
        + pngChunk("IDAT", zlibStored([0, 0, 1, 0, 1, 0]))
        + pngChunk("IEND", [])

    // MARK: - JPEG

    /// A marker segment with its length.
    static func jpegSegment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [0xFF, marker] + bigEndian16(UInt16(payload.count + 2)) + payload
    }

    static let jfif = jpegSegment(0xE0, Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0])
    static let quantisationTable = jpegSegment(0xDB, [0x00] + [UInt8](repeating: 1, count: 64))

    /// DC table 0: category 0 is "0", category 11 is "10".
    static let dcTable = jpegSegment(0xC4, [0x00, 1, 1] + [UInt8](repeating: 0, count: 14) + [0x00, 0x0B])
    /// AC table 0: only EOB, coded "0".
    static let acTable = jpegSegment(0xC4, [0x10, 1] + [UInt8](repeating: 0, count: 15) + [0x00])

    /// A baseline 64x8 greyscale JPEG with restart intervals of 4 blocks.
    ///
    /// A COM segment holds FF D9 / FF D8 (as EXIF thumbnails do), which must be skipped by
    /// length; the scan data holds a stuffed FF 00 and an RST0 marker: the first interval codes
    /// four zero DC differences (0x00), the second three zeros then +2047 in category 11,
    /// whose value bits fill a whole byte with ones (02 FF 00 EF).
    static let jpeg: [UInt8] = [0xFF, 0xD8] + jfif
        + jpegSegment(0xFE, Array("thumb".utf8) + [0xFF, 0xD8, 0xFF, 0xD9])
        + quantisationTable
        + jpegSegment(0xC0, [8, 0, 8, 0, 64, 1, 1, 0x11, 0])
        + dcTable + acTable
        + jpegSegment(0xDD, [0, 4])
        + jpegSegment(0xDA, [1, 1, 0x00, 0, 63, 0])
        + [0x00, 0xFF, 0xD0, 0x02, 0xFF, 0x00, 0xEF]
        + [0xFF, 0xD9]

    /// A progressive 8x8 greyscale JPEG: a DC scan, then a second DHT and an AC scan.
    static let progressiveJPEG: [UInt8] = [0xFF, 0xD8] + jfif + quantisationTable
        + jpegSegment(0xC2, [8, 0, 8, 0, 8, 1, 1, 0x11, 0])
        + dcTable
        + jpegSegment(0xDA, [1, 1, 0x00, 0, 0, 0]) + [0x7F]
        + acTable
        + jpegSegment(0xDA, [1, 1, 0x00, 1, 63, 0]) + [0x7F]
        + [0xFF, 0xD9]

    // MARK: - GIF

    /// The classic 43-byte 1x1 GIF89a: GCT, graphic control extension, one image, trailer.
    static let gif: [UInt8] = Array("GIF89a".utf8)
        + [0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00]
        + [0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00]
        + [0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00]
        + [0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]
        + [0x02, 0x02, 0x44, 0x01, 0x00]
        + [0x3B]

    /// A two-frame animated 1x1 GIF89a with a NETSCAPE loop extension, a comment and a local
    /// colour table on the second frame.
    static let animatedGIF: [UInt8] = Array("GIF89a".utf8)
        + [0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00]
        + [0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00]
        + [0x21, 0xFF, 0x0B] + Array("NETSCAPE2.0".utf8) + [0x03, 0x01, 0x00, 0x00, 0x00]
        + [0x21, 0xFE, 0x04] + Array("test".utf8) + [0x00]
        + [0x21, 0xF9, 0x04, 0x00, 0x0A, 0x00, 0x00, 0x00]
        + [0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]
        + [0x02, 0x02, 0x44, 0x01, 0x00]
        + [0x21, 0xF9, 0x04, 0x00, 0x0A, 0x00, 0x00, 0x00]
        + [0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x80]
        + [0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00]
        + [0x02, 0x02, 0x44, 0x01, 0x00]
        + [0x3B]

    // MARK: - WebP

    /// A 1x1 lossless WebP (RIFF + VP8L), 34 bytes, with a padding byte after the odd-sized chunk.
    static let webpLossless = base64("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
    /// A 1x1 lossy WebP (RIFF + VP8 key frame).
    static let webpLossy = base64("UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA")
    /// A 1x1 extended WebP with alpha (RIFF + VP8X + ALPH + VP8).
    static let webpExtended = base64(
        "UklGRkoAAABXRUJQVlA4WAoAAAAQAAAAAAAAAAAAQUxQSAwAAAARBxAR/Q9ERP8DAABWUDggGAAAABQBAJ0BKgEAAQAAAP4AAA3AAP7mtQAAAA==")

    /// A RIFF/WEBP file around the given chunks, with a correct RIFF size.
    static func webp(chunks: [UInt8]) -> [UInt8] {
        Array("RIFF".utf8) + littleEndian32(UInt32(4 + chunks.count)) + Array("WEBP".utf8) + chunks
    }

    // MARK: - PDF

    /// A one-page PDF 1.4 with a classic xref table whose offsets are computed, and the byte
    /// offset where its final "%%EOF" starts.
    static let pdfWithEOFOffset: (bytes: [UInt8], eofOffset: Int) = {
        let content = "0 0 1 rg 0 0 72 72 re f\n"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] /Contents 4 0 R >>",
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)endstream",
        ]
        // The header, then a comment of high bytes that marks the file as binary.
        var bytes = Array("%PDF-1.4\n".utf8) + [0x25, 0xE2, 0xE3, 0xCF, 0xD3, 0x0A]
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(bytes.count)
            bytes += Array("\(index + 1) 0 obj\n\(object)\nendobj\n".utf8)
        }
        let xref = bytes.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            let digits = String(offset)
            table += String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n \n"
        }
        table += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n"
        bytes += Array(table.utf8)
        let eof = bytes.count
        bytes += Array("%%EOF\n".utf8)
        return (bytes, eof)
    }()

    static var pdf: [UInt8] { pdfWithEOFOffset.bytes }

    // MARK: - Executables and other formats for sniffing

    /// A PE image head: DOS header with e_lfanew = 0x80, DOS stub, "PE\0\0" and a COFF header.
    static let portableExecutable: [UInt8] = {
        var head = [UInt8](repeating: 0, count: 0x80)
        head[0] = 0x4D
        head[1] = 0x5A
        head.replaceSubrange(0x3C..<0x40, with: littleEndian32(0x80))
        let stub = Array("This program cannot be run in DOS mode.\r\r\n$".utf8)
        head.replaceSubrange(0x4E..<(0x4E + stub.count), with: stub)
        return head + [0x50, 0x45, 0x00, 0x00, 0x64, 0x86, 0x03, 0x00] + [UInt8](repeating: 0, count: 248)
    }()

    /// An x86-64 ELF header.
    static let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        + [2, 0, 0x3E, 0, 1, 0, 0, 0] + [UInt8](repeating: 0, count: 40)

    /// An empty ZIP archive (only the end-of-central-directory record).
    static let emptyZip: [UInt8] = [0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18)

    /// A ZIP local file header start.
    static let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00] + [UInt8](repeating: 0, count: 20)

    /// A gzip member header (deflate, no flags).
    static let gzip: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03, 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]

    // MARK: - Byte helpers

    static func bigEndian32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func bigEndian16(_ value: UInt16) -> [UInt8] {
        [UInt8(value >> 8), UInt8(value & 0xFF)]
    }

    static func littleEndian32(_ value: UInt32) -> [UInt8] {
        bigEndian32(value).reversed()
    }

    static func base64(_ text: String) -> [UInt8] {
        guard let data = Data(base64Encoded: text) else { preconditionFailure("bad base64 in test data") }
        return Array(data)
    }

    /// CRC-32 (IEEE), one bit at a time: slow and obviously right.
    static func referenceCRC32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }

    /// `bytes` with the byte at `index` XOR-ed with `mask`.
    static func flipping(_ bytes: [UInt8], at index: Int, mask: UInt8 = 0x01) -> [UInt8] {
        var copy = bytes
        copy[index] ^= mask
        return copy
    }

    /// The offset of the first occurrence of `pattern` in `bytes`.
    static func offset(of pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        return (0...(bytes.count - pattern.count)).first { Array(bytes[$0..<($0 + pattern.count)]) == pattern }
    }

    /// The contents of a file in the test bundle's Fixtures folder.
    static func fixture(_ name: String, _ ext: String) throws -> [UInt8] {
        let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures")
            ?? Bundle.module.url(forResource: name, withExtension: ext)
        guard let url else { throw FixtureError.missing("\(name).\(ext)") }
        return Array(try Data(contentsOf: url))
    }

    enum FixtureError: Error {
        case missing(String)
    }
}
