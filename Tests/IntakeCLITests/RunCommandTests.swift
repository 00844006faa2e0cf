import Foundation
import IntakeKit
import Testing

@Suite("intake init and run, end to end on the built binary", .serialized)
struct RunCommandTests {
    @Test func initIsIdempotentAndCommandsRefuseAMissingSite() throws {
        let site = try TestSite(initialize: false)
        let missing = try site.intake("run")
        #expect(missing.status == 78)
        #expect(missing.stderr.contains("intake init"))
        #expect(try site.intake("init").status == 0)
        for dir in ["data/inbox", "data/work", "data/files", "data/quarantine", "data/stores", "data/outbox/new", "data/outbox/tmp", "data/outbox/cur", "templates/ko"] {
            #expect(FileManager.default.fileExists(atPath: site.path(dir)), "\(dir) missing")
        }
        let again = try site.intake("init")
        #expect(again.status == 0)
        #expect(again.stdout.contains("nothing to do"))
        let empty = try site.intake("run", "--settle", "0")
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(try site.lines("runs.jsonl").count == 1)
    }

    @Test func badConfigStopsWithItsLine() throws {
        let site = try TestSite()
        try site.writeConfig("[features]\nmail_recieved = true\n")
        let result = try site.intake("run")
        #expect(result.status == 78)
        #expect(result.stderr.contains("intake.toml:10"), "\(result.stderr)")
        #expect(result.stderr.contains("mail_recieved"))
    }

