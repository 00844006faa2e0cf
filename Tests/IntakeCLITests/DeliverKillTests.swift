import Foundation
import IntakeKit
import Testing

private let postfixReady = FileManager.default.isExecutableFile(atPath: "/usr/sbin/sendmail")
    && FileManager.default.fileExists(atPath: "/etc/postfix/intake-test-virtual")

/// Killing `deliver` (SIGKILL) at any moment, with a stub sendmail and with the real postfix:
/// afterwards every message is handed over at most once; one recorded as delivered arrived
/// once; the rest are in outbox/failed (in doubt, said), and nothing stays queued.
@Suite("killing deliver at any moment never sends twice nor loses a message", .serialized)
struct DeliverKillTests {
    private static let delays = [0.0, 0.03, 0.06, 0.1, 0.15, 0.2, 0.3, 0.45]

    /// A config whose addresses are unique to `tag`, all under the MTA test domain.
    static func writeMTAConfig(_ site: TestSite, tag: some StringProtocol) throws {
        try """
        [site]
        name = "서울 산악회"
        settle_seconds = 0
        admin_email = "admin.\(tag)@mta-test.example"
        [mail]
        from = "intake@mta-test.example"
        """.write(toFile: site.path("intake.toml"), atomically: true, encoding: .utf8)
    }

    /// A site whose run has spooled six messages and a digest, with addresses unique to `tag`
    /// (so Message-IDs are too, and a shared mailbox can answer for this site alone).
    private func spooledSite(tag: String) throws -> (TestSite, [(file: String, id: String)]) {
        let site = try TestSite()
        try DeliverKillTests.writeMTAConfig(site, tag: tag)
        for i in 1...6 {
            try BundleWriter.typical("b\(i)", seed: UInt64(90 + i), applicant: "김민수", email: "m\(i).\(tag)@mta-test.example").write(into: site.path("data/inbox"))
        }
        let run = try site.intake("run")
        #expect(run.status == 0, "\(run.stderr)")
        let messages = try site.lines("emails.jsonl").map { (file: $0["file"] as! String, id: $0["message_id"] as! String) }
        return (site, messages)
    }

    private func killDeliver(_ site: TestSite, sendmail: String, after delay: Double, environment: [String: String]) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: IntakeBinary.path)
        process.arguments = ["deliver", "--root", site.root, "--sendmail", sendmail]
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: delay)
        let running = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return running
    }

    /// Checks one killed-then-finished site; `arrivals` counts how often a Message-ID arrived.
    private func check(_ site: TestSite, _ messages: [(file: String, id: String)], arrivals: ([String]) throws -> [String: Int]) throws -> [String] {
        var v: [String] = []
        let cur = Set(site.list("data/outbox/cur")), failed = Set(site.list("data/outbox/failed"))
        let counts = try arrivals(messages.filter { cur.contains($0.file) }.map(\.id))
        let deliveries = try site.lines("deliveries.jsonl")
        for m in messages {
            let times = counts[m.id] ?? 0
            let last = deliveries.last { $0["file"] as? String == m.file }?["outcome"] as? String
            if times > 1 { v.append("\(m.file) arrived \(times) times") }
            if cur.contains(m.file) {
                if times != 1 || last != "delivered" { v.append("\(m.file) in cur/ arrived \(times) times, last outcome \(last ?? "none")") }
            } else if failed.contains(m.file) {
                if last != "failed" { v.append("\(m.file) in failed/ with last outcome \(last ?? "none")") }
            } else {
                v.append("\(m.file) is neither delivered nor set aside")
            }
        }
        if !site.list("data/outbox/new").isEmpty { v.append("still queued: \(site.list("data/outbox/new"))") }
        return v
    }

    private func sweep(sendmail: String, environment: (String) -> [String: String], arrivals: @escaping (String, [String]) throws -> [String: Int]) throws {
        var interrupted = 0
        var problems: [String] = []
        for delay in Self.delays {
            let tag = UUID().uuidString.prefix(8).lowercased()
            let (site, messages) = try spooledSite(tag: String(tag))
            let env = environment(String(tag))
            if try killDeliver(site, sendmail: sendmail, after: delay, environment: env) { interrupted += 1 }
            let finish = try site.intake("deliver", arguments: ["--sendmail", sendmail], environment: env)
            if finish.status != 0 && finish.status != 74 { problems.append("after a kill at \(delay) s deliver exited \(finish.status): \(finish.stderr)") }
            if finish.status == 74 && !finish.stdout.contains("in doubt") && !finish.stdout.contains("failed:") {
                problems.append("deliver exited 74 without saying why: \(finish.stdout)")
            }
            let again = try site.intake("deliver", arguments: ["--sendmail", sendmail], environment: env)
            if again.status != 0 || !again.stdout.contains("0 delivered") { problems.append("a third deliver did something: \(again.stdout)") }
            problems += try check(site, messages) { try arrivals(String(tag), $0) }.map { "killed at \(delay) s: \($0)" }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(interrupted >= Self.delays.count / 2, "only \(interrupted) kills hit a running deliver")
    }

    @Test func withAStubSendmail() throws {
        let sinkRoot = FileManager.default.temporaryDirectory.appendingPathComponent("intake-killsink-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: sinkRoot, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: sinkRoot) }
        let sendmail = (sinkRoot as NSString).appendingPathComponent("sendmail")
        try "#!/bin/sh\nsleep 0.02\ncat > \"$SINK/msg.$$\"\nexit 0\n".write(toFile: sendmail, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: sendmail)
        try sweep(sendmail: sendmail, environment: { tag in
            let box = (sinkRoot as NSString).appendingPathComponent(tag)
            try? FileManager.default.createDirectory(atPath: box, withIntermediateDirectories: true)
            return ["SINK": box]
        }, arrivals: { tag, _ in
            let box = (sinkRoot as NSString).appendingPathComponent(tag)
            var counts: [String: Int] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: box) {
                let text = try String(contentsOfFile: (box as NSString).appendingPathComponent(name), encoding: .utf8)
                if let line = text.split(separator: "\n").first(where: { $0.lowercased().hasPrefix("message-id:") }) {
                    let id = line.split(separator: "<").last.map { String($0.prefix { $0 != ">" }) } ?? ""
                    counts[id, default: 0] += 1
                }
            }
            return counts
        })
    }

    @Test(.enabled(if: postfixReady || RealToolsCLI.isCI, "needs postfix set up by scripts/mta-setup (as root)"))
    func withTheRealPostfix() throws {
        try #require(postfixReady, "postfix is not set up: run scripts/mta-setup as root (CI=\(RealToolsCLI.isCI))")
        try sweep(sendmail: "/usr/sbin/sendmail", environment: { _ in [:] }, arrivals: { _, expected in
            // Postfix delivers on its own time: wait until every message recorded as delivered
            // has arrived, then a moment more for any second copy.
            let script = """
            import mailbox, sys, time, collections
            want = set("<" + a + ">" for a in sys.argv[1:])
            def counts():
                c = collections.Counter()
                for m in mailbox.mbox('/var/mail/root', factory=None):
                    if m['Message-ID']: c[m['Message-ID'].strip()] += 1
                return c
            for _ in range(300):
                c = counts()
                if all(c[w] > 0 for w in want): break
                time.sleep(0.1)
            time.sleep(1.0)
            for k, n in counts().items(): print(k.strip('<>'), n)
            """
            let out = try runProcess(try RealToolsCLI.path("python3"), ["-c", script] + expected).stdout
            var counts: [String: Int] = [:]
            for line in out.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2 { counts[String(parts[0])] = Int(parts[1]) }
            }
            return counts
        })
    }
}

