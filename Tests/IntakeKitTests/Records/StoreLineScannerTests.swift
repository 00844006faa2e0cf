import Foundation
import Testing
@testable import IntakeKit

/// The scanner that catches the index up reads what Foundation's decoder reads, refuses what
/// it refuses, and gives the same index entry as the record.
@Suite struct StoreLineScannerTests {
    private func entry(_ text: String) throws(StoreLineScanner.Failure) -> DecisionEntry {
        try DecisionEntry(line: Array(text.utf8)[...])
    }

    private static let good = #"{"at":"2026-12-01T00:00:00Z","by":"관리자","decision":"approved","id":"A000001","seq":3,"v":1}"#

    @Test func aLineWrittenByTheStoreGivesTheRecordsEntry() throws {
        let e = try entry(Self.good)
        #expect(e.seq == 3 && e.id == "A000001" && e.decision == .approved && e.at == "2026-12-01T00:00:00Z")
        // Escapes decode as JSONDecoder decodes them, surrogate pairs included.
        let escaped = #"{"v":1,"seq":1,"at":"\u0041\n\"\\\/","id":"\uD55C\uAE00 \uD83D\uDE00","decision":"declined","by":"x"}"#
        let decoded = try JSONDecoder().decode(DecisionRecord.self, from: Data(escaped.utf8))
        let scanned = try entry(escaped)
        #expect(scanned.id == decoded.id && scanned.at == decoded.at && scanned.id == "한글 😀")
    }

    /// None of these is RFC 8259 JSON (Python's `json` refuses each), so none is a store line.
    /// Foundation is laxer with trailing commas; the scanner is not: the stores never write one.
    @Test(arguments: [
        #"{"seq":3,"id":"A1","decision":"approved","at":"x",}"#,          // trailing comma
        #"{"seq":3,"id":"A1","decision":"approved","at":"x""#,            // cut short
        #"{"seq":3,"id":"A1","decision":"approved","at":"x"} x"#,         // text after
        #"{"seq":03,"id":"A1","decision":"approved","at":"x"}"#,          // leading zero
        #"{"seq":3,"id":"A1","decision":"approved","at":"x","n":[1,]}"#,  // trailing comma in a skipped array
        #"{"seq":3,"id":"A1","decision":"approved","at":"x","n":["a":1]}"#, // a key inside an array
        #"{"seq":3,"id":"A1","decision":"approved","at":"x","n":{"a"}}"#, // a key without a value
        #"{"seq":3,"id":"A1","decision":"approved","at":"x","n":tru}"#,
        #"{"seq":3,"id":"A1","decision":"approved","at":"\x"}"#,          // unknown escape
        #"{"seq":3,"id":"A1","decision":"approved","at":"\uD800"}"#,      // lone surrogate
        #"{"seq":3,"id":"A1","decision":"approved","at":"x","n":1.}"#,
        #"{"seq":3,"id":"A1","decision":"approved","at":"x","n":-}"#,
        "{\"seq\":3,\"id\":\"A1\",\"decision\":\"approved\",\"at\":\"a\tb\"}",  // a raw tab in a string
        #"[{"seq":3}]"#,
    ])
    func brokenJSONIsRefused(_ line: String) {
        #expect(throws: StoreLineScanner.Failure.self) { try entry(line) }
    }

