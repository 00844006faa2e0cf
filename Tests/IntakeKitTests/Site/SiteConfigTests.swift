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

@Suite struct CommunityConfigTests {
    static let text = """
    [site]
    name = "모임 센터"
    [mail]
    from_name = "모임 센터 가입 안내"
    reply_to = "help@example.kr"

    [communities.seoul-hiking]
    name = "서울 산악회"
    admin_email = "admin@seoul-hiking.example"

    [communities.jeju-photo-club]
    name = "제주 사진 동호회"
    name_en = "Jeju Photo Club"
    from_name = "제주 사진 동호회 가입 안내"
    from_name_en = "Jeju Photo Club membership"
    reply_to = "photo@jeju.example"
    """

    @Test func communitiesAreReadInFileOrderWithTheirNamesPerLocale() throws {
        let config = try SiteConfig.parse(Self.text)
        #expect(config.communities.map(\.id) == ["seoul-hiking", "jeju-photo-club"])
        #expect(config.knownCommunityIDs == ["seoul-hiking", "jeju-photo-club"])
        #expect(config.communitiesWithAdmins.map(\.id) == ["seoul-hiking"])
        #expect(config.accepts(community: "jeju-photo-club") && !config.accepts(community: "daegu-cycling"))
        let photo = try #require(config.community("jeju-photo-club"))
        #expect(photo.name(locale: "ko") == "제주 사진 동호회" && photo.name(locale: "en") == "Jeju Photo Club")
        #expect(photo.fromName(locale: "ko") == "제주 사진 동호회 가입 안내" && photo.fromName(locale: "en") == "Jeju Photo Club membership")
    }

    @Test func eachMessageIsSignedByItsCommunityOrElseTheSite() throws {
        let config = try SiteConfig.parse(Self.text)
        // No from_name: the community's own name, never the site's [mail] from_name.
        #expect(config.identity(community: "seoul-hiking", locale: "en")
                == MailIdentity(community: "seoul-hiking", name: "서울 산악회", fromName: "서울 산악회", replyTo: "help@example.kr"))
        #expect(config.identity(community: "jeju-photo-club", locale: "en")
                == MailIdentity(community: "jeju-photo-club", name: "Jeju Photo Club", fromName: "Jeju Photo Club membership", replyTo: "photo@jeju.example"))
        // A community the site does not serve (a rejected bundle) is told by the site.
        #expect(config.identity(community: "daegu-cycling", locale: "ko")
                == MailIdentity(community: nil, name: "모임 센터", fromName: "모임 센터 가입 안내", replyTo: "help@example.kr"))
        #expect(config.identity(community: nil, locale: "ko").name == "모임 센터")
    }

    @Test func aSiteWithoutCommunitiesIsOneAsBefore() throws {
        let open = try SiteConfig.parse("[site]\nname = \"서울 산악회\"\n")
        #expect(!open.hasCommunities && open.knownCommunityIDs == nil && open.accepts(community: "anything"))
        #expect(open.identity(community: "anything", locale: "en").name == "서울 산악회")
        let one = try SiteConfig.parse("[site]\nname = \"서울 산악회\"\ncommunity = \"seoul-hiking\"\n")
        #expect(one.knownCommunityIDs == ["seoul-hiking"] && !one.accepts(community: "jeju-photo-club"))
    }

    @Test(arguments: [
        ("[site]\ncommunity = \"Seoul Hiking\"\n", 2, "is not a community id"),
        ("[communities.a]\nname = \"A\"\nname_de = \"A\"\n", 3, "unknown key \"communities.a.name_de\""),
        ("[communities.a]\nname = \"A\"\nfrom_name = \"line\\nbreak\"\n", 3, "must be a name on one line"),
        ("[communities.a]\nname = \"A\"\nreply_to = \"x\"\n", 3, "not a plausible e-mail address"),
        ("[communities.en]\nname = \"A\"\n", 1, "is also a locale"),
        ("[communities.a]\nname = [\"A\"]\n", 2, "must be a string"),
    ])
    func badCommunitySettingsNameTheirLine(text: String, line: Int, fragment: String) {
        #expect {
            _ = try SiteConfig.parse(text, file: "intake.toml")
        } throws: { error in
            guard case let IntakeError.invalidConfig(_, foundLine, _, detail) = error else { return false }
            return foundLine == line && detail.contains(fragment)
        }
    }

    @Test func theSampleConfigShowsCommunitiesCommentedOut() throws {
        #expect(SiteConfig.sampleTOML.contains("# [communities.jeju-photo-club]"))
        // Uncommented, the example is a valid config.
        let uncommented = SiteConfig.sampleTOML.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            line.hasPrefix("# [communities") || line.hasPrefix("# name") || line.hasPrefix("# admin_email") || line.hasPrefix("# from_name")
                || line.hasPrefix("# reply_to") ? String(line.dropFirst(2)) : String(line)
        }.joined(separator: "\n")
        let config = try SiteConfig.parse(uncommented)
        #expect(config.communities.map(\.id) == ["seoul-hiking", "jeju-photo-club"])
        #expect(config.community("jeju-photo-club")?.name(locale: "en") == "Jeju Photo Club")
    }
}
