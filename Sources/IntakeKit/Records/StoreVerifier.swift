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

    public static func verify(site: Site) throws(IntakeError) -> Summary {
        try site.checkLayout()
        var summary = Summary()
        let decoder = JSONDecoder()

        func check<R: StoreRecord>(_ type: R.Type) -> [(line: Int, record: R)] {
            let path = FileSystem.join(site.stores, R.storeName)
            let name = "data/stores/\(R.storeName)"
            guard FileSystem.exists(path) else { summary.lines[R.storeName] = 0; return [] }
            guard let bytes = try? FileSystem.read(path) else {
                summary.problems.append(StoreProblem(file: name, line: 0, detail: "cannot be read"))
                return []
            }
            var out: [(Int, R)] = []
            var lineNumber = 0
            var expected = 1
            let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            for (index, line) in lines.enumerated() {
                lineNumber += 1
                if index == lines.count - 1 {
                    if !line.isEmpty { summary.warnings.append(StoreProblem(file: name, line: lineNumber, detail: "the last line is torn (a crash mid-write); the next run or decision sets it aside")) }
                    break
                }
                guard !line.isEmpty else {
                    summary.problems.append(StoreProblem(file: name, line: lineNumber, detail: "empty line"))
                    continue
                }
                guard String(validating: line, as: UTF8.self) != nil else {
                    summary.problems.append(StoreProblem(file: name, line: lineNumber, detail: "not valid UTF-8"))
                    continue
                }
                guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                    summary.problems.append(StoreProblem(file: name, line: lineNumber, detail: "not a JSON object"))
                    continue
                }
                for key in ["v", "seq", "at"] where object[key] == nil {
                    summary.problems.append(StoreProblem(file: name, line: lineNumber, detail: "missing \"\(key)\""))
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
                    out.append((lineNumber, record))
                } catch {
                    summary.problems.append(StoreProblem(file: name, line: lineNumber, detail: "not a valid \(R.storeName) record (\(JSONLinesStore<R>.describe(error)))"))
                }
            }
            summary.lines[R.storeName] = out.count
            return out
        }

        let apps = check(ApplicationRecord.self)
        let rejections = check(RejectionRecord.self)
        let decisions = check(DecisionRecord.self)
        let emails = check(EmailRecord.self)
        let deliveries = check(DeliveryRecord.self)
        _ = check(RunRecord.self)

        var appIDs = Set<String>()
        for (line, app) in apps {
            if !appIDs.insert(app.id).inserted {
                summary.problems.append(StoreProblem(file: "data/stores/applications.jsonl", line: line, detail: "id \(app.id) appears twice"))
            }
            let dir = FileSystem.join(site.data, app.files)
            if !FileSystem.isDirectory(dir) && !FileSystem.isDirectory(FileSystem.join(site.work, app.run, app.bundle)) {
                summary.problems.append(StoreProblem(file: "data/stores/applications.jsonl", line: line, detail: "\(app.id): its files are not in data/\(app.files)"))
            } else if FileSystem.isDirectory(dir) {
                for file in app.attachments where !FileSystem.exists(FileSystem.join(dir, file.file)) {
                    summary.problems.append(StoreProblem(file: "data/stores/applications.jsonl", line: line, detail: "\(app.id): data/\(app.files)/\(file.file) is missing"))
                }
            }
        }
        var rejectionIDs = Set<String>()
        for (line, r) in rejections {
            rejectionIDs.insert(r.id)
            let path = FileSystem.join(site.data, r.quarantine)
            if !FileSystem.isDirectory(path) && !FileSystem.isDirectory(FileSystem.join(site.work, r.run, r.bundle)) {
                summary.problems.append(StoreProblem(file: "data/stores/rejections.jsonl", line: line, detail: "\(r.id): the bundle is not in data/\(r.quarantine)"))
            }
        }
        for (line, d) in decisions where !appIDs.contains(d.id) {
            summary.problems.append(StoreProblem(file: "data/stores/decisions.jsonl", line: line, detail: "decision for unknown application \(d.id)"))
        }
        let spool = Spool(site: site)
        var spooled = Set<String>()
        for (line, e) in emails {
            spooled.insert(e.file)
            if let id = e.id, !appIDs.contains(id) {
                summary.problems.append(StoreProblem(file: "data/stores/emails.jsonl", line: line, detail: "message for unknown application \(id)"))
            }
            if let r = e.rejection, !rejectionIDs.contains(r) {
                summary.problems.append(StoreProblem(file: "data/stores/emails.jsonl", line: line, detail: "message for unknown rejection \(r)"))
            }
            if spool.locate(e.file) == nil {
                summary.problems.append(StoreProblem(file: "data/stores/emails.jsonl", line: line, detail: "spool file \(e.file) is in none of outbox/new, cur, failed"))
            }
        }
        for (line, d) in deliveries where !spooled.contains(d.file) {
            summary.problems.append(StoreProblem(file: "data/stores/deliveries.jsonl", line: line, detail: "delivery of \(d.file), which emails.jsonl does not know"))
        }
        if summary.problems.isEmpty { summary.problems += SiteIndexMaintenance.check(site: site) }
        return summary
    }
}
