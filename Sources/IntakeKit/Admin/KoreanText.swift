import Foundation

/// One of the 19 modern Hangul initial consonants (초성), whichever way it was written.
///
/// The same consonant reaches us in four spellings: inside a precomposed syllable
/// (김 U+AE40), as a compatibility letter typed on a keyboard (ㄱ U+3131), as a
/// conjoining initial left over from decomposed text (ᄀ U+1100), or as a
/// half-width letter (ﾡ U+FFA1). `index` is the same for all of them.
///
/// ```swift
/// Choseong(letter: "ㄲ")?.index == Choseong(initialOf: "꽃")?.index   // true
/// ```
public struct Choseong: Sendable, Hashable, CustomStringConvertible {
    /// The position in Unicode's initial order ㄱ ㄲ ㄴ ㄷ ㄸ ㄹ ㅁ ㅂ ㅃ ㅅ ㅆ ㅇ ㅈ ㅉ ㅊ ㅋ ㅌ ㅍ ㅎ, 0 to 18.
    public let index: Int

    /// Creates the consonant at `index` in Unicode's initial order.
    /// - Parameter index: 0 (ㄱ) to 18 (ㅎ); anything else gives nil.
    public init?(index: Int) {
        guard (0..<Choseong.count).contains(index) else { return nil }
        self.index = index
    }

    /// Reads a consonant letter (compatibility, conjoining or half-width), not a syllable.
    ///
    /// Cluster letters such as ㄳ or ㄺ give nil: they only ever close a syllable.
    /// - Parameter letter: one Unicode scalar.
    public init?(letter: Unicode.Scalar) {
        let value = letter.value
        switch value {
        case 0x1100...0x1112:
            // The conjoining initials are laid out in exactly the choseong order.
            self.index = Int(value - 0x1100)
        case 0x3131...0x314E:
            guard let index = Choseong.compatibilityIndex[Int(value - 0x3131)] else { return nil }
            self.index = index
        case 0xFFA1...0xFFBE:
            // The half-width block mirrors U+3131...U+314E letter for letter.
            guard let index = Choseong.compatibilityIndex[Int(value - 0xFFA1)] else { return nil }
            self.index = index
        default:
            return nil
        }
    }

    /// Reads the initial consonant of a precomposed Hangul syllable (가 U+AC00 ... 힣 U+D7A3).
    /// - Parameter syllable: one Unicode scalar; anything but a precomposed syllable gives nil.
    public init?(initialOf syllable: Unicode.Scalar) {
        let value = syllable.value
        guard (KoreanText.syllableFirst...KoreanText.syllableLast).contains(value) else { return nil }
        // 21 vowels x 28 finals per initial (Unicode 3.12, Hangul syllable composition).
        self.index = Int((value - KoreanText.syllableFirst) / (21 * 28))
    }

    /// The letter as typed on a Korean keyboard (U+3131 block), the form people read.
    public var compatibilityJamo: Unicode.Scalar {
        Unicode.Scalar(Choseong.compatibilityJamoValues[index])!
    }

    /// The conjoining initial (U+1100 block), the form found in decomposed text.
    public var conjoiningJamo: Unicode.Scalar {
        Unicode.Scalar(0x1100 + UInt32(index))!
    }

    /// Whether this is one of the tense (double) consonants ㄲ ㄸ ㅃ ㅆ ㅉ.
    public var isDouble: Bool { [1, 4, 8, 10, 13].contains(index) }

    public var description: String { String(compatibilityJamo) }

    static let count = 19

    private static let compatibilityJamoValues: [UInt32] = [
        0x3131, 0x3132, 0x3134, 0x3137, 0x3138, 0x3139, 0x3141, 0x3142, 0x3143, 0x3145,
        0x3146, 0x3147, 0x3148, 0x3149, 0x314A, 0x314B, 0x314C, 0x314D, 0x314E,
    ]

    /// Choseong index for each letter U+3131...U+314E; nil for clusters that cannot start a syllable.
    private static let compatibilityIndex: [Int?] = {
        var table = [Int?](repeating: nil, count: 0x314E - 0x3131 + 1)
        for (index, value) in compatibilityJamoValues.enumerated() {
            table[Int(value - 0x3131)] = index
        }
        return table
    }()
}

