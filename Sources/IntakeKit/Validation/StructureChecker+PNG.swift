extension StructureChecker {
    /// Walks PNG chunks from the signature to IEND, verifying each chunk's CRC-32.
    ///
    /// Follows the PNG specification (ISO/IEC 15948): IHDR first with 13 bytes and a valid bit
    /// depth and colour type, PLTE for palette images, consecutive IDAT chunks, IEND last.
    /// Unknown critical chunks are reported because a conforming decoder must refuse them.
    static func checkPNG(_ b: ContentBytes, trailing: inout [TrailingSegment]) -> [StructureFinding] {
        let signature = TypeSniffer.Signature.png
        guard b.count >= signature.count, b.hasPrefix(signature) else {
            return [signatureFinding(b, format: "PNG", signature: signature, signatureName: "8-byte PNG signature")]
        }
        var findings: [StructureFinding] = []
        var state = PNGState()
        var offset = signature.count
        while true {
            guard b.count - offset >= 8 else {
                if offset == b.count {
                    findings.append(StructureFinding(detail: "PNG ends at byte \(offset) without an IEND chunk."))
                } else {
                    findings.append(StructureFinding(
                        detail: "PNG ends at byte \(b.count), inside the header of the chunk at byte \(offset), without an IEND chunk."))
                }
                return findings
            }
            let length = Int(b.uint32BE(at: offset))
            let typeCode = b.uint32BE(at: offset + 4)
            let name = fourCC(b, at: offset + 4)
            guard isPNGChunkType(typeCode) else {
                findings.append(StructureFinding(
                    detail: "PNG has no valid chunk at byte \(offset): the type code \(name) is not four letters."))
                return findings
            }
            guard length <= Int(Int32.max) else {
                findings.append(StructureFinding(
                    detail: "PNG chunk \(name) at byte \(offset) declares \(length) data bytes, more than the 2^31-1 a chunk may hold."))
                return findings
            }
            let crcOffset = offset + 8 + length
            let end = crcOffset + 4
            guard end <= b.count else {
                findings.append(StructureFinding(
                    detail: "PNG chunk \(name) at byte \(offset) is cut short: it needs \(12 + length) bytes up to byte \(end), but the file ends at byte \(b.count) without an IEND chunk."))
                return findings
            }

            let stored = b.uint32BE(at: crcOffset)
            let computed = CRC32.checksum(b[(offset + 4)..<crcOffset])
            if stored != computed {
                state.badCRCs += 1
                if state.badCRCs <= maximumReportedCRCErrors {
                    findings.append(StructureFinding(
                        detail: "PNG chunk \(name) at byte \(offset) has a bad CRC (stored \(hex32(stored)), computed \(hex32(computed)))."))
                }
            }

            findings += state.visit(b, type: typeCode, name: name, at: offset, length: length)

            if typeCode == PNGChunk.iend {
                if state.badCRCs > maximumReportedCRCErrors {
                    let more = state.badCRCs - maximumReportedCRCErrors
                    findings.append(StructureFinding(
                        detail: "PNG has \(more) more chunk\(more == 1 ? "" : "s") with a bad CRC (\(state.badCRCs) in all)."))
                }
                if state.idatCount == 0 {
                    findings.append(StructureFinding(detail: "PNG has no IDAT chunk, so it holds no image data."))
                }
                if state.colourType == 3, !state.sawPLTE {
                    findings.append(StructureFinding(detail: "PNG uses a palette (colour type 3) but has no PLTE chunk."))
                }
                let tail = judgeTail(b, from: end, format: "PNG image", endDescription: "IEND at byte \(offset)")
                findings += tail.findings
                trailing += tail.trailing
                return findings
            }
            b.passed(end)
            offset = end
        }
    }

    /// Whether a chunk type code is four ASCII letters, as the specification requires.
    private static func isPNGChunkType(_ code: UInt32) -> Bool {
        (0..<4).allSatisfy { shift in
            let byte = UInt8(truncatingIfNeeded: code >> (8 * shift)) | 0x20
            return byte >= 0x61 && byte <= 0x7A
        }
    }
}

/// Chunk type codes as big-endian integers.
private enum PNGChunk {
    static let ihdr: UInt32 = 0x4948_4452
    static let plte: UInt32 = 0x504C_5445
    static let idat: UInt32 = 0x4944_4154
    static let iend: UInt32 = 0x4945_4E44
}

