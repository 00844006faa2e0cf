import Foundation
import Testing
@testable import IntakeKit

/// Builds a candidate recorded `day` days after 2026-01-01 (larger is newer).
private func candidate(
    _ id: String, _ name: String, email: String = "someone@example.org", phone: String? = nil, day: Int = 0
) -> SearchCandidate {
    SearchCandidate(
        id: id, name: name, email: email, phone: phone,
        recordedAt: Date(timeIntervalSince1970: 1_767_225_600 + Double(day) * 86_400)
    )
}

/// The hit of `text` on one candidate, failing the test if the query is not even valid.
private func hit(_ text: String, _ candidate: SearchCandidate) throws -> SearchHit? {
    try #require(SearchQuery(text)).match(candidate)
}

/// The ids of the ranked hits of `text`.
private func ids(_ text: String, in candidates: [SearchCandidate]) throws -> [String] {
    SearchMatcher.search(try #require(SearchQuery(text)), in: candidates).map(\.candidate.id)
}

private let minsuNFC = "\u{AE40}\u{BBFC}\u{C218}"
private let minsuNFD = "\u{1100}\u{1175}\u{11B7}\u{1106}\u{1175}\u{11AB}\u{1109}\u{116E}"

@Suite struct NormalFormMatchingTests {
    @Test func decomposedStoredNameIsFoundByComposedQuery() throws {
        let found = try hit(minsuNFC, candidate("a", minsuNFD))
        #expect(found?.rank == .exact)
        #expect(found?.field == .name)
    }

    @Test func decomposedQueryFindsComposedStoredName() throws {
        #expect(try hit(minsuNFD, candidate("a", minsuNFC))?.rank == .exact)
    }

    @Test func decomposedPartsMatchAsPrefixAndSubstring() throws {
        let stored = candidate("a", minsuNFD)
        #expect(try hit("\u{1100}\u{1175}\u{11B7}", stored)?.rank == .prefix)                      // 김, decomposed
        #expect(try hit("민수".decomposedStringWithCanonicalMapping, stored)?.rank == .partial)
    }

    @Test func decomposedSyllableIsNotMistakenForInitials() throws {
        // 김 decomposed starts with the conjoining initial ᄀ; composed first, it must not read as "ᄀ + vowel".
        let query = try #require(SearchQuery(minsuNFD))
        #expect(!query.isInitialsQuery)
    }
}

@Suite struct SearchLatinAndWhitespaceTests {
    let kim = candidate("k", "Kim Minsu")

    @Test func latinIsCaseInsensitive() throws {
        #expect(try hit("KIM", kim)?.rank == .prefix)
        #expect(try hit("minsu", kim)?.rank == .partial)
        #expect(try hit("kim minsu", kim)?.rank == .exact)
        #expect(try hit("KIM MINSU", kim)?.rank == .exact)
    }

    @Test func fullWidthLatinMatches() throws {
        #expect(try hit("ＫＩＭ", kim)?.rank == .prefix)
    }

    @Test func whitespaceInsideNamesIsIgnoredOnBothSides() throws {
        #expect(try hit("김 민수", candidate("a", "김민수"))?.rank == .exact)
        #expect(try hit("김민수", candidate("a", "김 민수"))?.rank == .exact)
        #expect(try hit("kimminsu", kim)?.rank == .exact)
        #expect(try hit("  민수  ", candidate("a", "김민수"))?.rank == .partial)
    }

    @Test func blankQueriesAreRejected() {
        for text in ["", " ", "   ", "\t\n", "\u{3000}", "\u{200B}"] {
            #expect(SearchQuery(text) == nil, "\(Array(text.unicodeScalars))")
        }
    }

    @Test func unrelatedQueryFindsNothing() throws {
        let people = [candidate("a", "김민수", email: "minsu@example.kr", phone: "+82 10-1234-5678"), kim]
        #expect(try ids("박지성", in: people).isEmpty)
        #expect(try ids("ㅂㅈㅅ", in: people).isEmpty)
        #expect(try ids("010-9999-0000", in: people).isEmpty)
        #expect(try hit("zzz", kim) == nil)
    }
}

@Suite struct InitialsMatchingTests {
    let minsu = candidate("m", "김민수")

    @Test func fullInitialsMatchTheWholeName() throws {
        let found = try hit("ㄱㅁㅅ", minsu)
        #expect(found?.rank == .initials)
        #expect(found?.field == .name)
        #expect(try hit("ㄱ ㅁ ㅅ", minsu)?.rank == .initials)
    }

    @Test func partOfTheInitialsMatches() throws {
        #expect(try hit("ㄱㅁ", minsu)?.rank == .initialsPrefix)
        #expect(try hit("ㅁㅅ", minsu)?.rank == .initialsPartial)
        #expect(try hit("ㅅ", minsu)?.rank == .initialsPartial)
        #expect(try hit("ㅅㅁ", minsu) == nil)
        #expect(try hit("ㄱㅁㅅㅇ", minsu) == nil)
    }

    @Test func mixedSyllablesAndInitialsMatchPositionByPosition() throws {
        #expect(try hit("김ㅁㅅ", minsu)?.rank == .initials)
        #expect(try hit("ㄱ민ㅅ", minsu)?.rank == .initials)
        #expect(try hit("민ㅅ", minsu)?.rank == .initialsPartial)
        #expect(try hit("김ㅁ", minsu)?.rank == .initialsPrefix)
        #expect(try hit("김ㅁㅈ", minsu) == nil)
        #expect(try hit("이ㅁㅅ", minsu) == nil)
    }

    @Test func doubleConsonantsMatchOnlyThemselves() throws {
        let flower = candidate("f", "꽃님")
        #expect(try hit("ㄲㄴ", flower)?.rank == .initials)
        #expect(try hit("ㄲ", flower)?.rank == .initialsPrefix)
        #expect(try hit("ㄱㄴ", flower) == nil)
        #expect(try hit("ㄲㅁ", minsu) == nil)
        #expect(try hit("ㄸㅂㅇ", candidate("t", "떡볶이"))?.rank == .initials)
    }

    @Test func conjoiningAndHalfWidthLettersWorkLikeKeyboardLetters() throws {
        #expect(try hit("\u{1100}\u{1106}\u{1109}", minsu)?.rank == .initials)    // ᄀᄆᄉ
        #expect(try hit("\u{FFA1}\u{FFB1}\u{FFB5}", minsu)?.rank == .initials)    // ﾡﾱﾵ
    }

    @Test func decomposedStoredNameMatchesInitials() throws {
        #expect(try hit("ㄱㅁㅅ", candidate("d", minsuNFD))?.rank == .initials)
        #expect(try hit("김ㅁㅅ".decomposedStringWithCanonicalMapping, candidate("d", minsuNFD))?.rank == .initials)
    }

    @Test func initialsNeverMatchEmailOrLatin() throws {
        #expect(try hit("ㄱ", candidate("l", "Kim Minsu", email: "gim@example.kr")) == nil)
    }
}

@Suite struct MixedScriptNameTests {
    let mixed = candidate("x", "Kim 민수")

    @Test func literalQueriesAcrossScripts() throws {
        #expect(try hit("kim민수", mixed)?.rank == .exact)
        #expect(try hit("KIM 민수", mixed)?.rank == .exact)
        #expect(try hit("민수", mixed)?.rank == .partial)
        #expect(try hit("kim", mixed)?.rank == .prefix)
    }

    @Test func initialsInsideAMixedName() throws {
        #expect(try hit("ㅁㅅ", mixed)?.rank == .initialsPartial)
        #expect(try hit("Kim ㅁ", mixed)?.rank == .initialsPrefix)
        #expect(try hit("kimㅁㅅ", mixed)?.rank == .initials)
    }
}

@Suite struct SearchPhoneMatchingTests {
    let stored = candidate("p", "김민수", phone: "+82 10-1234-5678")

    @Test(arguments: [
        "010-1234-5678", "01012345678", "+82 10-1234-5678", "+821012345678", "+82-10-1234-5678",
        "(010) 1234.5678", "0082 10 1234 5678", "+82 (0)10 1234 5678", "０１０－１２３４－５６７８",
    ])
    func everyPunctuationFindsTheNumber(query: String) throws {
        let found = try hit(query, stored)
        #expect(found?.rank == .exact)
        #expect(found?.field == .phone)
    }

    @Test func nationalStoredNumberIsFoundByInternationalQuery() throws {
        #expect(try hit("+82 10 1234 5678", candidate("n", "이서연", phone: "010-1234-5678"))?.rank == .exact)
    }

    @Test func digitFragmentsMatchAsPrefixOrPartial() throws {
        #expect(try hit("5678", stored)?.rank == .partial)
        #expect(try hit("1234-5678", stored)?.rank == .partial)
        #expect(try hit("010 1234", stored)?.rank == .prefix)
        #expect(try hit("+82 10", stored)?.rank == .prefix)
        #expect(try hit("5679", stored) == nil)
    }

    @Test func shortOrWordyQueriesAreNotPhoneQueries() throws {
        #expect(try #require(SearchQuery("5678")).isPhoneQuery)
        #expect(try !#require(SearchQuery("56")).isPhoneQuery)
        #expect(try !#require(SearchQuery("tel 5678")).isPhoneQuery)
        #expect(try hit("56", stored) == nil)
        #expect(try hit("tel 5678", stored) == nil)
    }

    @Test func candidatesWithoutPhoneAreSkipped() throws {
        #expect(try hit("5678", candidate("n", "김민수", phone: nil)) == nil)
        #expect(try hit("5678", candidate("n", "김민수", phone: "")) == nil)
    }

    @Test func nationalForms() {
        #expect(PhoneDigits.national("+82 10-1234-5678") == "01012345678")
        #expect(PhoneDigits.national("+82 2-123-4567") == "021234567")
        #expect(PhoneDigits.national("0082-10-1234-5678") == "01012345678")
        #expect(PhoneDigits.national("+82 (0)10-1234-5678") == "01012345678")
        #expect(PhoneDigits.national("010.1234.5678") == "01012345678")
        #expect(PhoneDigits.national("+1 (415) 555-0100") == "14155550100")
        #expect(PhoneDigits.national("5678") == "5678")
        #expect(PhoneDigits.national("8210") == "8210")
        #expect(PhoneDigits.national("없음") == "")
    }

    @Test func foreignNumbersMatchByTheirOwnDigits() throws {
        let foreign = candidate("f", "John Smith", phone: "+1 (415) 555-0100")
        #expect(try hit("+1 415 555 0100", foreign)?.rank == .exact)
        #expect(try hit("415-555-0100", foreign)?.rank == .partial)
        #expect(try hit("010-555-0100", foreign) == nil)
    }
}

@Suite struct SearchEmailMatchingTests {
    let stored = candidate("e", "김민수", email: "MinSu@Example.KR")

    @Test func wholeAddressIsExactWhateverTheCase() throws {
        let found = try hit("minsu@example.kr", stored)
        #expect(found?.rank == .exact)
        #expect(found?.field == .email)
        #expect(try hit("MINSU@EXAMPLE.KR", stored)?.rank == .exact)
    }

    @Test func localPartAndDomainMatch() throws {
        #expect(try hit("minsu", stored)?.rank == .prefix)
        #expect(try hit("insu@", stored)?.rank == .partial)
        #expect(try hit("EXAMPLE.kr", stored)?.rank == .partial)
        #expect(try hit("@example", stored)?.rank == .partial)
        #expect(try hit("minsu@example.com", stored) == nil)
    }

    @Test func theBestFieldWins() throws {
        // "minsu" is only partial in the name but a prefix of the address.
        let person = candidate("b", "Kim Minsu", email: "minsu@example.kr")
        let found = try hit("minsu", person)
        #expect(found?.rank == .prefix)
        #expect(found?.field == .email)
        // On a tie the name is reported.
        let same = try hit("kim", candidate("c", "Kim", email: "kim"))
        #expect(same?.field == .name)
    }
}

@Suite struct SearchRankingTests {
    @Test func ranksThenNewestThenId() throws {
        let people = [
            candidate("old-exact", "민수", day: 1),
            candidate("prefix-new", "민수진", day: 30),
            candidate("prefix-old", "민수호", day: 10),
            candidate("partial-b", "이민수", day: 20),
            candidate("partial-a", "박민수", day: 20),
            candidate("partial-newest", "김민수", day: 40),
            candidate("email-prefix", "Lee Seoyeon", email: "민수@example.kr", day: 5),
            candidate("nobody", "최지우", day: 50),
        ]
        #expect(try ids("민수", in: people) == [
            "old-exact", "prefix-new", "prefix-old", "email-prefix", "partial-newest", "partial-a", "partial-b",
        ])
    }

    @Test func initialsRankBelowLiteralHitsAndByCoverage() throws {
        let people = [
            candidate("inside", "이김민수", day: 9),
            candidate("start", "김민수진", day: 8),
            candidate("whole-old", "김민수", day: 1),
            candidate("whole-new", "김명숙", day: 7),
            candidate("literal", "ㄱㅁㅅ 동호회", day: 0),
            candidate("none", "박지성", day: 10),
        ]
        let hits = SearchMatcher.search(try #require(SearchQuery("ㄱㅁㅅ")), in: people)
        #expect(hits.map(\.candidate.id) == ["literal", "whole-new", "whole-old", "start", "inside"])
        #expect(hits.map(\.rank) == [.prefix, .initials, .initials, .initialsPrefix, .initialsPartial])
    }

    @Test func rankOrderAndLabels() {
        #expect(MatchRank.allCases.sorted() == [.exact, .prefix, .partial, .initials, .initialsPrefix, .initialsPartial])
        #expect(MatchRank.allCases.map(\.label)
            == ["exact", "prefix", "partial", "initials", "initials_prefix", "initials_partial"])
    }
}

