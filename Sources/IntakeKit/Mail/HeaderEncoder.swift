import Foundation

/// Renders header fields so that no application value can reach a header raw.
///
/// Every value is first ``sanitized(_:)`` (controls become spaces), then written either as readable
/// ASCII or as RFC 2047 `=?UTF-8?B?...?=` encoded-words, and folded so no line exceeds 78 characters.
/// Returned fields carry no trailing line ending; continuation lines are joined with `lineEnding`.
///
/// ```swift
/// HeaderEncoder.unstructuredField(name: "Subject", value: "가입 신청이 접수되었습니다")
/// // "Subject: =?UTF-8?B?6rCA7J6FIOyLoOyyreydtCDsoJHsiJjrkJjsl4jsirXri4jri6Q=?="
/// ```
public enum HeaderEncoder {
    /// The longest line (without its line ending) that any rendered header line may have.
    public static let maximumLineLength = 78
    /// The longest encoded-word RFC 2047 allows.
    public static let maximumEncodedWordLength = 75
    /// What ``mailbox(_:)`` writes in place of an address that is not ``MailAddress/isPlausible(_:)``.
    /// The `.invalid` top-level domain is reserved (RFC 6761), so such a message can never be delivered
    /// to a stranger.
    public static let invalidAddressPlaceholder = "invalid@invalid.invalid"
    /// What ``addressField(name:addresses:lineEnding:)`` writes when no address in the list is plausible.
    public static let emptyGroup = "undisclosed-recipients:;"

    // "=?UTF-8?B?" + "?=": the fixed part of every encoded-word.
    private static let encodedWordOverhead = 12
    // Bytes one encoded-word of maximum length carries: 63 base64 characters round down to 60, i.e. 45 bytes.
    private static let maximumEncodedWordBytes = (maximumEncodedWordLength - encodedWordOverhead) / 4 * 3

    // MARK: - Public API