/// What the PNG walk has seen so far, to check chunk order.
private struct PNGState {
    var chunkCount = 0
    var badCRCs = 0
    var idatCount = 0
    var idatRunEnded = false
    var reportedSplitIDAT = false
    var sawIHDR = false
    var sawPLTE = false
    var colourType: UInt8?

    /// Checks one complete chunk against the chunks before it.
    mutating func visit(_ b: ContentBytes, type: UInt32, name: String, at offset: Int, length: Int) -> [StructureFinding] {
        var findings: [StructureFinding] = []
        defer { chunkCount += 1 }
        if chunkCount == 0, type != PNGChunk.ihdr {
            findings.append(StructureFinding(detail: "PNG's first chunk, at byte \(offset), is \(name) instead of IHDR."))
        }
        if type != PNGChunk.idat, idatCount > 0 { idatRunEnded = true }
        switch type {
        case PNGChunk.ihdr:
            defer { sawIHDR = true }
            if sawIHDR {
                findings.append(StructureFinding(detail: "PNG has a second IHDR chunk at byte \(offset)."))
            } else if chunkCount != 0 {
                // Already reported as "first chunk is not IHDR"; its fields mean nothing here.
            } else if length != 13 {
                findings.append(StructureFinding(detail: "PNG IHDR chunk at byte \(offset) has length \(length) instead of 13."))
            } else {
                findings += checkHeader(b, at: offset)
            }
        case PNGChunk.plte:
            sawPLTE = true
            if idatCount > 0 {
                findings.append(StructureFinding(detail: "PNG PLTE chunk at byte \(offset) comes after the image data."))
            }
            if length == 0 || length % 3 != 0 || length > 768 {
                findings.append(StructureFinding(
                    detail: "PNG PLTE chunk at byte \(offset) has length \(length), which is not 3 to 768 bytes of RGB entries."))
            }
        case PNGChunk.idat:
            if idatRunEnded, !reportedSplitIDAT {
                reportedSplitIDAT = true
                findings.append(StructureFinding(
                    detail: "PNG IDAT chunk at byte \(offset) is separated from the earlier IDAT chunks by other chunks."))
            }
            idatCount += 1
        case PNGChunk.iend:
            if length != 0 {
                findings.append(StructureFinding(detail: "PNG IEND chunk at byte \(offset) has length \(length) instead of 0."))
            }
        default:
            // Bit 5 of the first byte clear means "critical": a decoder that does not know
            // the chunk must not display the image.
            if UInt8(truncatingIfNeeded: type >> 24) & 0x20 == 0 {
                findings.append(StructureFinding(
                    detail: "PNG chunk \(name) at byte \(offset) is an unknown critical chunk, so decoders must refuse the image."))
            }
        }
        return findings
    }

    /// Checks the IHDR fields: dimensions, bit depth for the colour type, methods.
    private mutating func checkHeader(_ b: ContentBytes, at offset: Int) -> [StructureFinding] {
        var findings: [StructureFinding] = []
        let data = offset + 8
        let width = b.uint32BE(at: data)
        let height = b.uint32BE(at: data + 4)
        let depth = b[data + 8]
        let colour = b[data + 9]
        colourType = colour
        if width == 0 || width > UInt32(Int32.max) {
            findings.append(StructureFinding(detail: "PNG IHDR chunk at byte \(offset) has an invalid width of \(width)."))
        }
        if height == 0 || height > UInt32(Int32.max) {
            findings.append(StructureFinding(detail: "PNG IHDR chunk at byte \(offset) has an invalid height of \(height)."))
        }
        let allowedDepths: [UInt8: Set<UInt8>] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        if let depths = allowedDepths[colour] {
            if !depths.contains(depth) {
                findings.append(StructureFinding(
                    detail: "PNG IHDR chunk at byte \(offset) has bit depth \(depth), which colour type \(colour) does not allow."))
            }
        } else {
            findings.append(StructureFinding(detail: "PNG IHDR chunk at byte \(offset) has an invalid colour type \(colour)."))
        }
        if b[data + 10] != 0 {
            findings.append(StructureFinding(
                detail: "PNG IHDR chunk at byte \(offset) has an unknown compression method \(b[data + 10])."))
        }
        if b[data + 11] != 0 {
            findings.append(StructureFinding(detail: "PNG IHDR chunk at byte \(offset) has an unknown filter method \(b[data + 11])."))
        }
        if b[data + 12] > 1 {
            findings.append(StructureFinding(
                detail: "PNG IHDR chunk at byte \(offset) has an unknown interlace method \(b[data + 12])."))
        }
        return findings
    }
}
