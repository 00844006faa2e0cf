/// A strict reader for the subset of TOML 1.0 that `intake.toml` uses, written by hand.
///
/// Why not a library: the one we used (TOMLKit, over C++ toml++) asserted on input such as
/// `[$` and aborted the whole process, and leaked on every parse. A config reader must
/// answer every input with one error that names its line and column, and never stop the
/// process. This one reads tables and sub-tables (`[kinds.photo]`, `["quoted key".x]`),
/// dotted keys, basic and literal strings (single- and multi-line, every TOML escape),
/// integers (decimal, hex, octal, binary, with `_`), booleans, arrays of those values and
/// comments. Everything else TOML has (floats, dates, inline tables, arrays of tables,
/// nested arrays) is refused with an error saying so. There is no recursion, the input is
/// checked as UTF-8 first, and keys are at most ``maxKeyParts`` parts deep.
enum TOMLReader {
    /// The deepest table path accepted (`a.b.c` has three parts); far above any intake key.
    static let maxKeyParts = 32

    /// Parses a whole document.
    /// - Throws: The first problem, with its 1-based line and column (in characters).
    static func parse(_ bytes: [UInt8]) throws(TOMLError) -> TOMLTable {
        if let (offset, reason) = firstInvalidUTF8(bytes) {
            throw TOMLError(detail: "the file is not valid UTF-8 (\(reason))", position: position(of: offset, in: bytes))
        }
        var parser = TOMLParser(bytes)
        try parser.parseDocument()
        return parser.root
    }

    /// The first malformed UTF-8 sequence (overlong forms, surrogates and values above
    /// U+10FFFF included) as its byte offset and what is wrong.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> (Int, String)? {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            let length: Int
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xED: length = 3; high = 0x9F
            case 0xE1...0xEF: length = 3
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            case 0x80...0xBF: return (index, "a continuation byte without a lead byte")
            default: return (index, "a byte that never occurs in UTF-8")
            }
            for offset in 1..<length {
                guard index + offset < bytes.count else { return (index, "a sequence cut short by the end of the file") }
                let byte = bytes[index + offset]
                let (min, max) = offset == 1 ? (low, high) : (0x80, 0xBF)
                guard byte >= min, byte <= max else { return (index, "a malformed sequence") }
            }
            index += length
        }
        return nil
    }

    /// Line and column of a byte offset; only the bytes before it need to be valid UTF-8.
    static func position(of offset: Int, in bytes: [UInt8]) -> TOMLPosition {
        var line = 1
        var lineStart = 0
        for index in 0..<min(offset, bytes.count) where bytes[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        var column = 1
        for index in lineStart..<min(offset, bytes.count) where bytes[index] & 0xC0 != 0x80 { column += 1 }
        return TOMLPosition(line: line, column: column)
    }
}

/// A 1-based place in the config (the column counts characters, not bytes).
struct TOMLPosition: Equatable, Sendable {
    var line: Int
    var column: Int
}

/// What is wrong with a config document, and where.
struct TOMLError: Error, Equatable, Sendable {
    /// One line of English; quoted input is escaped, so it never holds a line break.
    var detail: String
    var position: TOMLPosition
}

/// A table: its keys in document order, each with the place it was defined.
final class TOMLTable {
    /// How the table came to exist, which decides whether it may be defined again.
    enum Origin {
        /// Named only as the parent of another table's header (`[a]` for `[a.b]`): a header may still define it.
        case implicit
        /// Defined by its own `[header]`.
        case header
        /// Created by a dotted key (`a.b = 1` creates `a`).
        case dotted
    }

    private(set) var keys: [String] = []
    private var values: [String: TOMLValue] = [:]
    /// Where the table was defined (its header or the first key naming it).
    fileprivate(set) var position: TOMLPosition
    fileprivate(set) var origin: Origin

    init(position: TOMLPosition, origin: Origin) {
        self.position = position
        self.origin = origin
    }

    subscript(key: String) -> TOMLValue? { values[key] }

    fileprivate func insert(_ key: String, _ value: TOMLValue) {
        keys.append(key)
        values[key] = value
    }

