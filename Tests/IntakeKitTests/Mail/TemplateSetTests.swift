import Foundation
import Testing
@testable import IntakeKit

@Suite struct TemplateSetTests {
    @Test func theShippedTemplatesAreTheOnesInitWrites() throws {
        for (path, text) in DefaultTemplates.files {
            let onDisk = try String(contentsOfFile: "\(PackageRoot.path)/templates/\(path)", encoding: .utf8)
            #expect(onDisk == text, "templates/\(path) differs from DefaultTemplates.swift: run scripts/embed-templates")
        }
        let shipped = try FileManager.default.subpathsOfDirectory(atPath: "\(PackageRoot.path)/templates").filter { $0.hasSuffix(".mustache") }
        #expect(Set(shipped) == Set(DefaultTemplates.files.map(\.path)))
    }

    @Test func everyKindRendersInEveryLocaleWithoutEscapingText() throws {
        let dir = try TemporaryDirectory()
        let site = try dir.site()
        let templates = try TemplateSet.load(site: site, config: SiteConfig())
        let context: [String: Any] = [
            "site_name": "서울 산악회", "applicant_name": "김<민>수 & co", "application_id": "A000007",
            "received_at": "2026년 11월 30일", "attachments": [["file": "사진.jpg", "size": "1.0 MiB"]],
            "reasons": [["file": "form.pdf", "text": "손상"]], "rejection_id": "R000001", "reason": "정원 초과", "note": "",
            "run": "r", "pending": [], "rejected": [], "failed": [], "pending_count": 0, "rejected_count": 0, "failed_count": 0, "accepted_count": 1,
        ]
        for kind in MessageKind.allCases {
            for locale in kind == .digest ? ["ko"] : ["ko", "en"] {
                let mail = try #require(templates.render(kind, locale: locale, context: context), "\(kind) \(locale)")
                #expect(!mail.subject.isEmpty)
                #expect(!mail.subject.contains("\n"))
                if kind != .digest {
                    #expect(mail.text.contains("김<민>수 & co"), "text parts are not HTML-escaped")
                    #expect(mail.html?.contains("김&lt;민&gt;수 &amp; co") == true, "HTML parts are escaped")
                }
            }
        }
        let received = try #require(templates.render(.received, locale: "ko", context: context))
        #expect(received.subject == "[서울 산악회] 가입 신청이 접수되었습니다", "no id in the subject (SpamAssassin SUBJ_ALL_CAPS)")
        #expect(received.text.contains("접수 번호: A000007"))
        #expect(received.text.contains("- 사진.jpg (1.0 MiB)"))
    }

    @Test func aBrokenTemplateIsReportedWithFileLineAndColumn() throws {
        let dir = try TemporaryDirectory()
        let site = try dir.site()
        try dir.write("templates/ko/approved.txt.mustache", "안녕하세요\n{{#note}}\n{{applicant_name}}\n")
        try FileManager.default.removeItem(atPath: dir.file("templates/en/declined.subject.mustache"))
        let (_, problems) = TemplateSet.loadReportingProblems(site: site, config: SiteConfig())
        let broken = try #require(problems.first { $0.file == "templates/ko/approved.txt.mustache" })
        #expect(broken.line != nil)
        #expect(problems.contains { $0.file == "templates/en/declined.subject.mustache" && $0.detail.contains("missing") })
        // A kind switched off needs no templates.
        var config = SiteConfig()
        config.enabledMessages = [.received]
        #expect(TemplateSet.loadReportingProblems(site: site, config: config).1.isEmpty)
    }
}
