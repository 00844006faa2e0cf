import Foundation
import IntakeKit
import Testing

struct ManifestJSONSyntaxTests {
    private func only(_ text: String, limits: ManifestLimits = .init()) -> ManifestProblem? {
        let found = manifestProblems(parseManifest(text, .json, limits: limits))
        #expect(found.count == 1, "\(found)")
        return found.first
    }

    @Test func truncatedJSONIsRejected() {
        #expect(
            only(#"{"schema": "comm"#)
                == ManifestProblem(
                    detail: "the manifest is not valid JSON: the JSON ends unexpectedly inside a string", line: 1,
                    column: 12))
        let cut = String(ManifestFixtures.designJSON.prefix(200))
        #expect(only(cut)?.detail.hasPrefix("the manifest is not valid JSON: the JSON ends unexpectedly") == true)
        #expect(
            only("{\n  \"schema\": \"community-application/1\",\n")
                == ManifestProblem(
                    detail:
                        "the manifest is not valid JSON: the JSON ends unexpectedly inside an object (expected a key)",
                    line: 3, column: 1))
        #expect(
            only(#"{"a": [1, 2"#)?.detail
                == "the manifest is not valid JSON: the JSON ends unexpectedly inside an array (expected ',' or ']')")
        #expect(
            only(#"{"a": tr"#)?.detail
                == #"the manifest is not valid JSON: the JSON ends unexpectedly in the middle of "tr""#)
    }

