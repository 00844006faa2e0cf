import Foundation
import Testing
@testable import IntakeKit

/// Inputs `scripts/fuzz` found, kept so they stay fixed.
@Suite struct FuzzRegressionTests {
    /// xml-manifest: libxml2's message for an unfinished CDATA section goes on with a second line
    /// quoting the document, which made a rejection reason span lines.
    @Test func libxml2MessagesBecomeOneLine() {
        let xml = #"<application schema="x"><community><![CDATA[a&b]DefaultIndi032;</community><x:y xmlns:x="urn:x"/></application>"#
        guard case .failure(let errors) = ManifestParser.parse(Array(xml.utf8), format: .xml) else {
            Issue.record("accepted")
            return
        }
        #expect(errors.problems.first?.detail == "the manifest is not well-formed XML: CData section not finished")
        for problem in errors.problems {
            #expect(!problem.description.contains { $0.isNewline }, "\(problem.description.debugDescription)")
        }
        #expect(libxml2MessageLine("bad\u{1}thing\nquoted") == #"bad\u{1}thing"#)
    }

    /// header: an addr-spec longer than a line cannot be folded; it stands alone on a
    /// continuation line (RFC 5322 2.1.1 allows up to 998), and every other line keeps to 78.
    @Test func anUnfoldableAddressStandsAloneOnItsLine() {
        let long = "b@exa" + String(repeating: "9", count: 60) + String(repeating: "V", count: 20) + "ple.kr"
        let field = HeaderEncoder.addressField(
            name: "To", addresses: [MailAddress(displayName: "김민수", address: "minsu@example.kr"), MailAddress(displayName: nil, address: long)],
            lineEnding: .crlf)
        let lines = field.components(separatedBy: "\r\n")
        for line in lines where line.utf8.count > HeaderEncoder.maximumLineLength {
            #expect(line == " " + long)
        }
        #expect(lines.allSatisfy { $0.utf8.count <= 998 })
        #expect(!field.replacingOccurrences(of: "\r\n", with: "").contains(where: { $0 == "\r" || $0 == "\n" }))
    }

    /// jpeg: an APP1 shorter than the XMP signature, whose bytes run on past the segment, made
    /// the XMP range inverted and trapped ("Range requires lowerBound <= upperBound").
    @Test func anAPP1ShorterThanItsSignatureIsNotXMP() {
        let found = Data(base64Encoded: "/9j/4QAQaHR0cDovL25zLmFkb2JlLmNvbS94YXAvMS4wLwA8eDp4bXBtZXRgPjxyZGY6RCIyIiDY/+IAQE1QRz9DYW1lcmFpZGVvT2Zmc2V0PSIyNCI+PENvbnRhaW5lcjpJdGVtIEl0ZW06U2VtYW50aWM9PjxDb250YWluZXI6SXRlbSBJdGVtOlNlbWFudGljPSJNb3Rpb25QaG90byIgSXRlbTpMZW5ndGg9IjI0IiBJdGVtOlBhZGRpbmc9IjAiLz48L3JkZjpEZXNjcmlwdGlvbj48L3g6eG1wbWV0YT7/4AAQSkZJRgABAQAAEjT/QQBW/9kAAAAYZnSHj5KPy84ABAAAbXA0Mmlzb20=")!
        let signature = Array("http://ns.adobe.com/xap/1.0/\u{0}".utf8)
        let built: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10] + signature + [0xFF, 0xD9]
        for bytes in [Array(found), built] {
            let report = bytes.withUnsafeBytes { StructureChecker.inspect($0, as: .jpeg) }
            #expect(!report.findings.isEmpty)
        }
    }
}
