import Foundation
import Testing
@testable import IntakeKit

/// The hex code points of a string, so that a failure shows which form it is in.
private func codePoints(_ text: String) -> [String] {
    text.unicodeScalars.map { String($0.value, radix: 16, uppercase: true) }
}

@Suite struct KoreanTextNormalisationTests {
    static let composed = "\u{AE40}\u{BBFC}\u{C218}"                                   // 김민수 as 3 syllables
    static let decomposed = "\u{1100}\u{1175}\u{11B7}\u{1106}\u{1175}\u{11AB}\u{1109}\u{116E}"  // 김민수 as 8 jamo

    @Test func decomposedNameComposesToTheSyllables() {
        #expect(codePoints(KoreanText.nfc(Self.decomposed)) == ["AE40", "BBFC", "C218"])
        #expect(KoreanText.nfc(Self.decomposed).unicodeScalars.elementsEqual(Self.composed.unicodeScalars))
    }

    @Test func swiftAlreadyCallsBothFormsEqualButTheirScalarsDiffer() {
        // Why normalisation is needed at all: Character equality hides the difference,
        // scalar, UTF-8 and store comparisons do not.
        #expect(Self.decomposed == Self.composed)
        #expect(Self.decomposed.count == 3)
        #expect(Array(Self.decomposed.utf8) != Array(Self.composed.utf8))
        #expect(Self.foundationDecomposition == Self.decomposed)
        #expect(Array(Self.foundationDecomposition.unicodeScalars) == Array(Self.decomposed.unicodeScalars))
    }

    /// Foundation's NFD of the composed name, to prove the literal above is what a Mac sends.
    static var foundationDecomposition: String { composed.decomposedStringWithCanonicalMapping }

    @Test func composedTextIsLeftAsItIs() {
        #expect(codePoints(KoreanText.nfc(Self.composed)) == ["AE40", "BBFC", "C218"])
        #expect(KoreanText.nfc("Kim Minsu") == "Kim Minsu")
    }

    @Test func latinWithCombiningAccentComposes() {
        #expect(codePoints(KoreanText.nfc("E\u{301}mile")) == ["C9", "6D", "69", "6C", "65"])
    }
}

@Suite struct ChoseongTests {
    static let compatibility: [Unicode.Scalar] = [
        "ㄱ", "ㄲ", "ㄴ", "ㄷ", "ㄸ", "ㄹ", "ㅁ", "ㅂ", "ㅃ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅉ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ",
    ]

    @Test func everyCompatibilityLetterMapsToItsConjoiningInitial() throws {
        for (index, letter) in Self.compatibility.enumerated() {
            let fromCompatibility = try #require(Choseong(letter: letter))
            let conjoining = try #require(Unicode.Scalar(0x1100 + UInt32(index)))
            let fromConjoining = try #require(Choseong(letter: conjoining))
            #expect(fromCompatibility.index == index)
            #expect(fromConjoining == fromCompatibility)
            #expect(fromCompatibility.compatibilityJamo == letter)
            #expect(fromCompatibility.conjoiningJamo == conjoining)
        }
    }

    @Test func syllablesGiveTheirInitials() {
        let cases: [(Unicode.Scalar, Unicode.Scalar)] = [
            ("가", "ㄱ"), ("김", "ㄱ"), ("꽃", "ㄲ"), ("떡", "ㄸ"), ("빵", "ㅃ"), ("쌀", "ㅆ"), ("짜", "ㅉ"),
            ("님", "ㄴ"), ("수", "ㅅ"), ("힣", "ㅎ"), ("이", "ㅇ"),
        ]
        for (syllable, initial) in cases {
            #expect(Choseong(initialOf: syllable)?.compatibilityJamo == initial, "\(syllable)")
            #expect(KoreanText.choseong(of: syllable)?.compatibilityJamo == initial, "\(syllable)")
        }
    }

