extension StructureChecker {
    /// Checks the RIFF container of a WebP: the declared size against the file length, the
    /// first chunk (VP8, VP8L or VP8X) and a chunk walk that must land exactly on the end.
    static func checkWebP(_ b: ContentBytes, trailing: inout [TrailingSegment]) -> [StructureFinding] {
        let riff = Array("RIFF".utf8)
        guard b.count >= 12, b.hasPrefix(riff), b.matches(Array("WEBP".utf8), at: 8) else {
            if b.count < 12, b.count > 0, b.hasPrefix(Array(riff.prefix(b.count))) {
                return [StructureFinding(detail: "WebP ends at byte \(b.count), inside the 12-byte RIFF header.")]
            }
            return [signatureFinding(b, format: "WebP", signature: riff, signatureName: "RIFF/WEBP header")]
        }
        var findings: [StructureFinding] = []
        let declaredEnd = Int(b.uint32LE(at: 4)) + 8
        guard declaredEnd >= 20 else {
            findings.append(StructureFinding(
                detail: "WebP RIFF header declares a size of \(declaredEnd - 8) bytes, too small to hold any chunk."))
            return findings
        }
        let isTruncated = declaredEnd > b.count
        if isTruncated {
            findings.append(StructureFinding(
                detail: "WebP is cut short: its RIFF header declares \(declaredEnd) bytes, but the file ends at byte \(b.count)."))
        } else if declaredEnd < b.count {
            let tail = judgeTail(b, from: declaredEnd, format: "WebP image",
                                 endDescription: "the RIFF container ends at byte \(declaredEnd)")
            findings += tail.findings
            trailing += tail.trailing
        }

        let end = min(declaredEnd, b.count)
        var position = 12
        var sawImageData = false
        var walkedToEnd = true
        while position < end {
            guard end - position >= 8 else {
                if !isTruncated {
                    findings.append(StructureFinding(
                        detail: "WebP has \(bytes(end - position)) at byte \(position), too few for a chunk header."))
                }
                walkedToEnd = false
                break
            }
            let code = b.uint32BE(at: position)
            let name = fourCC(b, at: position)
            let size = Int(b.uint32LE(at: position + 4))
            let payload = position + 8
            let chunkEnd = payload + size + (size & 1)
            if position == 12 {
                if let problem = firstWebPChunkProblem(b, code: code, payload: payload, size: size, available: end) {
                    findings.append(StructureFinding(detail: "WebP's first chunk, \(name) at byte 12, \(problem)."))
                }
            }
            if code == WebPChunk.vp8 || code == WebPChunk.vp8l || code == WebPChunk.anmf { sawImageData = true }
            guard chunkEnd <= end else {
                walkedToEnd = false
                if chunkEnd <= declaredEnd {
                    // The chunk fits the container; only the file is short, already reported.
                } else if payload + size == end, size & 1 == 1 {
                    findings.append(StructureFinding(
                        detail: "WebP chunk \(name) at byte \(position) has an odd size (\(size)) but no padding byte before the end of the RIFF container."))
                } else {
                    findings.append(StructureFinding(
                        detail: "WebP chunk \(name) at byte \(position) declares \(size) bytes, running past the end of the RIFF container at byte \(declaredEnd)."))
                }
                break
            }
            b.passed(chunkEnd)
            position = chunkEnd
        }
        if walkedToEnd, !isTruncated, !sawImageData {
            findings.append(StructureFinding(detail: "WebP has no image data chunk (VP8, VP8L or ANMF)."))
        }
        return findings
    }

    /// Describes what is wrong with the first chunk, or `nil` when it is sound (or cut off,
    /// which the caller reports).
    private static func firstWebPChunkProblem(_ b: ContentBytes, code: UInt32, payload: Int, size: Int,
                                              available end: Int) -> String? {
        switch code {
        case WebPChunk.vp8l:
            // One signature byte 0x2F, then 14-bit width and height, alpha hint and version.
            guard size >= 5 else { return "is \(size) bytes long, too short for a lossless bitstream header" }
            guard payload < end else { return nil }
            if b[payload] != 0x2F { return "does not start with the lossless signature byte 0x2F" }
            return nil
        case WebPChunk.vp8:
            // A 3-byte frame tag (bit 0 clear for a key frame), then the start code 9D 01 2A.
            guard size >= 10 else { return "is \(size) bytes long, too short for a key frame header" }
            guard payload + 6 <= end else { return nil }
            if b[payload] & 0x01 != 0 { return "does not hold a key frame" }
            if !b.matches([0x9D, 0x01, 0x2A], at: payload + 3) { return "lacks the key frame start code 9D 01 2A" }
            return nil
        case WebPChunk.vp8x:
            guard size >= 10 else { return "is \(size) bytes long instead of 10" }
            return nil
        default:
            return "is not VP8, VP8L or VP8X"
        }
    }
}

/// RIFF chunk codes as big-endian integers.
private enum WebPChunk {
    static let vp8: UInt32 = 0x5650_3820    // "VP8 "
    static let vp8l: UInt32 = 0x5650_384C   // "VP8L"
    static let vp8x: UInt32 = 0x5650_3858   // "VP8X"
    static let anmf: UInt32 = 0x414E_4D46   // "ANMF"
}