    @Test func trailingCommaIsRejected() {
        #expect(
            only(#"{"a": "b",}"#)
                == ManifestProblem(
                    detail: "the manifest is not valid JSON: trailing comma before '}'", line: 1, column: 10))
        // The corpus generator's variant: a comma after the last member, before the closing brace.
        let text = ManifestFixtures.json(
            replacing: "\"2026-11-29T21:14:00+09:00\"\n}", with: "\"2026-11-29T21:14:00+09:00\",\n}")
        #expect(
            only(text)
                == ManifestProblem(
                    detail: "the manifest is not valid JSON: trailing comma before '}'", line: 10, column: 46))
        let array = ManifestFixtures.json(
            replacing: #""application/pdf"}"#, with: #""application/pdf"},"#)
        #expect(
            only(array)
                == ManifestProblem(
                    detail: "the manifest is not valid JSON: trailing comma before ']'", line: 8, column: 83))
    }

    @Test func unquotedKeyIsRejected() {
        let text = ManifestFixtures.json(replacing: #""community""#, with: "community")
        #expect(
            only(text)
                == ManifestProblem(
                    detail:
                        #"the manifest is not valid JSON: object keys must be in double quotes, but "community" is not"#,
                    line: 3, column: 3))
        #expect(
            only("{'schema': 'x'}")?.detail
                == "the manifest is not valid JSON: expected a key in double quotes but found '''")
    }

    @Test func columnsCountCharactersNotBytes() {
        #expect(
            only(#"{"이름": tru}"#)
                == ManifestProblem(
                    detail: #"the manifest is not valid JSON: unexpected word "tru"; strings must be in double quotes"#,
                    line: 1, column: 8))
    }

    @Test func duplicateKeysAreRejectedWherever() {
        let top = ManifestFixtures.json(
            replacing: #""community": "seoul-hiking","#,
            with: #""community": "seoul-hiking", "community": "busan-surfing","#)
        #expect(
            manifestProblems(parseManifest(top, .json)) == [
                ManifestProblem(
                    detail: #"duplicate key "community" at the top level"#, line: 3, column: 32)
            ])

        let nested = ManifestFixtures.json(
            replacing: #""locale": "ko"}"#, with: #""locale": "ko", "name": "김철수"}"#)
        #expect(
            problemDetails(manifestProblems(parseManifest(nested, .json))) == [#"duplicate key "name" in applicant"#])

        let inArray = ManifestFixtures.json(
            replacing: #""kind": "form","#, with: #""kind": "form", "kind": "photo","#)
        #expect(
            problemDetails(manifestProblems(parseManifest(inArray, .json))) == [
                #"duplicate key "kind" in attachments[1]"#
            ])

        let inAnswers = ManifestFixtures.json(
            replacing: #"{"motivation": "주말 산행을 함께하고 싶습니다."}"#,
            with: #"{"motivation": "a", "motivation": "b"}"#)
        #expect(
            problemDetails(manifestProblems(parseManifest(inAnswers, .json))) == [
                #"duplicate key "motivation" in answers"#
            ])
    }

    @Test func topLevelMustBeAnObject() {
        #expect(
            only("[]")
                == ManifestProblem(
                    detail: "the manifest must be a JSON object, not an array", line: 1, column: 1))
        #expect(only(#" "community-application/1""#)?.detail == "the manifest must be a JSON object, not a string")
        #expect(only("null")?.detail == "the manifest must be a JSON object, not null")
    }

    @Test func contentAfterTheDocumentIsRejected() {
        #expect(
            only(ManifestFixtures.designJSON + "\n{}")
                == ManifestProblem(
                    detail: "the manifest is not valid JSON: unexpected '{' after the end of the JSON document",
                    line: 12, column: 1))
    }

    @Test func tenThousandNestedArraysAreRejectedWithoutRecursion() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(
            only(text)
                == ManifestProblem(
                    detail: "the manifest is not valid JSON: the JSON is nested more than 16 levels deep", line: 1,
                    column: 17))
    }

    @Test func tenThousandNestedObjectsAreRejected() {
        let text = String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        #expect(only(text)?.detail == "the manifest is not valid JSON: the JSON is nested more than 16 levels deep")
    }

    @Test func nestingAtTheLimitIsNotASyntaxError() {
        var limits = ManifestLimits()
        limits.maxDepth = 4
        // Depth 4 exactly: top object, answers object... the value is an array of arrays.
        let atLimit = ManifestFixtures.json(replacing: #""주말 산행을 함께하고 싶습니다.""#, with: "[[]]")
        #expect(
            problemDetails(manifestProblems(parseManifest(atLimit, .json, limits: limits))) == [
                "answers.motivation must be a string, not an array"
            ])
        let beyond = ManifestFixtures.json(replacing: #""주말 산행을 함께하고 싶습니다.""#, with: "[[[]]]")
        #expect(
            only(beyond, limits: limits)?.detail
                == "the manifest is not valid JSON: the JSON is nested more than 4 levels deep")
    }

    @Test func invalidStringsAndNumbersAreRejected() {
        let cases: [(String, String)] = [
            (#"{"a": "\x41"}"#, #"\x is not a valid escape in a JSON string"#),
            (#"{"a": "\u12"}"#, #"a \u escape needs four hexadecimal digits"#),
            (#"{"a": "\ud800"}"#, #"a \u escape holds an unpaired UTF-16 surrogate"#),
            (#"{"a": "\udc00\ud800"}"#, #"a \u escape holds an unpaired UTF-16 surrogate"#),
            ("{\"a\": \"line\nbreak\"}", "a string contains the raw control character U+000A; it must be escaped"),
            (#"{"a": 01}"#, "a number is malformed"),
            (#"{"a": 1.}"#, "a number is malformed"),
            (#"{"a": -}"#, "a number is malformed"),
            (#"{"a": 1e}"#, "a number is malformed"),
            (#"{"a": NaN}"#, #"unexpected word "NaN"; strings must be in double quotes"#),
            (#"{"a": True}"#, #"unexpected word "True"; strings must be in double quotes"#),
            (#"{"a" "b"}"#, #"expected ':' after the key "a" but found '"'"#),
            (#"{"a": "b" "c": 1}"#, #"expected ',' or '}' after the value of "a" but found '"'"#),
            (#"{"a": [1 2]}"#, "expected ',' or ']' in an array but found '2'"),
            (#"{"a": /* no */ 1}"#, "unexpected '/' where a value was expected"),
        ]
        for (text, detail) in cases {
            #expect(only(text)?.detail == "the manifest is not valid JSON: \(detail)", "\(text)")
        }
    }

    @Test func wrongTypesAreNamedAndOtherFieldsStillChecked() {
        let text = """
            {
              "schema": "community-application/1",
              "community": 5,
              "applicant": {"name": null, "email": ["minsu@example.kr"], "phone": 1012345678, "locale": true},
              "answers": {"motivation": {"text": "x"}},
              "attachments": [{"file": "photo.jpg", "kind": "photo", "content_type": "image/jpeg"}, "member-form.pdf"],
              "submitted_at": 1764418440
            }
            """
        #expect(
            manifestProblems(parseManifest(text, .json)) == [
                ManifestProblem(detail: "community must be a string, not a number", line: 3, column: 16),
                ManifestProblem(detail: "applicant.name must be a string, not null", line: 4, column: 25),
                ManifestProblem(detail: "applicant.email must be a string, not an array", line: 4, column: 40),
                ManifestProblem(detail: "applicant.phone must be a string, not a number", line: 4, column: 71),
                ManifestProblem(detail: "applicant.locale must be a string, not a boolean", line: 4, column: 93),
                ManifestProblem(detail: "answers.motivation must be a string, not an object", line: 5, column: 29),
                ManifestProblem(detail: "attachments[1] must be an object, not a string", line: 6, column: 89),
                ManifestProblem(detail: "submitted_at must be a string, not a number", line: 7, column: 19),
            ])
        let attachments =
            #"{"schema": "community-application/1", "community": "a", "applicant": {"name": "a", "email": "a@b.kr"}, "attachments": {"file": "photo.jpg"}, "submitted_at": "2026-11-29T21:14:00Z"}"#
        #expect(
            problemDetails(manifestProblems(parseManifest(attachments, .json))) == [
                "attachments must be an array, not an object"
            ])
    }

    @Test func unknownKeysAreRejected() {
        let text = ManifestFixtures.json(
            replacing: #""locale": "ko"}"#, with: #""locale": "ko", "nickname": "민수"}, "referrer": "friend""#)
        #expect(
            problemDetails(manifestProblems(parseManifest(text, .json))) == [
                #"unknown key "nickname" in applicant"#, #"unknown key "referrer" at the top level"#,
            ])
    }
}
