import Foundation
import IntakeKit
import Testing

private let hasMTA = FileManager.default.isExecutableFile(atPath: "/usr/sbin/sendmail")
    && FileManager.default.fileExists(atPath: "/etc/postfix/intake-test-virtual")
/// Under `CI=true` the MTA test always runs, and fails (naming scripts/mta-setup) when postfix
/// is not set up: a CI machine that cannot deliver must not pass by skipping.
private let runsMTATest = hasMTA || RealToolsCLI.isCI

@Suite("an admin's day on the built binary: drop, run, search, decide, run, deliver", .serialized)
struct AdminDayTests {
    /// - Parameter tag: makes the addresses (and so the content digests and Message-IDs) unique,
    ///   so a mailbox that keeps earlier runs' mail cannot answer for this one.
    private func dropThree(_ site: TestSite, tag: String = "") throws {
        let inbox = site.path("data/inbox")
        try BundleWriter.typical("b1", seed: 31, applicant: "김민수", email: "minsu.kim\(tag)@mta-test.example").write(into: inbox)
        var younghee = BundleWriter.typical("b2", seed: 32, applicant: "이영희", email: "younghee\(tag)@mta-test.example")
        younghee.phone = "010-9876-5432"
        try younghee.write(into: inbox)
        var emily = BundleWriter.typical("b3", seed: 33, applicant: "Emily Smith", email: "emily@mta-test.example")
        emily.locale = "en"
        emily.phone = "+1 555 0100"
        try emily.write(into: inbox)
    }

    @Test func searchFindsKoreanNamesByInitialsNFDAndPhoneDigits() throws {
        let site = try TestSite()
        try dropThree(site)
        #expect(try site.intake("run").status == 0)
        func ids(_ query: String, _ extra: String...) throws -> [String] {
            let result = try site.intake("search", arguments: [query, "--json"] + extra)
            #expect(result.status == 0, "\(result.stderr)")
            let array = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [[String: Any]]
            return array.map { $0["id"] as! String }
        }
        #expect(try ids("ㄱㅁㅅ") == ["A000001"])
        #expect(try ids("김민수".decomposedStringWithCanonicalMapping) == ["A000001"])
        #expect(try ids("영희") == ["A000002"])
        #expect(try ids("01098765432") == ["A000002"])
        #expect(try ids("+82 10 9876 5432") == ["A000002"])
        #expect(try ids("EMILY@MTA-TEST.EXAMPLE") == ["A000003"])
        #expect(try ids("mta-test").count == 3)
        #expect(try ids("없는이름").isEmpty)
        let table = try site.intake("search", "김민수")
        #expect(table.stdout.contains("A000001") && table.stdout.contains("exact"))
    }

    @Test func decisionsAreRecordedOnceAndMailedOnce() throws {
        let site = try TestSite()
        try dropThree(site)
        #expect(try site.intake("run").status == 0)

        let approve = try site.intake("approve", "A000001", "--by", "관리자", "--note", "첫 모임은 12월 6일입니다")
        #expect(approve.status == 0, "\(approve.stderr)")
        #expect(try site.intake("decline", "2", "--by", "관리자", "--reason", "이번 기수 정원이 찼습니다").status == 0)

        let again = try site.intake("approve", "A000001", "--by", "관리자")
        #expect(again.status == 0)
        #expect(again.stdout.contains("already approved"))
        let unknown = try site.intake("approve", "A000001", "A000999", "--by", "관리자")
        #expect(unknown.status == 65)
        #expect(unknown.stderr.contains("A000999"))
        let noReason = try site.intake("decline", "A000003", "--by", "관리자", "--reason", "  ")
        #expect(noReason.status == 64)
        #expect(try site.lines("decisions.jsonl").count == 2)

        #expect(try site.intake("list", "--status", "pending", "--json").stdout.contains("A000003"))
        #expect(try site.intake("run").status == 0)
        let emails = try site.lines("emails.jsonl")
        #expect(emails.filter { $0["kind"] as? String == "approved" }.map { $0["id"] as? String } == ["A000001"])
        #expect(emails.filter { $0["kind"] as? String == "declined" }.map { $0["id"] as? String } == ["A000002"])
        #expect(try site.intake("run").status == 0)
        #expect(try site.lines("emails.jsonl").filter { $0["kind"] as? String != "digest" }.count == emails.filter { $0["kind"] as? String != "digest" }.count, "a third run spools nothing again but the admin's digest")

        // Reversing a decision keeps the history and gets its own message.
        #expect(try site.intake("approve", "A000002", "--by", "다른관리자").status == 0)
        #expect(try site.intake("run").status == 0)
        let after = try site.lines("emails.jsonl")
        #expect(after.filter { $0["kind"] as? String == "approved" }.compactMap { $0["id"] as? String }.sorted() == ["A000001", "A000002"])
        let show = try site.intake("show", "A000002")
        #expect(show.stdout.contains("declined by 관리자"))
        #expect(show.stdout.contains("approved by 다른관리자"))
        #expect(show.stdout.contains("approved message spooled"))
    }