/// Hangul-aware text helpers for matching what admins type against what applicants wrote.
///
/// Text arrives in either Unicode normal form: a name typed on a Mac is usually
/// decomposed (NFD, 김 = ᄀ + ᅵ + ᆷ), the web front end usually sends composed text
/// (NFC). Swift's `==` already treats the two as equal, but byte-wise stores,
/// prefix tests on scalars and the 초성 table below do not, so everything is
/// brought to NFC before it is compared.
public enum KoreanText {
    static let syllableFirst: UInt32 = 0xAC00
    static let syllableLast: UInt32 = 0xD7A3

    /// Returns `text` in Unicode Normalization Form C (composed).
    /// - Parameter text: any string.
    /// - Returns: the canonically composed string; Character-wise equal to `text`.
    public static func nfc(_ text: String) -> String {
        isTriviallyNFC(text) ? text : text.precomposedStringWithCanonicalMapping
    }

    /// Whether the scalar is a precomposed modern Hangul syllable (가 ... 힣).
    public static func isHangulSyllable(_ scalar: Unicode.Scalar) -> Bool {
        (syllableFirst...syllableLast).contains(scalar.value)
    }

    /// Returns the initial consonant of a syllable, or the consonant a jamo letter stands for.
    /// - Parameter scalar: a precomposed syllable or a consonant letter in any of its spellings.
    /// - Returns: the consonant, or nil for anything else (Latin, vowels, cluster finals).
    public static func choseong(of scalar: Unicode.Scalar) -> Choseong? {
        Choseong(initialOf: scalar) ?? Choseong(letter: scalar)
    }

    /// Returns the initial consonants (초성) of every Hangul syllable in `text`.
    ///
    /// Syllables become compatibility letters (김민수 → ㄱㅁㅅ, 꽃님 → ㄲㄴ); every other
    /// character is kept as it is, so "Kim 민수" gives "Kim ㅁㅅ". Decomposed input is
    /// composed first.
    /// - Parameter text: any string.
    /// - Returns: the string with each syllable replaced by its initial.
    public static func initials(of text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in nfc(text).unicodeScalars {
            if let initial = Choseong(initialOf: scalar) {
                result.append(initial.compatibilityJamo)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// Whether `text` is an initial-consonant query such as "ㄱㅁㅅ" or "ᄀᄆᄉ".
    ///
    /// True when, ignoring whitespace, `text` holds at least one consonant letter and
    /// nothing else. Cluster letters (ㄳ), vowels and syllables make it false.
    /// - Parameter text: the query as typed.
    public static func isChoseongQuery(_ text: String) -> Bool {
        var sawConsonant = false
        // Scalars, not Characters: a run of conjoining initials is one grapheme cluster.
        for scalar in nfc(text).unicodeScalars where !scalar.properties.isWhitespace {
            guard Choseong(letter: scalar) != nil else { return false }
            sawConsonant = true
        }
        return sawConsonant
    }

    /// Returns the form used to compare text in search: NFC, case- and width-folded, without whitespace.
    ///
    /// Whitespace is dropped entirely so that "김 민수" finds "김민수" and "kimminsu"
    /// finds "Kim Minsu"; spacing in names is inconsistent in practice and never what
    /// tells two people apart. Default-ignorable scalars (zero-width spaces, Hangul
    /// fillers) are dropped for the same reason. Hangul is unchanged by the folding.
    /// - Parameter text: any string.
    /// - Returns: the comparison key.
    public static func searchKey(_ text: String) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: searchScalars(text))
        return String(view)
    }

    /// The scalars of `searchKey(_:)`, the form the matcher works on.
    static func searchScalars(_ text: String) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.utf8.count)
        if isTriviallyNFC(text) {
            // Fast path for the common case (ASCII and precomposed Hangul): folding is
            // ASCII lower-casing and NFC is the identity, so skip Foundation's full passes.
            for scalar in text.unicodeScalars {
                switch scalar.value {
                case 0x09...0x0D, 0x20:
                    continue
                case 0x41...0x5A:
                    result.append(Unicode.Scalar(scalar.value + 0x20)!)
                default:
                    result.append(scalar)
                }
            }
            return result
        }
        let folded = text
            .folding(options: [.caseInsensitive, .widthInsensitive], locale: nil)
            .precomposedStringWithCanonicalMapping
        for scalar in folded.unicodeScalars {
            let properties = scalar.properties
            if properties.isWhitespace || properties.isDefaultIgnorableCodePoint { continue }
            result.append(scalar)
        }
        return result
    }

    /// Whether `text` is made only of ASCII and precomposed syllables, which NFC leaves as they are.
    static func isTriviallyNFC(_ text: String) -> Bool {
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 || (syllableFirst...syllableLast).contains(value) { continue }
            return false
        }
        return true
    }
}
