extension StructureChecker {
    /// Walks a GIF from its header through image descriptors and extensions to the trailer.
    static func checkGIF(_ b: ContentBytes, trailing: inout [TrailingSegment]) -> [StructureFinding] {
        let header87 = Array("GIF87a".utf8)
        let header89 = Array("GIF89a".utf8)
        guard b.hasPrefix(header87) || b.hasPrefix(header89) else {
            return [signatureFinding(b, format: "GIF", signature: header89, signatureName: "GIF header (GIF87a or GIF89a)")]
        }
        var findings: [StructureFinding] = []
        guard b.count >= 13 else {
            findings.append(StructureFinding(detail: "GIF ends at byte \(b.count), inside the logical screen descriptor."))
            return findings
        }
        var position = 13
        let screenFlags = b[10]
        if screenFlags & 0x80 != 0 {
            let tableEnd = position + colourTableSize(screenFlags)
            guard tableEnd <= b.count else {
                findings.append(StructureFinding(
                    detail: "GIF ends at byte \(b.count), inside the global colour table that should end at byte \(tableEnd)."))
                return findings
            }
            position = tableEnd
        }

        var images = 0
        while true {
            b.passed(position)
            guard position < b.count else {
                findings.append(StructureFinding(detail: "GIF ends at byte \(b.count) without the trailer (0x3B)."))
                return findings
            }
            let blockStart = position
            switch b[position] {
            case 0x2C:
                // Image descriptor: separator, left, top, width, height (2 bytes each), flags.
                guard position + 10 <= b.count else {
                    findings.append(StructureFinding(
                        detail: "GIF ends at byte \(b.count), inside the image descriptor at byte \(blockStart)."))
                    return findings
                }
                let flags = b[position + 9]
                position += 10
                if flags & 0x80 != 0 {
                    position += colourTableSize(flags)
                }
                // Then the LZW minimum code size byte.
                guard position < b.count else {
                    findings.append(StructureFinding(
                        detail: "GIF ends at byte \(b.count), before the image data of the image at byte \(blockStart)."))
                    return findings
                }
                let codeSize = b[position]
                if codeSize < 1 || codeSize > 11 {
                    findings.append(StructureFinding(
                        detail: "GIF image at byte \(blockStart) has an invalid LZW minimum code size of \(codeSize)."))
                }
                guard let end = endOfSubBlocks(b, from: position + 1) else {
                    findings.append(StructureFinding(
                        detail: "GIF ends at byte \(b.count), inside the image data of the image at byte \(blockStart), without the trailer."))
                    return findings
                }
                images += 1
                position = end
            case 0x21:
                guard position + 2 <= b.count, let end = endOfSubBlocks(b, from: position + 2) else {
                    findings.append(StructureFinding(
                        detail: "GIF ends at byte \(b.count), inside the extension block at byte \(blockStart), without the trailer."))
                    return findings
                }
                position = end
            case 0x3B:
                if images == 0 {
                    findings.append(StructureFinding(detail: "GIF reaches its trailer at byte \(blockStart) without any image."))
                }
                let end = position + 1
                let tail = judgeTail(b, from: end, format: "GIF image", endDescription: "trailer at byte \(blockStart)")
                findings += tail.findings
                trailing += tail.trailing
                return findings
            default:
                findings.append(StructureFinding(
                    detail: "GIF has an unknown block type 0x\(hex(b[position])) at byte \(blockStart)."))
                return findings
            }
        }
    }

    /// The size in bytes of a colour table announced by a packed flags byte.
    private static func colourTableSize(_ flags: UInt8) -> Int {
        3 << (Int(flags & 0x07) + 1)
    }

    /// Skips data sub-blocks (a size byte, then that many bytes) through the zero-size
    /// terminator; returns the offset after it, or `nil` when the file ends first.
    private static func endOfSubBlocks(_ b: ContentBytes, from start: Int) -> Int? {
        var i = start
        while i < b.count {
            let size = Int(b[i])
            i += 1
            if size == 0 { return i }
            i += size
        }
        return nil
    }
}
