/// The manifest's value rules, shared by both formats.
enum ManifestRules {
    static let schema = "community-application/1"
    static let maxNameLength = 200
    static let maxPhoneLength = 32

    static func isSlug(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        return (1...64).contains(bytes.count)
            && bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }

    /// The longest answer key, in characters (a form's question may name the field).
    static let maxAnswerKeyLength = 100

    /// What is wrong with an answer key, or `nil` when it is fine.
    ///
    /// Keys are any text, as forms name their fields in the applicant's language ("경력",
    /// "하고 싶은 말"): not empty or blank, at most 100 characters, no control characters or
    /// line breaks (they end up in admins' terminals and in mail). The caller stores them NFC.
    static func answerKeyProblem(_ value: String) -> String? {
        if value.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) { return "is empty" }
        if value.count > maxAnswerKeyLength { return "is longer than \(maxAnswerKeyLength) characters" }
        if let bad = value.unicodeScalars.first(where: { ManifestText.isControl($0, allowingLineBreaks: false) }) {
            return "contains the control character \(ManifestText.name(bad))"
        }
        return nil
    }

    static func isPhone(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        let allowed: Set<UInt8> = [0x20, 0x2B, 0x2D, 0x28, 0x29, 0x2E]  // space + - ( ) .
        return bytes.count <= maxPhoneLength
            && bytes.contains(where: { (0x30...0x39).contains($0) })
            && bytes.allSatisfy { (0x30...0x39).contains($0) || allowed.contains($0) }
    }

    /// A BCP 47 tag of the common shape: language (2-3 letters), optional script (4 letters),
    /// optional region (2 letters or 3 digits), e.g. "ko", "en-US", "zh-Hant-TW". Case is not checked.
    static func isLocaleTag(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false).map { Array($0.utf8) }
        func letters(_ part: [UInt8]) -> Bool { part.allSatisfy { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A } }
        func digits(_ part: [UInt8]) -> Bool { part.allSatisfy { (0x30...0x39).contains($0) } }
        guard let language = parts.first, (2...3).contains(language.count), letters(language),
            parts.count <= 3
        else { return false }
        var rest = parts.dropFirst()
        if let script = rest.first, script.count == 4, letters(script) {
            rest = rest.dropFirst()
        }
        if let region = rest.first {
            guard (region.count == 2 && letters(region)) || (region.count == 3 && digits(region)) else { return false }
            rest = rest.dropFirst()
        }
        return rest.isEmpty
    }

    /// Whether `value` is `YYYY-MM-DDTHH:MM:SS[.fraction]` followed by `Z` or `±HH:MM`, with every
    /// field in range (days per month and leap years included; second 60 allowed for leap seconds).
    static func isDateTimeWithOffset(_ value: String) -> Bool {
        let b = Array(value.utf8)
        guard b.count >= 20 else { return false }
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= b.count else { return nil }
            var result = 0
            for index in range {
                guard (0x30...0x39).contains(b[index]) else { return nil }
                result = result * 10 + Int(b[index] - 0x30)
            }
            return result
        }
        guard let year = number(0..<4), b[4] == 0x2D, let month = number(5..<7), b[7] == 0x2D,
            let day = number(8..<10), b[10] == 0x54 || b[10] == 0x74,
            let hour = number(11..<13), b[13] == 0x3A, let minute = number(14..<16), b[16] == 0x3A,
            let second = number(17..<19)
        else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(month), (1...days[month - 1]).contains(day), hour <= 23, minute <= 59,
            second <= 60
        else { return false }
        var index = 19
        if b[index] == 0x2E {
            index += 1
            let start = index
            while index < b.count, (0x30...0x39).contains(b[index]) { index += 1 }
            guard index > start, index < b.count else { return false }
        }
        switch b[index] {
        case 0x5A, 0x7A:
            return index + 1 == b.count
        case 0x2B, 0x2D:
            guard index + 6 == b.count, let offsetHour = number(index + 1..<index + 3), b[index + 3] == 0x3A,
                let offsetMinute = number(index + 4..<index + 6)
            else { return false }
            return offsetHour <= 23 && offsetMinute <= 59
        default:
            return false
        }
    }
}

/// Character rules for free text.
enum ManifestText {
    /// Quotes a value for a problem detail: escaped so the detail stays one line, and shortened.
    static func quoted(_ value: String, limit: Int = 60) -> String {
        var result = "\""
        var count = 0
        for scalar in value.unicodeScalars {
            if count == limit {
                result += "…"
                break
            }
            count += 1
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                // Controls and invisible format characters (bidi overrides...) are shown as escapes.
                if ManifestText.isControl(scalar) || scalar.properties.generalCategory == .format {
                    result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    /// C0 and C1 controls, DEL, and the Unicode line and paragraph separators; with
    /// `allowingLineBreaks`, tab, line feed and carriage return are allowed.
    static func isControl(_ scalar: Unicode.Scalar, allowingLineBreaks: Bool = false) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: !allowingLineBreaks
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029: true
        default: false
        }
    }

    static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        [0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029].contains(scalar.value)
    }

    static func name(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// The value without leading and trailing whitespace (Unicode's definition, line breaks included).
    static func trimmed(_ value: String) -> String {
        let scalars = value.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
