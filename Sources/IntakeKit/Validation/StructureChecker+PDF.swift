extension StructureChecker {
    /// How many bytes before a PDF's last `%%EOF` must hold `startxref`.
    static let pdfTrailerSearchLength = 1024

    /// Checks a PDF's header and trailer: `%PDF-1.x` or `%PDF-2.0` within the first 1024 bytes,
    /// and, before the last `%%EOF`, `startxref` with a byte offset inside the file that points
    /// at a cross-reference section.
    ///
    /// Whitespace and NUL bytes after the last `%%EOF`, however many, are padding that real
    /// generators write: recorded as a trailing segment, not refused. Anything else there is
    /// trailing data, unless it is the start of a further revision (objects or an xref section
    /// after an earlier `%%EOF`), which means an incremental update was cut short. Incremental
    /// updates themselves (several `%%EOF`, one xref section each, chained by `/Prev`) are
    /// accepted: only the last trailer is read here; `PDFOpenCheck` follows the chain.
    ///
    /// Only the two ends are read for a whole file (the padding is skipped from the end), so a
    /// 25 MiB PDF costs a few kilobytes; only a file whose end is not `%%EOF` is searched further.
    static func checkPDF(_ b: ContentBytes) -> StructureReport {
        var findings: [StructureFinding] = []
        var trailing: [TrailingSegment] = []
        let header = TypeSniffer.Signature.pdf
        let headerOffset = b.firstIndex(of: header, in: 0..<min(b.count, TypeSniffer.pdfHeaderSearchLength))
        if let headerOffset {
            if let version = unknownPDFVersion(b, at: headerOffset + header.count) {
                findings.append(StructureFinding(detail: "PDF header at byte \(headerOffset) declares an unknown version \"\(version)\"."))
            }
        } else if b.count == 0 {
            return StructureReport(findings: [StructureFinding(detail: "The PDF file is empty.")])
        } else {
            findings.append(StructureFinding(detail: "PDF has no %PDF- header in its first \(TypeSniffer.pdfHeaderSearchLength) bytes."))
        }

        let marker = Array("%%EOF".utf8)
        var end = b.count
        while end > 0, isPDFWhitespace(b[end - 1]) { end -= 1 }
        let eof: Int
        if b.matches(marker, at: end - marker.count) {
            eof = end - marker.count
            // One end-of-line after %%EOF belongs to the file; whatever follows is padding.
            var padding = end
            if padding < b.count, b[padding] == 0x0D { padding += 1 }
            if padding < b.count, b[padding] == 0x0A { padding += 1 }
            if padding < b.count {
                let allNUL = (padding..<b.count).allSatisfy { b[$0] == 0x00 }
                trailing.append(TrailingSegment(offset: padding, bytes: b.count - padding, kind: .padding,
                                                detail: allNUL ? "NUL" : "whitespace"))
            }
        } else if let last = b.lastIndex(of: marker, in: 0..<end) {
            eof = last
            var after = eof + marker.count
            while after < b.count, isPDFWhitespace(b[after]) { after += 1 }
            if startsPDFRevision(b, at: after) {
                findings.append(StructureFinding(
                    detail: "PDF ends at byte \(b.count) inside a revision that starts at byte \(after), after the %%EOF at byte \(eof), so it is truncated (an update was not written completely)."))
                return StructureReport(findings: findings)
            }
            findings.append(trailingDataFinding(count: b.count - after, format: "PDF", end: "%%EOF at byte \(eof)"))
        } else {
            findings.append(StructureFinding(detail: "PDF has no %%EOF marker, so it is truncated."))
            return StructureReport(findings: findings)
        }

        let keyword = Array("startxref".utf8)
        guard let startxref = b.lastIndex(of: keyword, in: max(0, eof - pdfTrailerSearchLength)..<eof) else {
            findings.append(StructureFinding(detail: "PDF has no startxref before its %%EOF marker at byte \(eof)."))
            return StructureReport(findings: findings, trailing: trailing)
        }
        var i = startxref + keyword.count
        while i < eof, isPDFWhitespace(b[i]) { i += 1 }
        var value = 0
        let digitsStart = i
        while i < eof, i - digitsStart < 15, b[i] >= 0x30, b[i] <= 0x39 {
            value = value * 10 + Int(b[i] - 0x30)
            i += 1
        }
        guard i > digitsStart else {
            findings.append(StructureFinding(detail: "PDF startxref at byte \(startxref) is not followed by a byte offset."))
            return StructureReport(findings: findings, trailing: trailing)
        }
        guard value < b.count else {
            findings.append(StructureFinding(
                detail: "PDF startxref at byte \(startxref) points to byte \(value), beyond the end of the file (\(b.count) bytes)."))
            return StructureReport(findings: findings, trailing: trailing)
        }
        // Readers resolve offsets from byte 0 or, when junk precedes the header, from the header.
        let candidates = [value, value + (headerOffset ?? 0)]
        if !candidates.contains(where: { isCrossReferenceSection(b, at: $0) }) {
            findings.append(StructureFinding(
                detail: "PDF startxref at byte \(startxref) points to byte \(value), where there is no cross-reference section."))
        }
        return StructureReport(findings: findings, trailing: trailing)
    }

    /// Where a PDF's own bytes end: after its last `%%EOF` and the end of line that follows it,
    /// before any padding or appended data; `nil` when it has no `%%EOF`.
    static func pdfEnd(_ b: ContentBytes) -> Int? {
        let marker = Array("%%EOF".utf8)
        var end = b.count
        while end > 0, isPDFWhitespace(b[end - 1]) { end -= 1 }
        let eof = b.matches(marker, at: end - marker.count) ? end - marker.count : b.lastIndex(of: marker, in: 0..<end)
        guard let eof else { return nil }
        var after = eof + marker.count
        if after < b.count, b[after] == 0x0D { after += 1 }
        if after < b.count, b[after] == 0x0A { after += 1 }
        return after
    }

    /// Whether `offset` starts what a revision holds: an indirect object (`12 0 obj`), an
    /// `xref` table, a `trailer` or a `startxref`.
    private static func startsPDFRevision(_ b: ContentBytes, at offset: Int) -> Bool {
        for keyword in ["xref", "trailer", "startxref"] where b.matches(Array(keyword.utf8), at: offset) {
            return true
        }
        var i = offset
        for _ in 0..<2 {
            let digits = i
            while i < b.count, i - digits < 10, isDigit(b[i]) { i += 1 }
            guard i > digits, i < b.count, isPDFWhitespace(b[i]) else { return false }
            while i < b.count, isPDFWhitespace(b[i]) { i += 1 }
        }
        return b.matches(Array("obj".utf8), at: i)
    }

    /// The version text after `%PDF-` when it is not 1.0-1.7 or 2.0, else `nil`.
    private static func unknownPDFVersion(_ b: ContentBytes, at start: Int) -> String? {
        let known = ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "2.0"].map { Array($0.utf8) }
        let end = start + 3
        if known.contains(where: { b.matches($0, at: start) }), end == b.count || !isDigit(b[end]) {
            return nil
        }
        var i = start
        while i < b.count, i - start < 8, b[i] > 0x20, b[i] < 0x7F { i += 1 }
        return String(decoding: b[start..<i], as: UTF8.self)
    }

    /// Whether `offset` starts (after whitespace) a classic `xref` table or an object holding an
    /// xref stream (`12 0 obj`).
    private static func isCrossReferenceSection(_ b: ContentBytes, at offset: Int) -> Bool {
        var i = offset
        while i < b.count, isPDFWhitespace(b[i]) { i += 1 }
        guard i < b.count else { return false }
        return b.matches(Array("xref".utf8), at: i) || isDigit(b[i])
    }

    /// PDF white-space characters (ISO 32000-1, 7.2.2): NUL, TAB, LF, FF, CR, SPACE.
    private static func isPDFWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x00 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D || byte == 0x20
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= 0x30 && byte <= 0x39
    }
}
