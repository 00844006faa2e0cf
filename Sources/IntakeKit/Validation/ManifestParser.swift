/// Strict parsing of bundle manifests (`application.json`, `application.xml`) into a ``Manifest``.
///
/// Parsing never throws and never stops at the first field problem: it returns the manifest,
/// or every problem it found. Only a problem that makes the rest unreadable (a size over the
/// limit, bytes that are not UTF-8, a syntax error, a DOCTYPE) ends the search early.
///
/// ```swift
/// switch ManifestParser.parse(bytes, format: .json) {
/// case .success(let manifest): accept(manifest)
/// case .failure(let errors): reject(errors.problems.map(\.description))
/// }
/// ```
///
/// It is safe to call from many tasks at once: XML errors are collected per document.
public enum ManifestParser {
    /// Parses and validates a manifest.
    /// - Parameters:
    ///   - bytes: The whole manifest file; a leading UTF-8 byte order mark is skipped.
    ///   - format: Which grammar the bytes follow (from the file name).
    ///   - limits: Bounds on size, nesting, counts and field lengths.
    /// - Returns: The manifest, or every problem found.
    public static func parse(
        _ bytes: [UInt8], format: ManifestFormat, limits: ManifestLimits = .init()
    ) -> Result<Manifest, ManifestErrors> {
        var limits = limits
        limits.maxDepth = min(max(1, limits.maxDepth), 256)
        limits.maxProblems = max(1, limits.maxProblems)
        return parseAll(bytes, format: format, limits: limits).mapError(\.errors)
    }

    /// How many values (JSON) or nodes (XML elements, attributes, comments...) a manifest may
    /// hold before the rest are only counted: eight per allowed attachment and answer, far above
    /// the four an attachment entry needs, so a hostile list of half a million entries costs
    /// what a few thousand do.
    static func valueBudget(_ limits: ManifestLimits) -> Int {
        8 * (max(0, limits.maxAttachments) + max(0, limits.maxAnswers)) + 256
    }

    private static func parseAll(
        _ bytes: [UInt8], format: ManifestFormat, limits: ManifestLimits
    ) -> Result<Manifest, ManifestProblemList> {
        if bytes.count > limits.maxBytes {
            let detail = "the manifest is \(bytes.count) bytes; at most \(limits.maxBytes) bytes are accepted"
            return fail(ManifestProblem(detail: detail), limits)
        }
        if let problem = ManifestBytes.firstProblem(in: bytes) {
            return fail(problem, limits)
        }
        let body = ManifestBytes.hasByteOrderMark(bytes) ? bytes[3...] : bytes[...]
        if body.allSatisfy({ ManifestBytes.isWhitespace($0) }) {
            return fail(ManifestProblem(detail: "the manifest is empty"), limits)
        }
        let draft: Result<ManifestDraft, ManifestProblemList>
        switch format {
        case .json: draft = readJSON(body, limits: limits)
        case .xml: draft = readXML(body, limits: limits)
        }
        return draft.flatMap { $0.validated(limits: limits, format: format) }
    }

    static func fail(_ problem: ManifestProblem, _ limits: ManifestLimits) -> Result<Manifest, ManifestProblemList> {
        .failure(problems([problem], limits))
    }

    static func problems(_ problems: [ManifestProblem], _ limits: ManifestLimits) -> ManifestProblemList {
        var list = ManifestProblemList(keep: limits.maxProblems)
        for problem in problems { list.add(problem) }
        return list
    }
}

/// Byte-level checks made before any grammar sees the input.
enum ManifestBytes {
    static func hasByteOrderMark(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    }

    /// Whitespace as both JSON and XML define it.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// The first NUL byte or malformed UTF-8 sequence (strictly: no overlong forms, no encoded
    /// surrogates, nothing above U+10FFFF), as a problem naming its byte offset.
    static func firstProblem(in bytes: [UInt8]) -> ManifestProblem? {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead == 0 {
                return problem("the manifest contains a NUL byte at byte offset \(index)", at: index, in: bytes)
            }
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0x80...0xBF:
                return invalid("a continuation byte without a lead byte", at: index, in: bytes)
            case 0xC0, 0xC1:
                return invalid("an overlong encoding", at: index, in: bytes)
            case 0xC2...0xDF:
                length = 2
            case 0xE0:
                length = 3
                low = 0xA0
            case 0xED:
                length = 3
                high = 0x9F
            case 0xE1...0xEF:
                length = 3
            case 0xF0:
                length = 4
                low = 0x90
            case 0xF1...0xF3:
                length = 4
            case 0xF4:
                length = 4
                high = 0x8F
            default:
                return invalid("a byte that never occurs in UTF-8", at: index, in: bytes)
            }
            for offset in 1..<length {
                let position = index + offset
                guard position < count else {
                    return invalid("a sequence cut short by the end of the file", at: index, in: bytes)
                }
                let byte = bytes[position]
                let (allowedLow, allowedHigh) = offset == 1 ? (low, high) : (0x80, 0xBF)
                guard byte >= allowedLow, byte <= allowedHigh else {
                    if offset == 1, byte >= 0x80, byte <= 0xBF {
                        // A real continuation byte outside the narrowed range names a specific abuse.
                        let reason =
                            switch lead {
                            case 0xE0, 0xF0: "an overlong encoding"
                            case 0xED: "an encoded UTF-16 surrogate"
                            default: "a code point above U+10FFFF"
                            }
                        return invalid(reason, at: index, in: bytes)
                    }
                    return invalid("a sequence cut short", at: index, in: bytes)
                }
            }
            index += length
        }
        return nil
    }

    private static func invalid(_ reason: String, at offset: Int, in bytes: [UInt8]) -> ManifestProblem {
        problem("the manifest is not valid UTF-8: \(reason) at byte offset \(offset)", at: offset, in: bytes)
    }

    private static func problem(_ detail: String, at offset: Int, in bytes: [UInt8]) -> ManifestProblem {
        // Everything before `offset` is valid UTF-8, so columns can be counted in characters.
        let start = hasByteOrderMark(bytes) && offset >= 3 ? 3 : 0
        var line = 1
        var lineStart = start
        for index in start..<offset where bytes[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        let column = 1 + bytes[lineStart..<offset].reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
        return ManifestProblem(detail: detail, line: line, column: column)
    }
}
