extension StructureChecker {
    /// Walks JPEG marker segments from SOI through every scan to EOI.
    ///
    /// After each SOS the entropy-coded data is skipped up to the next marker, stepping over
    /// stuffed `FF 00` bytes, RST0-7 markers and fill bytes, so progressive JPEGs (several SOS
    /// segments with tables between them) are walked like baseline ones.
    ///
    /// What follows the EOI is judged by `judgeTail`: padding, the further pictures the MPF
    /// index in APP2 names (each walked as a JPEG itself), a motion photo's video named by the
    /// XMP in APP1 (Google) or by Samsung's SEFH/SEFT trailer; anything else is a finding.
    /// - Parameter announcing: `false` for a picture inside a multi-picture file, whose own
    ///   announcements are not followed (one level only, so nesting cannot multiply the work).
    static func checkJPEG(_ b: ContentBytes, announcing: Bool = true) -> StructureReport {
        guard b.count >= 2, b[0] == 0xFF, b[1] == 0xD8 else {
            return StructureReport(findings: [signatureFinding(b, format: "JPEG", signature: [0xFF, 0xD8], signatureName: "JPEG SOI marker (FF D8)")])
        }
        var report = StructureReport()
        var findings: [StructureFinding] {
            get { report.findings }
            set { report.findings = newValue }
        }
        var announcements = JPEGAnnouncements()
        var sawFrame = false
        var sawScan = false
        var position = 2
        while true {
            b.passed(position)
            guard position < b.count else {
                findings.append(StructureFinding(detail: "JPEG ends at byte \(b.count) without an EOI marker."))
                return report
            }
            guard b[position] == 0xFF else {
                findings.append(StructureFinding(
                    detail: "JPEG has no marker at byte \(position) where the next segment should start (found 0x\(hex(b[position])))."))
                return report
            }
            // Any number of FF fill bytes may precede a marker.
            var markerIndex = position + 1
            while markerIndex < b.count, b[markerIndex] == 0xFF { markerIndex += 1 }
            guard markerIndex < b.count else {
                findings.append(StructureFinding(detail: "JPEG ends at byte \(b.count) inside a marker, without an EOI marker."))
                return report
            }
            let marker = b[markerIndex]
            let markerOffset = markerIndex - 1
            let name = jpegMarkerName(marker)
            switch marker {
            case 0xD9:
                if !sawScan {
                    findings.append(StructureFinding(detail: "JPEG reaches its EOI marker at byte \(markerOffset) without any image scan (SOS)."))
                }
                let end = markerIndex + 1
                let tail = judgeTail(b, from: end, format: "JPEG image", endDescription: "EOI at byte \(markerOffset)",
                                     announced: announcing ? announcements.regions(b, imageEnd: end) : [])
                report.findings += tail.findings
                report.trailing += tail.trailing
                return report
            case 0xD8:
                findings.append(StructureFinding(detail: "JPEG has a second SOI marker at byte \(markerOffset) before its EOI marker."))
                return report
            case 0x00:
                findings.append(StructureFinding(detail: "JPEG has a stuffed FF 00 at byte \(markerOffset) outside any scan data."))
                return report
            case 0x01, 0xD0...0xD7:
                // TEM and RSTn stand alone, without a length.
                position = markerIndex + 1
                continue
            default:
                break
            }

            guard markerIndex + 2 < b.count else {
                findings.append(StructureFinding(
                    detail: "JPEG ends at byte \(b.count) inside the length of the \(name) segment at byte \(markerOffset), without an EOI marker."))
                return report
            }
            let length = Int(b.uint16BE(at: markerIndex + 1))
            guard length >= 2 else {
                findings.append(StructureFinding(detail: "JPEG \(name) segment at byte \(markerOffset) has an invalid length of \(length)."))
                return report
            }
            let segmentEnd = markerIndex + 1 + length
            guard segmentEnd <= b.count else {
                findings.append(StructureFinding(
                    detail: "JPEG \(name) segment at byte \(markerOffset) is cut short: it declares \(length) bytes, but the file ends at byte \(b.count) without an EOI marker."))
                return report
            }
            let payload = markerIndex + 3

            if announcing, !sawScan, marker == 0xE1 || marker == 0xE2 {
                announcements.note(b, marker: marker, payload: payload..<segmentEnd, at: markerOffset)
            }
            if isStartOfFrame(marker) {
                sawFrame = true
                if let problem = frameHeaderProblem(b, payload: payload, length: length) {
                    findings.append(StructureFinding(detail: "JPEG frame header (\(name)) at byte \(markerOffset) \(problem)."))
                }
            } else if marker == 0xDA {
                sawScan = true
                if !sawFrame {
                    findings.append(StructureFinding(
                        detail: "JPEG scan (SOS) at byte \(markerOffset) comes before any frame header (SOF)."))
                }
                let components = length >= 3 ? Int(b[payload]) : 0
                if components < 1 || components > 4 || length != 6 + 2 * components {
                    findings.append(StructureFinding(
                        detail: "JPEG scan header (SOS) at byte \(markerOffset) has length \(length), which does not fit \(components) component\(components == 1 ? "" : "s")."))
                }
                guard let next = nextMarkerAfterScanData(b, from: segmentEnd) else {
                    findings.append(StructureFinding(
                        detail: "JPEG ends at byte \(b.count) inside the scan data that starts at byte \(segmentEnd), without an EOI marker."))
                    return report
                }
                position = next
                continue
            }
            position = segmentEnd
        }
    }

