import Foundation
import IntakeKit
import Testing

/// One site serving several communities: each applicant is told the right name by the right
/// people, a community the site does not serve is refused and its applicant told so, and each
/// community's admins get a digest of their own.
@Suite("communities, end to end on the built binary", .serialized)
struct CommunityTests {
    /// Two configured communities (one with an English name and its own sender's name), and
    /// the site's own name for everything else.
    static let config = """
    [site]
    name = "모임 센터"
    settle_seconds = 0
    admin_email = "admin@example.kr"

    [mail]
    from = "intake@example.kr"
    from_name = "모임 센터 가입 안내"

    [communities.seoul-hiking]
    name = "서울 산악회"
    admin_email = "admin@seoul-hiking.example"

    [communities.jeju-photo-club]
    name = "제주 사진 동호회"
    name_en = "Jeju Photo Club"
    admin_email = "photo-admin@jeju.example"
    from_name = "제주 사진 동호회 가입 안내"

    """

    private func site(_ config: String = CommunityTests.config) throws -> TestSite {
        let site = try TestSite()
        try config.write(toFile: site.path("intake.toml"), atomically: true, encoding: .utf8)
        return site
    }

    /// Bundles for both communities, in both languages, and two for communities the site does not serve.
    private func writeBundles(_ site: TestSite) throws {
        let inbox = site.path("data/inbox")
        try BundleWriter.typical("a-hiking", seed: 101, applicant: "김민수", email: "minsu@example.kr").write(into: inbox)
        var photo = BundleWriter.typical("b-photo-ko", seed: 102, applicant: "오솔", email: "sol@example.kr")
        photo.community = "jeju-photo-club"
        try photo.write(into: inbox)
        var photoEnglish = BundleWriter.typical("c-photo-en", seed: 103, applicant: "Emily Smith", email: "emily@example.com")
        photoEnglish.community = "jeju-photo-club"
        photoEnglish.locale = "en"
        try photoEnglish.write(into: inbox)
        var coffee = BundleWriter.typical("d-unknown-ko", seed: 104, applicant: "박유진", email: "yujin@example.kr")
        coffee.community = "gangneung-coffee-lovers"
        try coffee.write(into: inbox)
        var cycling = BundleWriter.typical("e-unknown-en", seed: 105, applicant: "James O'Brien", email: "james@example.org")
        cycling.community = "daegu-cycling"
        cycling.locale = "en"
        cycling.xml = true
        try cycling.write(into: inbox)
    }

    /// Subject, From display name, To, and text and HTML bodies, decoded by Python's `email` package.
    private func decode(_ site: TestSite, _ file: String) throws -> [String: String] {
        let script = """
        import email, email.policy, json, sys
        m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
        frm = m['From'].addresses[0]
        html = m.get_body(('html',))
        print(json.dumps({'subject': str(m['Subject']), 'from_name': frm.display_name, 'from_addr': frm.addr_spec,
                          'to': m['To'].addresses[0].addr_spec, 'reply_to': str(m['Reply-To'] or ''),
                          'text': m.get_body(('plain',)).get_content(),
                          'html': html.get_content() if html is not None else '',
                          'defects': str(len(m.defects))}, ensure_ascii=False))
        """
        let result = try runProcess(try RealToolsCLI.path("python3"), ["-c", script, site.path("data/outbox/new/\(file)")])
        #expect(result.status == 0, "\(file): \(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: String] ?? [:]
    }

