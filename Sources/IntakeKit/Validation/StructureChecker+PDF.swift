extension StructureChecker {
    /// How many bytes at the end of a PDF must hold `%%EOF` (and before it `startxref`).
    static let pdfTrailerSearchLength = 1024

    /// Checks a PDF's header and trailer: `%PDF-1.x` or `%PDF-2.0` within the first 1024 bytes,
    /// and `startxref`, a byte offset inside the file that points at a cross-reference section,
    /// and `%%EOF` within the last 1024 bytes.
    ///
    /// Only the two ends are read, so a 25 MiB PDF costs a few kilobytes. A truncated upload loses
    /// its `%%EOF`; anything other than whitespace after `%%EOF` is reported as trailing data.
    static func checkPDF(_ b: ContentBytes) -> [StructureFinding] {
        var findings: [StructureFinding] = []
        let header = TypeSniffer.Signature.pdf
        let headerOffset = b.firstIndex(of: header, in: 0..<min(b.count, TypeSniffer.pdfHeaderSearchLength))
        if let headerOffset {
            if let version = unknownPDFVersion(b, at: headerOffset + header.count) {
                findings.append(StructureFinding(detail: "PDF header at byte \(headerOffset) declares an unknown version \"\(version)\"."))
            }
        } else if b.count == 0 {
            return [StructureFinding(detail: "The PDF file is empty.")]
        } else {
            findings.append(StructureFinding(detail: "PDF has no %PDF- header in its first \(TypeSniffer.pdfHeaderSearchLength) bytes."))
        }

        let tailStart = max(0, b.count - pdfTrailerSearchLength)
        guard let eof = b.lastIndex(of: Array("%%EOF".utf8), in: tailStart..<b.count) else {
            findings.append(StructureFinding(
                detail: "PDF has no %%EOF marker in its last \(pdfTrailerSearchLength) bytes, so it is truncated (or has data appended after its end)."))
            return findings
        }
        var afterEOF = eof + 5
        while afterEOF < b.count, isPDFWhitespace(b[afterEOF]) { afterEOF += 1 }
        if afterEOF < b.count {
            findings.append(trailingDataFinding(count: b.count - afterEOF, format: "PDF", end: "%%EOF at byte \(eof)"))
        }

        let keyword = Array("startxref".utf8)
        guard let startxref = b.lastIndex(of: keyword, in: max(0, eof - pdfTrailerSearchLength)..<eof) else {
            findings.append(StructureFinding(detail: "PDF has no startxref before its %%EOF marker at byte \(eof)."))
            return findings
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
            return findings
        }
        guard value < b.count else {
            findings.append(StructureFinding(
                detail: "PDF startxref at byte \(startxref) points to byte \(value), beyond the end of the file (\(b.count) bytes)."))
            return findings
        }
        // Readers resolve offsets from byte 0 or, when junk precedes the header, from the header.
        let candidates = [value, value + (headerOffset ?? 0)]
        if !candidates.contains(where: { isCrossReferenceSection(b, at: $0) }) {
            findings.append(StructureFinding(
                detail: "PDF startxref at byte \(startxref) points to byte \(value), where there is no cross-reference section."))
        }
        return findings
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
