import Foundation

/// One application (or member) as the search sees it: plain values the caller reads from the stores.
public struct SearchCandidate: Sendable, Equatable {
    public var id: String
    public var name: String
    public var email: String
    public var phone: String?
    /// When the application was recorded; newer hits come first within a rank.
    public var recordedAt: Date

    public init(id: String, name: String, email: String, phone: String?, recordedAt: Date) {
        self.id = id
        self.name = name
        self.email = email
        self.phone = phone
        self.recordedAt = recordedAt
    }
}

/// How well a field matched; lower is better.
///
/// The brief's single `initials` rank is split in three, because an initial-consonant
/// query only ever produces initials hits and the admin still wants ㄱㅁㅅ to list
/// 김민수 before 김민수진 before 이김민수. Every initials rank stays below every
/// literal rank.
public enum MatchRank: Int, Sendable, Comparable, Codable, CaseIterable {
    /// The whole field equals the query (김민수, minsu@example.kr, 010-1234-5678 in any punctuation).
    case exact = 0
    /// The field starts with the query.
    case prefix = 1
    /// The query occurs anywhere in the field.
    case partial = 2
    /// The query, read as initial consonants, covers the whole name (ㄱㅁㅅ, 김ㅁㅅ → 김민수).
    case initials = 3
    /// The initial-consonant pattern matches the start of the name (ㄱㅁ → 김민수).
    case initialsPrefix = 4
    /// The initial-consonant pattern matches inside the name (ㅁㅅ → 김민수).
    case initialsPartial = 5

    public static func < (lhs: MatchRank, rhs: MatchRank) -> Bool { lhs.rawValue < rhs.rawValue }

    /// A stable name for JSON output and messages ("exact", "initials_prefix"...).
    public var label: String {
        switch self {
        case .exact: "exact"
        case .prefix: "prefix"
        case .partial: "partial"
        case .initials: "initials"
        case .initialsPrefix: "initials_prefix"
        case .initialsPartial: "initials_partial"
        }
    }
}

/// The field of a candidate that produced a hit.
public enum MatchField: String, Sendable, Codable, CaseIterable {
    case name, email, phone
}

/// A candidate found by a query, with how and where it matched best.
public struct SearchHit: Sendable, Equatable {
    public var candidate: SearchCandidate
    public var rank: MatchRank
    public var field: MatchField

    public init(candidate: SearchCandidate, rank: MatchRank, field: MatchField) {
        self.candidate = candidate
        self.rank = rank
        self.field = field
    }
}

/// A prepared search text: normalised once, then matched against any number of candidates.
///
/// Every query is compared literally with the name and the e-mail address (NFC,
/// case- and width-folded, whitespace ignored). A query holding Hangul consonant
/// letters is also read as a per-syllable pattern over the name (ㄱㅁㅅ, 김ㅁㅅ). A
/// query that looks like a phone number is compared with the phone by digits, both
/// sides in Korean national form.
public struct SearchQuery: Sendable {
    /// The text as given.
    public let text: String
    /// Whether the query is compared with phone numbers (at least 3 digits, only phone punctuation).
    public var isPhoneQuery: Bool { phoneDigits != nil }
    /// Whether the query holds consonant letters and is matched against names' initials.
    public var isInitialsQuery: Bool { pattern != nil }

    let key: [Unicode.Scalar]
    let pattern: [InitialsPatternElement]?
    let phoneDigits: [UInt8]?

    /// Prepares a query.
    /// - Parameter text: what the admin typed.
    /// - Returns: nil when `text` is empty once whitespace and invisible characters are dropped.
    public init?(_ text: String) {
        let key = KoreanText.searchScalars(text)
        guard !key.isEmpty else { return nil }
        self.text = text
        self.key = key
        self.pattern = InitialsPatternElement.pattern(for: key)
        self.phoneDigits = PhoneDigits.query(text)
    }

    /// Returns the best match of this query over the candidate's fields, or nil.
    ///
    /// Prepares the candidate on every call; to search many candidates, use
    /// `SearchIndex` or `SearchMatcher.search(_:in:)`.
    public func match(_ candidate: SearchCandidate) -> SearchHit? {
        match(SearchIndex.Entry(candidate))
    }

