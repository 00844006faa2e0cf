import Foundation
import Testing
@testable import IntakeKit

@Suite struct SiteConfigTests {
    @Test func defaultsMatchTheContract() {
        let config = SiteConfig()
        #expect(config.kinds["photo"]?.allowedTypes == [.jpeg, .png, .webp, .heic, .heif])
        #expect(config.kinds["form"]?.allowedTypes == [.pdf])
        #expect(config.kinds["document"]?.allowedTypes == [.pdf, .jpeg, .png])
        #expect(config.maxAttachmentBytes == 25 << 20)
        #expect(config.maxBundleBytes == 100 << 20)
        #expect(config.maxAttachments == 10)
        #expect(config.maxManifestBytes == 1 << 20)
    }

    @Test func theSampleConfigParsesToTheDefaults() throws {
        let parsed = try SiteConfig.parse(SiteConfig.sampleTOML)
        #expect(parsed == SiteConfig())
    }

    @Test func settingsOverrideDefaults() throws {
        let config = try SiteConfig.parse("""
        [site]
        name = "서울 산악회"
        settle_seconds = 5
        [features]
        mail_declined = false
        xml_manifests = false
        [kinds.photo]
        types = ["image/jpeg"]
        max_mb = 2
        """)
        #expect(config.siteName == "서울 산악회")
        #expect(config.settleSeconds == 5)
        #expect(!config.isEnabled(.declined))
        #expect(config.isEnabled(.approved))
        #expect(!config.xmlManifests)
        #expect(config.kinds == ["photo": KindPolicy(allowedTypes: [.jpeg], maxBytes: 2 << 20)])
    }

    @Test(arguments: [
        ("[site]\nname = \"x\"\nsettle_secs = 3\n", 3, "unknown key \"site.settle_secs\""),
        ("[site]\n\n[mial]\nfrom = \"a@b.kr\"\n", 3, "unknown key \"mial\""),
        ("[features]\nmail_received = \"yes\"\n", 2, "must be true or false"),
        ("[kinds.photo]\ntypes = [\"image/tiff\"]\n", 2, "image/tiff"),
        ("[site]\nsettle_seconds = -1\n", 2, "between 0 and"),
        ("[site]\nname = \"unterminated\n", 2, ""),
    ])
    func problemsNameTheirLine(text: String, line: Int, fragment: String) {
        #expect {
            _ = try SiteConfig.parse(text, file: "intake.toml")
        } throws: { error in
            guard case let IntakeError.invalidConfig(_, foundLine, _, detail) = error else { return false }
            return foundLine == line && (fragment.isEmpty || detail.contains(fragment))
        }
    }

    @Test func localesFallBackToTheSiteDefault() {
        let config = SiteConfig()
        #expect(config.locale(for: "ko-KR") == "ko")
        #expect(config.locale(for: "EN") == "en")
        #expect(config.locale(for: "fr") == "ko")
        #expect(config.locale(for: "") == "ko")
    }
}

@Suite struct SiteConfigPlaceTests {
    @Test func unknownKeysAndWrongTypesNameLineAndColumn() {
        for (text, line, column) in [
            ("[site]\n  settle_secs = 3\n", 2, 3), ("[site]\nname = 5\n", 2, 1), ("[kinds.photo]\ntypes = [\"image/jpeg\", 5]\n", 2, 24),
            ("x = 1\n", 1, 1), ("[limits.extra]\n", 1, 9),
        ] {
            #expect {
                _ = try SiteConfig.parse(text)
            } throws: { error in
                guard case let IntakeError.invalidConfig(_, foundLine, foundColumn, _) = error else { return false }
                return foundLine == line && foundColumn == column
            }
        }
    }
}
