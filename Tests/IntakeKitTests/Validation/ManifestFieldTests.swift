import Foundation
import IntakeKit
import Testing

/// The field rules both formats share.
struct ManifestFieldTests {
    @Test func everyMissingRequiredFieldIsNamedAtOnce() {
        #expect(
            problemDetails(manifestProblems(parseManifest("{}", .json))) == [
                "schema is missing", "community is missing", "applicant is missing", "attachments is missing",
                "submitted_at is missing",
            ])
        #expect(
            problemDetails(manifestProblems(parseManifest(#"{"applicant": {}, "attachments": [{}]}"#, .json))) == [
                "schema is missing", "community is missing", "applicant.name is missing", "applicant.email is missing",
                "attachments[0].file is missing", "attachments[0].kind is missing",
                "attachments[0].content_type is missing", "submitted_at is missing",
            ])
        #expect(
            problemDetails(
                manifestProblems(parseManifest("<application><applicant/><attachment/></application>", .xml))) == [
                    "schema is missing", "community is missing", "applicant.name is missing",
                    "applicant.email is missing",
                    "attachments[0].file is missing", "attachments[0].kind is missing",
                    "attachments[0].content_type is missing", "submitted_at is missing",
                ])
        #expect(
            problemDetails(manifestProblems(parseManifest("<application/>", .xml))) == [
                "schema is missing", "community is missing", "applicant is missing",
                "attachments lists no files; at least one is required", "submitted_at is missing",
            ])
    }

    @Test func everyFieldProblemIsReportedNotOnlyTheFirst() {
        let text = """
            {
              "schema": "community-application/2",
              "community": "Seoul Hiking",
              "applicant": {"name": "  ", "email": "x@", "phone": "010-1234-5678 ext. 9", "locale": "ko_KR"},
              "answers": {"          ": "x", "ok": "bell\\u0007"},
              "attachments": [
                {"file": "photo.jpg", "kind": "", "content_type": "image/jpeg"},
                {"file": "photo.jpg", "kind": "photo", "content_type": "image/jpeg"}
              ],
              "submitted_at": "2026-11-29 21:14"
            }
            """
        #expect(
            manifestProblems(parseManifest(text, .json)) == [
                ManifestProblem(
                    detail: #"schema "community-application/2" is not supported; expected "community-application/1""#,
                    line: 2, column: 13),
                ManifestProblem(
                    detail:
                        #"community "Seoul Hiking" is not a valid community slug (1 to 64 lowercase letters, digits or '-')"#,
                    line: 3, column: 16),
                ManifestProblem(detail: "applicant.name is empty", line: 4, column: 25),
                ManifestProblem(
                    detail: #"applicant.email "x@" is not a plausible e-mail address"#, line: 4, column: 40),
                ManifestProblem(
                    detail:
                        #"applicant.phone "010-1234-5678 ext. 9" is not a phone number (digits, spaces and + - ( ) . only, at most 32 characters)"#,
                    line: 4, column: 55),
                ManifestProblem(
                    detail: #"applicant.locale "ko_KR" is not a language tag such as "ko" or "en-US""#, line: 4,
                    column: 89),
                ManifestProblem(
                    detail: #"answers key "          " is empty"#,
                    line: 5, column: 15),
                ManifestProblem(detail: "answers.ok contains the control character U+0007", line: 5, column: 40),
                ManifestProblem(detail: "attachments[0].kind is empty", line: 7, column: 35),
                ManifestProblem(
                    detail: #"attachments[1].file "photo.jpg" is already listed as attachments[0].file"#, line: 8,
                    column: 14),
                ManifestProblem(
                    detail:
                        #"submitted_at "2026-11-29 21:14" is not an RFC 3339 date-time with a time-zone offset (e.g. 2026-11-29T21:14:00+09:00)"#,
                    line: 10, column: 19),
            ])
    }

    @Test func answerKeysAreAnyTextInTheApplicantsLanguage() throws {
        // A form whose fields are named in Korean; one key written NFD, as a Mac sends it.
        let nfd = "경력".decomposedStringWithCanonicalMapping
        let json = ManifestFixtures.designJSON.replacingOccurrences(
            of: #""answers": {"motivation": "주말 산행을 함께하고 싶습니다."}"#,
            with: #""answers": {"\#(nfd)": "5년", "하고 싶은 말": "잘 부탁드립니다.", "Motivation (영문)": "hiking"}"#)
        let manifest = try parseManifest(json, .json).get()
        #expect(manifest.answers == ["경력": "5년", "하고 싶은 말": "잘 부탁드립니다.", "Motivation (영문)": "hiking"])
        #expect(manifest.answers.keys.contains { Array($0.utf8) == Array("경력".utf8) })
        let xml = ManifestFixtures.designXML.replacingOccurrences(
            of: #"<answer key="motivation">"#, with: #"<answer key="하고 싶은 말">"#)
        #expect(try parseManifest(xml, .xml).get().answers == ["하고 싶은 말": "주말 산행을 함께하고 싶습니다."])
        // Still refused: blank keys, control characters and line breaks, absurd lengths.
        for (key, problem) in [("x\\ty", "contains the control character U+0009"), ("a\\nb", "contains the control character U+000A"),
                               (String(repeating: "가", count: 101), "is longer than 100 characters")] {
            let bad = ManifestFixtures.designJSON.replacingOccurrences(of: #""motivation""#, with: "\"\(key)\"")
            let details = manifestProblems(parseManifest(bad, .json)).map(\.detail)
            #expect(details.count == 1 && details[0].hasPrefix("answers key ") && details[0].hasSuffix(problem), "\(details)")
        }
    }

    @Test func quotedValuesInDetailsAreEscapedAndShortened() {
        let spoof = ManifestFixtures.json(replacing: "seoul-hiking", with: #"seoul\u202Ehiking\"\\"#)
        #expect(problemDetails(manifestProblems(parseManifest(spoof, .json))) == [
            #"community "seoul\u{202E}hiking\"\\" is not a valid community slug (1 to 64 lowercase letters, digits or '-')"#
        ])
        let long = ManifestFixtures.json(replacing: "minsu@example.kr", with: String(repeating: "가", count: 100))
        #expect(problemDetails(manifestProblems(parseManifest(long, .json))) == [
            "applicant.email \"" + String(repeating: "가", count: 60) + "…\" is not a plausible e-mail address"
        ])
    }

    @Test func problemListIsBounded() {
        let extra = (0..<150).map { #""extra\#($0)": 1"# }.joined(separator: ", ")
        let json = ManifestFixtures.json(replacing: #""schema""#, with: extra + #", "schema""#)
        let found = problemDetails(manifestProblems(parseManifest(json, .json)))
        #expect(found.count == 101)
        #expect(found.first == #"unknown key "extra0" at the top level"#)
        #expect(found[99] == #"unknown key "extra99" at the top level"#)
        #expect(found.last == "50 more problems not listed")
    }

    @Test(arguments: [
        ("김민수\r\nBcc: evil@example.com", "a line break U+000D"),
        ("김민수\nBcc: evil@example.com", "a line break U+000A"),
        ("김민\u{2028}수", "a line break U+2028"),
        ("김민\u{85}수", "a line break U+0085"),
        ("김\t민수", "the control character U+0009"),
        ("김민수\u{7F}", "the control character U+007F"),
    ])
    func nameWithLineBreakOrControlIsRejected(name: String, what: String) throws {
        let escaped = String(data: try JSONEncoder().encode(name), encoding: .utf8)!
        let json = ManifestFixtures.json(replacing: #""김민수""#, with: escaped)
        #expect(problemDetails(manifestProblems(parseManifest(json, .json))) == ["applicant.name contains \(what)"])
    }

    @Test func nameWithLineBreakIsRejectedInXMLToo() {
        let raw = ManifestFixtures.xml(replacing: "<name>김민수</name>", with: "<name>김민수\nBcc: evil@example.com</name>")
        #expect(
            manifestProblems(parseManifest(raw, .xml)) == [
                ManifestProblem(detail: "applicant.name contains a line break U+000A", line: 5)
            ])
        let reference = ManifestFixtures.xml(
            replacing: "<name>김민수</name>", with: "<name>김민수&#13;&#10;Bcc: evil@example.com</name>")
        #expect(
            problemDetails(manifestProblems(parseManifest(reference, .xml))) == [
                "applicant.name contains a line break U+000D"
            ])
        // Line breaks around the text are layout, not part of the name.
        let layout = ManifestFixtures.xml(replacing: "<name>김민수</name>", with: "<name>\n      김민수\n    </name>")
        #expect(acceptedManifest(parseManifest(layout, .xml))?.applicant.name == "김민수")
    }

    @Test func nameLengthIsBounded() {
        let long = String(repeating: "가", count: 201)
        let json = ManifestFixtures.json(replacing: "김민수", with: long)
        #expect(
            problemDetails(manifestProblems(parseManifest(json, .json))) == [
                "applicant.name is 201 characters long; at most 200 are allowed"
            ])
        let fits = ManifestFixtures.json(replacing: "김민수", with: String(long.dropLast()))
        #expect(acceptedManifest(parseManifest(fits, .json)) != nil)
    }

    @Test func everyStringIsBoundedByMaxFieldLength() {
        var limits = ManifestLimits()
        limits.maxFieldLength = 10
        #expect(
            problemDetails(manifestProblems(parseManifest(ManifestFixtures.designJSON, .json, limits: limits))) == [
                "schema is 23 characters long; at most 10 are allowed",
                "community is 12 characters long; at most 10 are allowed",
                "applicant.email is 16 characters long; at most 10 are allowed",
                "applicant.phone is 16 characters long; at most 10 are allowed",
                "answers.motivation is 17 characters long; at most 10 are allowed",
                "attachments[1].file is 15 characters long; at most 10 are allowed",
                "attachments[1].content_type is 15 characters long; at most 10 are allowed",
                "submitted_at is 25 characters long; at most 10 are allowed",
            ])
    }

    @Test func localesFollowBCP47Shape() {
        for good in ["ko", "en", "ko-KR", "en-US", "zh-Hant-TW", "es-419", "EN-us"] {
            let json = ManifestFixtures.json(replacing: #""locale": "ko""#, with: #""locale": "\#(good)""#)
            #expect(acceptedManifest(parseManifest(json, .json))?.applicant.locale == good)
        }
        for bad in ["korean", "k", "ko_KR", "ko-", "-ko", "ko-KR-x", "ko-K1", "한국어", "ko KR"] {
            let json = ManifestFixtures.json(replacing: #""locale": "ko""#, with: #""locale": "\#(bad)""#)
            #expect(
                problemDetails(manifestProblems(parseManifest(json, .json))).first?.hasPrefix("applicant.locale")
                    == true, "\(bad)")
        }
    }

    @Test func phonesAreDigitsAndPunctuation() {
        for good in ["+82 10-1234-5678", "010-1234-5678", "01012345678", "+44 7700 900123", "(02) 123.4567"] {
            let json = ManifestFixtures.json(replacing: "+82 10-1234-5678", with: good)
            #expect(acceptedManifest(parseManifest(json, .json))?.applicant.phone == good)
        }
        for bad in ["010-CALL-ME", "+82 10 1234 5678 / 010 9876 5432 (home)", "---", "010\u{2013}1234", "０１０"] {
            let json = ManifestFixtures.json(replacing: "+82 10-1234-5678", with: bad)
            #expect(
                problemDetails(manifestProblems(parseManifest(json, .json))).first?.hasPrefix("applicant.phone")
                    == true, "\(bad)")
        }
    }

    @Test func communityIsASlug() {
        for good in ["a", "seoul-hiking", "pangyo-dev-meetup", "club-2026", String(repeating: "a", count: 64)] {
            let json = ManifestFixtures.json(replacing: "seoul-hiking", with: good)
            #expect(acceptedManifest(parseManifest(json, .json))?.community == good)
        }
        for bad in ["", "Seoul-Hiking", "seoul_hiking", "seoul hiking", "서울-산악회", String(repeating: "a", count: 65)] {
            let json = ManifestFixtures.json(replacing: "seoul-hiking", with: bad)
            #expect(
                problemDetails(manifestProblems(parseManifest(json, .json))).first?.hasPrefix("community") == true,
                "\(bad)")
        }
    }

    @Test func submittedAtIsRFC3339WithOffset() {
        let good = [
            "2026-11-29T21:14:00+09:00", "2026-11-29T12:14:00Z", "2026-11-29t12:14:00z", "2024-02-29T00:00:00-05:30",
            "2026-11-29T21:14:00.123456+09:00", "2016-12-31T23:59:60Z",
        ]
        for value in good {
            let json = ManifestFixtures.json(replacing: "2026-11-29T21:14:00+09:00", with: value)
            #expect(acceptedManifest(parseManifest(json, .json))?.submittedAt == value, "\(value)")
        }
        let bad = [
            "2026-11-29T21:14:00", "2026-11-29", "2026-11-29 21:14:00+09:00", "2026-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-29T24:00:00Z", "2026-11-29T21:14:00+0900",
            "2026-11-29T21:14:00.+09:00", "2026-11-29T21:14:00+24:00", "26-11-29T21:14:00Z", "2026-11-29T21:14:00 Z",
        ]
        for value in bad {
            let json = ManifestFixtures.json(replacing: "2026-11-29T21:14:00+09:00", with: value)
            #expect(
                problemDetails(manifestProblems(parseManifest(json, .json))).first?.hasPrefix("submitted_at \"")
                    == true, "\(value)")
        }
        // Like every single-line field, the value is trimmed first.
        let padded = ManifestFixtures.json(
            replacing: "2026-11-29T21:14:00+09:00", with: " 2026-11-29T21:14:00+09:00\\n")
        #expect(acceptedManifest(parseManifest(padded, .json))?.submittedAt == "2026-11-29T21:14:00+09:00")
    }

    @Test func answerRules() {
        var limits = ManifestLimits()
        limits.maxAnswers = 2
        let three = ManifestFixtures.json(
            replacing: #""motivation": "주말 산행을 함께하고 싶습니다.""#, with: #""a": "1", "b": "2", "c": "3""#)
        #expect(
            problemDetails(manifestProblems(parseManifest(three, .json, limits: limits))) == [
                "answers has 3 entries; at most 2 are allowed"
            ])

        let keys = ManifestFixtures.json(
            replacing: #""motivation": "주말 산행을 함께하고 싶습니다.""#,
            with:
                #""how_heard": "", "x2": "ok", "": "x", "how-heard": "x", "\#(String(repeating: "k", count: 101))": "x""#
        )
        // Keys are any text now ("how-heard", "경력"); empty and over-long ones are still refused.
        #expect(problemDetails(manifestProblems(parseManifest(keys, .json))).count == 2)

        let xmlDuplicate = ManifestFixtures.xml(
            replacing: #"<answer key="motivation">주말 산행을 함께하고 싶습니다.</answer>"#,
            with: #"<answer key="motivation">a</answer><answer key="motivation">b</answer>"#)
        #expect(
            manifestProblems(parseManifest(xmlDuplicate, .xml)) == [
                ManifestProblem(detail: "answers.motivation appears more than once", line: 8)
            ])

        // Tabs and line breaks are fine inside an answer.
        let multiline = ManifestFixtures.json(replacing: "주말 산행을 함께하고 싶습니다.", with: #"첫째\t줄\r\n둘째 줄"#)
        #expect(acceptedManifest(parseManifest(multiline, .json))?.answers["motivation"] == "첫째\t줄\r\n둘째 줄")
    }

    @Test func attachmentRules() {
        var limits = ManifestLimits()
        limits.maxAttachments = 1
        #expect(
            problemDetails(manifestProblems(parseManifest(ManifestFixtures.designJSON, .json, limits: limits))) == [
                "attachments lists 2 files; at most 1 are allowed"
            ])
        let none =
            #"{"schema": "community-application/1", "community": "a", "applicant": {"name": "a", "email": "a@b.kr"}, "attachments": [], "submitted_at": "2026-11-29T21:14:00Z"}"#
        #expect(
            problemDetails(manifestProblems(parseManifest(none, .json))) == [
                "attachments lists no files; at least one is required"
            ])

        // Names that differ only in Unicode normalisation are the same file to a person.
        let nfc = "사진.jpg"
        let nfd = "\u{1109}\u{1161}\u{110C}\u{1175}\u{11AB}.jpg"
        let twins = ManifestFixtures.xml(replacing: #"file="photo.jpg""#, with: #"file="\#(nfc)""#)
            .replacingOccurrences(of: #"file="member-form.pdf""#, with: #"file="\#(nfd)""#)
        #expect(
            problemDetails(manifestProblems(parseManifest(twins, .xml))) == [
                #"attachments[1].file "\#(nfd)" is already listed as attachments[0].file"#
            ])
        // Case differences are left to the caller (the folder decides).
        let cases = ManifestFixtures.json(replacing: "member-form.pdf", with: "PHOTO.jpg")
        #expect(acceptedManifest(parseManifest(cases, .json))?.attachments.map(\.file) == ["photo.jpg", "PHOTO.jpg"])
        // File names are not trimmed or otherwise touched.
        let spaced = ManifestFixtures.json(replacing: "member-form.pdf", with: " member form .pdf")
        #expect(acceptedManifest(parseManifest(spaced, .json))?.attachments[1].file == " member form .pdf")
    }
}

