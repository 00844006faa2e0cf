import Foundation
import IntakeKit
import Testing

@Suite("nothing silent: hand-overs, relays, digests, errors, mail text", .serialized)
struct NothingSilentTests {
    private func stub(_ site: TestSite, _ name: String, _ body: String) throws -> String {
        let path = site.path(name)
        try "#!/bin/sh\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    private func oneOfEach(_ site: TestSite) throws {
        let inbox = site.path("data/inbox")
        try BundleWriter.typical("b1", seed: 81).write(into: inbox)
        var bad = BundleWriter.typical("b2", seed: 82, applicant: "이영희", email: "younghee@example.kr")
        bad.files[0].data = SampleFiles.windowsExecutable()
        try bad.write(into: inbox)
    }

    @Test func aSendmailThatReadsPartOfTheMessageAndExitsZeroHasNotTakenIt() throws {
        let site = try TestSite()
        try oneOfEach(site)
        #expect(try site.intake("run").status == 0)
        let spooled = site.list("data/outbox/new")
        let cut = try stub(site, "sendmail-cut", "head -c 1000 >/dev/null\nexit 0")
        let result = try site.intake("deliver", "--sendmail", cut)
        #expect(result.status == 74, "\(result.stdout) \(result.stderr)")
        #expect(site.list("data/outbox/cur").isEmpty, "nothing was handed over whole")
        #expect(site.list("data/outbox/failed") == spooled)
        let outcomes = try site.lines("deliveries.jsonl")
        #expect(outcomes.allSatisfy { $0["outcome"] as? String == "failed" })
        #expect(outcomes.allSatisfy { ($0["detail"] as? String)?.contains("not handed over") == true }, "\(outcomes)")
    }