    private func json(_ result: CommandResult) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    @Test(.enabled(if: RealToolsCLI.usable("python3")))
    func eachApplicantIsToldTheirOwnCommunitysNameAndAnUnknownOneIsRefused() throws {
        let site = try site()
        try writeBundles(site)

        // The dry run counts the same messages as the run: 3 received, 2 rejected, 3 digests.
        let dry = try site.intake("run", "--dry-run", "--json")
        #expect(dry.status == 0, "\(dry.stderr)")
        let real = try site.intake("run", "--json")
        #expect(real.status == 0, "\(real.stderr)")
        let dryReport = try #require(try json(dry) as? [String: Any])
        let realReport = try #require(try json(real) as? [String: Any])
        #expect(dryReport["emails"] as? Int == 8, "\(dry.stdout)")
        #expect(realReport["emails"] as? Int == 8, "\(real.stdout)")
        let outcomes = try #require(realReport["outcomes"] as? [[String: Any]])
        #expect(outcomes.map { "\($0["bundle"]!) \($0["verdict"]!) \($0["community"]!)" } == [
            "a-hiking accepted seoul-hiking", "b-photo-ko accepted jeju-photo-club", "c-photo-en accepted jeju-photo-club",
            "d-unknown-ko rejected gangneung-coffee-lovers", "e-unknown-en rejected daegu-cycling",
        ])

        // The unknown communities are refused with a reason naming them and the known ones.
        let rejections = try site.lines("rejections.jsonl")
        #expect(rejections.map { $0["community"] as? String } == ["gangneung-coffee-lovers", "daegu-cycling"])
        for rejection in rejections {
            let reasons = try #require(rejection["reasons"] as? [[String: Any]])
            #expect(reasons.count == 1, "\(reasons)")
            let reason = try #require(reasons.first)
            #expect(reason["code"] as? String == "invalid_manifest")
            #expect(reason["hint"] as? String == "unknown_community")
            let detail = reason["detail"] as? String ?? ""
            #expect(detail.contains(rejection["community"] as! String) && detail.contains("\"seoul-hiking\", \"jeju-photo-club\""), "\(detail)")
        }

        // Each applicant's message names their own community: Subject, From, greeting, signature.
        let hiking = try decode(site, "A000001.received")
        #expect(hiking["subject"] == "[서울 산악회] 가입 신청이 접수되었습니다")
        #expect(hiking["from_name"] == "서울 산악회")
        #expect(hiking["from_addr"] == "intake@example.kr")
        #expect(hiking["text"]?.contains("서울 산악회 가입 신청서를 잘 받았습니다.") == true)
        #expect(hiking["text"]?.contains("서울 산악회 드림") == true)
        #expect(hiking["html"]?.contains("서울 산악회") == true)
        for other in ["제주", "모임 센터"] {
            #expect(hiking["text"]?.contains(other) == false && hiking["html"]?.contains(other) == false, "\(other) in the hiking club's mail")
        }

        let photo = try decode(site, "A000002.received")
        #expect(photo["subject"] == "[제주 사진 동호회] 가입 신청이 접수되었습니다")
        #expect(photo["from_name"] == "제주 사진 동호회 가입 안내")
        #expect(photo["text"]?.contains("제주 사진 동호회 가입 신청서를 잘 받았습니다.") == true)
        #expect(photo["text"]?.contains("제주 사진 동호회 드림") == true)
        #expect(photo["text"]?.contains("산악회") == false && photo["html"]?.contains("산악회") == false)

        let photoEnglish = try decode(site, "A000003.received")
        #expect(photoEnglish["subject"] == "[Jeju Photo Club] We received your application")
        #expect(photoEnglish["from_name"] == "제주 사진 동호회 가입 안내", "from_name applies in every language without a from_name_en")
        #expect(photoEnglish["text"]?.contains("Thank you for applying to Jeju Photo Club.") == true)
        #expect(photoEnglish["html"]?.contains("Jeju Photo Club") == true)

        // The applicants of unknown communities hear it from the site, in their language.
        let coffee = try decode(site, "R000001.rejected")
        #expect(coffee["to"] == "yujin@example.kr")
        #expect(coffee["subject"] == "[모임 센터] 가입 신청서를 접수하지 못했습니다")
        #expect(coffee["from_name"] == "모임 센터 가입 안내")
        #expect(coffee["text"]?.contains("신청서에 적힌 모임은 이곳에서 가입 신청을 받는 모임이 아닙니다.") == true, "\(coffee["text"] ?? "")")
        let cycling = try decode(site, "R000002.rejected")
        #expect(cycling["to"] == "james@example.org")
        #expect(cycling["text"]?.contains("The community named in your application is not one this site takes applications for.") == true,
                "\(cycling["text"] ?? "")")
        for message in [hiking, photo, photoEnglish, coffee, cycling] { #expect(message["defects"] == "0") }

        // Each community's admins get their own digest, of their own applications only; the
        // site's admin gets every one.
        let run = try #require(realReport["run"] as? String)
        let digests = try site.lines("emails.jsonl").filter { $0["kind"] as? String == "digest" }
        #expect(digests.map { "\($0["file"]!) \($0["to"]!) \($0["community"] ?? "-")" } == [
            "digest.\(run).seoul-hiking admin@seoul-hiking.example seoul-hiking",
            "digest.\(run).jeju-photo-club photo-admin@jeju.example jeju-photo-club",
            "digest.\(run) admin@example.kr -",
        ])
        #expect(digests.last?["deliveries_through"] != nil && digests.first?["deliveries_through"] == nil,
                "only the site-wide digest reports deliveries")
        let hikingDigest = try decode(site, "digest.\(run).seoul-hiking")
        #expect(hikingDigest["subject"] == "[서울 산악회] 실행 요약: 대기 1건, 반려 0건", "\(hikingDigest["subject"] ?? "")")
        #expect(hikingDigest["to"] == "admin@seoul-hiking.example")
        let hikingText = hikingDigest["text"] ?? ""
        #expect(hikingText.contains("A000001 김민수") && !hikingText.contains("A000002") && !hikingText.contains("A000003"), "\(hikingText)")
        #expect(!hikingText.contains("R000001") && !hikingText.contains("발송 실패"), "\(hikingText)")
        #expect(hikingText.contains("intake approve ID --by 이름 --community seoul-hiking"), "\(hikingText)")
        let photoDigest = try decode(site, "digest.\(run).jeju-photo-club")
        #expect(photoDigest["from_name"] == "제주 사진 동호회 가입 안내")
        let photoText = photoDigest["text"] ?? ""
        #expect(photoText.contains("A000002 오솔") && photoText.contains("A000003 Emily Smith") && !photoText.contains("A000001"), "\(photoText)")
        let siteDigest = try decode(site, "digest.\(run)")
        #expect(siteDigest["subject"] == "[모임 센터] 실행 요약: 대기 3건, 반려 2건, 발송 실패 0건", "\(siteDigest["subject"] ?? "")")
        let siteText = siteDigest["text"] ?? ""
        for id in ["A000001", "A000002", "A000003", "R000001", "R000002"] { #expect(siteText.contains(id), "\(id) missing: \(siteText)") }
        #expect(siteText.contains("A000002 오솔 <sol@example.kr> (") && siteText.contains(", jeju-photo-club)"), "\(siteText)")
        #expect(siteText.contains("R000001 d-unknown-ko (gangneung-coffee-lovers): invalid_manifest"), "\(siteText)")

        // The next run owes each admin a digest again (their pending lists), once each, and its
        // dry run says so first.
        let dryAgain = try site.intake("run", "--dry-run", "--json")
        let again = try site.intake("run", "--json")
        #expect(again.status == 0, "\(again.stderr)")
        #expect((try json(dryAgain) as? [String: Any])?["emails"] as? Int == 3)
        #expect((try json(again) as? [String: Any])?["emails"] as? Int == 3)
        let keys = try site.lines("emails.jsonl").map { "\($0["kind"]!) \($0["file"]!)" }
        #expect(Set(keys).count == keys.count, "one message per event: \(keys)")
    }

    @Test(.enabled(if: RealToolsCLI.usable("python3")))
    func listSearchShowAndDecisionsFilterByCommunity() throws {
        let site = try site()
        try writeBundles(site)
        #expect(try site.intake("run").status == 0)

        func ids(_ result: CommandResult) throws -> [String] {
            #expect(result.status == 0, "\(result.stderr)")
            return (try json(result) as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        }
        #expect(try ids(site.intake("list", "--json")) == ["A000003", "A000002", "A000001"])
        #expect(try ids(site.intake("list", "--community", "jeju-photo-club", "--json")) == ["A000003", "A000002"])
        #expect(try ids(site.intake("list", "--community", "seoul-hiking", "--status", "pending", "--json")) == ["A000001"])
        let text = try site.intake("list")
        #expect(text.stdout.contains("COMMUNITY") && text.stdout.contains("jeju-photo-club"), "\(text.stdout)")
        let filtered = try site.intake("list", "--community", "seoul-hiking")
        #expect(filtered.stdout.contains("김민수") && !filtered.stdout.contains("오솔"), "\(filtered.stdout)")

        #expect(try ids(site.intake("search", "example", "--json")).count == 3)
        #expect(try ids(site.intake("search", "example", "--community", "jeju-photo-club", "--json")) .sorted() == ["A000002", "A000003"])
        #expect(try ids(site.intake("search", "김민수", "--community", "jeju-photo-club", "--json")).isEmpty)
        let found = try #require(try json(site.intake("search", "김민수", "--community", "seoul-hiking", "--json")) as? [[String: Any]])
        #expect(found.map { $0["community"] as? String } == ["seoul-hiking"])

        // A community the site does not know, and that no application names, is said (65).
        for command in [["list"], ["search", "김"]] {
            let unknown = try site.intake(command[0], arguments: Array(command.dropFirst()) + ["--community", "jeju-photo"])
            #expect(unknown.status == 65, "\(command): \(unknown.stderr)")
            #expect(unknown.stderr.contains("\"jeju-photo\"") && unknown.stderr.contains("\"seoul-hiking\", \"jeju-photo-club\""), "\(unknown.stderr)")
        }

        #expect(try site.intake("show", "2", "--community", "jeju-photo-club").status == 0)
        let wrongShow = try site.intake("show", "2", "--community", "seoul-hiking")
        #expect(wrongShow.status == 65)
        #expect(wrongShow.stderr.contains("A000002 is an application to jeju-photo-club, not to seoul-hiking"), "\(wrongShow.stderr)")

        // Deciding by number for one community never touches another's: nothing is recorded.
        let wrong = try site.intake("approve", "1", "2", "--by", "사진관리", "--community", "jeju-photo-club")
        #expect(wrong.status == 65, "\(wrong.stderr)")
        #expect(try site.lines("decisions.jsonl").isEmpty)
        let right = try site.intake("approve", "2", "3", "--by", "사진관리", "--community", "jeju-photo-club")
        #expect(right.status == 0, "\(right.stderr)")
        let declined = try site.intake("decline", "1", "--by", "산악관리", "--reason", "정원이 찼습니다", "--community", "seoul-hiking")
        #expect(declined.status == 0, "\(declined.stderr)")
        #expect(try site.lines("decisions.jsonl").map { $0["id"] as? String } == ["A000002", "A000003", "A000001"])
        #expect(try ids(site.intake("list", "--community", "jeju-photo-club", "--status", "approved", "--json")) == ["A000003", "A000002"])

        // The decisions' messages carry their community's name too.
        #expect(try site.intake("run").status == 0)
        let approved = try decode(site, "A000002.approved.d1")
        #expect(approved["subject"] == "[제주 사진 동호회] 가입을 환영합니다!")
        #expect(approved["from_name"] == "제주 사진 동호회 가입 안내")
        let declinedMessage = try decode(site, "A000001.declined.d3")
        #expect(declinedMessage["subject"] == "[서울 산악회] 가입 신청 결과를 알려 드립니다")
        #expect(declinedMessage["text"]?.contains("서울 산악회 가입에 관심을 가져 주셔서 감사합니다.") == true)
        let metrics = try String(contentsOfFile: site.path("data/intake.prom"), encoding: .utf8)
        #expect(metrics.contains("intake_applications{community=\"jeju-photo-club\",status=\"approved\"} 2"), "\(metrics)")
        #expect(metrics.contains("intake_applications{community=\"seoul-hiking\",status=\"declined\"} 1"), "\(metrics)")
        #expect(metrics.contains("intake_applications_total{community=\"jeju-photo-club\"} 2"), "\(metrics)")
    }

    @Test(arguments: [
        ("[communities.jeju-photo-club]\nname = \"제주\"\nadmin = \"a@b.kr\"\n", "intake.toml:3:1: unknown key \"communities.jeju-photo-club.admin\""),
        ("[communities.jeju-photo-club]\nname_fr = \"Club photo\"\nname = \"제주\"\n", "intake.toml:2:1: unknown key \"communities.jeju-photo-club.name_fr\""),
        ("[communities.jeju-photo-club]\nadmin_email = \"a@b.kr\"\n", "intake.toml:1:1: communities.jeju-photo-club.name: each community needs a name"),
        ("[communities.\"Jeju Photo\"]\nname = \"제주\"\n", "intake.toml:1:1: communities.\"Jeju Photo\": \"Jeju Photo\" is not a community id"),
        ("[communities]\njeju = \"제주\"\n", "intake.toml:2:1: communities.jeju: must be a table"),
        ("[communities.jeju]\nname = \"제주\"\nadmin_email = \"nobody\"\n", "intake.toml:3:1: communities.jeju.admin_email: \"nobody\" is not a plausible e-mail address"),
        ("[communities.jeju]\nname = \"\"\n", "intake.toml:2:1: communities.jeju.name: must be a name on one line"),
        ("[communities.ko]\nname = \"한국\"\n", "intake.toml:1:1: communities.ko: \"ko\" is also a locale"),
        ("[communities]\n", "intake.toml:1:1: communities: names no community"),
    ])
    func aBadCommunityTableIsAConfigErrorWithItsPlace(table: String, expected: String) throws {
        let site = try TestSite()
        try table.write(toFile: site.path("intake.toml"), atomically: true, encoding: .utf8)
        for command in [["run"], ["list"], ["search", "김"]] {
            let result = try site.intake(command[0], arguments: Array(command.dropFirst()))
            #expect(result.status == 78, "\(command): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains(expected), "\(command): \(result.stderr)")
        }
        let doctor = try site.intake("doctor")
        #expect(doctor.status == 78)
        #expect(doctor.stdout.split(separator: "\n").contains { $0.hasPrefix("FAIL") && $0.contains(expected) }, "\(doctor.stdout)")
    }

    @Test func siteCommunityIsForASiteOfOne() throws {
        let both = try site(Self.config.replacingOccurrences(of: "settle_seconds = 0", with: "settle_seconds = 0\ncommunity = \"seoul-hiking\""))
        let refused = try both.intake("run")
        #expect(refused.status == 78)
        #expect(refused.stderr.contains("intake.toml:4:1: site.community: is for a site of one community"), "\(refused.stderr)")

        // Without [communities], [site] community is the one a manifest may name.
        let one = try TestSite()
        try one.writeConfig("")
        let text = try String(contentsOfFile: one.path("intake.toml"), encoding: .utf8)
            .replacingOccurrences(of: "settle_seconds = 0", with: "settle_seconds = 0\ncommunity = \"seoul-hiking\"")
        try text.write(toFile: one.path("intake.toml"), atomically: true, encoding: .utf8)
        try BundleWriter.typical("ours", seed: 111).write(into: one.path("data/inbox"))
        var theirs = BundleWriter.typical("theirs", seed: 112)
        theirs.community = "jeju-photo-club"
        try theirs.write(into: one.path("data/inbox"))
        let run = try one.intake("run")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("community \"jeju-photo-club\" is not this site's community (site.community is \"seoul-hiking\")"), "\(run.stdout)")
        #expect(try one.lines("applications.jsonl").map { $0["bundle"] as? String } == ["ours"])
        // A site of one community signs every message with [site] name, as before.
        let received = try String(contentsOfFile: one.path("data/outbox/new/A000001.received"), encoding: .utf8)
        #expect(received.contains("Subject: =?UTF-8?"))
        #expect(try one.lines("emails.jsonl").filter { $0["kind"] as? String == "digest" }.count == 1, "one digest, the site's")
    }

    @Test(.enabled(if: RealToolsCLI.usable("python3")))
    func aCommunityMayOverrideTemplatesAndDoctorRendersEachOne() throws {
        let site = try site()
        let folder = site.path("templates/jeju-photo-club/ko")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "[{{community_name}}] 출사 모임 가입 신청을 받았습니다\n".write(toFile: "\(folder)/received.subject.mustache", atomically: true, encoding: .utf8)
        try "{{applicant_name}}님, 안녕하세요.\n\n{{community_name}} 출사 모임 신청서를 잘 받았습니다. 접수 번호: {{application_id}}\n\n{{community_name}} 드림\n"
            .write(toFile: "\(folder)/received.txt.mustache", atomically: true, encoding: .utf8)

        let doctor = try site.intake("doctor")
        #expect(doctor.status == 0, "\(doctor.stdout)")
        let line = try #require(doctor.stdout.split(separator: "\n").first { $0.contains("templates") })
        #expect(line.hasPrefix("ok") && line.contains("10 messages rendered") && line.contains("1 from templates/jeju-photo-club/"), "\(line)")

        // The run takes the override for that community and kind, the site's templates for the rest.
        try writeBundles(site)
        #expect(try site.intake("run").status == 0)
        let photo = try decode(site, "A000002.received")
        #expect(photo["subject"] == "[제주 사진 동호회] 출사 모임 가입 신청을 받았습니다")
        #expect(photo["text"]?.contains("제주 사진 동호회 출사 모임 신청서를 잘 받았습니다. 접수 번호: A000002") == true)
        #expect(photo["html"] == "", "the override has no HTML part, so the message has none: parts are never mixed")
        #expect(try decode(site, "A000003.received")["subject"] == "[Jeju Photo Club] We received your application", "no English override")
        #expect(try decode(site, "A000001.received")["subject"] == "[서울 산악회] 가입 신청이 접수되었습니다")

        // A broken override fails doctor (and the run, before it claims anything) with its place.
        try "{{#community_name}}열린 구역\n".write(toFile: "\(folder)/received.txt.mustache", atomically: true, encoding: .utf8)
        let broken = try site.intake("doctor")
        #expect(broken.status == 78)
        #expect(broken.stdout.contains("FAIL  templates   templates/jeju-photo-club/ko/received.txt.mustache:"), "\(broken.stdout)")
        #expect(try site.intake("run").status == 78)
        // A kind overridden by its HTML alone needs its subject and text there too.
        try FileManager.default.removeItem(atPath: "\(folder)/received.txt.mustache")
        try FileManager.default.removeItem(atPath: "\(folder)/received.subject.mustache")
        try "<p>{{community_name}}</p>\n".write(toFile: "\(folder)/approved.html.mustache", atomically: true, encoding: .utf8)
        let partial = try site.intake("doctor")
        #expect(partial.status == 78)
        #expect(partial.stdout.contains("templates/jeju-photo-club/ko/approved.subject.mustache: missing"), "\(partial.stdout)")
        try FileManager.default.removeItem(atPath: "\(folder)/approved.html.mustache")

        // A folder for a community the config does not name is never read: doctor says so.
        try FileManager.default.createDirectory(atPath: site.path("templates/jeju-photoclub/ko"), withIntermediateDirectories: true)
        let stray = try site.intake("doctor")
        #expect(stray.status == 0, "\(stray.stdout)")
        #expect(stray.stdout.contains("warn  templates   never used: templates/jeju-photoclub/"), "\(stray.stdout)")
    }

    /// A run killed after spooling its digests and before recording them: the next run records
    /// each (the site's and every community's) to its own admin, without writing any again.
    @Test func digestsSpooledButNotRecordedAreRecordedOnceWithTheirRecipients() throws {
        let site = try site()
        try writeBundles(site)
        let first = try site.intake("run", "--json")
        #expect(first.status == 0, "\(first.stderr)")
        let run = try #require((try json(first) as? [String: Any])?["run"] as? String)
        // Take the three digest lines and the run's line back off, as if the run had died there.
        for (store, drop) in [("emails.jsonl", 3), ("runs.jsonl", 1)] {
            let path = site.path("data/stores/\(store)")
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            let kept = lines.dropLast(drop)
            try (kept.isEmpty ? "" : kept.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        try? FileManager.default.removeItem(atPath: site.path("data/index"))
        let spooled = site.list("data/outbox/new").filter { $0.hasPrefix("digest.") }
        #expect(spooled.count == 3)
        let before = try spooled.map { try Data(contentsOf: URL(fileURLWithPath: site.path("data/outbox/new/\($0)"))) }

        #expect(try site.intake("run").status == 0)
        let digests = try site.lines("emails.jsonl").filter { $0["kind"] as? String == "digest" && $0["run"] as? String == run }
        #expect(Set(digests.map { "\($0["file"]!) \($0["to"]!)" }) == [
            "digest.\(run) admin@example.kr", "digest.\(run).seoul-hiking admin@seoul-hiking.example",
            "digest.\(run).jeju-photo-club photo-admin@jeju.example",
        ])
        #expect(digests.count == 3, "each recorded once: \(digests)")
        let after = try spooled.map { try Data(contentsOf: URL(fileURLWithPath: site.path("data/outbox/new/\($0)"))) }
        #expect(before == after, "nothing written again")
        let verify = try site.intake("verify")
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    /// A run that died after recording and before its digests: the next run makes them up,
    /// the site's and each community's that had bundles in it, and its dry run counts the same,
    /// including for a bundle the dead run left in work/ (recorded under that run).
    @Test func digestsOfARunThatDiedAreMadeUpPerCommunityAndTheDryRunCountsThem() throws {
        let site = try site()
        let inbox = site.path("data/inbox")
        var photo = BundleWriter.typical("photo", seed: 121, applicant: "오솔", email: "sol@example.kr")
        photo.community = "jeju-photo-club"
        try photo.write(into: inbox)
        let first = try site.intake("run", "--json")
        #expect(first.status == 0, "\(first.stderr)")
        let firstRun = try #require((try json(first) as? [String: Any])?["run"] as? String)
        // Left in work/ by a run that died: a hiking application nobody recorded.
        try BundleWriter.typical("left", seed: 122).write(into: site.path("data/work/20261129T021500Z-dead"))
        try BundleWriter.typical("hiking", seed: 123, applicant: "이산", email: "san@example.kr").write(into: inbox)

        func emails(_ args: String...) throws -> (Int, [String: Any]) {
            let result = try site.intake("run", arguments: args + ["--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let report = try #require(try json(result) as? [String: Any])
            return (report["emails"] as? Int ?? -1, report)
        }
        let (dry, _) = try emails("--dry-run")
        let (real, report) = try emails()
        #expect(dry == real, "the dry run counts what the run spools")
        let run = try #require(report["run"] as? String)
        let files = try site.lines("emails.jsonl").filter { $0["kind"] as? String == "digest" }.compactMap { $0["file"] as? String }
        let dead = "digest.20261129T021500Z-dead"
        // The dead run had no photo club bundle, so no digest of its own is made up for that club.
        #expect(files == [
            "digest.\(firstRun).jeju-photo-club", "digest.\(firstRun)",
            "\(dead).seoul-hiking", dead,
            "digest.\(run).seoul-hiking", "digest.\(run).jeju-photo-club", "digest.\(run)",
        ], "\(files)")
        // 2 received (left, hiking), 2 made up for the dead run, 3 for this one.
        #expect(real == 7, "\(files)")
    }

    /// The repository's own sample site serves three communities; the fourth the sample inbox
    /// names (gangneung-coffee-lovers) is refused as unknown, as the README says.
    @Test(.enabled(if: RealToolsCLI.usable("python3")))
    func theRepositorysSampleSiteTellsEachApplicantTheirCommunity() throws {
        var repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: repo.appendingPathComponent("Package.swift").path) { repo = repo.deletingLastPathComponent() }
        let site = try TestSite()
        try FileManager.default.removeItem(atPath: site.path("intake.toml"))
        try FileManager.default.copyItem(atPath: repo.appendingPathComponent("intake.toml").path, toPath: site.path("intake.toml"))
        let inbox = repo.appendingPathComponent("data/inbox").path
        for bundle in try FileManager.default.contentsOfDirectory(atPath: inbox) where bundle != ".gitkeep" {
            try FileManager.default.copyItem(atPath: "\(inbox)/\(bundle)", toPath: site.path("data/inbox/\(bundle)"))
        }
        let result = try site.intake("run", "--settle", "0")
        #expect(result.status == 0, "\(result.stderr)")
        let apps = try site.lines("applications.jsonl")
        #expect(Set(apps.compactMap { $0["community"] as? String }) == ["jeju-photo-club", "seoul-english-conversation", "seoul-hiking"])
        var subjects: [String: String] = [:]
        for app in apps {
            let id = app["id"] as! String
            subjects[app["community"] as! String] = try decode(site, "\(id).received")["subject"]
        }
        #expect(subjects["jeju-photo-club"] == "[제주 사진 동호회] 가입 신청이 접수되었습니다")
        #expect(subjects["seoul-english-conversation"] == "[Seoul English Conversation] We received your application")
        #expect(subjects["seoul-hiking"] == "[Seoul Hiking Club] We received your application")
        let coffee = try #require(try site.lines("rejections.jsonl").first { $0["community"] as? String == "gangneung-coffee-lovers" })
        #expect((coffee["reasons"] as? [[String: Any]])?.map { $0["hint"] as? String } == ["unknown_community"])
    }
}