    @Test(.enabled(if: runsMTATest, "needs postfix set up by scripts/mta-setup (as root); scripts/test does that"))
    func deliverHandsMessagesToTheRealMTAOnce() throws {
        try #require(hasMTA, "postfix is not set up (no /usr/sbin/sendmail or /etc/postfix/intake-test-virtual): run scripts/mta-setup as root (CI=\(RealToolsCLI.isCI))")
        let site = try TestSite()
        try site.writeConfig("")
        try """
        [site]
        name = "서울 산악회"
        settle_seconds = 0
        admin_email = "admin@mta-test.example"
        [mail]
        from = "intake@mta-test.example"
        """.write(toFile: site.path("intake.toml"), atomically: true, encoding: .utf8)
        // The whole day: drop, run, search, approve one, decline one, run, deliver.
        let tag = "." + UUID().uuidString.prefix(8).lowercased()
        try dropThree(site, tag: tag)
        #expect(try site.intake("run").status == 0)
        #expect(try site.intake("search", "ㄱㅁㅅ").stdout.contains("A000001"))
        #expect(try site.intake("approve", "A000001", "--by", "관리자", "--note", "환영합니다").status == 0)
        #expect(try site.intake("decline", "A000002", "--by", "관리자", "--reason", "이번 기수 정원이 찼습니다").status == 0)
        #expect(try site.intake("run").status == 0)

        let spooled = site.list("data/outbox/new")
        // Each event exactly once: 3 received, 1 approved, 1 declined, and one digest per run.
        let kinds = try site.lines("emails.jsonl").map { $0["kind"] as! String }
        #expect(kinds.sorted() == ["approved", "declined", "digest", "digest", "received", "received", "received"])
        #expect(Set(spooled).count == kinds.count)
        let result = try site.intake("deliver")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("\(spooled.count) delivered"))
        #expect(site.list("data/outbox/new").isEmpty)
        #expect(Set(site.list("data/outbox/cur")) == Set(spooled))
        let deliveries = try site.lines("deliveries.jsonl")
        #expect(deliveries.count == spooled.count)
        #expect(deliveries.allSatisfy { $0["outcome"] as? String == "delivered" })

        // Never twice.
        let again = try site.intake("deliver")
        #expect(again.stdout.contains("0 delivered"))
        #expect(try site.lines("deliveries.jsonl").count == spooled.count)

