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
        #expect(oneLine("bad\u{1}thing\nquoted") == #"bad\u{1}thing"#)
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
}