/// XML layout rules.
struct ManifestXMLStructureTests {
    @Test func unknownAndMisplacedContentIsReported() {
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <application schema="community-application/1" version="2">
              <community>seoul-hiking</community>
              <community>busan-surfing</community>
              <applicant>
                <name lang="ko">김민수</name><email>minsu@<b>example.kr</b></email>
                <nickname>민수</nickname>
              </applicant>
              stray words
              <answers><answer>no key</answer><note/></answers>
              <attachment file="photo.jpg" kind="photo" content-type="image/jpeg" size="12"/>
              <attachment file="form.pdf" kind="form" content-type="application/pdf">form.pdf</attachment>
              <submitted_at>2026-11-29T21:14:00+09:00</submitted_at>
            </application>
            """
        #expect(
            manifestProblems(parseManifest(text, .xml)) == [
                ManifestProblem(detail: #"unknown attribute "version" on <application>"#, line: 2),
                ManifestProblem(detail: "<community> appears more than once in <application>", line: 4),
                ManifestProblem(detail: #"unknown attribute "lang" on <name>"#, line: 6),
                ManifestProblem(detail: "applicant.email must hold text only, not the element <b>", line: 6),
                ManifestProblem(detail: "unknown element <nickname> in <applicant>", line: 7),
                ManifestProblem(detail: #"unexpected text "stray words" in <application>"#, line: 9),
                ManifestProblem(detail: "an <answer> has no key attribute", line: 10),
                ManifestProblem(detail: "unknown element <note> in <answers>", line: 10),
                ManifestProblem(detail: #"unknown attribute "size" on <attachment>"#, line: 11),
                ManifestProblem(
                    detail: "attachments[1] (<attachment>) must be empty; its details are attributes", line: 12),
            ])
    }

    @Test func rootMustBeApplicationWithoutNamespace() {
        #expect(
            manifestProblems(parseManifest("<manifest/>", .xml)) == [
                ManifestProblem(
                    detail: "the root element must be <application> (without a namespace), not <manifest>", line: 1)
            ])
        let namespaced = ManifestFixtures.xml(
            replacing: #"<application schema"#, with: #"<application xmlns="urn:example" schema"#)
        #expect(
            problemDetails(manifestProblems(parseManifest(namespaced, .xml))) == [
                #"the root element must be <application> (without a namespace), not <application> in the namespace "urn:example""#
            ])
    }

    @Test func commentsAndProcessingInstructionsAreIgnored() {
        let text = ManifestFixtures.xml(
            replacing: "<name>김민수</name>", with: "<!-- 본명 --><name>김<!-- 성 -->민수<?pi x?></name>")
        #expect(acceptedManifest(parseManifest(text, .xml))?.applicant.name == "김민수")
    }
}