@Suite struct SearchIndexTests {
    /// 100,000 candidates: every 1,000th is 홍길동, the rest 이서연, each with its own e-mail and phone.
    static let large: [SearchCandidate] = (0..<100_000).map { i in
        candidate(
            String(format: "app-%06d", i), i % 1_000 == 0 ? "홍길동" : "이서연",
            email: "user\(i)@example.com", phone: String(format: "+82 10-%04d-%04d", i / 10_000, i % 10_000),
            day: i % 365
        )
    }

    @Test func indexGivesTheSameHitsAsTheOneShotSearch() throws {
        let people = Array(Self.large.prefix(3_000))
        let index = SearchIndex(people)
        #expect(index.count == 3_000)
        for text in ["ㅎㄱㄷ", "이서연", "user12", "0000-0", "홍"] {
            let query = try #require(SearchQuery(text))
            #expect(index.search(query) == SearchMatcher.search(query, in: people), "\(text)")
        }
    }

    @Test func limitKeepsTheBestHits() throws {
        let index = SearchIndex(Array(Self.large.prefix(3_000)))
        let query = try #require(SearchQuery("user1"))
        let all = index.search(query)
        #expect(all.count > 10)
        #expect(index.search(query, limit: 10) == Array(all.prefix(10)))
        #expect(index.search(query, limit: 0).isEmpty)
    }

    @Test func hundredThousandCandidates() throws {
        let index = SearchIndex(Self.large)
        let initials = index.search(try #require(SearchQuery("ㅎㄱㄷ")))
        #expect(initials.count == 100)
        #expect(initials.allSatisfy { $0.rank == .initials && $0.candidate.name == "홍길동" })

        let email = index.search(try #require(SearchQuery("USER99999@EXAMPLE.COM")))
        #expect(email.map(\.candidate.id) == ["app-099999"])
        #expect(email.first?.rank == .exact)

        // Candidate 99,999 has +82 10-0009-9999.
        let phone = index.search(try #require(SearchQuery("010 0009 9999")))
        #expect(phone.map(\.candidate.id) == ["app-099999"])
        #expect(phone.first?.field == .phone)
    }
}