    /// Renders an unstructured field such as `Subject` completely, folded to 78 characters per line.
    ///
    /// The value is sanitized; it stays readable ASCII when it is printable ASCII without `=?` whose
    /// words fit on a line, and otherwise becomes a run of encoded-words (the whole value, spaces
    /// included, so decoding gives back exactly the sanitized value). Encoded-words never split a
    /// grapheme cluster unless one cluster alone exceeds 45 UTF-8 bytes, and never split a UTF-8 sequence.
    /// - Parameters:
    ///   - name: The field name; characters not allowed in a field name are dropped.
    ///   - value: Any text.
    ///   - lineEnding: Joins continuation lines.
    /// - Returns: `Name: value` without a trailing line ending.
    public static func unstructuredField(name: String, value: String, lineEnding: LineEnding = .lf) -> String {
        let name = safeFieldName(name)
        var folder = HeaderFolder(fieldName: name)
        let value = sanitized(value)
        let segments = whitespaceSegments(value)
        let readable = value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value <= 0x7E }
            && !value.contains("=?")
            && segments.allSatisfy { $0.separator.utf8.count + $0.word.utf8.count <= maximumLineLength }
            // Folding before the first word would start the value with whitespace, which parsers keep.
            && segments.first.map { name.utf8.count + 2 + $0.word.utf8.count <= maximumLineLength } ?? true
        if readable {
            for segment in segments {
                folder.append(segment.word, separator: segment.separator)
            }
        } else {
            folder.appendEncoded(value)
        }
        return folder.rendered(lineEnding)
    }

    /// Renders one mailbox on a single line, e.g. `=?UTF-8?B?6rmA66+87IiY?= <minsu@example.kr>`.
    ///
    /// An ASCII display name made of atoms stays as it is (`Kim Minsu <kim@example.com>`), other
    /// printable ASCII becomes a quoted string (`"Kim, Minsu" <kim@example.com>`), anything else
    /// encoded-words. Without a display name the bare addr-spec is returned. An address that is not
    /// ``MailAddress/isPlausible(_:)`` is replaced by ``invalidAddressPlaceholder``.
    /// - Parameter address: The mailbox.
    /// - Returns: The mailbox as header text, unfolded.
    public static func mailbox(_ address: MailAddress) -> String {
        mailboxTokens(address, trailingComma: false).flatMap { token -> [String] in
            switch token {
            case .text(let text): [text]
            case .encoded(let text): encodedWords(text)
            }
        }.joined(separator: " ")
    }

    /// Renders an address field (`To: a, b`), folded to 78 characters per line.
    ///
    /// Addresses that are not ``MailAddress/isPlausible(_:)`` are left out; when none is left the field
    /// carries the empty group ``emptyGroup`` so the message has no recipient rather than a bad one.
    /// - Parameters:
    ///   - name: The field name, e.g. `To` or `Reply-To`.
    ///   - addresses: The mailboxes, in order.
    ///   - lineEnding: Joins continuation lines.
    /// - Returns: The field without a trailing line ending.
    public static func addressField(name: String, addresses: [MailAddress], lineEnding: LineEnding = .lf) -> String {
        let usable = addresses.filter(\.isPlausible)
        var folder = HeaderFolder(fieldName: safeFieldName(name))
        if usable.isEmpty {
            folder.append(emptyGroup)
        }
        for (index, address) in usable.enumerated() {
            folder.append(mailboxTokens(address, trailingComma: index < usable.count - 1))
        }
        return folder.rendered(lineEnding)
    }

    /// Renders a single-mailbox field such as `From`, folded to 78 characters per line.
    ///
    /// Unlike ``addressField(name:addresses:lineEnding:)`` the mailbox is never left out: an address that
    /// is not ``MailAddress/isPlausible(_:)`` is replaced by ``invalidAddressPlaceholder``.
    /// - Parameters:
    ///   - name: The field name, e.g. `From`.
    ///   - address: The mailbox.
    ///   - lineEnding: Joins continuation lines.
    /// - Returns: The field without a trailing line ending.
    public static func mailboxField(name: String, address: MailAddress, lineEnding: LineEnding = .lf) -> String {
        var folder = HeaderFolder(fieldName: safeFieldName(name))
        folder.append(mailboxTokens(address, trailingComma: false))
        return folder.rendered(lineEnding)
    }

    /// Replaces every control character (C0, DEL, C1, U+2028, U+2029) with a space and trims whitespace.
    ///
    /// Applied to every value meant for a header, so CR, LF, NUL and their Unicode cousins can never end
    /// the field or start a new one. `"\r\n"` becomes two spaces.
    /// - Parameter value: Any text.
    /// - Returns: The value on one line, without leading or trailing whitespace.
    public static func sanitized(_ value: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            scalars.append(isControl(scalar) ? " " : scalar)
        }
        return String(scalars).trimmingCharacters(in: .whitespaces)
    }

    /// Tells whether a string is a valid header field name: printable ASCII except the colon.
    /// - Parameter name: The candidate, e.g. `X-Intake-Kind`.
    /// - Returns: `true` when it can be written as it is.
    public static func isValidFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isFieldNameByte)
    }

    /// Formats a date as RFC 5322 wants it, in UTC with English names: `Mon, 30 Nov 2026 07:15:00 +0000`.
    ///
    /// Computed arithmetically (proleptic Gregorian calendar) so neither locale nor time zone settings
    /// of the machine can change it; fractions of a second are dropped.
    /// - Parameter date: The instant.
    /// - Returns: The `date-time` text.
    public static func dateValue(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let (days, secondOfDay) = floorDivision(seconds, 86_400)
        // Howard Hinnant's civil_from_days.
        let shifted = days + 719_468
        let era = floorDivision(shifted, 146_097).quotient
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        // 1970-01-01 was a Thursday.
        let weekday = floorDivision(days + 4, 7).remainder
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(weekdays[Int(weekday)]), \(padded(day, 2)) \(months[Int(month - 1)]) \(padded(year, 4)) "
            + "\(padded(secondOfDay / 3600, 2)):\(padded(secondOfDay / 60 % 60, 2)):\(padded(secondOfDay % 60, 2)) +0000"
    }

    // MARK: - Building blocks shared with MIMEWriter

    /// A piece of a header value: unbreakable ASCII, or text to be written as encoded-words.
    enum Token {
        case text(String)
        case encoded(String)
    }

    static func isAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-/=?^_`{|}~".utf8.contains(byte)
        }
    }

    static func isFieldNameByte(_ byte: UInt8) -> Bool {
        byte >= 0x21 && byte <= 0x7E && byte != UInt8(ascii: ":")
    }

    /// Drops whatever a field name may not hold, so even a hostile name cannot break the header.
    static func safeFieldName(_ name: String) -> String {
        let kept = String(decoding: name.utf8.filter(isFieldNameByte), as: UTF8.self)
        return kept.isEmpty ? "X-Invalid-Field-Name" : kept
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029: true
        default: false
        }
    }

    /// Splits a text into encoded-words of at most 75 characters each, without any folding context.
    static func encodedWords(_ text: String) -> [String] {
        let units = encodingUnits(text)
        var words: [String] = []
        var index = 0
        while index < units.count {
            let end = chunkEnd(units, from: index, maximumWordLength: maximumEncodedWordLength)
            words.append(encodedWord(units[index..<end]))
            index = end
        }
        return words
    }

    /// The pieces that must stay within one encoded-word: grapheme clusters, or the scalars of a
    /// cluster too long for any single encoded-word (a long run of combining marks).
    static func encodingUnits(_ text: String) -> [[UInt8]] {
        var units: [[UInt8]] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if bytes.count <= maximumEncodedWordBytes {
                units.append(bytes)
            } else {
                units.append(contentsOf: character.unicodeScalars.map { Array(String($0).utf8) })
            }
        }
        return units
    }

    /// The end of the run of units from `start` that the next encoded-word of at most
    /// `maximumWordLength` characters carries.
    ///
    /// The run is as long as possible, but when it would end inside a word it ends after the last space
    /// of its second half instead. RFC 2047 readers ignore the whitespace between two encoded-words, so
    /// either way decodes exactly; readers that keep it (CPython's display-name parser before gh-128110)
    /// then show a doubled space between words rather than a space inside a word.
    static func chunkEnd(_ units: [[UInt8]], from start: Int, maximumWordLength: Int) -> Int {
        guard maximumWordLength > encodedWordOverhead else { return start }
        let capacity = (maximumWordLength - encodedWordOverhead) / 4 * 3
        var used = 0
        var end = start
        while end < units.count, used + units[end].count <= capacity {
            used += units[end].count
            end += 1
        }
        let space: [UInt8] = [0x20]
        guard end > start, end < units.count, units[end] != space, units[end - 1] != space else { return end }
        let halfway = start + (end - start + 1) / 2
        if let lastSpace = units[halfway..<end].lastIndex(of: space) {
            return lastSpace + 1
        }
        return end
    }

    static func encodedWord(_ units: ArraySlice<[UInt8]>) -> String {
        "=?UTF-8?B?" + Data(units.joined()).base64EncodedString() + "?="
    }

    /// The tokens of one mailbox; the comma separating it from the next one rides on its last token.
    static func mailboxTokens(_ address: MailAddress, trailingComma: Bool) -> [Token] {
        let comma = trailingComma ? "," : ""
        let addrSpec = address.isPlausible ? address.address : invalidAddressPlaceholder
        let name = sanitized(address.displayName ?? "")
        guard !name.isEmpty else { return [.text(addrSpec + comma)] }
        return displayNameTokens(name) + [.text("<" + addrSpec + ">" + comma)]
    }

    /// Atoms stay atoms, other printable ASCII is quoted, the rest is encoded.
    private static func displayNameTokens(_ name: String) -> [Token] {
        let printableASCII = name.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E } && !name.contains("=?")
        guard printableASCII else { return [.encoded(name)] }
        // Longest readable piece that still fits a continuation line next to its leading space.
        let longestPiece = maximumLineLength - 2
        let atoms = name.split(separator: " ", omittingEmptySubsequences: false)
        if atoms.allSatisfy({ !$0.isEmpty && $0.utf8.count <= longestPiece && $0.utf8.allSatisfy(isAtext) }) {
            return atoms.map { .text(String($0)) }
        }
        var quoted = "\""
        for character in name.unicodeScalars {
            if character == "\"" || character == "\\" { quoted += "\\" }
            quoted.unicodeScalars.append(character)
        }
        quoted += "\""
        return quoted.utf8.count <= longestPiece ? [.text(quoted)] : [.encoded(name)]
    }

    /// `value` as (whitespace before, word) pairs; the first separator is the space after the colon.
    private static func whitespaceSegments(_ value: String) -> [(separator: String, word: String)] {
        var segments: [(separator: String, word: String)] = []
        var separator = " "
        var word = ""
        for scalar in value.unicodeScalars {
            if scalar == " " {
                if !word.isEmpty {
                    segments.append((separator, word))
                    separator = ""
                    word = ""
                }
                separator.unicodeScalars.append(scalar)
            } else {
                word.unicodeScalars.append(scalar)
            }
        }
        if !word.isEmpty { segments.append((separator, word)) }
        return segments
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var quotient = value / divisor
        var remainder = value % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// Packs header tokens into lines of at most 78 characters, folding only before whitespace.
struct HeaderFolder {
    private var lines: [String] = []
    private var current: String
    // Whether anything follows the field name yet: folding right after the colon would make an
    // unstructured value start with whitespace, which parsers such as Python's keep as content.
    private var hasValue = false

    init(fieldName: String) {
        current = fieldName + ":"
    }

    private var limit: Int { HeaderEncoder.maximumLineLength }

    /// Appends an unbreakable token, starting a new line before `separator` when it does not fit.
    mutating func append(_ token: String, separator: String = " ") {
        if !current.isEmpty, current.utf8.count + separator.utf8.count + token.utf8.count > limit {
            lines.append(current)
            current = ""
        }
        current += separator + token
        hasValue = true
    }

    mutating func append(_ tokens: [HeaderEncoder.Token]) {
        for token in tokens {
            switch token {
            case .text(let text): append(text)
            case .encoded(let text): appendEncoded(text)
            }
        }
    }

    /// Appends `text` as space-separated encoded-words, filling the current line before folding.
    mutating func appendEncoded(_ text: String) {
        let units = HeaderEncoder.encodingUnits(text)
        var index = 0
        while index < units.count {
            let room = min(HeaderEncoder.maximumEncodedWordLength, limit - current.utf8.count - 1)
            var end = HeaderEncoder.chunkEnd(units, from: index, maximumWordLength: room)
            let fresh = HeaderEncoder.chunkEnd(units, from: index, maximumWordLength: HeaderEncoder.maximumEncodedWordLength)
            // Fold rather than squeeze a short word into the end of a line, or split what a fresh line
            // holds whole (a short display name); but the first word of a value stays on the first line.
            if !current.isEmpty, end == index || (hasValue && end < units.count && (room < 40 || fresh == units.count)) {
                lines.append(current)
                current = ""
                end = fresh
            }
            current += " " + HeaderEncoder.encodedWord(units[index..<end])
            hasValue = true
            index = end
        }
    }

    func rendered(_ lineEnding: LineEnding) -> String {
        (lines + [current]).joined(separator: lineEnding.string)
    }
}
