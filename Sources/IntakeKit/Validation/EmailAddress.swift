/// A plausibility check for e-mail addresses, deliberately narrower than RFC 5322.
///
/// It accepts what real mailboxes look like and what can go into a header without quoting:
/// ASCII `local@domain`; the local part is RFC 5322 `atext` and single dots (no leading,
/// trailing or double dots, no quoted strings, no comments), at most 64 bytes; the domain is
/// at least two dot-separated labels of letters, digits and '-' (a label neither starts nor
/// ends with '-', at most 63 bytes), ending in an all-letter top-level label of two or more;
/// no IP-literal domains; at most 254 bytes in all. Letter case is not checked (domains are
/// case-insensitive, local parts are the receiving host's business).
public enum EmailAddress {
    /// Whether `s` looks like a deliverable address by the rules above.
    /// - Parameter s: The address as written; surrounding whitespace makes it implausible.
    /// - Returns: True when plausible.
    public static func isPlausible(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard bytes.count <= 254, let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return false }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        return isLocalPart(local) && isDomain(domain)
    }

    private static func isLocalPart(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard (1...64).contains(bytes.count), bytes.first != dot, bytes.last != dot else { return false }
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == dot {
                if previous == dot { return false }
            } else if !isAtext(byte) {
                return false
            }
            previous = byte
        }
        return true
    }

    private static func isDomain(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard (1...253).contains(bytes.count) else { return false }
        let labels = bytes.split(separator: dot, omittingEmptySubsequences: false)
        guard labels.count >= 2, let top = labels.last, top.count >= 2, top.allSatisfy(isLetter) else {
            return false
        }
        return labels.allSatisfy { label in
            (1...63).contains(label.count) && label.first != hyphen && label.last != hyphen
                && label.allSatisfy { isLetter($0) || isDigit($0) || $0 == hyphen }
        }
    }

    private static let dot = UInt8(ascii: ".")
    private static let hyphen = UInt8(ascii: "-")

    private static func isLetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte)
    }

    /// RFC 5322 `atext`: letters, digits and ! # $ % & ' * + - / = ? ^ _ ` { | } ~
    private static func isAtext(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || atextSymbols.contains(byte)
    }

    private static let atextSymbols = Set("!#$%&'*+-/=?^_`{|}~".utf8)
}