    @Test func doubleConsonantsAreTheirOwnInitials() throws {
        let double = try #require(Choseong(letter: "ㄲ"))
        let single = try #require(Choseong(letter: "ㄱ"))
        #expect(double != single)
        #expect(double.isDouble)
        #expect(!single.isDouble)
        #expect(Self.compatibility.compactMap { Choseong(letter: $0) }.filter(\.isDouble).map(\.description)
            == ["ㄲ", "ㄸ", "ㅃ", "ㅆ", "ㅉ"])
    }

    @Test func halfWidthLettersAreRead() {
        #expect(Choseong(letter: "\u{FFA1}")?.compatibilityJamo == "ㄱ")    // ﾡ
        #expect(Choseong(letter: "\u{FFB5}")?.compatibilityJamo == "ㅅ")    // ﾵ
        #expect(Choseong(letter: "\u{FFBE}")?.compatibilityJamo == "ㅎ")    // ﾾ
    }

    @Test func clustersVowelsSyllablesAndLatinAreNoLetters() {
        for scalar: Unicode.Scalar in ["ㄳ", "ㄺ", "ㅄ", "ㅏ", "ㅣ", "김", "k", "1", "\u{11A8}", "\u{1113}", "\u{115F}"] {
            #expect(Choseong(letter: scalar) == nil, "\(scalar)")
        }
        #expect(Choseong(initialOf: "ㄱ") == nil)
        #expect(Choseong(initialOf: "k") == nil)
        #expect(Choseong(index: 19) == nil)
        #expect(Choseong(index: -1) == nil)
    }

    @Test func initialsOfNames() {
        #expect(KoreanText.initials(of: "김민수") == "ㄱㅁㅅ")
        #expect(KoreanText.initials(of: "꽃님") == "ㄲㄴ")
        #expect(KoreanText.initials(of: "김민수".decomposedStringWithCanonicalMapping) == "ㄱㅁㅅ")
        #expect(KoreanText.initials(of: "Kim 민수") == "Kim ㅁㅅ")
        #expect(codePoints(KoreanText.initials(of: "떡볶이")) == ["3138", "3142", "3147"])
    }
}

@Suite struct ChoseongQueryTests {
    @Test func consonantOnlyQueriesAreRecognised() {
        #expect(KoreanText.isChoseongQuery("ㄱㅁㅅ"))
        #expect(KoreanText.isChoseongQuery(" ㄱ ㅁ ㅅ "))
        #expect(KoreanText.isChoseongQuery("ㄲㄴ"))
        #expect(KoreanText.isChoseongQuery("\u{1100}\u{1106}\u{1109}"))     // conjoining ᄀᄆᄉ
        #expect(KoreanText.isChoseongQuery("\u{FFA1}\u{FFB1}\u{FFB5}"))     // half-width ﾡﾱﾵ
    }

    @Test func conjoiningInitialsFormOneCharacterSoScalarsAreRead() {
        // A run of conjoining initials is a single grapheme cluster; per-Character code would see one.
        #expect("\u{1100}\u{1106}\u{1109}".count == 1)
        #expect(KoreanText.initials(of: "\u{1100}\u{1106}\u{1109}") == "\u{1100}\u{1106}\u{1109}")
    }

    @Test func anythingElseIsNoConsonantQuery() {
        for text in ["", "   ", "김ㅁㅅ", "김민수", "ㄳ", "ㅏ", "kim", "ㄱㅁㅅ1", "ㄱ-ㅁ"] {
            #expect(!KoreanText.isChoseongQuery(text), "\(text)")
        }
    }
}

@Suite struct SearchKeyTests {
    @Test func latinIsCaseAndWidthFolded() {
        #expect(KoreanText.searchKey("Kim Minsu") == "kimminsu")
        #expect(KoreanText.searchKey("ＫＩＭ\u{3000}Ｍｉｎｓｕ") == "kimminsu")
        #expect(KoreanText.searchKey("MinSu@Example.KR") == "minsu@example.kr")
    }

    @Test func hangulIsUntouchedApartFromComposition() {
        #expect(codePoints(KoreanText.searchKey("김 민수")) == ["AE40", "BBFC", "C218"])
        #expect(codePoints(KoreanText.searchKey("김 민수".decomposedStringWithCanonicalMapping)) == ["AE40", "BBFC", "C218"])
        #expect(KoreanText.searchKey("ㄱㅁㅅ") == "ㄱㅁㅅ")
    }

    @Test func fastAndFoundationPathsAgree() {
        // The decomposed spelling goes through Foundation, the composed one through the ASCII/Hangul fast path.
        let mixed = "KIM 민수 Lee"
        #expect(KoreanText.searchKey(mixed) == "kim민수lee")
        #expect(Array(KoreanText.searchKey(mixed.decomposedStringWithCanonicalMapping).unicodeScalars)
            == Array(KoreanText.searchKey(mixed).unicodeScalars))
    }

    @Test func invisibleCharactersAreDropped() {
        #expect(KoreanText.searchKey("김\u{200B}민수\u{FEFF}") == "김민수")
        #expect(KoreanText.searchKey("\t김\n민수\u{00A0}") == "김민수")
    }
}
