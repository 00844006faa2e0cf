import Foundation
import IntakeKit
import Testing

/// Attacks on the XML parser: entities, DTDs, depth.
struct ManifestHostileXMLTests {
    private static let doctypeDetail =
        "a manifest with a DOCTYPE is rejected (DTDs and entity declarations are not allowed)"

    @Test func externalEntityIsRejectedAndNeverRead() throws {
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <application schema="community-application/1">
              <community>seoul-hiking</community>
              <applicant><name>&x;</name><email>minsu@example.kr</email></applicant>
              <attachment file="photo.jpg" kind="photo" content-type="image/jpeg"/>
              <submitted_at>2026-11-29T21:14:00+09:00</submitted_at>
            </application>
            """
        let result = parseManifest(text, .xml)
        let found = manifestProblems(result)
        #expect(found == [ManifestProblem(detail: Self.doctypeDetail, line: 2)])
        // Whatever the parse produced, no byte of the file it named reached it.
        let passwd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
        let firstLine = try #require(passwd.split(separator: "\n").first.map(String.init))
        #expect(!String(describing: result).contains(firstLine))
        #expect(!String(describing: result).contains("root:"))
    }

    @Test func billionLaughsIsRejectedWithoutExpansion() {
        var text = #"<?xml version="1.0"?>"# + "\n<!DOCTYPE lolz [\n  <!ENTITY lol \"lol\">\n"
        for level in 1...9 {
            let previous = level == 1 ? "lol" : "lol\(level - 1)"
            text += "  <!ENTITY lol\(level) \"" + String(repeating: "&\(previous);", count: 10) + "\">\n"
        }
        text += "]>\n<application schema=\"community-application/1\"><community>&lol9;</community></application>\n"
        #expect(manifestProblems(parseManifest(text, .xml)) == [ManifestProblem(detail: Self.doctypeDetail, line: 2)])
    }

    @Test func quadraticBlowupIsRejected() {
        let big = String(repeating: "x", count: 50_000)
        let text =
            "<!DOCTYPE a [<!ENTITY big \"\(big)\">]><application>"
            + String(repeating: "&big;", count: 5_000) + "</application>"
        #expect(manifestProblems(parseManifest(text, .xml)) == [ManifestProblem(detail: Self.doctypeDetail, line: 1)])
    }

    @Test func externalDTDReferenceIsRejected() {
        for doctype in [
            #"<!DOCTYPE application SYSTEM "http://127.0.0.1:9/evil.dtd">"#,
            #"<!DOCTYPE application PUBLIC "-//EVIL//DTD X//EN" "file:///etc/passwd">"#,
            "<!DOCTYPE application>",
        ] {
            let text = ManifestFixtures.xml(
                replacing: #"<?xml version="1.0" encoding="UTF-8"?>"#,
                with: #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n" + doctype)
            #expect(
                manifestProblems(parseManifest(text, .xml)) == [ManifestProblem(detail: Self.doctypeDetail, line: 2)])
        }
    }

    @Test func parameterEntitiesAreRejected() {
        let text = """
            <?xml version="1.0"?>
            <!DOCTYPE application [
              <!ENTITY % remote SYSTEM "file:///etc/passwd">
              <!ENTITY % wrapper "<!ENTITY exfil SYSTEM 'http://127.0.0.1:9/?%remote;'>">
              %remote;
              %wrapper;
            ]>
            <application schema="community-application/1">&exfil;</application>
            """
        #expect(manifestProblems(parseManifest(text, .xml)) == [ManifestProblem(detail: Self.doctypeDetail, line: 2)])
    }

    @Test func undeclaredEntityReferenceIsNotWellFormed() {
        let text = ManifestFixtures.xml(replacing: "<name>김민수</name>", with: "<name>&x;</name>")
        let found = manifestProblems(parseManifest(text, .xml))
        #expect(found.count == 1)
        #expect(found.first?.detail == "the manifest is not well-formed XML: Entity 'x' not defined")
        #expect(found.first?.line == 5)
    }

    @Test func tenThousandNestedElementsAreRejected() {
        let depth = 10_000
        let text =
            "<application>" + String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
            + "</application>"
        #expect(
            manifestProblems(parseManifest(text, .xml)) == [
                ManifestProblem(detail: "the XML is nested more than 16 elements deep", line: 1)
            ])
        // With our limit raised as far as it goes, libxml2's own limit (256) still stops it.
        var limits = ManifestLimits()
        limits.maxDepth = 100_000
        let found = manifestProblems(parseManifest(text, .xml, limits: limits))
        #expect(found == [ManifestProblem(detail: "the XML is nested more than 256 elements deep", line: 1)])
    }

    @Test func elementWithThousandsOfAttributesIsRejectedBeforeLibxml2() {
        // libxml2 2.9 compares every attribute with all earlier ones: 50,000 would take ~20 s.
        let attributes = (0..<50_000).map { "a\($0)=\"1\"" }.joined(separator: " ")
        let text = "<application schema=\"community-application/1\">\n<community \(attributes)/></application>"
        #expect(
            manifestProblems(parseManifest(text, .xml)) == [
                ManifestProblem(detail: "an element has more than 32 attributes", line: 2)
            ])
        // Quoted '=' and '>' inside values are not counted as attributes or tag ends.
        let quoted = ManifestFixtures.xml(
            replacing: #"kind="photo""#, with: #"kind="photo" data-x="a=b=c=>d""#)
        #expect(
            problemDetails(manifestProblems(parseManifest(quoted, .xml))) == [
                #"unknown attribute "data-x" on <attachment>"#
            ])
    }

    @Test func nestingBeyondTheLimitIsRejected() {
        // 20 levels: within libxml2's own limit, beyond ours.
        let inner = String(repeating: "<x>", count: 17) + String(repeating: "</x>", count: 17)
        let text = ManifestFixtures.xml(replacing: "<name>김민수</name>", with: "<name>\(inner)</name>")
        #expect(
            manifestProblems(parseManifest(text, .xml)) == [
                ManifestProblem(detail: "the XML is nested more than 16 elements deep", line: 5)
            ])
    }

    @Test func nonUTF8EncodingDeclarationIsRejected() {
        let latin1 = ManifestFixtures.xml(replacing: #"encoding="UTF-8""#, with: #"encoding="ISO-8859-1""#)
        #expect(
            manifestProblems(parseManifest(latin1, .xml)) == [
                ManifestProblem(
                    detail: #"the XML declaration names the encoding "ISO-8859-1"; a manifest must be UTF-8"#, line: 1)
            ])
        let utf16 = ManifestFixtures.xml(replacing: #"encoding="UTF-8""#, with: #"encoding="UTF-16""#)
        #expect(manifestProblems(parseManifest(utf16, .xml)).first?.detail.contains("UTF-16") == true)
        let lowercase = ManifestFixtures.xml(replacing: #"encoding="UTF-8""#, with: #"encoding="utf-8""#)
        #expect(acceptedManifest(parseManifest(lowercase, .xml)) != nil)
    }

    @Test func malformedXMLReportsLineAndColumn() {
        let text =
            "<application schema=\"community-application/1\">\n  <community>seoul-hiking</communty>\n</application>"
        let found = manifestProblems(parseManifest(text, .xml))
        #expect(found.first?.line == 2)
        #expect(found.first?.column != nil)
        #expect(found.first?.detail.contains("Opening and ending tag mismatch") == true)
    }
}

/// Byte-level attacks common to both formats: size, encoding, NUL.
struct ManifestHostileBytesTests {
    /// The DESIGN.md JSON example with `bad` spliced into the name, and the byte offset of `bad`.
    private func jsonWithBadBytes(_ bad: [UInt8]) -> (bytes: [UInt8], offset: Int) {
        let text = ManifestFixtures.designJSON
        let marker = Array("김민수".utf8)
        var bytes = Array(text.utf8)
        let offset = bytes.firstRange(of: marker)!.lowerBound
        bytes.insert(contentsOf: bad, at: offset)
        return (bytes, offset)
    }

    @Test(
        arguments: [
            ([0xC0, 0xAF], "an overlong encoding"),
            ([0xE0, 0x80, 0xAF], "an overlong encoding"),
            ([0xF0, 0x80, 0x80, 0xAF], "an overlong encoding"),
            ([0x80], "a continuation byte without a lead byte"),
            ([0xBF, 0x41], "a continuation byte without a lead byte"),
            ([0xED, 0xA0, 0x80], "an encoded UTF-16 surrogate"),
            ([0xED, 0xBF, 0xBF], "an encoded UTF-16 surrogate"),
            ([0xF4, 0x90, 0x80, 0x80], "a code point above U+10FFFF"),
            ([0xFF], "a byte that never occurs in UTF-8"),
            ([0xE2, 0x82, 0x41], "a sequence cut short"),
        ] as [([UInt8], String)])
    func invalidUTF8IsRejectedWithItsOffset(bad: [UInt8], reason: String) {
        let (bytes, offset) = jsonWithBadBytes(bad)
        for format in [ManifestFormat.json, .xml] {
            let result = ManifestParser.parse(bytes, format: format)
            #expect(
                manifestProblems(result) == [
                    ManifestProblem(
                        detail: "the manifest is not valid UTF-8: \(reason) at byte offset \(offset)", line: 4,
                        column: 26)
                ])
        }
    }

    @Test func truncatedSequenceAtTheEndIsRejected() {
        let bytes = Array(#"{"a": "김"#.utf8).dropLast(1)
        let result = ManifestParser.parse(Array(bytes), format: .json)
        #expect(
            problemDetails(manifestProblems(result)) == [
                "the manifest is not valid UTF-8: a sequence cut short by the end of the file at byte offset 7"
            ])
    }

    @Test func nulByteIsRejected() {
        let (bytes, offset) = jsonWithBadBytes([0x00])
        #expect(
            manifestProblems(ManifestParser.parse(bytes, format: .json)) == [
                ManifestProblem(
                    detail: "the manifest contains a NUL byte at byte offset \(offset)", line: 4, column: 26)
            ])
        let xml = Array(ManifestFixtures.designXML.utf8) + [0]
        #expect(
            problemDetails(manifestProblems(ManifestParser.parse(xml, format: .xml))) == [
                "the manifest contains a NUL byte at byte offset \(xml.count - 1)"
            ])
    }

    @Test func oversizedManifestIsRejectedUnread() {
        var limits = ManifestLimits()
        limits.maxBytes = 100
        let bytes = Array(ManifestFixtures.designJSON.utf8)
        #expect(
            manifestProblems(ManifestParser.parse(bytes, format: .json, limits: limits)) == [
                ManifestProblem(
                    detail: "the manifest is \(bytes.count) bytes; at most 100 bytes are accepted")
            ])

        // The default limit is 1 MiB; one byte more is refused even though it would parse.
        let padded =
            Array(ManifestFixtures.designJSON.utf8)
            + [UInt8](repeating: 0x20, count: (1 << 20) + 1 - bytes.count)
        #expect(
            problemDetails(manifestProblems(ManifestParser.parse(padded, format: .json))) == [
                "the manifest is 1048577 bytes; at most 1048576 bytes are accepted"
            ])
        let exactly = Array(padded.dropLast())
        #expect(acceptedManifest(ManifestParser.parse(exactly, format: .json)) != nil)
    }

    @Test func emptyManifestIsRejected() {
        for format in [ManifestFormat.json, .xml] {
            for bytes in [[], [0xEF, 0xBB, 0xBF], Array(" \n\t ".utf8)] as [[UInt8]] {
                #expect(
                    problemDetails(manifestProblems(ManifestParser.parse(bytes, format: format))) == [
                        "the manifest is empty"
                    ])
            }
        }
    }
}
