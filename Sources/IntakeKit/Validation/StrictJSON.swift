/// A JSON value as the strict parser reads it; numbers keep their text (a manifest has none).
enum StrictJSONValue {
    case string(String)
    case number(String)
    case bool(Bool)
    case null
    case array([StrictJSONNode])
    case object([StrictJSONMember])

    /// How a problem detail names this kind of value.
    var kindDescription: String {
        switch self {
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A JSON value with the place it starts.
struct StrictJSONNode {
    var value: StrictJSONValue
    var location: ManifestSourceLocation
    /// For a container: how many items or members were parsed but not kept (the value budget ran out).
    var omitted = 0
}

/// One key and value of a JSON object, in document order.
struct StrictJSONMember {
    var key: String
    var keyLocation: ManifestSourceLocation
    var value: StrictJSONNode
}

/// A strict RFC 8259 parser written for manifests instead of using JSONSerialization or JSONDecoder.
///
/// Doing it by hand buys what Foundation cannot give: duplicate keys are seen (and reported
/// with their path), every syntax error carries a line and column, nesting is measured while
/// parsing rather than by a second pass, and there is no recursion at all (containers live on
/// an explicit stack), so 10,000 nested brackets fail cleanly at `maxDepth` instead of
/// overflowing the stack. It also avoids JSONSerialization's NSNumber, where `true` and `1`
/// can be confused. Input must already be valid UTF-8 (``ManifestParser`` checks that first).
struct StrictJSONParser {
    struct SyntaxError: Error {
        var detail: String
        var location: ManifestSourceLocation
    }

    /// An open object or array. Frames are mutated in place on the stack: popping one,
    /// appending and pushing it back would copy its items every time (quadratic).
    private struct Frame {
        var isObject: Bool
        var start: ManifestSourceLocation
        var items: [StrictJSONNode] = []
        var members: [StrictJSONMember] = []
        var keys: Set<String> = []
        /// The key whose value is being read (objects only).
        var key = ""
        var keyLocation = ManifestSourceLocation.unknown
        /// Items or members parsed but not kept.
        var omitted = 0
        /// Whether the member being read is kept whatever the budget (see `alwaysKept`).
        var forceKeep = false
    }

    private let bytes: ArraySlice<UInt8>
    private let maxDepth: Int
    private var position: Int
    private var line = 1
    private var lineStart: Int
    // Columns are counted in characters; locations are asked for in increasing order, so
    // counting on from the last answer keeps a long single-line document linear.
    private var columnCachePosition: Int
    private var columnCacheValue = 1
    private var stack: [Frame] = []
    /// How many values are kept; the rest are parsed (so syntax errors are still found) and
    /// counted, never stored, so memory stays bounded whatever the input holds.
    private let maxValues: Int
    private(set) var keptValues = 0
    /// Values parsed but not kept.
    private(set) var omittedValues = 0
    /// Top-level keys whose first value is kept even when the budget has run out, so the
    /// structure a reader looks for (the attachment list and its length) is never lost.
    private let alwaysKept: Set<String>

    /// Problems that do not stop parsing (duplicate keys), in document order.
    private(set) var problems: ManifestProblemList

    init(
        _ bytes: ArraySlice<UInt8>, maxDepth: Int, maxValues: Int = .max, alwaysKept: Set<String> = [],
        maxProblems: Int = 100
    ) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.maxValues = maxValues
        self.alwaysKept = alwaysKept
        problems = ManifestProblemList(keep: maxProblems)
        position = bytes.startIndex
        lineStart = bytes.startIndex
        columnCachePosition = bytes.startIndex
    }

    /// Parses one JSON document, which must be the whole input.
    mutating func parseDocument() throws(SyntaxError) -> StrictJSONNode {
        var completed: StrictJSONNode
        nextValue: while true {
            skipWhitespace()
            let start = location()
            guard let byte = peek() else {
                throw SyntaxError(
                    detail: "the JSON ends unexpectedly \(context(expecting: "a value"))", location: start)
            }
            switch byte {
            case UInt8(ascii: "{"):
                try enterContainer(at: start)
                position += 1
                skipWhitespace()
                if peek() == UInt8(ascii: "}") {
                    position += 1
                    completed = StrictJSONNode(value: .object([]), location: start)
                } else {
                    stack.append(Frame(isObject: true, start: start))
                    try readKey()
                    continue nextValue
                }
            case UInt8(ascii: "["):
                try enterContainer(at: start)
                position += 1
                skipWhitespace()
                if peek() == UInt8(ascii: "]") {
                    position += 1
                    completed = StrictJSONNode(value: .array([]), location: start)
                } else {
                    stack.append(Frame(isObject: false, start: start))
                    continue nextValue
                }
            case UInt8(ascii: "\""):
                completed = StrictJSONNode(value: .string(try parseString()), location: start)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                completed = StrictJSONNode(value: .number(try parseNumber()), location: start)
            case _ where isIdentifierStart(byte):
                // true, false, null, or a bare word (NaN, True, 'unquoted') named in the error.
                completed = StrictJSONNode(value: try parseLiteral(), location: start)
            default:
                throw SyntaxError(detail: "unexpected \(describe(byte)) where a value was expected", location: start)
            }

            // Hand the finished value to its container, closing as many containers as end here.
            while true {
                let top = stack.count - 1
                guard top >= 0 else {
                    skipWhitespace()
                    if let byte = peek() {
                        throw SyntaxError(
                            detail: "unexpected \(describe(byte)) after the end of the JSON document",
                            location: location())
                    }
                    return completed
                }
                skipWhitespace()
                let keep = keptValues < maxValues || (stack[top].isObject && stack[top].forceKeep)
                if keep {
                    keptValues += 1
                } else {
                    omittedValues += 1
                    stack[top].omitted += 1
                }
                if stack[top].isObject {
                    if keep {
                        stack[top].members.append(
                            StrictJSONMember(key: stack[top].key, keyLocation: stack[top].keyLocation, value: completed))
                    }
                    switch peek() {
                    case UInt8(ascii: ","):
                        try consumeComma()
                        try readKey()
                        continue nextValue
                    case UInt8(ascii: "}"):
                        position += 1
                        let frame = stack.removeLast()
                        completed = StrictJSONNode(value: .object(frame.members), location: frame.start, omitted: frame.omitted)
                    case let byte?:
                        throw SyntaxError(
                            detail: "expected ',' or '}' after the value of \(ManifestText.quoted(stack[top].key)) "
                                + "but found \(describe(byte))",
                            location: location())
                    case nil:
                        throw SyntaxError(
                            detail: "the JSON ends unexpectedly inside an object (expected ',' or '}')",
                            location: location())
                    }
                } else {
                    if keep { stack[top].items.append(completed) }
                    switch peek() {
                    case UInt8(ascii: ","):
                        try consumeComma()
                        continue nextValue
                    case UInt8(ascii: "]"):
                        position += 1
                        let frame = stack.removeLast()
                        completed = StrictJSONNode(value: .array(frame.items), location: frame.start, omitted: frame.omitted)
                    case let byte?:
                        throw SyntaxError(
                            detail: "expected ',' or ']' in an array but found \(describe(byte))", location: location())
                    case nil:
                        throw SyntaxError(
                            detail: "the JSON ends unexpectedly inside an array (expected ',' or ']')",
                            location: location())
                    }
                }
            }
        }
    }

    private mutating func enterContainer(at start: ManifestSourceLocation) throws(SyntaxError) {
        if stack.count + 1 > maxDepth {
            throw SyntaxError(
                detail: "the JSON is nested more than \(maxDepth) levels deep", location: start)
        }
    }

    private mutating func consumeComma() throws(SyntaxError) {
        let comma = location()
        position += 1
        skipWhitespace()
        if let byte = peek(), byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
            throw SyntaxError(detail: "trailing comma before '\(Character(UnicodeScalar(byte)))'", location: comma)
        }
    }

    /// Reads `"key":` into the innermost (object) frame; a key it already has is reported, not fatal.
    private mutating func readKey() throws(SyntaxError) {
        skipWhitespace()
        let start = location()
        guard let byte = peek() else {
            throw SyntaxError(
                detail: "the JSON ends unexpectedly inside an object (expected a key)", location: start)
        }
        guard byte == UInt8(ascii: "\"") else {
            if isIdentifierStart(byte) {
                throw SyntaxError(
                    detail: "object keys must be in double quotes, but \(ManifestText.quoted(word())) is not",
                    location: start)
            }
            throw SyntaxError(detail: "expected a key in double quotes but found \(describe(byte))", location: start)
        }
        let key = try parseString()
        let top = stack.count - 1
        // A member read after the budget ran out is not kept, so its key need not be remembered.
        let essential = top == 0 && alwaysKept.contains(key)
        stack[top].forceKeep = false
        if keptValues < maxValues || essential {
            if stack[top].keys.insert(key).inserted {
                stack[top].forceKeep = essential
            } else {
                let path = currentPath()
                problems.add(
                    "duplicate key \(ManifestText.quoted(key)) \(path.isEmpty ? "at the top level" : "in \(path)")",
                    at: start)
            }
        }
        stack[top].key = key
        stack[top].keyLocation = start
        skipWhitespace()
        guard peek() == UInt8(ascii: ":") else {
            let found = peek().map(describe) ?? "the end of the file"
            throw SyntaxError(
                detail: "expected ':' after the key \(ManifestText.quoted(key)) but found \(found)",
                location: location())
        }
        position += 1
    }

    /// The bare word starting at the current position (at most 40 bytes), for error messages.
    private func word() -> String {
        var end = position
        while end < bytes.endIndex, end - position < 40, isIdentifierStart(bytes[end]) || isDigit(bytes[end]) {
            end += 1
        }
        while end < bytes.endIndex, bytes[end] & 0xC0 == 0x80 { end += 1 }   // never split a character
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    /// The path of the innermost container, e.g. "applicant" or "attachments[1]"; "" at the top level.
    private func currentPath() -> String {
        var path = ""
        for frame in stack.dropLast() {
            if frame.isObject {
                path += path.isEmpty ? frame.key : ".\(frame.key)"
            } else {
                path += "[\(frame.items.count + frame.omitted)]"
            }
        }
        return path
    }

    private mutating func parseString() throws(SyntaxError) -> String {
        let start = location()
        position += 1  // opening quote
        var buffer: [UInt8] = []
        var segmentStart = position
        while true {
            guard position < bytes.endIndex else {
                throw SyntaxError(detail: "the JSON ends unexpectedly inside a string", location: start)
            }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                buffer.append(contentsOf: bytes[segmentStart..<position])
                position += 1
                return String(decoding: buffer, as: UTF8.self)
            case UInt8(ascii: "\\"):
                buffer.append(contentsOf: bytes[segmentStart..<position])
                try parseEscape(into: &buffer)
                segmentStart = position
            case 0x00..<0x20:
                throw SyntaxError(
                    detail: "a string contains the raw control character \(ManifestText.name(UnicodeScalar(byte))); "
                        + "it must be escaped", location: location())
            default:
                position += 1
            }
        }
    }

    private mutating func parseEscape(into buffer: inout [UInt8]) throws(SyntaxError) {
        let start = location()
        position += 1  // backslash
        guard let byte = peek() else {
            throw SyntaxError(detail: "the JSON ends unexpectedly inside a string", location: start)
        }
        position += 1
        if let escaped = JSONEscape.byte(for: byte) {
            buffer.append(escaped)
            return
        }
        switch byte {
        case UInt8(ascii: "u"):
            var value = try parseHex4(escapeStart: start)
            if (0xD800...0xDBFF).contains(value) {
                guard peek() == UInt8(ascii: "\\"), position + 1 < bytes.endIndex,
                    bytes[position + 1] == UInt8(ascii: "u")
                else {
                    throw SyntaxError(detail: "a \\u escape holds an unpaired UTF-16 surrogate", location: start)
                }
                position += 2
                let low = try parseHex4(escapeStart: start)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw SyntaxError(detail: "a \\u escape holds an unpaired UTF-16 surrogate", location: start)
                }
                value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(value) {
                throw SyntaxError(detail: "a \\u escape holds an unpaired UTF-16 surrogate", location: start)
            }
            // Not a surrogate, so always a valid scalar.
            buffer.append(contentsOf: Array(String(UnicodeScalar(value)!).utf8))
        default:
            throw SyntaxError(detail: "\\\(describeRaw(byte)) is not a valid escape in a JSON string", location: start)
        }
    }

    private mutating func parseHex4(escapeStart: ManifestSourceLocation) throws(SyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek() else {
                throw SyntaxError(detail: "the JSON ends unexpectedly inside a string", location: escapeStart)
            }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default:
                throw SyntaxError(detail: "a \\u escape needs four hexadecimal digits", location: escapeStart)
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    private mutating func parseLiteral() throws(SyntaxError) -> StrictJSONValue {
        let start = location()
        for (word, value) in [("true", StrictJSONValue.bool(true)), ("false", .bool(false)), ("null", .null)] {
            let utf8 = Array(word.utf8)
            if bytes[position...].starts(with: utf8) {
                let end = position + utf8.count
                if end == bytes.endIndex || !isIdentifierStart(bytes[end]) && !isDigit(bytes[end]) {
                    position = end
                    return value
                }
            }
        }
        let word = word()
        if position + word.utf8.count == bytes.endIndex,
            ["true", "false", "null"].contains(where: { $0.hasPrefix(word) })
        {
            throw SyntaxError(
                detail: "the JSON ends unexpectedly in the middle of \(ManifestText.quoted(word))", location: start)
        }
        throw SyntaxError(
            detail: "unexpected word \(ManifestText.quoted(word)); strings must be in double quotes", location: start)
    }

    /// Reads a number by RFC 8259's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    private mutating func parseNumber() throws(SyntaxError) -> String {
        let startIndex = position
        let start = location()
        func digits() -> Int {
            let first = position
            while let byte = peek(), isDigit(byte) { position += 1 }
            return position - first
        }
        if peek() == UInt8(ascii: "-") { position += 1 }
        if peek() == UInt8(ascii: "0") {
            position += 1
        } else if digits() == 0 {
            throw SyntaxError(detail: "a number is malformed", location: start)
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { throw SyntaxError(detail: "a number is malformed", location: start) }
        }
        if let byte = peek(), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            position += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw SyntaxError(detail: "a number is malformed", location: start) }
        }
        if let byte = peek(), isDigit(byte) || isIdentifierStart(byte) || byte == UInt8(ascii: ".") {
            throw SyntaxError(detail: "a number is malformed", location: start)
        }
        return String(decoding: bytes[startIndex..<position], as: UTF8.self)
    }

    private mutating func skipWhitespace() {
        while position < bytes.endIndex {
            switch bytes[position] {
            case 0x20, 0x09, 0x0D:
                position += 1
            case 0x0A:
                position += 1
                line += 1
                lineStart = position
            default:
                return
            }
        }
    }

    private func peek() -> UInt8? {
        position < bytes.endIndex ? bytes[position] : nil
    }

    /// The current line and column (1-based, the column in characters).
    private mutating func location() -> ManifestSourceLocation {
        if columnCachePosition < lineStart || columnCachePosition > position {
            columnCachePosition = lineStart
            columnCacheValue = 1
        }
        for index in columnCachePosition..<position where bytes[index] & 0xC0 != 0x80 {
            columnCacheValue += 1
        }
        columnCachePosition = position
        return ManifestSourceLocation(line: line, column: columnCacheValue)
    }

    private func context(expecting what: String) -> String {
        switch stack.last?.isObject {
        case false?: "inside an array (expected \(what))"
        case true?: "inside an object (expected \(what))"
        case nil: "(expected \(what))"
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte)
    }

    private func isIdentifierStart(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "$") || byte >= 0x80
    }

    /// Names the character starting at the current position for an error message.
    private func describe(_ byte: UInt8) -> String {
        if byte >= 0x80 {
            var end = position + 1
            while end < bytes.endIndex, bytes[end] & 0xC0 == 0x80 { end += 1 }
            return "'\(String(decoding: bytes[position..<end], as: UTF8.self))'"
        }
        return describeRaw(byte).isEmpty ? "" : "'\(describeRaw(byte))'"
    }

    private func describeRaw(_ byte: UInt8) -> String {
        if byte < 0x20 || byte == 0x7F {
            return ManifestText.name(UnicodeScalar(byte))
        }
        return String(Character(UnicodeScalar(byte)))
    }
}

/// The one-letter escapes of a JSON string (RFC 8259 §7), shared by the manifest parser and the
/// store-line scanner: the byte each stands for, or nil (`u` and unknown letters).
enum JSONEscape {
    static func byte(for letter: UInt8) -> UInt8? {
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): letter
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
    }
}
