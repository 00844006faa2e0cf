import Foundation
import IntakeKit
import Testing

struct ManifestParserTests {
    @Test func designJSONExampleParses() {
        let result = parseManifest(ManifestFixtures.designJSON, .json)
        #expect(acceptedManifest(result) == ManifestFixtures.designManifest(format: .json))
    }

    @Test func designXMLExampleParses() {
        let result = parseManifest(ManifestFixtures.designXML, .xml)
        #expect(acceptedManifest(result) == ManifestFixtures.designManifest(format: .xml))
    }

    @Test func bothFormatsYieldTheSameManifest() throws {
        var fromJSON = try #require(acceptedManifest(parseManifest(ManifestFixtures.designJSON, .json)))
        let fromXML = try #require(acceptedManifest(parseManifest(ManifestFixtures.designXML, .xml)))
        #expect(fromJSON.format == .json)
        #expect(fromXML.format == .xml)
        fromJSON.format = .xml
        #expect(fromJSON == fromXML)
    }

    @Test func koreanJSONManifestWithEscapesAndMultilineAnswer() throws {
        // Korean text written raw and as \u escapes (including a surrogate pair) must decode identically.
        let text = #"""
            {
              "schema": "community-application/1",
              "community": "jeju-photo-club",
              "applicant": {"name": "\uBC15\uC9C0\uBBFC", "email": "jimin.park+club@kakao.example",
                            "phone": "010-2345-6789", "locale": "ko-KR"},
              "answers": {
                "motivation": "  사진 찍는 걸 좋아하고, 함께 출사 다닐 분들을 찾습니다.\n\n초보지만 열심히 하겠습니다 \ud83d\ude42  ",
                "experience": "대학 동아리에서 2년 활동했어요.",
                "how_heard": "당근마켓 동네생활"
              },
              "attachments": [
                {"file": "프로필 사진.jpg", "kind": "photo", "content_type": "image/jpeg"},
                {"file": "신청서(작성완료).pdf", "kind": "form", "content_type": "application/pdf"},
                {"file": "자격증 사본.PDF", "kind": "document", "content_type": "application/pdf"}
              ],
              "submitted_at": "2026-10-14T08:05:31+09:00"
            }
            """#
        let parsed = try #require(acceptedManifest(parseManifest(text, .json)))
        #expect(parsed.community == "jeju-photo-club")
        #expect(
            parsed.applicant
                == Applicant(
                    name: "박지민", email: "jimin.park+club@kakao.example", phone: "010-2345-6789", locale: "ko-KR"))
        #expect(
            parsed.answers == [
                "motivation": "사진 찍는 걸 좋아하고, 함께 출사 다닐 분들을 찾습니다.\n\n초보지만 열심히 하겠습니다 🙂",
                "experience": "대학 동아리에서 2년 활동했어요.",
                "how_heard": "당근마켓 동네생활",
            ])
        #expect(parsed.attachments.map(\.file) == ["프로필 사진.jpg", "신청서(작성완료).pdf", "자격증 사본.PDF"])
        #expect(parsed.attachments.map(\.kind) == ["photo", "form", "document"])
        #expect(parsed.submittedAt == "2026-10-14T08:05:31+09:00")
    }

    @Test func koreanXMLManifestWithEscapedMarkupAndMultilineAnswer() throws {
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- written by hand from a paper form -->
            <application schema="community-application/1">
              <community>
                seoul-hiking
              </community>
              <applicant>
                <name> 이서연 </name>
                <email>seoyeon.lee@naver.example</email>
                <locale>ko</locale>
              </applicant>
              <answers>
                <answer key="motivation">
                  &quot;함께하면 멀리 간다&quot;는 말을 믿습니다.
                  지리산 종주 2회 &amp; 한라산 4회 다녀왔습니다 &lt;3
                </answer>
                <answer key="availability"><![CDATA[주말 <오전>]]></answer>
              </answers>
              <attachment file="증명사진.jpg" kind="photo" content-type="image/jpeg"/>
              <attachment file="가입신청서.pdf" kind="form" content-type="application/pdf"></attachment>
              <submitted_at>2026-11-02T19:40:00+09:00</submitted_at>
            </application>

            """
        let parsed = try #require(acceptedManifest(parseManifest(text, .xml)))
        #expect(
            parsed
                == Manifest(
                    schema: "community-application/1",
                    community: "seoul-hiking",
                    applicant: Applicant(name: "이서연", email: "seoyeon.lee@naver.example", phone: nil, locale: "ko"),
                    answers: [
                        "motivation": "\"함께하면 멀리 간다\"는 말을 믿습니다.\n      지리산 종주 2회 & 한라산 4회 다녀왔습니다 <3",
                        "availability": "주말 <오전>",
                    ],
                    attachments: [
                        AttachmentEntry(file: "증명사진.jpg", kind: "photo", contentType: "image/jpeg"),
                        AttachmentEntry(file: "가입신청서.pdf", kind: "form", contentType: "application/pdf"),
                    ],
                    submittedAt: "2026-11-02T19:40:00+09:00",
                    format: .xml))
    }

    @Test func missingLocaleBecomesEmptyForTheCallerToDefault() throws {
        let json = ManifestFixtures.json(replacing: #", "locale": "ko""#, with: "")
        #expect(try #require(acceptedManifest(parseManifest(json, .json))).applicant.locale == "")
        let xml = ManifestFixtures.xml(replacing: "<locale>ko</locale>", with: "")
        #expect(try #require(acceptedManifest(parseManifest(xml, .xml))).applicant.locale == "")
        let empty = ManifestFixtures.xml(replacing: "<locale>ko</locale>", with: "<locale/>")
        #expect(try #require(acceptedManifest(parseManifest(empty, .xml))).applicant.locale == "")
    }

    @Test func phoneIsOptionalAndNullOrEmptyMeansNone() throws {
        for replacement in ["", #", "phone": null"#, #", "phone": """#, #", "phone": "  ""#] {
            let json = ManifestFixtures.json(replacing: #", "phone": "+82 10-1234-5678""#, with: replacement)
            #expect(try #require(acceptedManifest(parseManifest(json, .json))).applicant.phone == nil)
        }
        let xml = ManifestFixtures.xml(replacing: "<phone>+82 10-1234-5678</phone>", with: "")
        #expect(try #require(acceptedManifest(parseManifest(xml, .xml))).applicant.phone == nil)
    }

    @Test func answersAreOptional() throws {
        let json = ManifestFixtures.json(
            replacing: #"  "answers": {"motivation": "주말 산행을 함께하고 싶습니다."},"# + "\n", with: "")
        #expect(try #require(acceptedManifest(parseManifest(json, .json))).answers == [:])
        let xml = ManifestFixtures.xml(
            replacing: #"<answers><answer key="motivation">주말 산행을 함께하고 싶습니다.</answer></answers>"#,
            with: "<answers/>")
        #expect(try #require(acceptedManifest(parseManifest(xml, .xml))).answers == [:])
    }

    @Test func byteOrderMarkIsSkipped() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let json = ManifestParser.parse(bom + Array(ManifestFixtures.designJSON.utf8), format: .json)
        #expect(acceptedManifest(json) == ManifestFixtures.designManifest(format: .json))
        let xml = ManifestParser.parse(bom + Array(ManifestFixtures.designXML.utf8), format: .xml)
        #expect(acceptedManifest(xml) == ManifestFixtures.designManifest(format: .xml))
    }

    @Test func fileNamesKeepTheirExactBytes() throws {
        // "사진.jpg" decomposed into conjoining jamo (NFD), as macOS writes it.
        let nfd = "\u{1109}\u{1161}\u{110C}\u{1175}\u{11AB}.jpg"
        let nfc = "사진.jpg"
        #expect(Array(nfd.utf8) != Array(nfc.utf8))
        for name in [nfd, nfc] {
            let json = ManifestFixtures.json(replacing: #""file": "photo.jpg""#, with: #""file": "\#(name)""#)
            let fromJSON = try #require(acceptedManifest(parseManifest(json, .json)))
            #expect(Array(fromJSON.attachments[0].file.utf8) == Array(name.utf8))
            let xml = ManifestFixtures.xml(replacing: #"file="photo.jpg""#, with: #"file="\#(name)""#)
            let fromXML = try #require(acceptedManifest(parseManifest(xml, .xml)))
            #expect(Array(fromXML.attachments[0].file.utf8) == Array(name.utf8))
        }
    }

    @Test func formatFileNames() {
        #expect(ManifestFormat.json.fileName == "application.json")
        #expect(ManifestFormat.xml.fileName == "application.xml")
        #expect(ManifestFormat(fileName: "application.xml") == .xml)
        #expect(ManifestFormat(fileName: "Application.JSON") == nil)
    }

    @Test func problemDescriptionsCarryTheirPosition() {
        #expect(ManifestProblem(detail: "x", line: 3, column: 7).description == "line 3, column 7: x")
        #expect(ManifestProblem(detail: "x", line: 3).description == "line 3: x")
        #expect(ManifestProblem(detail: "x").description == "x")
    }

    @Test func libxml2VersionIsReported() {
        let version = XMLSupport.libxml2Version
        let parts = version.split(separator: ".")
        #expect(parts.count == 3)
        #expect(parts.allSatisfy { Int($0) != nil })
        #expect(version.hasPrefix("2."))
        #expect(XMLSupport.selfTest() == nil)
    }
}