/// A second real MTA: msmtp, reached through the kind of relative link Debian installs as
/// /usr/sbin/sendmail (`→ ../bin/msmtp`), relaying to the local postfix over SMTP, run from a
/// working directory that holds a folder of the link target's name.
@Suite("deliver through msmtp behind a relative link")
struct MSMTPDeliveryTests {
    @Test(.enabled(if: (postfixReady && RealToolsCLI.find("msmtp") != nil) || RealToolsCLI.isCI, "needs postfix (scripts/mta-setup) and msmtp (scripts/setup --test)"))
    func aRelativeLinkToMSMTPDeliversWhateverTheWorkingDirectory() throws {
        try #require(postfixReady, "postfix is not set up: run scripts/mta-setup as root (CI=\(RealToolsCLI.isCI))")
        let msmtp = try RealToolsCLI.path("msmtp")
        let site = try TestSite()
        let tag = UUID().uuidString.prefix(8).lowercased()
        try DeliverKillTests.writeMTAConfig(site, tag: tag)
        try BundleWriter.typical("b1", seed: 121, applicant: "김민수", email: "msmtp.\(tag)@mta-test.example").write(into: site.path("data/inbox"))
        #expect(try site.intake("run").status == 0)
        // usr/sbin/sendmail -> ../bin/msmtp -> the real msmtp, as Debian's msmtp-mta lays it out.
        let usr = site.path("usr")
        try FileManager.default.createDirectory(atPath: usr + "/sbin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: usr + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: usr + "/bin/msmtp", withDestinationPath: msmtp)
        try FileManager.default.createSymbolicLink(atPath: usr + "/sbin/sendmail", withDestinationPath: "../bin/msmtp")
        let home = site.path("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try "defaults\nauth off\ntls off\nlogfile \(home)/msmtp.log\naccount default\nhost 127.0.0.1\nport 25\nfrom intake@mta-test.example\n"
            .write(toFile: home + "/.msmtprc", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: home + "/.msmtprc")
        let cwd = site.path("cwd/x")
        try FileManager.default.createDirectory(atPath: site.path("cwd/bin/msmtp"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: cwd, withIntermediateDirectories: true)
        let result = try runProcess("/bin/sh", ["-c", "cd \"$1\" && HOME=\"$2\" exec \"$3\" deliver --root \"$4\" --sendmail \"$5\"",
                                                "sh", cwd, home, IntakeBinary.path, site.root, usr + "/sbin/sendmail"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("2 delivered"), "\(result.stdout)")
        let received = try #require(try site.lines("emails.jsonl").first { $0["kind"] as? String == "received" })
        let id = received["message_id"] as! String
        let wait = """
        import mailbox, sys, time
        for _ in range(300):
            if any(m['Message-ID'] == '<' + sys.argv[1] + '>' for m in mailbox.mbox('/var/mail/root', factory=None)): sys.exit(0)
            time.sleep(0.1)
        sys.exit('did not arrive')
        """
        #expect(try runProcess(try RealToolsCLI.path("python3"), ["-c", wait, id]).status == 0, "\(id) did not arrive through msmtp and postfix")
    }
}