    func match(_ prepared: SearchIndex.Entry) -> SearchHit? {
        var best: (rank: MatchRank, field: MatchField)?
        func consider(_ rank: MatchRank?, _ field: MatchField) {
            guard let rank else { return }
            // Strictly better only, so that on a tie the earlier field (name, then e-mail) is reported.
            if let current = best, current.rank <= rank { return }
            best = (rank, field)
        }
        consider(Self.literalRank(of: key, in: prepared.name), .name)
        if best?.rank != .exact {
            consider(Self.literalRank(of: key, in: prepared.email), .email)
        }
        if best?.rank != .exact, let phoneDigits, let candidateDigits = prepared.phoneDigits {
            consider(Self.literalRank(of: phoneDigits, in: candidateDigits), .phone)
        }
        // Initials are the weakest rank: only worth the pattern scan when nothing literal matched.
        if best == nil, let pattern {
            consider(Self.patternRank(pattern, in: prepared), .name)
        }
        guard let best else { return nil }
        return SearchHit(candidate: prepared.candidate, rank: best.rank, field: best.field)
    }

    static func literalRank<Element: Equatable>(of needle: [Element], in haystack: [Element]) -> MatchRank? {
        guard !needle.isEmpty, needle.count <= haystack.count else { return nil }
        guard let start = firstIndex(of: needle, in: haystack) else { return nil }
        if start > 0 { return .partial }
        return needle.count == haystack.count ? .exact : .prefix
    }

    static func firstIndex<Element: Equatable>(of needle: [Element], in haystack: [Element]) -> Int? {
        let last = haystack.count - needle.count
        guard last >= 0 else { return nil }
        outer: for start in 0...last {
            for offset in needle.indices where haystack[start + offset] != needle[offset] {
                continue outer
            }
            return start
        }
        return nil
    }

    static func patternRank(_ pattern: [InitialsPatternElement], in prepared: SearchIndex.Entry) -> MatchRank? {
        let name = prepared.name
        let last = name.count - pattern.count
        guard last >= 0 else { return nil }
        let initials = prepared.nameInitials
        outer: for start in 0...last {
            for (offset, element) in pattern.enumerated() {
                let position = start + offset
                switch element {
                case .scalar(let scalar):
                    if name[position] != scalar { continue outer }
                case .initial(let index):
                    if initials[position] != index { continue outer }
                }
            }
            if start > 0 { return .initialsPartial }
            return pattern.count == name.count ? .initials : .initialsPrefix
        }
        return nil
    }
}

/// One position of an initials pattern: a consonant stands for any syllable it starts.
enum InitialsPatternElement: Sendable, Equatable {
    case scalar(Unicode.Scalar)
    case initial(Int8)

    /// The pattern for a folded query, or nil when it holds no consonant letter.
    static func pattern(for key: [Unicode.Scalar]) -> [InitialsPatternElement]? {
        var sawInitial = false
        let elements = key.map { scalar -> InitialsPatternElement in
            if let consonant = Choseong(letter: scalar) {
                sawInitial = true
                return .initial(Int8(consonant.index))
            }
            return .scalar(scalar)
        }
        return sawInitial ? elements : nil
    }
}

/// Phone numbers reduced to the digits of their Korean national form.
public enum PhoneDigits {
    /// Returns the digits of `text` in Korean national form, for comparing numbers written any way.
    ///
    /// Punctuation and spaces are dropped; an explicit international form for Korea
    /// ("+82 10-1234-5678", "0082 10...", "+82 (0)10...") becomes the national
    /// "01012345678". Other countries keep their digits after the "+". A bare
    /// "8210..." without "+" or "00" is left alone: it cannot be told from a fragment.
    /// - Parameter text: a phone number as written.
    /// - Returns: ASCII digits, possibly empty.
    public static func national(_ text: String) -> String {
        String(decoding: nationalBytes(text), as: UTF8.self)
    }

    static func nationalBytes(_ text: String) -> [UInt8] {
        let folded = KoreanText.isTriviallyNFC(text)
            ? text : text.folding(options: .widthInsensitive, locale: nil)
        var digits: [UInt8] = []
        var sawPlusFirst = false
        for byte in folded.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits.append(byte)
            case UInt8(ascii: "+") where digits.isEmpty:
                sawPlusFirst = true
            default:
                continue
            }
        }
        var international = digits[...]
        if !sawPlusFirst {
            // "00" is the international call prefix dialled from Korea and most of the world.
            guard digits.starts(with: Array("0082".utf8)) else { return digits }
            international = digits.dropFirst(2)
        }
        guard international.starts(with: Array("82".utf8)) else { return Array(international) }
        let subscriber = international.dropFirst(2)
        guard !subscriber.isEmpty else { return digits }
        // Korea's trunk prefix "0" is dropped after +82; "+82 (0)10" keeps it written, so add it only once.
        if subscriber.first == UInt8(ascii: "0") { return Array(subscriber) }
        return [UInt8(ascii: "0")] + subscriber
    }

    /// The digits of a query that looks like a phone number, or nil.
    ///
    /// A phone query has at least three digits and nothing but digits, spaces and
    /// `+ - ( ) .`; anything else (letters, "@") makes it a text query only.
    static func query(_ text: String) -> [UInt8]? {
        let folded = KoreanText.isTriviallyNFC(text)
            ? text : text.folding(options: .widthInsensitive, locale: nil)
        var digitCount = 0
        for scalar in folded.unicodeScalars {
            switch scalar {
            case "0"..."9": digitCount += 1
            case "+", "-", "(", ")", ".": continue
            default:
                guard scalar.properties.isWhitespace else { return nil }
            }
        }
        guard digitCount >= 3 else { return nil }
        return nationalBytes(text)
    }
}

