import Foundation
import IntakeKit
import Testing

/// Manifests and helpers shared by the manifest test suites.
enum ManifestFixtures {
    /// DESIGN.md's JSON example, verbatim.
    static let designJSON = """
        {
          "schema": "community-application/1",
          "community": "seoul-hiking",
          "applicant": {"name": "김민수", "email": "minsu@example.kr", "phone": "+82 10-1234-5678", "locale": "ko"},
          "answers": {"motivation": "주말 산행을 함께하고 싶습니다."},
          "attachments": [
            {"file": "photo.jpg", "kind": "photo", "content_type": "image/jpeg"},
            {"file": "member-form.pdf", "kind": "form", "content_type": "application/pdf"}
          ],
          "submitted_at": "2026-11-29T21:14:00+09:00"
        }
        """

    /// DESIGN.md's XML example, verbatim.
    static let designXML = """
        <?xml version="1.0" encoding="UTF-8"?>
        <application schema="community-application/1">
          <community>seoul-hiking</community>
          <applicant>
            <name>김민수</name><email>minsu@example.kr</email>
            <phone>+82 10-1234-5678</phone><locale>ko</locale>
          </applicant>
          <answers><answer key="motivation">주말 산행을 함께하고 싶습니다.</answer></answers>
          <attachment file="photo.jpg" kind="photo" content-type="image/jpeg"/>
          <attachment file="member-form.pdf" kind="form" content-type="application/pdf"/>
          <submitted_at>2026-11-29T21:14:00+09:00</submitted_at>
        </application>
        """

    /// The manifest both DESIGN.md examples describe.
    static func designManifest(format: ManifestFormat) -> Manifest {
        Manifest(
            schema: "community-application/1",
            community: "seoul-hiking",
            applicant: Applicant(name: "김민수", email: "minsu@example.kr", phone: "+82 10-1234-5678", locale: "ko"),
            answers: ["motivation": "주말 산행을 함께하고 싶습니다."],
            attachments: [
                AttachmentEntry(file: "photo.jpg", kind: "photo", contentType: "image/jpeg"),
                AttachmentEntry(file: "member-form.pdf", kind: "form", contentType: "application/pdf"),
            ],
            submittedAt: "2026-11-29T21:14:00+09:00",
            format: format)
    }

    /// The DESIGN.md JSON example with `original` replaced by `replacement` (which must occur).
    static func json(replacing original: String, with replacement: String) -> String {
        precondition(designJSON.contains(original), "fixture has no \(original)")
        return designJSON.replacingOccurrences(of: original, with: replacement)
    }

    /// The DESIGN.md XML example with `original` replaced by `replacement` (which must occur).
    static func xml(replacing original: String, with replacement: String) -> String {
        precondition(designXML.contains(original), "fixture has no \(original)")
        return designXML.replacingOccurrences(of: original, with: replacement)
    }
}

func parseManifest(
    _ text: String, _ format: ManifestFormat, limits: ManifestLimits = .init()
) -> Result<Manifest, ManifestErrors> {
    ManifestParser.parse(Array(text.utf8), format: format, limits: limits)
}

/// The problems of a parse that must fail; records an issue and returns [] when it succeeded.
func manifestProblems(
    _ result: Result<Manifest, ManifestErrors>, sourceLocation: SourceLocation = #_sourceLocation
) -> [ManifestProblem] {
    switch result {
    case .success(let manifest):
        Issue.record("expected the manifest to be rejected, got \(manifest)", sourceLocation: sourceLocation)
        return []
    case .failure(let errors):
        #expect(!errors.problems.isEmpty, sourceLocation: sourceLocation)
        return errors.problems
    }
}

/// The manifest of a parse that must succeed; records an issue and returns nil when it failed.
func acceptedManifest(
    _ result: Result<Manifest, ManifestErrors>, sourceLocation: SourceLocation = #_sourceLocation
) -> Manifest? {
    switch result {
    case .success(let manifest):
        return manifest
    case .failure(let errors):
        Issue.record("expected the manifest to be accepted: \(errors)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The problem details, for readable `#expect` comparisons.
func problemDetails(_ problems: [ManifestProblem]) -> [String] {
    problems.map(\.detail)
}
