import Foundation
import Testing
@testable import IntakeKit

@Suite struct JSONLinesStoreTests {
    private func decision(_ id: String) -> DecisionRecord {
        DecisionRecord(id: id, decision: .approved, by: "관리자", note: "환영합니다", reason: nil)
    }

    @Test func appendsNumberedLinesAndReadsThemBack() throws {
        let dir = try TemporaryDirectory()
        let store = try JSONLinesStore<DecisionRecord>(directory: dir.path, writable: true)
        try store.append(decision("A000001"))
        try store.append(decision("A000002"))
        let text = try String(contentsOfFile: dir.file("decisions.jsonl"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].contains("\"by\":\"관리자\""), "Korean is written as is, not escaped")
        #expect(lines[1].contains("\"seq\":2"))
        let reopened = try JSONLinesStore<DecisionRecord>(directory: dir.path, writable: false)
        #expect(reopened.records.map(\.id) == ["A000001", "A000002"])
        #expect(reopened.records.allSatisfy { Timestamp.parse($0.at) != nil && $0.v == 1 })
    }

    @Test func aTornLastLineIsSetAsideAndNumberingContinues() throws {
        let dir = try TemporaryDirectory()
        let store = try JSONLinesStore<DecisionRecord>(directory: dir.path, writable: true)
        try store.append(decision("A000001"))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("decisions.jsonl")))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"v":1,"seq":2,"at":"2026-11-"#.utf8))
        try handle.close()
        let reopened = try JSONLinesStore<DecisionRecord>(directory: dir.path, writable: true)
        #expect(reopened.records.count == 1)
        try reopened.append(decision("A000002"))
        let lines = try String(contentsOfFile: dir.file("decisions.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[1].contains("\"seq\":2"))
        let aside = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("decisions.jsonl.torn-") }
        #expect(aside.count == 1, "the torn bytes are kept, not lost")
    }

    @Test func aGapInSeqIsReportedWithItsLine() throws {
        let dir = try TemporaryDirectory()
        let store = try JSONLinesStore<DecisionRecord>(directory: dir.path, writable: true)
        try store.append(decision("A000001"))
        var text = try String(contentsOfFile: dir.file("decisions.jsonl"), encoding: .utf8)
        text += text.replacingOccurrences(of: "\"seq\":1", with: "\"seq\":3")
        try text.write(toFile: dir.file("decisions.jsonl"), atomically: true, encoding: .utf8)
        #expect(throws: IntakeError.self) { _ = try JSONLinesStore<DecisionRecord>(directory: dir.path, writable: false) }
        do {
            _ = try JSONLinesStore<DecisionRecord>(directory: dir.path, writable: false)
        } catch {
            guard case let .corruptStore(_, line, detail) = error else { Issue.record("wrong error \(error)"); return }
            #expect(line == 2)
            #expect(detail.contains("seq 3"))
        }
    }
}