    /// SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range.
    private static func isStartOfFrame(_ marker: UInt8) -> Bool {
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
    }

    /// Describes what is wrong with a frame header, or `nil` when it is sound.
    private static func frameHeaderProblem(_ b: ContentBytes, payload: Int, length: Int) -> String? {
        // P (1), Y (2), X (2), Nf (1), then 3 bytes per component.
        guard length >= 8 else { return "has length \(length), too short for a frame header" }
        let width = b.uint16BE(at: payload + 3)
        let components = Int(b[payload + 5])
        if components == 0 { return "declares no colour components" }
        if length != 8 + 3 * components {
            return "has length \(length), which does not fit \(components) component\(components == 1 ? "" : "s")"
        }
        // A height of 0 is legal (it then comes in a DNL segment); a width of 0 is not.
        if width == 0 { return "declares a width of 0" }
        return nil
    }

    /// Skips entropy-coded data and returns the offset of the `FF` that starts the next real
    /// marker, or `nil` when the file ends first.
    ///
    /// Coded data holds an `FF` every few dozen bytes (each followed by a stuffed `00` or an
    /// RSTn), so looking at each `FF` in turn is slow. Instead, eight positions are tested at
    /// once, without branches: "this byte is FF and the next is not 00, D0-D7 or FF".
    private static func nextMarkerAfterScanData(_ b: ContentBytes, from start: Int) -> Int? {
        var i = start
        let count = b.count
        var reported = start
        // Each step reads 8 bytes and the 8 that follow them shifted by one, so i + 9 <= count.
        while i &+ 17 <= count {
            if i &- reported >= StreamTracker.step {
                b.passed(i)
                reported = i
            }
            let first = markerFlags(b, at: i)
            let second = markerFlags(b, at: i &+ 8)
            if first | second != 0 {
                return first != 0 ? i &+ first.trailingZeroBitCount &>> 3 : i &+ 8 &+ second.trailingZeroBitCount &>> 3
            }
            i &+= 16
        }
        while i < count {
            if b[i] == 0xFF {
                guard i + 1 < count else { return nil }
                let next = b[i + 1]
                if next != 0x00, next != 0xFF, next & 0xF8 != 0xD0 { return i }
            }
            i += 1
        }
        return nil
    }

    /// A word with bit 7 of byte k set when byte `offset + k` is FF and byte `offset + k + 1`
    /// is not 00, RSTn or FF, i.e. when a real marker starts there (bytes in memory order).
    @inline(__always)
    private static func markerFlags(_ b: ContentBytes, at offset: Int) -> UInt64 {
        let here = UInt64(littleEndian: b.buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        let next = UInt64(littleEndian: b.buffer.loadUnaligned(fromByteOffset: offset &+ 1, as: UInt64.self))
        let isFF = zeroBytes(~here)
        let nextIsZero = zeroBytes(next)
        let nextIsFF = zeroBytes(~next)
        let nextIsRestart = zeroBytes((next & 0xF8F8_F8F8_F8F8_F8F8) ^ 0xD0D0_D0D0_D0D0_D0D0)
        return isFF & ~(nextIsZero | nextIsFF | nextIsRestart)
    }

    /// Bit 7 of each byte set exactly when that byte of `x` is zero (no carries between bytes).
    @inline(__always)
    private static func zeroBytes(_ x: UInt64) -> UInt64 {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((x & low7) &+ low7) | x) & 0x8080_8080_8080_8080
    }

    /// A marker's name for findings, e.g. "SOF2", "DHT", "APP1", or "FFxx".
    private static func jpegMarkerName(_ marker: UInt8) -> String {
        switch marker {
        case 0xC4: "DHT"
        case 0xC8: "JPG"
        case 0xCC: "DAC"
        case 0xC0...0xCF: "SOF\(marker - 0xC0)"
        case 0xD0...0xD7: "RST\(marker - 0xD0)"
        case 0xD8: "SOI"
        case 0xD9: "EOI"
        case 0xDA: "SOS"
        case 0xDB: "DQT"
        case 0xDC: "DNL"
        case 0xDD: "DRI"
        case 0xDE: "DHP"
        case 0xDF: "EXP"
        case 0xE0...0xEF: "APP\(marker - 0xE0)"
        case 0xFE: "COM"
        default: "FF\(hex(marker))"
        }
    }
}