        // The approved message arrives in the mailbox, decoded to the original text, for exactly the applicant.
        let approved = try #require(try site.lines("emails.jsonl").first { $0["kind"] as? String == "approved" })
        let messageID = try #require(approved["message_id"] as? String)
        let script = """
        import mailbox, email.policy, json, sys, time
        want = "<" + sys.argv[1] + ">"
        for _ in range(300):
            for m in mailbox.mbox('/var/mail/root', factory=None):
                if m['Message-ID'] == want:
                    p = email.message_from_bytes(m.as_bytes(), policy=email.policy.default)
                    to = p['To'].addresses[0]
                    print(json.dumps({'subject': str(p['Subject']), 'name': to.display_name, 'addr': to.addr_spec,
                        'original_to': str(p['X-Original-To']), 'body': p.get_body(('plain',)).get_content(),
                        'from': p['From'].addresses[0].addr_spec, 'defects': [str(d) for d in p.defects]}, ensure_ascii=False))
                    sys.exit(0)
            time.sleep(0.1)
        sys.exit("message %s did not arrive in /var/mail/root within 30 s" % want)
        """
        let found = try runProcess("/usr/bin/env", ["python3", "-c", script, messageID])
        #expect(found.status == 0, "\(found.stderr)")
        let message = try JSONSerialization.jsonObject(with: Data(found.stdout.utf8)) as! [String: Any]
        #expect(message["subject"] as? String == "[서울 산악회] 가입을 환영합니다!")
        #expect(message["name"] as? String == "김민수")
        #expect(message["addr"] as? String == "minsu.kim\(tag)@mta-test.example")
        #expect(message["original_to"] as? String == "minsu.kim\(tag)@mta-test.example", "the MTA was given exactly the applicant")
        #expect(message["from"] as? String == "intake@mta-test.example")
        #expect((message["body"] as? String)?.contains("운영진의 말: 환영합니다") == true)
        #expect((message["defects"] as? [Any])?.isEmpty == true)

