import Foundation
import Testing
@testable import IntakeKit

/// The derived index beside the stores: it catches up, heals, is rebuilt, and never changes an answer.
@Suite struct SiteIndexTests {
    private func site(_ dir: TemporaryDirectory, digest: Bool = false) throws -> (Site, SiteConfig) {
        let site = try dir.site()
        var config = SiteConfig()
        config.settleSeconds = 0
        config.minFreeBytes = 0
        config.workers = 1
        if digest { config.adminEmail = "admin@example.kr" } else { config.enabledMessages.remove(.digest) }
        return (site, config)
    }

    private static let names = ["김민수", "김민지", "이민수", "박서연", "Kim Minsu", "최지우", "김 민", "정하늘"]

    /// A good bundle; `salt` makes its content (and so its digest) unique.
    private func writeBundle(at path: String, name: String, email: String, phone: String?, salt: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Fixture.data("sample.jpg").write(to: URL(fileURLWithPath: path + "/photo.jpg"))
        var applicant: [String: Any] = ["name": name, "email": email, "locale": "ko"]
        if let phone { applicant["phone"] = phone }
        let manifest: [String: Any] = [
            "schema": "community-application/1", "community": "seoul-hiking",
            "applicant": applicant, "answers": ["motivation": salt],
            "attachments": [["file": "photo.jpg", "kind": "photo", "content_type": "image/jpeg"]],
            "submitted_at": "2026-11-29T21:14:00+09:00",
        ]
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: path + "/application.json"))
    }

    private func badBundle(at path: String, email: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Data("not a jpeg".utf8).write(to: URL(fileURLWithPath: path + "/photo.jpg"))
        let manifest: [String: Any] = [
            "schema": "community-application/1", "community": "seoul-hiking",
            "applicant": ["name": "나쁜파일", "email": email, "locale": "ko"],
            "attachments": [["file": "photo.jpg", "kind": "photo", "content_type": "image/jpeg"]],
            "submitted_at": "2026-11-29T21:14:00+09:00",
        ]
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: path + "/application.json"))
    }

    /// Everything the admin commands answer, as text: list, every show, searches, what is owed.
    private func answers(_ site: Site, _ config: SiteConfig) throws -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func text<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        let stores = try SiteStores(site: site, writable: false)
        var out: [String] = []
        let all = try ApplicationQueries.list(stores)
        out.append(try text(all))
        out.append(try text(try ApplicationQueries.list(stores, status: .pending, limit: 3)))
        for row in all { out.append(try text(try ApplicationQueries.detail(stores, id: row.id))) }
        for query in ["김민", "ㄱㅁ", "ㅁㅅ", "민수", "kim", "example", "010-1234", "5678", "김", "x"] {
            out.append(query + " " + (try text(try SiteSearch.search(query, stores: stores))))
            out.append(query + " approved " + (try text(try SiteSearch.search(query, status: .approved, stores: stores))))
        }
        let templates = try TemplateSet.load(site: site, config: config)
        out.append("owed \(try Mailer(site: site, config: config, templates: templates).countOwed(stores))")
        out.append("pending \(try stores.count(status: .pending))")
        return out
    }

    private func indexFile(_ site: Site) -> String { site.data + "/index/site.sqlite" }

    private func removeIndex(_ site: Site) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: indexFile(site) + suffix) }
    }

    /// Runs, decisions and deliveries in a random order, seeded.
    private func randomHistory(_ site: Site, _ config: SiteConfig, seed: UInt64, steps: Int) async throws {
        var rng = SplitMix64(seed: seed)
        var bundle = 0
        for _ in 0..<steps {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0, 1:
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bundle += 1
                    let name = Self.names.randomElement(using: &rng)!
                    let path = site.inbox + "/b\(bundle)"
                    switch Int.random(in: 0..<6, using: &rng) {
                    case 0: try badBundle(at: path, email: "bad\(bundle)@example.kr")
                    case 1: try writeBundle(at: path, name: name, email: "dup@example.kr", phone: nil, salt: "same")  // duplicates
                    default:
                        try writeBundle(at: path, name: name, email: "u\(bundle)@Example.kr", phone: "010-1234-\(String(format: "%04d", bundle))", salt: "\(bundle)")
                    }
                }
                _ = try await BatchRunner(site: site, config: config).run(.init())
            case 2:
                let stores = try SiteStores(site: site, writable: false)
                let count = try stores.count(status: nil)
                guard count > 0 else { continue }
                let id = Identifiers.application(Int.random(in: 1...count, using: &rng))
                if Bool.random(using: &rng) {
                    _ = try Decisions.decide(.approved, ids: [id], by: "관리자", site: site)
                } else {
                    _ = try Decisions.decide(.declined, ids: [id], by: "관리자", reason: "정원 초과", site: site)
                }
            default:
                let lock = try SiteLock(site: site)
                let stores = try SiteStores(site: site, writable: true)
                for email in stores.emails.records.shuffled(using: &rng).prefix(2) {
                    try stores.append(DeliveryRecord(file: email.file, messageID: email.messageID,
                                                     outcome: Bool.random(using: &rng) ? .delivered : .failed, detail: "test"))
                }
                withExtendedLifetime(lock) {}
            }
        }
    }

    @Test func aRandomHistoryLeavesAnIndexEqualToARebuild() async throws {
        let dir = try TemporaryDirectory()
        let (site, config) = try site(dir)
        try await randomHistory(site, config, seed: 7, steps: 14)
        #expect(SiteIndexMaintenance.check(site: site).isEmpty)
        let kept = try answers(site, config)
        let stores = try SiteStores(site: site, writable: false)
        #expect(try stores.count(status: nil) > 3)
        #expect(!stores.decisions.records.isEmpty && !stores.deliveries.records.isEmpty && !stores.rejections.records.isEmpty,
                "\(stores.decisions.records.count) decisions, \(stores.deliveries.records.count) deliveries, \(stores.rejections.records.count) rejections")
        #expect(try SiteIndexMaintenance.rebuild(site: site) > 0)
        #expect(try answers(site, config) == kept)
        #expect(StoreVerifier.verifyClean(site))
    }

    @Test func theIndexDeletedOrDamagedChangesNoAnswer() async throws {
        let dir = try TemporaryDirectory()
        let (site, config) = try site(dir)
        try await randomHistory(site, config, seed: 11, steps: 10)
        let kept = try answers(site, config)
        removeIndex(site)
        #expect(try answers(site, config) == kept, "deleted")
        try Data("this is no SQLite database at all".utf8).write(to: URL(fileURLWithPath: indexFile(site)))
        removeIndex(site)  // the WAL files must not outlive the file they belong to
        try Data("this is no SQLite database at all".utf8).write(to: URL(fileURLWithPath: indexFile(site)))
        #expect(try answers(site, config) == kept, "damaged")
        // Another schema version is rebuilt, not trusted.
        let stores = try SiteStores(site: site, writable: false)
        try stores.index.db.exec("UPDATE meta SET value = '999' WHERE key = 'schema'; DELETE FROM apps")
        #expect(try answers(site, config) == kept, "other schema")
        // Rows that disagree under a watermark that holds are what verify finds.
        try SiteStores(site: site, writable: false).index.db.exec("UPDATE apps SET status = 'approved' WHERE seq = 1")
        let problems = SiteIndexMaintenance.check(site: site)
        #expect(problems.contains { $0.detail.contains("apps") && $0.detail.contains("intake reindex") })
        _ = try SiteIndexMaintenance.rebuild(site: site)
        #expect(SiteIndexMaintenance.check(site: site).isEmpty)
        #expect(try answers(site, config) == kept, "reindexed")
    }

    @Test func linesAppendedWithoutTheIndexAreTakenInOnTheNextOpen() async throws {
        let dir = try TemporaryDirectory()
        let (site, config) = try site(dir)
        try writeBundle(at: site.inbox + "/b1", name: "김민수", email: "minsu@example.kr", phone: nil, salt: "1")
        _ = try await BatchRunner(site: site, config: config).run(.init())
        _ = try SiteStores(site: site, writable: false)  // the index is up to date
        // A process killed between its append and its index update: the line is there, the index does not know it.
        let raw = try JSONLinesStore<DecisionRecord>(directory: site.stores, writable: true)
        try raw.append(DecisionRecord(id: "A000001", decision: .approved, by: "관리자"))
        let stores = try SiteStores(site: site, writable: false)
        #expect(try stores.status(of: "A000001") == .approved)
        #expect(try stores.decisions(for: "A000001").count == 1)
        #expect(SiteIndexMaintenance.check(site: site).isEmpty)
        // Taking it in again (a second open, a watermark moved back) changes nothing.
        try stores.index.db.exec("UPDATE watermark SET offset = 0, seq = 0, last_start = 0, last_hash = 0 WHERE store = 'decisions.jsonl'")
        let reopened = try SiteStores(site: site, writable: false)
        #expect(try reopened.decisions(for: "A000001").count == 1)
        #expect(SiteIndexMaintenance.check(site: site).isEmpty)
        // A store rewritten under the index (shorter than its watermark) makes it rebuild.
        try Data().write(to: URL(fileURLWithPath: site.stores + "/decisions.jsonl"))
        #expect(try SiteStores(site: site, writable: false).status(of: "A000001") == .pending)
    }

    /// Stores of several MiB are read on a second thread while the rows are written: the index
    /// built that way from nothing equals the one kept line by line, and a broken line deep in
    /// a store is said with its line number.
    @Test func aLargeHistoryCaughtUpOnTwoThreadsEqualsTheOneKeptLineByLine() async throws {
        let dir = try TemporaryDirectory()
        let (site, config) = try site(dir)
        try writeBundle(at: site.inbox + "/b1", name: "김민수", email: "minsu@example.kr", phone: nil, salt: "1")
        _ = try await BatchRunner(site: site, config: config).run(.init())
        let lock = try SiteLock(site: site)
        do {
            let stores = try SiteStores(site: site, writable: true)
            let first = try #require(try stores.application("A000001"))
            for i in 2...3_000 {
                var app = first
                app.id = Identifiers.application(i)
                app.bundle = "b\(i)"
                app.digest = String(format: "%064x", i)
                app.applicant.name = Self.names[i % Self.names.count]
                app.applicant.email = "u\(i)@example.kr"
                app.answers = ["motivation": String(repeating: "주말 산행을 함께하고 싶습니다. ", count: 20)]
                try stores.append(app, sync: false)
                if i % 3 == 0 {
                    try stores.append(DecisionRecord(id: app.id, decision: i % 2 == 0 ? .approved : .declined, by: "관리자"))
                }
            }
            try stores.syncAll()
        }
        withExtendedLifetime(lock) {}
        let size = try #require(try FileManager.default.attributesOfItem(atPath: site.stores + "/applications.jsonl")[.size] as? Int)
        #expect(size > 2 * LineFeed.threadedBytes, "the store is large enough to be read on a thread: \(size) bytes")
        let kept = try answers(site, config)
        // Twelve search blocks, each written again as its applications came: the last finds its own.
        #expect(try SiteSearch.search("u2999@", stores: SiteStores(site: site, writable: false)).map(\.id) == ["A002999"])
        #expect(try SiteSearch.search("u257@", stores: SiteStores(site: site, writable: false)).map(\.id) == ["A000257"])
        #expect(SiteIndexMaintenance.check(site: site).isEmpty, "a bulk rebuild on two threads equals the index kept by appends")
        removeIndex(site)
        #expect(try answers(site, config) == kept)

        // A line broken in the middle of the store: the error names it, and nothing is half taken in.
        var lines = try String(contentsOfFile: site.stores + "/applications.jsonl", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        lines[2_499] = lines[2_499].dropLast(2)
        try lines.joined(separator: "\n").write(toFile: site.stores + "/applications.jsonl", atomically: false, encoding: .utf8)
        removeIndex(site)
        #expect {
            _ = try SiteStores(site: site, writable: false)
        } throws: { error in
            guard case IntakeError.corruptStore(_, let line, _)? = error as? IntakeError else { return false }
            return line == 2_500
        }
    }

    @Test func verifyFindsReferencesToNothingWithTheirLines() async throws {
        let dir = try TemporaryDirectory()
        let (site, config) = try site(dir)
        try writeBundle(at: site.inbox + "/b1", name: "김민수", email: "minsu@example.kr", phone: nil, salt: "1")
        _ = try await BatchRunner(site: site, config: config).run(.init())
        #expect(try SiteMaintenance.verify(site: site).problems.isEmpty)
        try JSONLinesStore<DecisionRecord>(directory: site.stores, writable: true)
            .append(DecisionRecord(id: "A000099", decision: .approved, by: "관리자"))
        try JSONLinesStore<DeliveryRecord>(directory: site.stores, writable: true)
            .append(DeliveryRecord(file: "nothing.received", messageID: "x", outcome: .delivered, detail: "ok"))
        let problems = try SiteMaintenance.verify(site: site).problems.map(\.description)
        #expect(problems.contains("data/stores/decisions.jsonl:1: decision for unknown application A000099"), "\(problems)")
        #expect(problems.contains("data/stores/deliveries.jsonl:1: delivery of nothing.received, which emails.jsonl does not know"), "\(problems)")
        #expect(problems.count == 2, "the site's index caught up with those lines and agrees: \(problems)")
    }

    @Test func verifyFindsAnIdThatAppearsTwice() async throws {
        let dir = try TemporaryDirectory()
        let (site, config) = try site(dir)
        try writeBundle(at: site.inbox + "/b1", name: "김민수", email: "minsu@example.kr", phone: nil, salt: "1")
        try writeBundle(at: site.inbox + "/b2", name: "이민수", email: "minsu2@example.kr", phone: nil, salt: "2")
        _ = try await BatchRunner(site: site, config: config).run(.init())
        let raw = try JSONLinesStore<ApplicationRecord>(directory: site.stores, writable: true)
        let first = try #require(raw.records.first)
        try raw.append(first)  // line 3 repeats A000001
        let problems = try SiteMaintenance.verify(site: site).problems.map(\.description)
        #expect(problems.contains("data/stores/applications.jsonl:3: its id is already on an earlier line (an id appears twice)"), "\(problems)")
        #expect(problems.filter { $0.contains("appears twice") }.count == 1, "\(problems)")
    }

    @Test func aKindSwitchedOnLaterSendsNothingForOldEvents() async throws {
        let dir = try TemporaryDirectory()
        var (site, config) = try site(dir)
        config.enabledMessages.remove(.received)
        for i in 1...3 {
            try writeBundle(at: site.inbox + "/old\(i)", name: "김민수", email: "old\(i)@example.kr", phone: nil, salt: "old\(i)")
        }
        _ = try await BatchRunner(site: site, config: config).run(.init())
        _ = try Decisions.decide(.approved, ids: ["A000001"], by: "관리자", site: site)
        config.enabledMessages.insert(.received)
        let quiet = try await BatchRunner(site: site, config: config).run(.init())
        #expect(quiet.emails == 1, "only the approval recorded after the switch: \(quiet.emails)")
        try writeBundle(at: site.inbox + "/new", name: "이민수", email: "new@example.kr", phone: nil, salt: "new")
        let report = try await BatchRunner(site: site, config: config).run(.init())
        #expect(report.emails == 1)
        let kinds = try SiteStores(site: site, writable: false).emails.records.map { "\($0.kind.rawValue) \($0.id ?? "")" }
        #expect(kinds == ["approved A000001", "received A000004"])
    }

    @Test func theDigestCountsAllButListsTheFiftyNewest() async throws {
        let pending = (1...70).map { DigestSummary.Pending(id: Identifiers.application($0), name: "김민수", email: "a@b.kr", received: "2026-12-01") }
        let summary = DigestSummary(run: "r", accepted: 0, pending: Array(pending.reversed()), rejected: [], failed: [], pendingCount: 1_000)
        #expect(summary.pending.count == 50)
        #expect(summary.pending.first?.id == "A000070")
        let context = summary.context(siteName: "s", locale: "en")
        #expect(context["pending_count"] as? Int == 1_000)
        #expect(context["pending_more"] as? String == "and 950 more: `intake list --status pending`")
        #expect(context["failed_more"] == nil)

        let dir = try TemporaryDirectory()
        let (site, config) = try site(dir, digest: true)
        var english = config
        english.defaultLocale = "en"
        let templates = try TemplateSet.load(site: site, config: english)
        let en = try #require(templates.render(.digest, locale: "en", context: context))
        #expect(en.text.contains("- and 950 more: `intake list --status pending`"), "\(en.text)")
        #expect(en.text.components(separatedBy: "김민수").count - 1 == 50)
        #expect(en.subject.contains("1000 pending"), "\(en.subject)")
        let korean = try TemplateSet.load(site: site, config: config)
        let ko = try #require(korean.render(.digest, locale: "ko", context: summary.context(siteName: "s", locale: "ko")))
        #expect(ko.text.contains("- 외 950건: `intake list --status pending`"), "\(ko.text)")
        let short = DigestSummary(run: "r", accepted: 1, pending: Array(pending.prefix(2)), rejected: [], failed: [])
        let plain = try #require(templates.render(.digest, locale: "en", context: short.context(siteName: "s", locale: "en")))
        #expect(!plain.text.contains("more:"))
    }
}

extension StoreVerifier {
    static func verifyClean(_ site: Site) -> Bool { ((try? SiteMaintenance.verify(site: site))?.problems ?? [StoreProblem(file: "", line: 0, detail: "")]).isEmpty }
}