    @Test func aSendmailWithABrokenConfigurationLeavesEverythingQueuedAndExits78() throws {
        let site = try TestSite()
        try oneOfEach(site)
        #expect(try site.intake("run").status == 0)
        let spooled = site.list("data/outbox/new")
        let broken = try stub(site, "sendmail-broken", "cat >/dev/null\necho 'fatal: /etc/mail/config: no such file' >&2\nexit 78")
        let result = try site.intake("deliver", "--sendmail", broken)
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stderr.contains("configuration is broken"))
        #expect(site.list("data/outbox/new") == spooled)
        #expect(site.list("data/outbox/failed").isEmpty)
        #expect(try site.lines("deliveries.jsonl").count == 1, "it stops at the first: the MTA is broken for every message")
    }

    @Test func aRelativeSendmailLinkIsResolvedAgainstItsOwnFolderNeverTheWorkingDirectory() throws {
        let site = try TestSite()
        try oneOfEach(site)
        #expect(try site.intake("run").status == 0)
        let bin = site.path("mta/sbin")
        try FileManager.default.createDirectory(atPath: site.path("mta/bin"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        _ = try stub(site, "mta/bin/msmtp", "cat >/dev/null\nexit 0")
        try FileManager.default.createSymbolicLink(atPath: bin + "/sendmail", withDestinationPath: "../bin/msmtp")
        // The working directory holds a folder of the link's target's name.
        let cwd = site.path("elsewhere/x")
        try FileManager.default.createDirectory(atPath: site.path("elsewhere/bin/msmtp"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: cwd, withIntermediateDirectories: true)
        let result = try runProcess("/bin/sh", ["-c", "cd \"$1\" && exec \"$2\" deliver --root \"$3\" --sendmail \"$4\"", "sh", cwd, IntakeBinary.path, site.root, bin + "/sendmail"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("3 delivered"), "\(result.stdout)")
    }

    @Test func aRelayThatStaysDownIsWarnedAboutAndInTheDigest() throws {
        let site = try TestSite()
        try oneOfEach(site)
        #expect(try site.intake("run").status == 0)
        let deferring = try stub(site, "sendmail-defer", "cat >/dev/null\necho 'connect to relay: Connection refused' >&2\nexit 75")
        for night in 1...3 {
            let result = try site.intake("deliver", "--sendmail", deferring)
            #expect(result.status == 0)
            #expect(result.stderr.contains("deferred 3 times in a row") == (night == 3), "night \(night): \(result.stderr)")
        }
        let run = try site.intake("run")
        #expect(run.status == 0)
        let digests = try site.lines("emails.jsonl").filter { $0["kind"] as? String == "digest" }
        let last = try #require(digests.last)
        let text = try decodedText(site.path("data/outbox/new/\(last["file"] as! String)"))
        #expect(text.contains("계속 발송이 미뤄지는 메일"), "\(text)")
        #expect(text.contains("Connection refused"))
    }

    @Test func aFailureInTheSameSecondAsTheRunIsStillReported() throws {
        let site = try TestSite()
        try oneOfEach(site)
        let refusing = try stub(site, "sendmail-refuse", "cat >/dev/null\necho 'user unknown' >&2\nexit 67")
        // run && deliver: the failures are stamped in the run's last second.
        let both = try runProcess("/bin/sh", ["-c", "\"$1\" run --root \"$2\" >/dev/null; \"$1\" deliver --root \"$2\" --sendmail \"$3\"", "sh", IntakeBinary.path, site.root, refusing])
        #expect(both.status == 74)
        try BundleWriter.typical("b3", seed: 83, applicant: "박지성", email: "jisung@example.kr").write(into: site.path("data/inbox"))
        #expect(try site.intake("run").status == 0)
        let digests = try site.lines("emails.jsonl").filter { $0["kind"] as? String == "digest" }
        #expect(digests.count == 2)
        let text = try decodedText(site.path("data/outbox/new/\(digests[1]["file"] as! String)"))
        for failed in site.list("data/outbox/failed") { #expect(text.contains(failed), "\(failed) is not in \(text)") }
        // Reported once: the next digest does not list them again.
        try BundleWriter.typical("b4", seed: 84, applicant: "손흥민", email: "son@example.kr").write(into: site.path("data/inbox"))
        #expect(try site.intake("run").status == 0)
        let third = try site.lines("emails.jsonl").filter { $0["kind"] as? String == "digest" }[2]
        let again = try decodedText(site.path("data/outbox/new/\(third["file"] as! String)"))
        #expect(again.contains("발송 실패한 메일 0건"), "\(again)")
    }

    @Test func aRunKilledAfterRecordingGetsItsDigestMadeUpByTheNext() throws {
        let site = try TestSite()
        try oneOfEach(site)
        #expect(try site.intake("run").status == 0)
        // As if the run had died before its digest: take the digest out of the stores and spool,
        // and leave half a digest in tmp/.
        let emails = try String(contentsOfFile: site.path("data/stores/emails.jsonl"), encoding: .utf8)
        let kept = emails.split(separator: "\n").filter { !$0.contains("\"kind\":\"digest\"") }.joined(separator: "\n") + "\n"
        try kept.write(toFile: site.path("data/stores/emails.jsonl"), atomically: true, encoding: .utf8)
        let digest = try #require(site.list("data/outbox/new").first { $0.hasPrefix("digest.") })
        try FileManager.default.moveItem(atPath: site.path("data/outbox/new/\(digest)"), toPath: site.path("data/outbox/tmp/\(digest)"))
        try Data("From: half".utf8).write(to: URL(fileURLWithPath: site.path("data/outbox/tmp/\(digest)")))
        let runs = try String(contentsOfFile: site.path("data/stores/runs.jsonl"), encoding: .utf8)
        try "".write(toFile: site.path("data/stores/runs.jsonl"), atomically: true, encoding: .utf8)
        _ = runs
        let next = try site.intake("run")
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("stopped before its digest"), "\(next.stderr)")
        #expect(site.list("data/outbox/tmp").isEmpty)
        let made = try decodedText(site.path("data/outbox/new/\(digest)"))
        #expect(made.contains("R000001"), "\(made)")
        #expect(made.contains("대신 만들었습니다"))
        // Once: a third run makes up nothing.
        let third = try site.intake("run")
        #expect(!third.stderr.contains("stopped before its digest"))
    }

    @Test func aMetricsFileThatCannotBeWrittenIsSaidAndExits74() throws {
        let site = try TestSite()
        try oneOfEach(site)
        // The metrics file's temporary name taken by a directory: the write fails.
        let metrics = site.path("data/intake.prom")
        let tmp = ((metrics as NSString).deletingLastPathComponent as NSString).appendingPathComponent(".intake.prom.tmp")
        try FileManager.default.createDirectory(atPath: tmp + "/x", withIntermediateDirectories: true)
        let result = try site.intake("run")
        #expect(result.status == 74, "\(result.stderr)")
        #expect(result.stderr.contains("metrics file was not updated"))
        #expect(try site.lines("runs.jsonl").last?["exit"] as? Int == 74)
    }

    @Test func everyTimeIsInTheSitesTimeZoneWhateverTheLanguage() throws {
        let site = try TestSite()
        try site.writeConfig("")
        var emily = BundleWriter.typical("b1", seed: 85, applicant: "Emily Smith", email: "emily@example.com")
        emily.locale = "en"
        try emily.write(into: site.path("data/inbox"))
        #expect(try site.intake("run").status == 0)
        let file = try #require(site.list("data/outbox/new").first { $0.hasSuffix(".received") })
        let text = try decodedText(site.path("data/outbox/new/\(file)"))
        #expect(text.range(of: #"Received: \d{1,2} \w+ \d{4}, \d{2}:\d{2} KST"#, options: .regularExpression) != nil, "\(text)")
    }

    private func decodedText(_ path: String) throws -> String {
        let script = """
        import email, email.policy, sys
        m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
        print(m['Subject'])
        for part in m.walk():
            if part.get_content_maintype() == 'text':
                print(part.get_content())
        """
        return try runProcess(try RealToolsCLI.path("python3"), ["-c", script, path]).stdout
    }
}

@Suite("the shipped templates read right")
struct TemplateWordingTests {
    private var root: String {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("templates").path
    }

    private func read(_ locale: String, _ name: String) throws -> String {
        try String(contentsOfFile: "\(root)/\(locale)/\(name)", encoding: .utf8)
    }

    /// The sentences of a text part, as the HTML part must carry them too.
    private func sentences(_ text: String) -> [String] {
        let plain = text.replacingOccurrences(of: #"\{\{[^}]*\}\}"#, with: "\u{0}", options: .regularExpression)
        return plain.components(separatedBy: CharacterSet(charactersIn: "\u{0}\n.!?:"))
            .map { $0.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "()-,"))) }
            .filter { $0.count >= 4 }
    }

    @Test(arguments: ["ko", "en"], ["received", "rejected", "approved", "declined"])
    func theHTMLPartSaysEverythingTheTextPartSays(locale: String, kind: String) throws {
        let text = try read(locale, "\(kind).txt.mustache")
        let html = try read(locale, "\(kind).html.mustache")
        let flat = html.replacingOccurrences(of: #"<[^>]+>"#, with: " ", options: .regularExpression)
            .replacingOccurrences(of: #"\s+"#, with: " ", options: .regularExpression)
        for sentence in sentences(text) {
            #expect(flat.contains(sentence), "\(locale)/\(kind): the HTML part lacks \"\(sentence)\"")
        }
        #expect(html.contains("word-break:keep-all"))
        #expect(html.contains("name=\"viewport\""))
        #expect(html.contains("max-width:560px"))
        #expect(html.contains("{{site_name}}"))
    }

    @Test(arguments: ["received", "rejected", "approved", "declined", "digest"])
    func noKoreanParticleDependsOnAValue(kind: String) throws {
        for part in ["subject", "txt", "html"] {
            guard let text = try? read("ko", "\(kind).\(part).mustache") else { continue }
            // 을/를, 이/가, 은/는, 과/와, 으로/로 (and the like) right after a value, or after
            // a value in parentheses, are wrong for half of all values.
            let pattern = #"\}\}\)?(을|를|이|가|은|는|과|와|으로|로|이나|나|이랑|랑)"#
            #expect(text.range(of: pattern, options: .regularExpression) == nil, "ko/\(kind).\(part): \(text)")
        }
    }

    @Test(arguments: ["ko", "en"], ["received", "rejected", "approved", "declined"])
    func subjectsCarryNoIds(locale: String, kind: String) throws {
        let subject = try read(locale, "\(kind).subject.mustache")
        #expect(!subject.contains("_id}}"), "\(locale)/\(kind): \(subject)")
    }
}