        let show = try site.intake("show", "1")
        #expect(show.stdout.contains("message delivered"))
    }

    @Test func deliverDefersOnSeventyFiveAndSetsFailuresAside() throws {
        let site = try TestSite()
        try dropThree(site)
        #expect(try site.intake("run").status == 0)
        let spooled = site.list("data/outbox/new")
        // A stand-in MTA that defers everything, then one that refuses everything.
        let deferring = site.path("sendmail-defer")
        try "#!/bin/sh\ncat >/dev/null\necho 'queue full' >&2\nexit 75\n".write(toFile: deferring, atomically: true, encoding: .utf8)
        let refusing = site.path("sendmail-refuse")
        try "#!/bin/sh\ncat >/dev/null\necho \"refused $*\" >&2\nexit 1\n".write(toFile: refusing, atomically: true, encoding: .utf8)
        for path in [deferring, refusing] { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }

        let deferred = try site.intake("deliver", "--sendmail", deferring)
        #expect(deferred.status == 0)
        #expect(site.list("data/outbox/new") == spooled)
        #expect(try site.lines("deliveries.jsonl").allSatisfy { $0["outcome"] as? String == "deferred" })

        let failed = try site.intake("deliver", "--sendmail", refusing)
        #expect(failed.status == 74)
        #expect(site.list("data/outbox/failed") == spooled)
        let failures = try site.lines("deliveries.jsonl").filter { $0["outcome"] as? String == "failed" }
        #expect(failures.count == spooled.count)
        #expect(failures.allSatisfy { ($0["detail"] as? String)?.contains("-oi -f intake@example.kr --") == true })

        // The admin hears of it in the next run's digest.
        #expect(try site.intake("run").status == 0)
        let digest = try #require(site.list("data/outbox/new").first { $0.hasPrefix("digest.") })
        let text = try String(contentsOfFile: site.path("data/outbox/new/\(digest)"), encoding: .utf8)
        #expect(text.contains("Subject:"))
        #expect(try site.lines("emails.jsonl").filter { $0["kind"] as? String == "digest" }.count == 2)
    }

    @Test func aFailedMessageMovedBackIsSentAndAMuteSendmailCannotKillDeliver() throws {
        let site = try TestSite()
        try BundleWriter.typical("b1", seed: 61).write(into: site.path("data/inbox"))
        #expect(try site.intake("run").status == 0)
        #expect(try site.intake("decline", "1", "--by", "관리자", "--reason", String(repeating: "정원 초과. ", count: 8_000)).status == 0)
        #expect(try site.intake("run").status == 0)
        let declined = try #require(site.list("data/outbox/new").first { $0.contains(".declined.") })
        // A sendmail that exits at once without reading a message of 160 KB (more than a pipe holds).
        let mute = site.path("sendmail-mute")
        try "#!/bin/sh\nexit 1\n".write(toFile: mute, atomically: true, encoding: .utf8)
        let log = site.path("sendmail.log")
        let good = site.path("sendmail-good")
        try "#!/bin/sh\necho \"$*\" >> \(log)\ncat > /dev/null\nexit 0\n".write(toFile: good, atomically: true, encoding: .utf8)
        for path in [mute, good] { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }

        let failed = try site.intake("deliver", "--sendmail", mute)
        #expect(failed.status == 74, "deliver must survive a sendmail that does not read: \(failed.stderr)")
        #expect(site.list("data/outbox/failed").contains(declined))

        // The admin moves it back after fixing the MTA: it is sent, once.
        try FileManager.default.moveItem(atPath: site.path("data/outbox/failed/\(declined)"), toPath: site.path("data/outbox/new/\(declined)"))
        let retried = try site.intake("deliver", "--sendmail", good)
        #expect(retried.status == 0)
        #expect(site.list("data/outbox/cur").contains(declined))
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("-oi -f intake@example.kr -- minsu@example.kr"))
        #expect(try site.intake("deliver", "--sendmail", good).stdout.contains("0 delivered"))
    }

    @Test func aDecisionCorrectedBeforeTheRunIsNotAnnounced() throws {
        let site = try TestSite()
        try dropThree(site)
        #expect(try site.intake("run").status == 0)
        #expect(try site.intake("approve", "2", "--by", "관리자").status == 0)
        #expect(try site.intake("decline", "2", "--by", "관리자", "--reason", "중복 가입").status == 0)
        #expect(try site.intake("run").status == 0)
        let kinds = try site.lines("emails.jsonl").filter { $0["id"] as? String == "A000002" }.map { $0["kind"] as! String }
        #expect(kinds == ["received", "declined"])
    }

    @Test func doctorIsHappyOnAFreshSiteAndNamesABrokenTemplate() throws {
        let site = try TestSite()
        let healthy = try site.intake("doctor")
        #expect(healthy.status == 0, "\(healthy.stdout)")
        for name in ["layout", "permissions", "config", "features", "templates", "libxml2", "libqpdf", "disk", "lock", "stores"] {
            #expect(healthy.stdout.contains(name), "no \(name) line")
            #expect(healthy.stdout.contains("ok    \(name)") || name == "features", "\(name) is not ok: \(healthy.stdout)")
        }
        try "{{applicant_name}}님\n{{#note}}\n".write(toFile: site.path("templates/ko/approved.txt.mustache"), atomically: true, encoding: .utf8)
        let broken = try site.intake("doctor")
        #expect(broken.status == 78)
        #expect(broken.stdout.contains("FAIL") && broken.stdout.contains("templates/ko/approved.txt.mustache:"))
        // A run refuses to start rather than lose messages.
        #expect(try site.intake("run").status == 78)
        // With that kind switched off the site is healthy again.
        try site.writeConfig("[features]\nmail_approved = false\n")
        #expect(try site.intake("doctor").status == 0)
    }

    @Test func verifyFindsADamagedLine() throws {
        let site = try TestSite()
        try dropThree(site)
        #expect(try site.intake("run").status == 0)
        #expect(try site.intake("verify").status == 0)
        let store = site.path("data/stores/applications.jsonl")
        var text = try String(contentsOfFile: store, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"seq\":2", with: "\"seq\":7")
        try text.write(toFile: store, atomically: true, encoding: .utf8)
        let result = try site.intake("verify")
        #expect(result.status == 65)
        #expect(result.stderr.contains("applications.jsonl:2"))
    }
}