    @Test func runRecordsGoodBundlesAndQuarantinesBadOnesWithEveryReason() throws {
        let site = try TestSite()
        let inbox = site.path("data/inbox")
        try BundleWriter.typical("good-ko", seed: 1).write(into: inbox)
        var english = BundleWriter.typical("good-en-xml", seed: 2, applicant: "Emily Smith", email: "emily@example.com")
        english.locale = "en"
        english.xml = true
        try english.write(into: inbox)

        var exe = BundleWriter.typical("exe-as-pdf", seed: 3)
        exe.files[1].data = SampleFiles.windowsExecutable()
        try exe.write(into: inbox)

        var truncated = BundleWriter.typical("truncated-png", seed: 4)
        truncated.files[0] = .init(name: "me.png", kind: "photo", declared: "image/png", data: SampleFiles.png(bulk: 3000).prefix(900))
        try truncated.write(into: inbox)

        var several = BundleWriter.typical("several-problems", seed: 5)
        several.files[0].name = "photo.png"  // a JPEG named .png, declared image/jpeg
        several.files.append(.init(name: "Thumbs.db", kind: "photo", declared: "image/jpeg", data: Data([1, 2, 3]), listed: false))
        several.files.append(.init(name: "empty.pdf", kind: "document", declared: "application/pdf", data: Data()))
        try several.write(into: inbox)

        var missing = BundleWriter.typical("missing-file", seed: 6)
        missing.files[1].listed = true
        try missing.write(into: inbox)
        try FileManager.default.removeItem(atPath: (inbox as NSString).appendingPathComponent("missing-file/가입신청서.pdf"))

        let broken = BundleWriter.typical("broken-json", seed: 7)
        try broken.write(into: inbox, manifestOverride: Data(#"{"schema": "community-application/1", "applicant": {"name": "박지은", "email": "jieun@example.kr",}, }"#.utf8))

        let before = try site.inputFileDigests()
        let result = try site.intake("run", "--settle", "0")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("7 bundles, 2 accepted, 5 rejected"), "\(result.stdout)")

        let apps = try site.lines("applications.jsonl")
        // Claimed in name order, so ids do not depend on timing.
        #expect(apps.map { $0["bundle"] as? String } == ["good-en-xml", "good-ko"])
        #expect(apps.map { $0["seq"] as? Int } == [1, 2])
        let first = try #require(apps.first)
        #expect(first["id"] as? String == "A000001")
        let attachments = try #require(first["attachments"] as? [[String: Any]])
        #expect(attachments.map { $0["detected_type"] as? String } == ["image/jpeg", "application/pdf"])
        #expect(attachments.allSatisfy { ($0["sha256"] as? String)?.count == 64 })

        let rejections = try site.lines("rejections.jsonl")
        var codes: [String: Set<String>] = [:]
        for r in rejections {
            codes[r["bundle"] as! String] = Set((r["reasons"] as! [[String: Any]]).map { $0["code"] as! String })
        }
        #expect(codes["exe-as-pdf"] == ["type_not_allowed", "type_mismatch"])
        #expect(codes["truncated-png"] == ["corrupt_file"])
        #expect(codes["several-problems"] == ["type_mismatch", "unlisted_file", "empty_file"])
        #expect(codes["missing-file"] == ["missing_attachment"])
        #expect(codes["broken-json"] == ["invalid_manifest"])

        // Accepted files are kept with their manifest; rejected bundles lie intact in quarantine.
        #expect(site.list("data/files/A000/A000001") == ["application.xml", "photo.jpg", "가입신청서.pdf"])
        #expect(site.list("data/files/A000/A000002") == ["application.json", "photo.jpg", "가입신청서.pdf"])
        #expect(site.list("data/inbox").isEmpty)
        #expect(site.list("data/work").isEmpty)
        let quarantine = try #require(rejections.first { $0["bundle"] as? String == "several-problems" }?["quarantine"] as? String)
        #expect(FileManager.default.fileExists(atPath: site.path("data/\(quarantine)/Thumbs.db")))
        let reasonsText = try String(contentsOfFile: site.path("data/\(quarantine).reasons.txt"), encoding: .utf8)
        #expect(reasonsText.contains("unlisted_file [Thumbs.db]"))

        // Nothing lost: every input file is somewhere, once, byte for byte.
        let after = try site.inputFileDigests()
        #expect(Set(before.keys) == Set(after.keys))
        for (digest, places) in after { #expect(places.count == before[digest]?.count, "\(places)") }

        // One message per event: 2 received, 5 rejected (the broken manifest's address was salvaged), 1 digest.
        let emails = try site.lines("emails.jsonl")
        #expect(emails.filter { $0["kind"] as? String == "received" }.count == 2)
        #expect(emails.filter { $0["kind"] as? String == "rejected" }.count == 5)
        #expect(emails.filter { $0["kind"] as? String == "digest" }.count == 1)
        #expect(site.list("data/outbox/new").count == emails.count)
        let runs = try site.lines("runs.jsonl")
        #expect(runs.count == 1)
        #expect(runs.first?["exit"] as? Int == 0)

        // A second run has nothing left to do and sends nothing again.
        let second = try site.intake("run", "--settle", "0")
        #expect(second.status == 0)
        #expect(try site.lines("emails.jsonl").filter { $0["kind"] as? String != "digest" }.count == emails.count - 1, "only the nightly digest is new")
        #expect(try site.lines("applications.jsonl").count == 2)
    }

    @Test func duplicateContentIsRejectedNamingTheFirstApplication() throws {
        let site = try TestSite()
        try BundleWriter.typical("first", seed: 9).write(into: site.path("data/inbox"))
        #expect(try site.intake("run", "--settle", "0").status == 0)
        try BundleWriter.typical("resubmitted-under-another-name", seed: 9).write(into: site.path("data/inbox"))
        let result = try site.intake("run", "--settle", "0")
        #expect(result.status == 0)
        let rejection = try #require(try site.lines("rejections.jsonl").first)
        let reasons = rejection["reasons"] as! [[String: Any]]
        #expect(reasons.map { $0["code"] as? String } == ["duplicate"])
        #expect((reasons.first?["detail"] as? String)?.contains("A000001") == true)
        #expect(rejection["duplicate_of"] as? String == "A000001")
    }

    @Test func dryRunReportsAndChangesNothing() throws {
        let site = try TestSite()
        try BundleWriter.typical("good", seed: 11).write(into: site.path("data/inbox"))
        var bad = BundleWriter.typical("bad", seed: 12)
        bad.files[1].data = SampleFiles.windowsExecutable()
        try bad.write(into: site.path("data/inbox"))
        let before = try treeSnapshot(site.path("data"))
        let result = try site.intake("run", "--dry-run", "--settle", "0", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(report["dry_run"] as? Bool == true)
        let counts = report["counts"] as! [String: Any]
        #expect(counts["accepted"] as? Int == 1)
        #expect(counts["rejected"] as? Int == 1)
        #expect(try treeSnapshot(site.path("data")) == before)
    }

    /// The dry run is the run with its effects switched off: on the same inbox both report
    /// the same verdicts, ids, reasons, counts and messages, including a duplicate of an
    /// earlier application, a duplicate within the run, and a bundle an interrupted run left.
    @Test func aDryRunReportsWhatTheRunThenDoes() throws {
        let site = try TestSite()
        let inbox = site.path("data/inbox")
        try BundleWriter.typical("first", seed: 21).write(into: inbox)
        #expect(try site.intake("run", "--settle", "0").status == 0)
        try BundleWriter.typical("again", seed: 21).write(into: inbox)        // the same content as A000001
        try BundleWriter.typical("twin-a", seed: 22).write(into: inbox)
        try BundleWriter.typical("twin-b", seed: 22).write(into: inbox)       // a duplicate within this run
        var bad = BundleWriter.typical("bad", seed: 23)
        bad.files[1].data = SampleFiles.windowsExecutable()
        try bad.write(into: inbox)
        try BundleWriter.typical("left", seed: 24).write(into: site.path("data/work/20261129T021500Z-dead"))
        _ = try site.intake("approve", "1", "--by", "관리자")

        func report(_ args: String...) throws -> [String: Any] {
            let result = try site.intake("run", arguments: args + ["--settle", "0", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        }
        func essence(_ r: [String: Any]) -> String {
            var counts = r["counts"] as! [String: Any]
            counts["bytes"] = nil
            let outcomes = (r["outcomes"] as! [[String: Any]]).map { o -> String in
                let reasons = (o["reasons"] as! [[String: Any]]).map { "\($0["code"] ?? "") \($0["file"] ?? "") \($0["detail"] ?? "")" }
                return "\(o["bundle"] ?? "") \(o["verdict"] ?? "") \(o["id"] ?? "-") dup:\(o["duplicate_of"] ?? "-") resumed:\(o["resumed"] ?? "") \(reasons)"
            }.sorted()
            let keys = counts.keys.sorted().map { "\($0)=\(counts[$0]!)" }
            return (outcomes + keys + ["emails=\(r["emails"] ?? "")", "exit=\(r["exit"] ?? "")"]).joined(separator: "\n")
        }
        let dry = try report("--dry-run")
        let real = try report()
        #expect(essence(dry) == essence(real))
        #expect((real["counts"] as! [String: Any])["duplicates"] as? Int == 2, "\(essence(real))")
        #expect((real["outcomes"] as! [[String: Any]]).count == 5, "\(essence(real))")
        #expect((real["counts"] as! [String: Any])["resumed"] as? Int == 1, "\(essence(real))")
        #expect((real["emails"] as? Int ?? 0) >= 5, "received x2, rejected x3 or their share, approved, digest")
    }

    @Test func unsettledAndManifestlessBundlesWait() throws {
        let site = try TestSite()
        try BundleWriter.typical("fresh", seed: 13).write(into: site.path("data/inbox"))
        let result = try site.intake("run", "--settle", "3600")
        #expect(result.status == 0)
        #expect(site.list("data/inbox") == ["fresh"])
        #expect(try site.lines("applications.jsonl").isEmpty)
        // A folder without its manifest is still being uploaded, however old.
        try FileManager.default.createDirectory(atPath: site.path("data/inbox/uploading"), withIntermediateDirectories: true)
        try SampleFiles.jpeg().write(to: URL(fileURLWithPath: site.path("data/inbox/uploading/photo.jpg")))
        let now = try site.intake("run", "--settle", "0")
        #expect(now.status == 0)
        #expect(site.list("data/inbox") == ["uploading"])
        #expect(try site.lines("applications.jsonl").count == 1)
    }

    @Test func aSecondRunExitsSeventyFiveWhileTheLockIsHeld() throws {
        let site = try TestSite()
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", "import fcntl,sys,time; f=open(sys.argv[1],'a'); fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(30)", site.path("data/.lock")]
        let pipe = Pipe()
        holder.standardOutput = pipe
        try holder.run()
        defer { holder.terminate(); holder.waitUntilExit() }
        _ = pipe.fileHandleForReading.availableData  // waits for "locked"
        let result = try site.intake("run", "--settle", "0")
        #expect(result.status == 75)
        #expect(result.stderr.contains("try again"))
    }

    @Test func spooledMessagesDecodeWithARealParser() throws {
        let site = try TestSite()
        try BundleWriter.typical("good", seed: 21, applicant: "김민수").write(into: site.path("data/inbox"))
        #expect(try site.intake("run", "--settle", "0").status == 0)
        let file = try #require(site.list("data/outbox/new").first { $0.hasSuffix(".received") })
        let script = """
        import email, email.policy, json, sys
        m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
        to = m['To'].addresses[0]
        body = m.get_body(('plain',)).get_content()
        html = m.get_body(('html',))
        print(json.dumps({'subject': str(m['Subject']), 'to_name': to.display_name, 'to_addr': to.addr_spec,
                          'auto': str(m['Auto-Submitted']), 'body': body, 'html': html is not None,
                          'defects': [str(d) for d in m.defects]}, ensure_ascii=False))
        """
        let parsed = try runProcess("/usr/bin/env", ["python3", "-c", script, site.path("data/outbox/new/\(file)")])
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as! [String: Any]
        #expect(json["subject"] as? String == "[서울 산악회] 가입 신청이 접수되었습니다")
        #expect(json["to_name"] as? String == "김민수")
        #expect(json["to_addr"] as? String == "minsu@example.kr")
        #expect(json["auto"] as? String == "auto-generated")
        #expect(json["html"] as? Bool == true)
        let body = try #require(json["body"] as? String)
        #expect(body.contains("접수 번호: A000001"))
        #expect(body.range(of: #"접수 일시: \d{4}년 \d{1,2}월 \d{1,2}일 \d{2}:\d{2} \(KST\)"#, options: .regularExpression) != nil, "\(body)")
        #expect((json["defects"] as? [Any])?.isEmpty == true)
    }

    /// Every path under a folder with its size and modification time.
    private func treeSnapshot(_ root: String) throws -> [String: String] {
        var out: [String: String] = [:]
        let walker = FileManager.default.enumerator(atPath: root)!
        while let rel = walker.nextObject() as? String {
            // The derived index is no part of what a dry run may not change: any command may bring it up to date.
            if rel == "index" || rel.hasPrefix("index/") { continue }
            let attrs = try FileManager.default.attributesOfItem(atPath: (root as NSString).appendingPathComponent(rel))
            out[rel] = "\(attrs[.size] ?? 0) \((attrs[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        }
        return out
    }
}