extension SearchIndex {
    /// A candidate with its fields normalised once, ready to be matched by many queries.
    struct Entry: Sendable {
        let candidate: SearchCandidate
        let name: [Unicode.Scalar]
        /// The choseong index of each scalar of `name`, -1 where it is no Hangul consonant.
        let nameInitials: [Int8]
        let email: [Unicode.Scalar]
        let phoneDigits: [UInt8]?

        init(_ candidate: SearchCandidate) {
            self.candidate = candidate
            let name = KoreanText.searchScalars(candidate.name)
            self.name = name
            self.nameInitials = name.map { scalar in
                KoreanText.choseong(of: scalar).map { Int8($0.index) } ?? -1
            }
            self.email = KoreanText.searchScalars(candidate.email)
            if let phone = candidate.phone {
                let digits = PhoneDigits.nationalBytes(phone)
                self.phoneDigits = digits.isEmpty ? nil : digits
            } else {
                self.phoneDigits = nil
            }
        }
    }
}

/// Candidates normalised once, so that many queries (or one query over many candidates) stay fast.
///
/// ```swift
/// let index = SearchIndex(candidates)
/// if let query = SearchQuery("ㄱㅁㅅ") { let hits = index.search(query) }
/// ```
public struct SearchIndex: Sendable {
    private let entries: [SearchIndex.Entry]

    /// Prepares every candidate (NFC, folding, initials, phone digits).
    /// - Parameter candidates: the applications to search, in any order.
    public init(_ candidates: [SearchCandidate]) {
        self.entries = candidates.map(SearchIndex.Entry.init)
    }

    /// The number of candidates in the index.
    public var count: Int { entries.count }

    /// Returns the ranked hits: best rank first, newest first within a rank, then by id.
    /// - Parameters:
    ///   - query: the prepared query.
    ///   - limit: the most hits to return; nil for all.
    public func search(_ query: SearchQuery, limit: Int? = nil) -> [SearchHit] {
        var hits = SearchMatcher.ranked(entries.compactMap { query.match($0) })
        if let limit, hits.count > limit { hits.removeSubrange(max(limit, 0)...) }
        return hits
    }
}

/// Finds candidates for a query and ranks them.
public enum SearchMatcher {
    /// Ranked hits: best rank first, newest first within a rank, then id for determinism.
    /// - Parameters:
    ///   - query: the prepared query.
    ///   - candidates: the applications to search.
    /// - Returns: every matching candidate once, in display order.
    public static func search(_ query: SearchQuery, in candidates: [SearchCandidate]) -> [SearchHit] {
        ranked(candidates.compactMap { query.match(SearchIndex.Entry($0)) })
    }

    /// The hits in display order. Their places are sorted, then the hits moved once: sorting
    /// the hits themselves copies each (and its strings) at every step, a third of a search
    /// with thousands of hits.
    static func ranked(_ hits: [SearchHit]) -> [SearchHit] {
        let keys = hits.map { (rank: $0.rank.rawValue, at: $0.candidate.recordedAt.timeIntervalSinceReferenceDate) }
        return hits.indices.sorted { a, b in
            if keys[a].rank != keys[b].rank { return keys[a].rank < keys[b].rank }
            if keys[a].at != keys[b].at { return keys[a].at > keys[b].at }
            return hits[a].candidate.id < hits[b].candidate.id
        }.map { hits[$0] }
    }

    /// The display order of two hits.
    public static func ranksBefore(_ lhs: SearchHit, _ rhs: SearchHit) -> Bool {
        if lhs.rank != rhs.rank { return lhs.rank < rhs.rank }
        if lhs.candidate.recordedAt != rhs.candidate.recordedAt {
            return lhs.candidate.recordedAt > rhs.candidate.recordedAt
        }
        return lhs.candidate.id < rhs.candidate.id
    }
}
