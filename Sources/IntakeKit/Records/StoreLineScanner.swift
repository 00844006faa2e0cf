#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the few fields the index takes from one store line, without decoding the record.
///
/// Catching the index up from nothing reads every line of every store once: at a million
/// applications that is about six million lines, and Foundation's `JSONDecoder` (a tree of
/// every value, then `Decodable` over it) spends four times as long on them as Python's
/// `json`. This scanner walks the line's bytes once: it checks the whole line is one strict
/// JSON object (RFC 8259: no trailing commas, no control characters in strings, valid UTF-8,
/// escapes that decode) and keeps only the members it is asked for, skipping the rest as it
/// checks them. A line it cannot read is the same corrupt-store error as before; the fields it
/// skips are checked against the record types by `intake verify`, which decodes every line.
///
/// No recursion: nesting is counted while skipping, and at most ``maxDepth`` deep.
struct StoreLineScanner {
    struct Failure: Error, Sendable {
        var detail: String
    }

    static let maxDepth = 64

    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Scans a line that must be one object; `member` is called with each key and must either
    /// read the value (``string()``, ``int()``...) or call ``skipValue()``.
    static func scan(_ line: ArraySlice<UInt8>,
                     _ member: (_ key: Key, _ scanner: inout StoreLineScanner) throws(Failure) -> Void) throws(Failure) {
        let result: Failure? = line.withUnsafeBufferPointer { buffer in
            var scanner = StoreLineScanner(buffer)
            do throws(Failure) {
                try scanner.object(member)
                scanner.skipWhitespace()
                guard scanner.i == buffer.count else { throw scanner.failure("text after the record") }
                return nil
            } catch {
                return error
            }
        }
        if let result { throw result }
    }

    /// A member's key: compared with the names the caller knows without making a String.
    struct Key {
        fileprivate let raw: UnsafeBufferPointer<UInt8>
        fileprivate let decoded: [UInt8]?

        static func == (key: Key, name: StaticString) -> Bool {
            let n = name.utf8CodeUnitCount
            if let decoded = key.decoded {
                return decoded.count == n && decoded.withUnsafeBufferPointer { memcmp($0.baseAddress!, name.utf8Start, n) == 0 }
            }
            return key.raw.count == n && (n == 0 || memcmp(key.raw.baseAddress!, name.utf8Start, n) == 0)
        }

        var text: String {
            if let decoded { return String(decoding: decoded, as: UTF8.self) }
            return String(decoding: raw, as: UTF8.self)
        }
    }

    // MARK: Values the caller reads

    /// The members of an object value.
    mutating func object(_ member: (_ key: Key, _ scanner: inout StoreLineScanner) throws(Failure) -> Void) throws(Failure) {
        skipWhitespace()
        try expect(UInt8(ascii: "{"), "an object")
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { i += 1; return }
        while true {
            skipWhitespace()
            let key = try readKey()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            let before = i
            try member(key, &self)
            if i == before { throw failure("the value of \(key.text) was neither read nor skipped") }
            skipWhitespace()
            guard let next = peek() else { throw failure("the line ends inside an object") }
            i += 1
            if next == UInt8(ascii: "}") { return }
            guard next == UInt8(ascii: ",") else { throw failure("expected ',' or '}'") }
        }
    }

    /// The elements of an array value, each handed to `element` to read or skip; their count.
    @discardableResult
    mutating func array(_ element: (_ scanner: inout StoreLineScanner) throws(Failure) -> Void) throws(Failure) -> Int {
        skipWhitespace()
        try expect(UInt8(ascii: "["), "an array")
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { i += 1; return 0 }
        var count = 0
        while true {
            try element(&self)
            count += 1
            skipWhitespace()
            guard let next = peek() else { throw failure("the line ends inside an array") }
            i += 1
            if next == UInt8(ascii: "]") { return count }
            guard next == UInt8(ascii: ",") else { throw failure("expected ',' or ']'") }
        }
    }

    mutating func string() throws(Failure) -> String {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw failure("expected a string") }
        let (start, end, escaped) = try scanString()
        if let escaped { return String(decoding: escaped, as: UTF8.self) }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    /// A string, or nil for `null`.
    mutating func optionalString() throws(Failure) -> String? {
        if try null() { return nil }
        return try string()
    }

    mutating func int() throws(Failure) -> Int {
        skipWhitespace()
        let start = i
        try skipNumber()
        var value = 0
        var negative = false
        var j = start
        if bytes[j] == UInt8(ascii: "-") { negative = true; j += 1 }
        while j < i, bytes[j] >= UInt8(ascii: "0"), bytes[j] <= UInt8(ascii: "9") {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(bytes[j] - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw failure("a number too large") }
            value = a
            j += 1
        }
        guard j == i else { throw failure("expected a whole number") }
        return negative ? -value : value
    }

    mutating func optionalInt() throws(Failure) -> Int? {
        if try null() { return nil }
        return try int()
    }

    mutating func bool() throws(Failure) -> Bool {
        skipWhitespace()
        if literal("true") { return true }
        if literal("false") { return false }
        throw failure("expected true or false")
    }

    /// Consumes `null` if it is next.
    mutating func null() throws(Failure) -> Bool {
        skipWhitespace()
        return literal("null")
    }

