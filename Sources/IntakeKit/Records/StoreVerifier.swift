import Foundation

/// One problem `intake verify` found, with where it is.
public struct StoreProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var detail: String
    public var description: String { "\(file):\(line): \(detail)" }
}

/// Checks every line of every store: it parses, `v`/`seq`/`at` are right, `seq` is contiguous,
/// and records refer to things that exist (applications, rejections, spool files, kept files).
public enum StoreVerifier {
    public struct Summary: Sendable, Codable {
        public var lines: [String: Int] = [:]
        public var problems: [StoreProblem] = []
        /// Not damage: a torn last line from a crash mid-write, set aside by the next writer.
        public var warnings: [StoreProblem] = []
    }

    /// Streams every store once (memory stays flat whatever their size), then checks the
    /// references between them on an index built afresh from the stores, and the site's own
    /// index against that one.
    /// - Parameter messageIsSpooled: whether the spool holds a message file (Mail knows where
    ///   to look; Records does not).
    static func verify(site: Site, messageIsSpooled: (String) -> Bool) throws(IntakeError) -> Summary {
        try site.checkLayout()
        var summary = Summary()
        let decoder = JSONDecoder()

        func check<R: StoreRecord>(_ type: R.Type, _ each: (Int, R) -> Void) {
            let path = FileSystem.join(site.stores, R.storeName)
            let name = "data/stores/\(R.storeName)"
            guard FileSystem.exists(path) else { summary.lines[R.storeName] = 0; return }
            var count = 0
            var lineNumber = 0
            var expected = 1
            do {
                let complete = try JSONLinesStore<R>.completeLength(path: path)
                try JSONLinesStore<R>.scanLines(path: path, from: 0) { (line: ArraySlice<UInt8>, _: Int) throws(IntakeError) in
                    lineNumber += 1
                    guard !line.isEmpty else {
                        summary.problems.append(StoreProblem(file: name, line: lineNumber, detail: "empty line"))
                        return
                    }
                    guard String(validating: line, as: UTF8.self) != nil else {
                        summary.problems.append(StoreProblem(file: name, line: lineNumber, detail: "not valid UTF-8"))
                        return
                    }
                    do {
                        let record = try decoder.decode(R.self, from: Data(line))
                        if record.seq != expected {
                            summary.problems.append(StoreProblem(file: name, line: lineNumber, detail: "seq \(record.seq) where \(expected) was expected"))
                        }
                        expected = record.seq + 1
                        if Timestamp.parse(record.at) == nil {
                            summary.problems.append(StoreProblem(file: name, line: lineNumber, detail: "\"at\" is not an RFC 3339 time: \(record.at)"))
                        }
                        count += 1
                        each(lineNumber, record)
                    } catch {
                        // Only a line that does not decode is parsed a second time, to say why.
                        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                            summary.problems.append(StoreProblem(file: name, line: lineNumber, detail: "not a JSON object"))
                            return
                        }
                        for key in ["v", "seq", "at"] where object[key] == nil {
                            summary.problems.append(StoreProblem(file: name, line: lineNumber, detail: "missing \"\(key)\""))
                        }
                        summary.problems.append(StoreProblem(file: name, line: lineNumber, detail: "not a valid \(R.storeName) record (\(JSONLinesStore<R>.describe(error)))"))
                    }
                }
                if complete.length < complete.size {
                    summary.warnings.append(StoreProblem(file: name, line: lineNumber + 1, detail: "the last line is torn (a crash mid-write); the next run or decision sets it aside"))
                }
            } catch {
                summary.problems.append(StoreProblem(file: name, line: lineNumber, detail: "cannot be read"))
            }
            summary.lines[R.storeName] = count
        }

