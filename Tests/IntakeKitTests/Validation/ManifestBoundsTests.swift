import Foundation
import Testing
@testable import IntakeKit

/// A manifest at the size limit costs bounded work: problems beyond the first 100 are counted,
/// not built, and entries beyond the value budget are parsed and counted, not stored.
@Suite struct ManifestBoundsTests {
    /// The limits the validator parses with (a site allowing 10 attachments: a ceiling of 100).
    private var validatorLimits: ManifestLimits {
        var limits = ManifestLimits()
        limits.maxAttachments = BundleValidator.parserAttachmentCeiling(10)
        return limits
    }

    private func json(attachments items: String, count: Int) -> [UInt8] {
        let head = #"{"schema": "community-application/1", "community": "seoul-hiking", "applicant": {"name": "김민수", "email": "minsu@example.kr"}, "answers": {"motivation": "산행"}, "attachments": ["#
        let tail = #"], "submitted_at": "2026-11-29T21:14:00+09:00"}"#
        let bytes = Array(head.utf8) + Array(Array(repeating: items, count: count).joined(separator: ",").utf8) + Array(tail.utf8)
        #expect(bytes.count <= 1 << 20)
        return bytes
    }

    private func details(_ result: Result<Manifest, ManifestErrors>) -> [String] {
        guard case .failure(let errors) = result else {
            Issue.record("accepted")
            return []
        }
        return errors.problems.map(\.detail)
    }

    @Test func halfAMillionNumbersAreCountedNotBuilt() {
        let limits = validatorLimits
        #expect(limits.maxAttachments == 100)
        let budget = ManifestParser.valueBudget(limits)
        let found = details(ManifestParser.parse(json(attachments: "0", count: 524_000), format: .json, limits: limits))
        #expect(found.count == 101)
        #expect(found[0] == "the manifest holds 524009 values; only the first \(budget) were read (a manifest needs far fewer)")
        #expect(found[1] == "attachments lists 524000 files; at most 100 are allowed")
        #expect(found[2] == "attachments[0] must be an object, not a number")
        #expect(found[99] == "attachments[97] must be an object, not a number")
        // Entries 98 and 99 are counted, the 524,000 - 100 beyond the limit not judged at all.
        #expect(found[100] == "2 more problems not listed")
    }

    @Test func emptyObjectsAreCountedNotBuilt() {
        let found = details(ManifestParser.parse(json(attachments: "{}", count: 349_000), format: .json, limits: validatorLimits))
        #expect(found.count == 101)
        #expect(found[1] == "attachments lists 349000 files; at most 100 are allowed")
        #expect(found[2] == "attachments[0].file is missing")
        #expect(found[4] == "attachments[0].content_type is missing")
        // 2 + 3 for each of the first 100 entries = 302 problems, 100 listed.
        #expect(found[100] == "202 more problems not listed")
    }

    @Test func duplicateKeysAndUnknownKeysAreCountedToo() {
        // 100,000 duplicate keys at the top level: each is a problem, only 100 are built.
        let duplicates = "{" + Array(repeating: #""x": 0"#, count: 100_000).joined(separator: ",") + "}"
        let found = details(ManifestParser.parse(Array(duplicates.utf8), format: .json, limits: validatorLimits))
        #expect(found.count == 101)
        #expect(found[0] == #"duplicate key "x" at the top level"#)
        #expect(found.last?.hasSuffix("more problems not listed") == true)
        // The structure a reader needs survives a budget spent on junk before it.
        let junk = "{" + (0..<20_000).map { #""k\#($0)": 0"# }.joined(separator: ",")
            + #", "attachments": [1, 2], "schema": "community-application/1"}"#
        let junkFound = details(ManifestParser.parse(Array(junk.utf8), format: .json, limits: validatorLimits))
        #expect(junkFound.first?.hasPrefix("the manifest holds 20004 values") == true)
        #expect(junkFound.last?.hasSuffix("more problems not listed") == true)
    }

    @Test func xmlEquivalentsAreBoundedBeforeLibxml2() {
        let limits = validatorLimits
        let head = #"<application schema="community-application/1"><community>seoul-hiking</community><applicant><name>김민수</name><email>minsu@example.kr</email></applicant><submitted_at>2026-11-29T21:14:00+09:00</submitted_at>"#
        // 80,000 empty attachment elements: refused by the scan, libxml2 never builds the tree.
        let flood = head + String(repeating: "<attachment/>", count: 80_000) + "</application>"
        #expect(flood.utf8.count <= 1 << 20)
        let found = details(ManifestParser.parse(Array(flood.utf8), format: .xml, limits: limits))
        #expect(found == ["the XML holds more than \(ManifestParser.valueBudget(limits)) elements, attributes, comments and processing instructions; a manifest needs far fewer"])
        let comments = head + String(repeating: "<!---->", count: 100_000) + "</application>"
        #expect(details(ManifestParser.parse(Array(comments.utf8), format: .xml, limits: limits)).first?.hasPrefix("the XML holds more than") == true)
        // Under the budget: the count comes first, problems beyond 100 are counted.
        let many = head + String(repeating: "<attachment/>", count: 1_000) + "</application>"
        let listed = details(ManifestParser.parse(Array(many.utf8), format: .xml, limits: limits))
        #expect(listed.count == 101)
        #expect(listed[0] == "attachments lists 1000 files; at most 100 are allowed")
        #expect(listed[1] == "attachments[0].file is missing")
        #expect(listed[100] == "201 more problems not listed")
    }

    @Test func theProblemListKeepsOrderAndCounts() {
        var list = ManifestProblemList(keep: 2)
        var built = 0
        func detail(_ text: String) -> String {
            built += 1
            return text
        }
        for index in 0..<5 { list.add(detail("p\(index)"), at: .unknown) }
        #expect(built == 2)
        #expect(list.count == 5)
        #expect(list.errors.problems.map(\.detail) == ["p0", "p1", "3 more problems not listed"])
    }
}