    /// The value at a dotted path of plain keys, e.g. `["kinds", "photo", "types"]`.
    func value(at path: [String]) -> TOMLValue? {
        var table = self
        for (index, key) in path.enumerated() {
            guard let value = table[key] else { return nil }
            if index == path.count - 1 { return value }
            guard let next = value.table else { return nil }
            table = next
        }
        return nil
    }
}

/// A value with the place of the key that set it (or, in an array, of the element itself).
struct TOMLValue {
    enum Storage {
        case string(String)
        case integer(Int)
        case boolean(Bool)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    var storage: Storage
    var position: TOMLPosition

    var string: String? { if case .string(let v) = storage { v } else { nil } }
    var int: Int? { if case .integer(let v) = storage { v } else { nil } }
    var bool: Bool? { if case .boolean(let v) = storage { v } else { nil } }
    var array: [TOMLValue]? { if case .array(let v) = storage { v } else { nil } }
    var table: TOMLTable? { if case .table(let v) = storage { v } else { nil } }

    /// How an error names this kind of value.
    var kindDescription: String {
        switch storage {
        case .string: "a string"
        case .integer: "a whole number"
        case .boolean: "a boolean"
        case .array: "a list"
        case .table: "a table"
        }
    }
}

private struct TOMLParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var columnCacheIndex = 0
    private var columnCacheValue = 1
    let root: TOMLTable
    private var current: TOMLTable
    /// The current table's name for messages, e.g. "[kinds.photo]"; "" at the top.
    private var currentName = ""

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        root = TOMLTable(position: TOMLPosition(line: 1, column: 1), origin: .header)
        current = root
    }

    // MARK: Document

    mutating func parseDocument() throws(TOMLError) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3; lineStart = 3; columnCacheIndex = 3 }
        while index < bytes.count {
            skipSpaces()
            guard let byte = peek() else { break }
            switch byte {
            case UInt8(ascii: "#"), 0x0A, 0x0D:
                break
            case UInt8(ascii: "["):
                try parseHeader()
            default:
                try parseKeyValue()
            }
            try endOfLine()
        }
    }

    /// After a header or a key/value pair: optional spaces and a comment, then a line break or the end.
    private mutating func endOfLine() throws(TOMLError) {
        skipSpaces()
        if peek() == UInt8(ascii: "#") { try skipComment() }
        guard let byte = peek() else { return }
        if try consumeNewline() { return }
        throw error("expected the end of the line, found \(describe(byte))")
    }

    /// Consumes LF or CRLF; false when the next byte is neither.
    private mutating func consumeNewline() throws(TOMLError) -> Bool {
        switch peek() {
        case 0x0A:
            index += 1
            line += 1
            lineStart = index
            return true
        case 0x0D:
            guard index + 1 < bytes.count, bytes[index + 1] == 0x0A else {
                throw error("a carriage return (U+000D) must be followed by a line feed")
            }
            index += 2
            line += 1
            lineStart = index
            return true
        default:
            return false
        }
    }

    private mutating func skipComment() throws(TOMLError) {
        index += 1  // '#'
        while let byte = peek(), byte != 0x0A {
            if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { return }
            if isForbiddenControl(byte) {
                throw error("a comment contains the control character \(name(byte))")
            }
            index += 1
        }
    }

    private mutating func skipSpaces() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 { index += 1 }
    }

    /// Spaces, line breaks and comments, as allowed between the elements of a list.
    private mutating func skipBlank() throws(TOMLError) {
        while true {
            skipSpaces()
            if peek() == UInt8(ascii: "#") { try skipComment() }
            guard try consumeNewline() else { return }
        }
    }

    // MARK: Tables and keys

    private mutating func parseHeader() throws(TOMLError) {
        let start = position()
        index += 1  // '['
        if peek() == UInt8(ascii: "[") {
            throw error("arrays of tables ([[...]]) are not supported in this file", at: start)
        }
        skipSpaces()
        let parts = try parseKey(in: "a table header")
        skipSpaces()
        guard peek() == UInt8(ascii: "]") else {
            let found = peek().map(describe) ?? "the end of the file"
            let hint = peek() == UInt8(ascii: "#") ? " (a comment cannot start inside a table header)" : ""
            throw error("expected ']' to close the table header, found \(found)\(hint)")
        }
        index += 1
        let name = "[" + parts.map { displayKey($0.key) }.joined(separator: ".") + "]"
        var table = root
        for (offset, part) in parts.enumerated() {
            let isLast = offset == parts.count - 1
            if let existing = table[part.key] {
                guard let next = existing.table else {
                    throw error(
                        "\(name): \(displayKey(part.key)) is already a value (line \(existing.position.line)), not a table",
                        at: part.position)
                }
                if isLast {
                    switch next.origin {
                    case .implicit:
                        next.origin = .header
                        next.position = start
                    case .header:
                        throw error("the table \(name) is defined twice (first on line \(next.position.line))", at: start)
                    case .dotted:
                        throw error(
                            "the table \(name) was already defined by dotted keys (line \(next.position.line))", at: start)
                    }
                }
                table = next
            } else {
                let next = TOMLTable(position: isLast ? start : part.position, origin: isLast ? .header : .implicit)
                table.insert(part.key, TOMLValue(storage: .table(next), position: part.position))
                table = next
            }
        }
        current = table
        currentName = name
    }

    private mutating func parseKeyValue() throws(TOMLError) {
        let parts = try parseKey(in: "a key")
        skipSpaces()
        guard peek() == UInt8(ascii: "=") else {
            let found = peek().map(describe) ?? "the end of the file"
            let key = parts.map { displayKey($0.key) }.joined(separator: ".")
            throw error("expected '=' after the key \(key), found \(found)")
        }
        index += 1
        skipSpaces()
        let value = try parseValue()
        var table = current
        let place = currentName.isEmpty ? "at the top level" : "in \(currentName)"
        for (offset, part) in parts.enumerated() {
            let keyName = parts[...offset].map { displayKey($0.key) }.joined(separator: ".")
            if offset == parts.count - 1 {
                if let existing = table[part.key] {
                    throw error(
                        "duplicate key \(keyName) \(place) (first set on line \(existing.position.line))", at: part.position)
                }
                table.insert(part.key, TOMLValue(storage: value, position: part.position))
            } else if let existing = table[part.key] {
                guard let next = existing.table, next.origin == .dotted else {
                    let what = existing.table == nil ? "a value" : "a table with its own header"
                    throw error(
                        "the key \(keyName) \(place) is already \(what) (line \(existing.position.line))",
                        at: part.position)
                }
                table = next
            } else {
                let next = TOMLTable(position: part.position, origin: .dotted)
                table.insert(part.key, TOMLValue(storage: .table(next), position: part.position))
                table = next
            }
        }
    }

    /// A dotted key: bare (`A-Za-z0-9_-`), "basic" or 'literal' parts joined by dots.
    private mutating func parseKey(in what: String) throws(TOMLError) -> [(key: String, position: TOMLPosition)] {
        var parts: [(key: String, position: TOMLPosition)] = []
        while true {
            let start = position()
            guard let byte = peek() else { throw error("\(what) ends before its name") }
            let key: String
            switch byte {
            case UInt8(ascii: "\""):
                if bytes[index...].starts(with: [0x22, 0x22, 0x22]) {
                    throw error("a key cannot be a multi-line string")
                }
                key = try parseBasicString()
            case UInt8(ascii: "'"):
                if bytes[index...].starts(with: [0x27, 0x27, 0x27]) {
                    throw error("a key cannot be a multi-line string")
                }
                key = try parseLiteralString()
            case _ where isBareKeyByte(byte):
                let begin = index
                while let b = peek(), isBareKeyByte(b) { index += 1 }
                key = String(decoding: bytes[begin..<index], as: UTF8.self)
            default:
                if what == "a table header", byte == UInt8(ascii: "]"), parts.isEmpty {
                    throw error("a table header needs a name between [ and ]")
                }
                throw error(
                    "\(describe(byte)) cannot start a key; bare keys are ASCII letters, digits, '_' and '-' "
                        + "(put other keys in quotes)")
            }
            parts.append((key, start))
            if parts.count > TOMLReader.maxKeyParts {
                throw error("a key has more than \(TOMLReader.maxKeyParts) dotted parts", at: start)
            }
            skipSpaces()
            guard peek() == UInt8(ascii: ".") else { return parts }
            index += 1
            skipSpaces()
        }
    }

    // MARK: Values

    private mutating func parseValue() throws(TOMLError) -> TOMLValue.Storage {
        guard let byte = peek() else { throw error("expected a value after '=', found the end of the file") }
        switch byte {
        case UInt8(ascii: "\""):
            if bytes[index...].starts(with: [0x22, 0x22, 0x22]) { return .string(try parseMultilineString(quote: UInt8(ascii: "\""))) }
            return .string(try parseBasicString())
        case UInt8(ascii: "'"):
            if bytes[index...].starts(with: [0x27, 0x27, 0x27]) { return .string(try parseMultilineString(quote: UInt8(ascii: "'"))) }
            return .string(try parseLiteralString())
        case UInt8(ascii: "["):
            return .array(try parseArray())
        case UInt8(ascii: "{"):
            throw error("inline tables ({ ... }) are not supported; write a [table] section instead")
        case _ where isTokenByte(byte):
            return try parseToken()
        case 0x0A, 0x0D, UInt8(ascii: "#"):
            throw error("expected a value after '='")
        default:
            throw error(
                "expected a value (a string in quotes, a whole number, true, false or a list in [ ]), "
                    + "found \(describe(byte))")
        }
    }

    /// A list of strings, numbers or booleans; lists of lists and of tables are refused.
    private mutating func parseArray() throws(TOMLError) -> [TOMLValue] {
        let start = position()
        index += 1  // '['
        var elements: [TOMLValue] = []
        while true {
            try skipBlank()
            guard let byte = peek() else { throw error("the list opened here is not closed with ']'", at: start) }
            if byte == UInt8(ascii: "]") {
                index += 1
                return elements
            }
            if byte == UInt8(ascii: "[") { throw error("lists of lists are not supported") }
            let elementStart = position()
            elements.append(TOMLValue(storage: try parseValue(), position: elementStart))
            try skipBlank()
            switch peek() {
            case UInt8(ascii: ",")?:
                index += 1
            case UInt8(ascii: "]")?:
                index += 1
                return elements
            case let byte?:
                throw error("expected ',' or ']' in the list, found \(describe(byte))")
            case nil:
                throw error("the list opened here is not closed with ']'", at: start)
            }
        }
    }

    /// true, false or an integer; floats and dates are named in the error.
    private mutating func parseToken() throws(TOMLError) -> TOMLValue.Storage {
        let start = position()
        let begin = index
        while let byte = peek(), isTokenByte(byte) { index += 1 }
        let token = Array(bytes[begin..<index])
        let text = String(decoding: token, as: UTF8.self)
        if text == "true" { return .boolean(true) }
        if text == "false" { return .boolean(false) }
        if let value = Self.integer(token) { return .integer(value) }
        let shown = ManifestText.quoted(text, limit: 40)
        if Self.isIntegerShaped(token) {
            throw error("the number \(shown) does not fit in 64 bits", at: start)
        }
        if token.contains(UInt8(ascii: ":")) || (token.count >= 5 && token[4] == UInt8(ascii: "-") && token[0..<4].allSatisfy(isDigit)) {
            throw error("dates and times (\(shown)) are not supported in this file", at: start)
        }
        if ["inf", "+inf", "-inf", "nan", "+nan", "-nan"].contains(text)
            || (token.first.map { isDigit($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") } ?? false)
                && token.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") })
                && !text.hasPrefix("0x")
        {
            throw error("\(shown) is not a whole number; numbers with a fraction or exponent are not supported", at: start)
        }
        if token.first.map({ isDigit($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }) ?? false {
            throw error("\(shown) is not a valid whole number", at: start)
        }
        throw error("\(shown) is not a value; text must be in quotes (\"...\")", at: start)
    }

    /// Whether a token looks like an integer (so a failure to read it is an overflow).
    private static func isIntegerShaped(_ token: [UInt8]) -> Bool {
        var digits = token[...]
        if let first = digits.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.first != UInt8(ascii: "0") && digits.allSatisfy { (0x30...0x39).contains($0) || $0 == 0x5F }
            && digits.last != 0x5F && !digits.contains([0x5F, 0x5F])
    }

    /// TOML's integer grammar: `[+-]?(0|[1-9](_?[0-9])*)`, or 0x / 0o / 0b with `_` between digits.
    static func integer(_ token: [UInt8]) -> Int? {
        var rest = token[...]
        var negative = false
        var radix = 10
        if rest.count > 2, rest[rest.startIndex] == UInt8(ascii: "0") {
            switch rest[rest.startIndex + 1] {
            case UInt8(ascii: "x"): radix = 16
            case UInt8(ascii: "o"): radix = 8
            case UInt8(ascii: "b"): radix = 2
            default: return nil
            }
            rest = rest.dropFirst(2)
        } else {
            if let first = rest.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
                negative = first == UInt8(ascii: "-")
                rest = rest.dropFirst()
            }
            if rest.count > 1, rest.first == UInt8(ascii: "0") { return nil }  // no leading zeros
        }
        guard let first = rest.first, first != 0x5F, rest.last != 0x5F else { return nil }
        var value = 0
        var previousUnderscore = false
        for byte in rest {
            if byte == 0x5F {
                if previousUnderscore { return nil }
                previousUnderscore = true
                continue
            }
            previousUnderscore = false
            let digit: Int
            switch byte {
            case 0x30...0x39: digit = Int(byte - 0x30)
            case 0x61...0x66: digit = Int(byte - 0x61 + 10)
            case 0x41...0x46: digit = Int(byte - 0x41 + 10)
            default: return nil
            }
            guard digit < radix else { return nil }
            let (shifted, o1) = value.multipliedReportingOverflow(by: radix)
            let (next, o2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            value = next
        }
        return value
    }

    private mutating func parseBasicString() throws(TOMLError) -> String {
        let start = position()
        index += 1
        var buffer: [UInt8] = []
        while true {
            guard let byte = peek() else { throw error("the string opened here is not closed", at: start) }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: buffer, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &buffer)
            case 0x0A, 0x0D:
                throw error("the string opened here is not closed before the end of the line", at: start)
            default:
                if isForbiddenControl(byte) {
                    throw error("a string contains the control character \(name(byte)); write it as an escape (\\uXXXX)")
                }
                buffer.append(byte)
                index += 1
            }
        }
    }

    /// A multi-line string: basic (`"""`, with escapes and line-ending backslashes) or
    /// literal (`'''`, as written).
    private mutating func parseMultilineString(quote: UInt8) throws(TOMLError) -> String {
        let basic = quote == UInt8(ascii: "\"")
        let start = position()
        index += 3
        try trimFirstNewline()
        var buffer: [UInt8] = []
        while true {
            guard let byte = peek() else { throw error("the multi-line string opened here is not closed", at: start) }
            switch byte {
            case quote:
                if let closing = try closingQuotes(quote) {
                    buffer.append(contentsOf: repeatElement(quote, count: closing))
                    return String(decoding: buffer, as: UTF8.self)
                }
                buffer.append(byte)
                index += 1
            case UInt8(ascii: "\\") where basic:
                // A backslash ending a line joins it to the next, dropping the blanks in between.
                var probe = index + 1
                while probe < bytes.count, bytes[probe] == 0x20 || bytes[probe] == 0x09 { probe += 1 }
                if probe < bytes.count, bytes[probe] == 0x0A || (bytes[probe] == 0x0D && probe + 1 < bytes.count && bytes[probe + 1] == 0x0A) {
                    index = probe
                    while true {
                        skipSpaces()
                        guard try consumeNewline() else { break }
                    }
                } else {
                    try parseEscape(into: &buffer)
                }
            case 0x0A, 0x0D:
                _ = try consumeNewline()
                buffer.append(0x0A)
            default:
                if isForbiddenControl(byte) {
                    throw error("a string contains the control character \(name(byte))" + (basic ? "; write it as an escape (\\uXXXX)" : ""))
                }
                buffer.append(byte)
                index += 1
            }
        }
    }

    private mutating func parseLiteralString() throws(TOMLError) -> String {
        let start = position()
        index += 1
        let begin = index
        while true {
            guard let byte = peek() else { throw error("the string opened here is not closed", at: start) }
            switch byte {
            case UInt8(ascii: "'"):
                let text = String(decoding: bytes[begin..<index], as: UTF8.self)
                index += 1
                return text
            case 0x0A, 0x0D:
                throw error("the string opened here is not closed before the end of the line", at: start)
            default:
                if isForbiddenControl(byte) { throw error("a string contains the control character \(name(byte))") }
                index += 1
            }
        }
    }

    /// At a quote inside a multi-line string: when three or more quotes close it, consumes
    /// them and returns how many belong to the content (up to two); nil otherwise.
    private mutating func closingQuotes(_ quote: UInt8) throws(TOMLError) -> Int? {
        var count = 0
        while index + count < bytes.count, bytes[index + count] == quote { count += 1 }
        guard count >= 3 else { return nil }
        if count > 5 { throw error("too many quotes in a row at the end of a multi-line string") }
        index += count
        return count - 3
    }

    private mutating func trimFirstNewline() throws(TOMLError) {
        _ = try consumeNewline()
    }

    private mutating func parseEscape(into buffer: inout [UInt8]) throws(TOMLError) {
        let start = position()
        index += 1  // backslash
        guard let byte = peek() else { throw error("the string ends inside an escape", at: start) }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): buffer.append(byte)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let digits = byte == UInt8(ascii: "u") ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<digits {
                guard let hex = peek(), let digit = hexValue(hex) else {
                    throw error("\\\(Character(UnicodeScalar(byte))) needs \(digits) hexadecimal digits", at: start)
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            guard let scalar = Unicode.Scalar(value) else {
                let hex = String(value, radix: 16, uppercase: true)
                throw error("\\\(Character(UnicodeScalar(byte)))\(hex) is not a Unicode scalar value (a surrogate or above 10FFFF)", at: start)
            }
            buffer.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw error(
                "\\\(describeRaw(byte)) is not a valid escape (use \\\\ for a backslash, or a 'literal string')",
                at: start)
        }
    }

    // MARK: Bytes and places

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private func isBareKeyByte(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    /// What an unquoted value (number, boolean, date, float) may be made of.
    private func isTokenByte(_ byte: UInt8) -> Bool {
        isBareKeyByte(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
    }

    private func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    private func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// Controls TOML allows nowhere outside escapes: all of C0 but tab, and DEL.
    private func isForbiddenControl(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != 0x09) || byte == 0x7F
    }

    private func name(_ byte: UInt8) -> String {
        ManifestText.name(UnicodeScalar(byte))
    }

    /// The character at the current position, quoted for a message.
    private func describe(_ byte: UInt8) -> String {
        if byte >= 0x80 {
            var end = index + 1
            while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
            let text = String(decoding: bytes[index..<end], as: UTF8.self)
            guard let scalar = text.unicodeScalars.first else { return "a byte \(byte)" }
            if ManifestText.isControl(scalar) || scalar.properties.generalCategory == .format
                || scalar.properties.isWhitespace
            {
                return ManifestText.name(scalar)
            }
            return "'\(text)'"
        }
        if byte < 0x20 || byte == 0x7F { return name(byte) }
        return "'\(Character(UnicodeScalar(byte)))'"
    }

    private func describeRaw(_ byte: UInt8) -> String {
        if byte < 0x20 || byte >= 0x7F { return "(\(describe(byte)))" }
        return String(Character(UnicodeScalar(byte)))
    }

    /// A key as messages show it: bare when it could be written bare, quoted and escaped otherwise.
    private func displayKey(_ key: String) -> String {
        if !key.isEmpty, key.utf8.count <= 60, key.utf8.allSatisfy(isBareKeyByte) { return key }
        return ManifestText.quoted(key, limit: 40)
    }

    private mutating func position() -> TOMLPosition {
        if columnCacheIndex < lineStart || columnCacheIndex > index {
            columnCacheIndex = lineStart
            columnCacheValue = 1
        }
        for i in columnCacheIndex..<index where bytes[i] & 0xC0 != 0x80 { columnCacheValue += 1 }
        columnCacheIndex = index
        return TOMLPosition(line: line, column: columnCacheValue)
    }

    private mutating func error(_ detail: String, at place: TOMLPosition? = nil) -> TOMLError {
        TOMLError(detail: detail, position: place ?? position())
    }
}
