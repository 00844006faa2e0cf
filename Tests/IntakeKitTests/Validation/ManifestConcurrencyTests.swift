import IntakeKit
import Testing

/// libxml2 runs on many threads at once during a batch; errors must stay with their document.
struct ManifestConcurrencyTests {
    private static func xml(_ index: Int) -> [UInt8] {
        Array(ManifestFixtures.xml(replacing: "seoul-hiking", with: "club-\(index)").utf8)
    }

    private static func expected(_ index: Int) -> Manifest {
        var manifest = ManifestFixtures.designManifest(format: .xml)
        manifest.community = "club-\(index)"
        return manifest
    }

    @Test func twoHundredXMLManifestsParseConcurrently() async {
        let results = await withTaskGroup(of: (Int, Result<Manifest, ManifestErrors>).self) { group in
            for index in 0..<200 {
                group.addTask { (index, ManifestParser.parse(Self.xml(index), format: .xml)) }
            }
            var results: [Int: Result<Manifest, ManifestErrors>] = [:]
            for await (index, result) in group { results[index] = result }
            return results
        }
        #expect(results.count == 200)
        for index in 0..<200 {
            #expect(results[index] == .success(Self.expected(index)), "manifest \(index)")
        }
    }

    @Test func errorsStayWithTheirOwnDocument() async {
        // Every third manifest is broken at a line that names it; each must report only its own error.
        func bytes(_ index: Int) -> [UInt8] {
            guard index % 3 == 0 else { return Self.xml(index) }
            let broken = String(repeating: "\n", count: index) + "<application><oops-\(index)></application>"
            return Array(broken.utf8)
        }
        let results = await withTaskGroup(of: (Int, Result<Manifest, ManifestErrors>).self) { group in
            for index in 0..<200 {
                group.addTask { (index, ManifestParser.parse(bytes(index), format: .xml)) }
            }
            var results: [Int: Result<Manifest, ManifestErrors>] = [:]
            for await (index, result) in group { results[index] = result }
            return results
        }
        for index in 0..<200 {
            if index % 3 == 0 {
                let found = manifestProblems(results[index]!)
                #expect(!found.isEmpty)
                #expect(found.first?.detail.contains("oops-\(index) line \(index + 1)") == true, "\(found)")
                #expect(found.allSatisfy { $0.line == index + 1 }, "manifest \(index): \(found)")
            } else {
                #expect(results[index] == .success(Self.expected(index)), "manifest \(index)")
            }
        }
    }
}
