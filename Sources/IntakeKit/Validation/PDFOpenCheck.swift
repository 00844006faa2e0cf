import CQPDF

/// Whether a PDF opens the way the admin will open it: without a password, with a
/// cross-reference that holds and a page tree of at least one page.
///
/// Backed by libqpdf (through the `CQPDF` shim, which keeps qpdf silent and never writes).
/// It runs after `StructureChecker`'s byte-level check, on files whose header and trailer are
/// sound: qpdf reads the trailer chain (every incremental update's xref section, via `/Prev`),
/// the catalog and the page tree, but no page content, so it reads a few kilobytes even of a
/// large file. A cross-reference that does not hold is not rebuilt: it is a finding.
public enum PDFOpenCheck {
    /// What qpdf made of the file.
    public enum Outcome: Sendable, Equatable {
        /// It opens; `encrypted` when it has an owner password only.
        case opens(pages: Int, encrypted: Bool)
        /// It does not open, or not as it should; the findings say why.
        case refused([StructureFinding])
        /// It could not be read (I/O or memory): try again later.
        case unreadable(String)
    }

    /// Judges the PDF whose whole content is `bytes`, from memory: the bytes are already in
    /// memory (or mapped), and qpdf reading the file again by path costs about 150 `lseek` and
    /// `read` calls per PDF through its buffered `FILE`.
    ///
    /// qpdf looks for `startxref` only in a file's last kilobyte, so a PDF followed by padding or
    /// appended data is given to it without them (up to its last `%%EOF` and the end of line
    /// after it).
    public static func check(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        let end = StructureChecker.pdfEnd(ContentBytes(bytes)) ?? bytes.count
        var result = intake_pdf_result()
        let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        guard intake_pdf_check(base, end, &result) == 0 else { return .unreadable("libqpdf could not be started") }
        return outcome(result)
    }

    /// Judges a PDF held in memory (the whole file).
    public static func check(_ bytes: [UInt8]) -> Outcome {
        bytes.withUnsafeBytes { check($0) }
    }

    /// The version of libqpdf in use, e.g. "11.3.0".
    public static var qpdfVersion: String { String(cString: intake_qpdf_version()) }

    static func outcome(_ result: intake_pdf_result) -> Outcome {
        var message = result.message
        let text = withUnsafeBytes(of: &message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let said = text.isEmpty ? "" : ": \(text)"
        switch result.failure {
        case INTAKE_PDF_NEEDS_PASSWORD:
            return .refused([StructureFinding(
                detail: "The PDF is encrypted with a password that is needed to open it (qpdf\(said)).", hint: .pdfPassword)])
        case INTAKE_PDF_PAGE_TREE:
            return .refused([StructureFinding(
                detail: "The PDF's page tree is cyclic or broken, so its pages cannot be listed (qpdf\(said)).", hint: .pdfPageTree)])
        case INTAKE_PDF_UNREADABLE:
            return .unreadable("qpdf could not read the PDF\(said)")
        case INTAKE_PDF_OPENED where result.warnings == 0 && result.pages == 0:
            return .refused([StructureFinding(detail: "The PDF opens but has no pages.", hint: .pdfNoPages)])
        case INTAKE_PDF_OPENED where result.warnings == 0:
            return .opens(pages: Int(result.pages), encrypted: result.encrypted != 0)
        case INTAKE_PDF_OPENED where result.warnings == result.page_tree_warnings:
            let warnings = result.warnings == 1 ? "1 problem" : "\(result.warnings) problems"
            return .refused([StructureFinding(
                detail: "The PDF's page tree is broken: qpdf listed its pages only by working around \(warnings) (first\(said)).",
                hint: .pdfPageTree)])
        case INTAKE_PDF_OPENED:
            let warnings = result.warnings == 1 ? "1 warning" : "\(result.warnings) warnings"
            return .refused([StructureFinding(
                detail: "The PDF is damaged: qpdf opened it only by working around \(warnings) (first\(said)).", hint: .pdfBroken)])
        default:
            return .refused([StructureFinding(
                detail: "The PDF's cross-reference or trailer does not hold, so a reader would have to rebuild it (qpdf\(said)).",
                hint: .pdfBroken)])
        }
    }

    /// Checks that libqpdf is loaded and judges as intake expects: a one-page PDF opens, a
    /// zero-page one is refused. Returns the problem, or `nil` when all is well.
    public static func selfTest() -> String? {
        switch check(minimalPDF(pages: 1)) {
        case .opens(pages: 1, encrypted: false): break
        case let other: return "a one-page test PDF gave \(other)"
        }
        switch check(minimalPDF(pages: 0)) {
        case .refused(let findings) where findings.contains { $0.hint == .pdfNoPages }: return nil
        case let other: return "a PDF without pages gave \(other)"
        }
    }

    /// A small, well-formed PDF with `pages` empty pages and an exact cross-reference table.
    static func minimalPDF(pages: Int) -> [UInt8] {
        var objects = ["<< /Type /Catalog /Pages 2 0 R >>",
                       "<< /Type /Pages /Kids [\((0..<pages).map { "\($0 + 3) 0 R" }.joined(separator: " "))] /Count \(pages) >>"]
        for _ in 0..<pages { objects.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>") }
        var out = Array("%PDF-1.4\n".utf8)
        var offsets: [Int] = []
        for (k, body) in objects.enumerated() {
            offsets.append(out.count)
            out += Array("\(k + 1) 0 obj\n\(body)\nendobj\n".utf8)
        }
        let xref = out.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { table += String(repeating: "0", count: 10 - String(offset).count) + "\(offset) 00000 n \n" }
        table += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return out + Array(table.utf8)
    }
}