    @Test func bytesThatAreNotUTF8AreRefused() {
        for bad: [UInt8] in [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80]] {
            var line = Array(#"{"seq":1,"at":"x","decision":"approved","id":""#.utf8)
            line += bad
            line += Array(#""}"#.utf8)
            #expect((try? JSONSerialization.jsonObject(with: Data(line))) == nil)
            #expect(throws: StoreLineScanner.Failure.self) { try DecisionEntry(line: line[...]) }
        }
    }

    @Test func missingFieldsAndUnknownValuesAreSaid() {
        #expect(throws: StoreLineScanner.Failure.self) { try entry(#"{"seq":1,"at":"x","decision":"approved"}"#) }
        #expect(throws: StoreLineScanner.Failure.self) { try entry(#"{"seq":1,"at":"x","id":"A1","decision":"maybe"}"#) }
        #expect(throws: StoreLineScanner.Failure.self) { try entry(#"{"seq":"1","at":"x","id":"A1","decision":"approved"}"#) }
        #expect(throws: StoreLineScanner.Failure.self) { try entry(#"{"seq":1.5,"at":"x","id":"A1","decision":"approved"}"#) }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: StoreLineScanner.Failure.self) { try entry(#"{"seq":1,"at":"x","id":"A1","decision":"approved","n":\#(deep)}"#) }
    }

    /// Records as the stores write them (JSONEncoder, sorted keys): scanned, they give the
    /// entry the record gives.
    @Test func everyStoresEntryIsTheSameFromTheLineAndFromTheRecord() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func line<R: Encodable>(_ r: R) throws -> ArraySlice<UInt8> { Array(try encoder.encode(r))[...] }
        let applicant = Applicant(name: "김민수 \"Minsu\"", email: "m@example.kr", phone: "010-1234-5678", locale: "ko")
        var app = ApplicationRecord(id: "A000007", run: "r1", bundle: "b/1", digest: String(repeating: "a", count: 64), community: "c",
                                    applicant: applicant, answers: ["하고 싶은 말": "안녕\n하세요", "x": "{[\"]}"], submittedAt: "s",
                                    manifest: "application.json", files: "files/A000007",
                                    attachments: [AttachmentRecord(file: "p.jpg", kind: "photo", size: 1, sha256: "0", detectedType: "image/jpeg",
                                                                   declaredType: "image/jpeg", trailing: [TrailingSegment(offset: 1, bytes: 2, kind: .padding)])])
        app.seq = 7
        let a1 = ApplicationEntry(app), a2 = try ApplicationEntry(line: try line(app))
        #expect(a1.id == a2.id && a1.name == a2.name && a1.phone == a2.phone && a1.attachments == a2.attachments && a2.attachments == 1
                && a1.digest == a2.digest && a1.submittedAt == a2.submittedAt && a1.seq == a2.seq && a1.bundle == a2.bundle)
        app.applicant.phone = nil
        #expect(try ApplicationEntry(line: try line(app)).phone == nil)

        var rejection = RejectionRecord(id: "R000001", run: "r", bundle: "b", reasons: [Reason(.corruptFile, file: "p.jpg", "bad")],
                                        quarantine: "q", applicant: applicant, community: "c")
        rejection.seq = 1
        #expect(try RejectionEntry(line: try line(rejection)).applicantEmail == "m@example.kr")
        rejection.applicant = nil
        rejection.community = nil
        let r = try RejectionEntry(line: try line(rejection))
        #expect(r.applicantEmail == nil && r.community == nil && r.id == "R000001")

        var email = EmailRecord(id: nil, rejection: nil, decision: 12, run: nil, kind: .approved, messageID: "m", to: "t",
                                file: "A1.approved.d12", locale: "ko")
        email.seq = 4
        #expect(try EmailEntry(line: try line(email)).key == EmailEntry(email).key)
        #expect(EmailEntry(email).key == "decision:12")
        var digest = EmailRecord(run: "r9", kind: .digest, messageID: "m", to: "t", file: "digest.r9", locale: "ko", community: "c")
        digest.seq = 5
        #expect(try EmailEntry(line: try line(digest)).key == "digest:r9:c")

        var run = RunRecord(run: "r", started: "s", finished: "f", seconds: 1.5, counts: RunCounts(), exit: 74, error: "e",
                            features: ["mail_received": false, "admin_digest": true])
        run.seq = 2
        let scannedRun = try RunEntry(line: try line(run))
        #expect(scannedRun.features == run.features && scannedRun.exit == 74 && scannedRun.finished == "f")
        run.features = nil
        #expect(try RunEntry(line: try line(run)).features == nil)

        var delivery = DeliveryRecord(file: "f", messageID: "m", outcome: .deferred, detail: "d")
        delivery.seq = 9
        let d = try DeliveryEntry(line: try line(delivery))
        #expect(d.outcome == .deferred && d.file == "f" && d.seq == 9)
    }
}