        // An id that appears twice is found on the index built afresh (below), not in a set of
        // every id held here: at a million applications that set alone would be 60 MiB.
        check(ApplicationRecord.self) { line, app in
            let dir = FileSystem.join(site.data, app.files)
            if !FileSystem.isDirectory(dir) && !FileSystem.isDirectory(FileSystem.join(site.work, app.run, app.bundle)) {
                summary.problems.append(StoreProblem(file: "data/stores/applications.jsonl", line: line, detail: "\(app.id): its files are not in data/\(app.files)"))
            } else if FileSystem.isDirectory(dir) {
                for file in app.attachments where !FileSystem.exists(FileSystem.join(dir, file.file)) {
                    summary.problems.append(StoreProblem(file: "data/stores/applications.jsonl", line: line, detail: "\(app.id): data/\(app.files)/\(file.file) is missing"))
                }
            }
        }
        check(RejectionRecord.self) { line, r in
            let path = FileSystem.join(site.data, r.quarantine)
            if !FileSystem.isDirectory(path) && !FileSystem.isDirectory(FileSystem.join(site.work, r.run, r.bundle)) {
                summary.problems.append(StoreProblem(file: "data/stores/rejections.jsonl", line: line, detail: "\(r.id): the bundle is not in data/\(r.quarantine)"))
            }
        }
        check(DecisionRecord.self) { _, _ in }
        check(EmailRecord.self) { line, e in
            if !messageIsSpooled(e.file) {
                summary.problems.append(StoreProblem(file: "data/stores/emails.jsonl", line: line, detail: "spool file \(e.file) is in none of outbox/new, cur, failed"))
            }
        }
        check(DeliveryRecord.self) { _, _ in }
        check(RunRecord.self) { _, _ in }

        // References between the stores, and the site's index, on an index built from the stores now.
        summary.problems += SiteIndexMaintenance.check(site: site) { (fresh: SiteIndex) throws(SQLiteError) -> [StoreProblem] in
            var found: [StoreProblem] = []
            func each(_ sql: String, _ problem: (SQLiteStatement) -> StoreProblem) throws(SQLiteError) {
                try fresh.db.each(sql) { row in found.append(problem(row)) }
            }
            // The index keeps the first line of an id: a later line with the same id is the gap in its seqs.
            let applications = summary.lines[ApplicationRecord.storeName] ?? 0
            try fresh.db.each("""
                SELECT prev, seq FROM (SELECT seq, lag(seq, 1, 0) OVER (ORDER BY seq) AS prev FROM apps) WHERE seq > prev + 1
                UNION ALL SELECT coalesce(max(seq), 0), ?1 + 1 FROM apps HAVING coalesce(max(seq), 0) < ?1
                """, [.int(applications)]) { row in
                for line in (row.int(0) + 1)..<row.int(1) {
                    found.append(StoreProblem(file: "data/stores/applications.jsonl", line: line,
                                              detail: "its id is already on an earlier line (an id appears twice)"))
                }
            }
            try each("SELECT d.seq, d.app FROM decisions d WHERE NOT EXISTS (SELECT 1 FROM apps a WHERE a.id = d.app) ORDER BY d.seq") {
                StoreProblem(file: "data/stores/decisions.jsonl", line: $0.int(0), detail: "decision for unknown application \($0.text(1))")
            }
            try each("SELECT e.seq, e.app FROM emails e WHERE e.app IS NOT NULL AND NOT EXISTS (SELECT 1 FROM apps a WHERE a.id = e.app) ORDER BY e.seq") {
                StoreProblem(file: "data/stores/emails.jsonl", line: $0.int(0), detail: "message for unknown application \($0.text(1))")
            }
            try each("SELECT e.seq, substr(e.key, 10) FROM emails e WHERE e.kind = 'rejected' AND NOT EXISTS (SELECT 1 FROM rejections r WHERE 'rejected:' || r.id = e.key) ORDER BY e.seq") {
                StoreProblem(file: "data/stores/emails.jsonl", line: $0.int(0), detail: "message for unknown rejection \($0.text(1))")
            }
            try each("SELECT d.seq, d.file FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM emails e WHERE e.file = d.file) ORDER BY d.seq") {
                StoreProblem(file: "data/stores/deliveries.jsonl", line: $0.int(0), detail: "delivery of \($0.text(1)), which emails.jsonl does not know")
            }
            return found
        }
        return summary
    }
}