    /// Checks and passes over one value of any kind.
    mutating func skipValue() throws(Failure) {
        var depth = 0
        var objects: UInt64 = 0  // bit k: the container at depth k + 1 is an object
        while true {
            // One value: a scalar, or the opening of a container (then its first value).
            skipWhitespace()
            guard let b = peek() else { throw failure("the line ends inside a value") }
            switch b {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard depth < Self.maxDepth else { throw failure("nested deeper than \(Self.maxDepth)") }
                i += 1
                let isObject = b == UInt8(ascii: "{")
                if isObject { objects |= 1 << UInt64(depth) } else { objects &= ~(1 << UInt64(depth)) }
                depth += 1
                skipWhitespace()
                if peek() == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    depth -= 1
                } else {
                    if isObject { try memberKey() }
                    continue
                }
            case UInt8(ascii: "\""): _ = try scanString()
            case UInt8(ascii: "t"): guard literal("true") else { throw failure("expected a value") }
            case UInt8(ascii: "f"): guard literal("false") else { throw failure("expected a value") }
            case UInt8(ascii: "n"): guard literal("null") else { throw failure("expected a value") }
            default: try skipNumber()
            }
            // After a whole value: a comma (in an object, then a key), or closing brackets.
            separator: while true {
                if depth == 0 { return }
                skipWhitespace()
                guard let next = peek() else { throw failure("the line ends inside a value") }
                i += 1
                let inObject = objects & (1 << UInt64(depth - 1)) != 0
                if next == UInt8(ascii: ",") {
                    if inObject { skipWhitespace(); try memberKey() }
                    break separator
                }
                guard next == (inObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                    throw failure("expected ',' or a closing bracket")
                }
                depth -= 1
            }
        }
    }

    // MARK: Pieces

    private mutating func memberKey() throws(Failure) {
        _ = try readKey()
        skipWhitespace()
        try expect(UInt8(ascii: ":"), "':'")
    }

    private mutating func readKey() throws(Failure) -> Key {
        guard peek() == UInt8(ascii: "\"") else { throw failure("expected a key") }
        let (start, end, escaped) = try scanString()
        return Key(raw: UnsafeBufferPointer(rebasing: bytes[start..<end]), decoded: escaped)
    }

    /// Passes over a string, checking it; its content's bounds, and its decoded bytes when it
    /// holds escapes.
    private mutating func scanString() throws(Failure) -> (Int, Int, [UInt8]?) {
        i += 1  // the opening quote
        let start = i
        var decoded: [UInt8]?
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                let end = i
                i += 1
                return (start, end, decoded)
            }
            if b == UInt8(ascii: "\\") {
                if decoded == nil { decoded = Array(bytes[start..<i]) }
                try escape(into: &decoded!)
                continue
            }
            if b < 0x20 { throw failure("a control character in a string") }
            if b < 0x80 {
                decoded?.append(b)
                i += 1
                continue
            }
            let n = try utf8Sequence(at: i)
            decoded?.append(contentsOf: bytes[i..<i + n])
            i += n
        }
        throw failure("the line ends inside a string")
    }

    /// The length of the valid UTF-8 sequence starting at `j` (RFC 3629: no overlongs, no surrogates).
    private func utf8Sequence(at j: Int) throws(Failure) -> Int {
        let b0 = bytes[j]
        let n: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: n = 2
        case 0xE0: n = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: n = 3
        case 0xED: n = 3; high = 0x9F
        case 0xF0: n = 4; low = 0x90
        case 0xF1...0xF3: n = 4
        case 0xF4: n = 4; high = 0x8F
        default: throw failure("bytes that are not UTF-8")
        }
        guard j + n <= bytes.count else { throw failure("bytes that are not UTF-8") }
        let b1 = bytes[j + 1]
        guard b1 >= low, b1 <= high else { throw failure("bytes that are not UTF-8") }
        for k in 2..<max(2, n) where bytes[j + k] & 0xC0 != 0x80 { throw failure("bytes that are not UTF-8") }
        return n
    }

    private mutating func escape(into out: inout [UInt8]) throws(Failure) {
        guard i + 1 < bytes.count else { throw failure("the line ends inside an escape") }
        let c = bytes[i + 1]
        i += 2
        if let byte = JSONEscape.byte(for: c) {
            out.append(byte)
            return
        }
        switch c {
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                    throw failure("a lone surrogate escape")
                }
                i += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw failure("a lone surrogate escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw failure("a lone surrogate escape")
            }
            out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
        default:
            throw failure("an unknown escape")
        }
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard i + 4 <= bytes.count else { throw failure("the line ends inside an escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw failure("a bad \\u escape")
            }
            value = value << 4 | UInt32(digit)
            i += 1
        }
        return value
    }

    /// RFC 8259's number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    private mutating func skipNumber() throws(Failure) {
        if peek() == UInt8(ascii: "-") { i += 1 }
        guard let first = peek(), isDigit(first) else { throw failure("expected a value") }
        i += 1
        if first != UInt8(ascii: "0") { while let b = peek(), isDigit(b) { i += 1 } }
        if peek() == UInt8(ascii: ".") {
            i += 1
            guard let b = peek(), isDigit(b) else { throw failure("a number without digits after '.'") }
            while let b = peek(), isDigit(b) { i += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            i += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { i += 1 }
            guard let b = peek(), isDigit(b) else { throw failure("a number without digits in its exponent") }
            while let b = peek(), isDigit(b) { i += 1 }
        }
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i + n <= bytes.count, memcmp(bytes.baseAddress! + i, word.utf8Start, n) == 0 else { return false }
        i += n
        return true
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(Failure) {
        guard peek() == byte else { throw failure("expected \(what)") }
        i += 1
    }

    private mutating func skipWhitespace() {
        while i < bytes.count {
            let b = bytes[i]
            guard b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D else { return }
            i += 1
        }
    }

    private func peek() -> UInt8? { i < bytes.count ? bytes[i] : nil }

    private func failure(_ detail: String) -> Failure {
        Failure(detail: "\(detail) at byte \(i + 1)")
    }
}
