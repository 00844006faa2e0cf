import Foundation
import IntakeKit
import Testing

/// The HTML parts as a phone shows them: every message kind, rendered by headless Chromium
/// (Debian's `chromium`, with `fonts-noto-cjk` for Korean) in a 400 px wide window.
@Suite("mail HTML in a real browser at phone width", .serialized)
struct HTMLRenderingTests {
    /// Measures the page once it has loaded: whether anything is wider than the window, and
    /// every line that starts between two Hangul syllables (a word broken in the middle).
    /// File names (in <strong>) may break anywhere: they have no spaces to break at.
    static let probe = #"""
    <script>
    window.addEventListener('load', () => {
      const out = {width: document.documentElement.scrollWidth, inner: window.innerWidth, badBreaks: [], lines: 0};
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      const hangul = /[\uAC00-\uD7A3]/;
      let node;
      while ((node = walker.nextNode())) {
        if (node.parentElement.closest('strong, script')) continue;
        const text = node.textContent;
        let prevTop = null;
        for (let i = 0; i < text.length; i++) {
          if (/\s/.test(text[i])) continue;
          const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
          const rects = r.getClientRects();
          if (!rects.length) continue;
          const top = rects[0].top;
          if (prevTop !== null && top > prevTop + 2) {
            out.lines++;
            if (hangul.test(text[i]) && hangul.test(text[i - 1])) out.badBreaks.push(text.slice(Math.max(0, i - 8), i) + '|' + text.slice(i, i + 8));
          }
          prevTop = top;
        }
      }
      parent.postMessage(JSON.stringify(out), '*');
    });
    </script>
    """#

    /// The page Chromium opens: the message in a 400 px frame (headless windows are at least
    /// 500 px wide), and the measurement the frame posts back written into the page.
    static func host(_ file: String) -> String {
        """
        <!DOCTYPE html><html><body style="margin:0">
        <iframe src="\(file)" style="width:400px;height:4000px;border:0;display:block"></iframe>
        <script>
        window.addEventListener('message', e => {
          const pre = document.createElement('pre'); pre.id = 'intake-probe'; pre.textContent = e.data; document.body.appendChild(pre);
        });
        </script></body></html>
        """
    }

    private func site() throws -> TestSite {
        let site = try TestSite()
        let inbox = site.path("data/inbox")
        try BundleWriter.typical("b1", seed: 101, applicant: "김민수", email: "minsu@example.kr").write(into: inbox)
        try BundleWriter.typical("b2", seed: 102, applicant: "이영희", email: "younghee@example.kr").write(into: inbox)
        var bad = BundleWriter.typical("b3", seed: 103, applicant: "박지성", email: "jisung@example.kr")
        bad.files[0].name = "아주아주긴파일이름이라서한줄에다들어가지않는사진파일입니다정말로깁니다그래도넘치면안됩니다.jpg"
        bad.files[0].data = SampleFiles.windowsExecutable()
        try bad.write(into: inbox)
        var emily = BundleWriter.typical("b4", seed: 104, applicant: "Emily Smith", email: "emily@example.com")
        emily.locale = "en"
        try emily.write(into: inbox)
        var john = BundleWriter.typical("b5", seed: 105, applicant: "John Smith", email: "john@example.com")
        john.locale = "en"
        john.files[0].name = "a-very-long-file-name-without-any-spaces-that-cannot-fit-on-one-line-at-all.jpg"
        john.files[0].data = SampleFiles.windowsExecutable()
        try john.write(into: inbox)
        #expect(try site.intake("run").status == 0)
        #expect(try site.intake("approve", "1", "--by", "관리자", "--note", "첫 모임은 12월 6일 토요일 오전 아홉 시에 북한산 우이역 앞에서 시작합니다. 편한 신발을 신고 오세요.").status == 0)
        #expect(try site.intake("decline", "2", "--by", "관리자", "--reason", "이번 기수는 정원이 모두 찼습니다. 다음 기수 모집이 시작되면 다시 신청해 주시기 바랍니다.").status == 0)
        #expect(try site.intake("run").status == 0)
        return site
    }

    @Test(.enabled(if: RealToolsCLI.find("chromium") != nil || RealToolsCLI.isCI, "needs chromium and fonts-noto-cjk (scripts/setup --test)"))
    func nothingOverflowsAndKoreanBreaksBetweenWordsAt400px() throws {
        let chromium = try RealToolsCLI.path("chromium")
        let site = try site()
        let dir = site.path("html")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // The HTML part of every message, decoded.
        let extract = """
        import email, email.policy, os, sys
        out = sys.argv[1]
        for path in sys.argv[2:]:
            m = email.message_from_binary_file(open(path, 'rb'), policy=email.policy.default)
            html = m.get_body(('html',))
            if html is not None:
                open(os.path.join(out, os.path.basename(path) + '.html'), 'w', encoding='utf-8').write(html.get_content())
        """
        let messages = site.list("data/outbox/new").map { site.path("data/outbox/new/\($0)") }
        let extracted = try runProcess(try RealToolsCLI.path("python3"), ["-c", extract, dir] + messages)
        #expect(extracted.status == 0, "\(extracted.stderr)")
        let pages = site.list("html")
        let kinds = Set(pages.map { $0.split(separator: ".")[1] })
        #expect(kinds == ["received", "rejected", "approved", "declined"], "\(pages)")
        var problems: [String] = []
        var koreanWraps = 0
        for page in pages {
            let path = (dir as NSString).appendingPathComponent(page)
            let html = try String(contentsOfFile: path, encoding: .utf8)
            try html.replacingOccurrences(of: "</body>", with: Self.probe + "</body>").write(toFile: path + ".probe.html", atomically: true, encoding: .utf8)
            try Self.host(page + ".probe.html").write(toFile: path + ".host.html", atomically: true, encoding: .utf8)
            let result = try runProcess(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=800,900",
                                                   "--allow-file-access-from-files", "--virtual-time-budget=5000",
                                                   "--user-data-dir=\(dir)/profile", "--dump-dom", "file://\(path).host.html"])
            guard let start = result.stdout.range(of: "<pre id=\"intake-probe\">"),
                  let end = result.stdout.range(of: "</pre>", range: start.upperBound..<result.stdout.endIndex) else {
                problems.append("\(page): chromium gave no measurement (exit \(result.status)): \(result.stderr.suffix(400))")
                continue
            }
            let json = String(result.stdout[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&amp;", with: "&")
                .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            let m = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
            let width = m["width"] as? Int ?? 0, inner = m["inner"] as? Int ?? 0
            if width > inner { problems.append("\(page): \(width) px wide in a \(inner) px window") }
            let bad = m["badBreaks"] as? [String] ?? []
            if !bad.isEmpty { problems.append("\(page): Korean broken inside words: \(bad)") }
            if inner != 400 { problems.append("\(page): measured in a \(inner) px frame, not 400") }
            if !page.hasPrefix("A000004") && !page.hasPrefix("R000002") { koreanWraps += m["lines"] as? Int ?? 0 }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(koreanWraps >= 10, "the Korean messages wrapped only \(koreanWraps) times at 400 px: too few to judge the breaks")
    }

    /// Every message kind in both languages, scored by SpamAssassin's local rules in one pass
    /// (an mbox): nothing near a spam score, and no SUBJ_ALL_CAPS (a Korean subject whose only
    /// Latin letters were an id's capitals scored it).
    @Test(.enabled(if: RealToolsCLI.find("spamassassin") != nil || RealToolsCLI.isCI, "needs spamassassin (scripts/setup --test)"))
    func spamAssassinFindsNothingToHold() throws {
        let spamassassin = try RealToolsCLI.path("spamassassin")
        let site = try site()
        let emails = try site.lines("emails.jsonl")
        var mbox = Data()
        for email in emails {
            let file = email["file"] as! String
            mbox.append(Data("From intake@example.kr Thu Jan  1 00:00:00 2026\n".utf8))
            mbox.append(try Data(contentsOf: URL(fileURLWithPath: site.path("data/outbox/new/\(file)"))))
            mbox.append(Data("\n".utf8))
        }
        let result = try runProcess(spamassassin, ["-L", "-t", "--mbox"], stdin: mbox)
        var scores: [String: (score: Double, tests: String)] = [:]
        for chunk in result.stdout.components(separatedBy: "X-Spam-Status: ").dropFirst() {
            let lines = chunk.split(separator: "\n", omittingEmptySubsequences: false)
            var status = String(lines[0])
            for line in lines.dropFirst() {
                guard line.hasPrefix("\t") || line.hasPrefix(" ") else { break }
                status += (status.hasSuffix(",") ? "" : " ") + line.trimmingCharacters(in: .whitespaces)
            }
            guard let idLine = lines.first(where: { $0.hasPrefix("Message-ID: <") }) else { continue }
            let id = String(idLine.dropFirst("Message-ID: <".count).prefix { $0 != ">" })
            let score = status.range(of: #"score=-?[0-9.]+"#, options: .regularExpression).map { Double(status[$0].dropFirst(6)) ?? 99 } ?? 99
            scores[id] = (score, status.range(of: #"tests=\S+"#, options: .regularExpression).map { String(status[$0]) } ?? "")
        }
        var table: [String] = []
        for email in emails {
            let id = email["message_id"] as! String
            let label = "\(email["kind"] as! String)/\(email["locale"] as! String)"
            guard let (score, tests) = scores[id] else {
                Issue.record("\(label) \(id) was not scored: \(result.stderr.suffix(300))")
                continue
            }
            table.append("\(label): \(score) \(tests)")
            #expect(score < 1.0, "\(label) scores \(score): \(tests)")
            #expect(!tests.contains("SUBJ_ALL_CAPS"), "\(label): \(tests)")
        }
        print(table.joined(separator: "\n"))
    }
}
