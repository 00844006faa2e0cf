/// Identifies a file's type from its first bytes, never from its name.
///
/// ```swift
/// let head = try handle.read(upToCount: TypeSniffer.headLength) ?? Data()
/// let type = head.withUnsafeBytes { TypeSniffer.detect($0) }
/// ```
///
/// Signatures at byte 0 win over everything else; text formats (scripts, HTML, SVG, XML) come
/// next; a `%PDF-` header later than byte 0 (but within the first 1024 bytes, as PDF readers
/// allow) is the last resort, so that an HTML page or executable that merely mentions `%PDF-`
/// is never taken for a PDF.
public enum TypeSniffer {
    /// How many leading bytes `detect(_:)` looks at; passing more is harmless, passing fewer may
    /// miss an SVG root element behind a long prolog or a PE header far into the file.
    public static let headLength = 4096

    /// How far into the file a PDF header may start; PDF readers accept leading junk up to here.
    public static let pdfHeaderSearchLength = 1024

    /// Identifies the type from the first bytes of a file.
    /// - Parameter head: The first `headLength` bytes of the file (or the whole file if shorter).
    /// - Returns: The detected type, `.unknown` when nothing matched (including empty input).
    public static func detect(_ head: UnsafeRawBufferPointer) -> FileType {
        let bytes = ContentBytes(head.count > headLength ? UnsafeRawBufferPointer(rebasing: head[..<headLength]) : head)
        if let type = binaryType(bytes) { return type }
        if let type = textType(bytes) { return type }
        if bytes.firstIndex(of: Signature.pdf, in: 0..<min(bytes.count, pdfHeaderSearchLength)) != nil {
            return .pdf
        }
        return .unknown
    }

    /// Identifies the type from the first bytes of a file.
    /// - Parameter head: The first `headLength` bytes of the file (or the whole file if shorter).
    /// - Returns: The detected type, `.unknown` when nothing matched (including empty input).
    public static func detect(_ head: [UInt8]) -> FileType {
        head.withUnsafeBytes { detect($0) }
    }

    // MARK: - Binary signatures at byte 0

    private static func binaryType(_ b: ContentBytes) -> FileType? {
        if b.hasPrefix(Signature.pdf) { return .pdf }
        if b.hasPrefix([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if b.hasPrefix(Signature.png) { return .png }
        if b.hasPrefix(Array("GIF87a".utf8)) || b.hasPrefix(Array("GIF89a".utf8)) { return .gif }
        if b.hasPrefix(Array("RIFF".utf8)), b.matches(Array("WEBP".utf8), at: 8) { return .webp }
        if b.hasPrefix([0x7F, 0x45, 0x4C, 0x46]) { return .elfExecutable }
        if b.hasPrefix([0x4D, 0x5A]) {
            // "MZ": with e_lfanew pointing at "PE\0\0" this is a PE image; without it (pointer
            // beyond the head, or an old DOS program) it is still an executable for Windows.
            return .windowsExecutable
        }
        if isMachO(b) { return .machOExecutable }
        if b.hasPrefix([0x50, 0x4B, 0x03, 0x04]) || b.hasPrefix([0x50, 0x4B, 0x05, 0x06])
            || b.hasPrefix([0x50, 0x4B, 0x07, 0x08]) {
            return .zip
        }
        if b.hasPrefix([0x1F, 0x8B, 0x08]) { return .gzip }
        return nil
    }

    /// Whether an "MZ" file's e_lfanew points at a "PE\0\0" header inside the head.
    ///
    /// Not needed for the verdict (every MZ file is reported as a Windows executable) but
    /// useful for reasons and tests that want to tell a PE image from a bare DOS program.
    /// - Parameter head: The first bytes of the file.
    /// - Returns: `true` when the PE header is present and reachable within `head`.
    public static func hasPortableExecutableHeader(_ head: UnsafeRawBufferPointer) -> Bool {
        let b = ContentBytes(head)
        guard b.hasPrefix([0x4D, 0x5A]), b.count >= 0x40 else { return false }
        let offset = Int(b.uint32LE(at: 0x3C))
        guard offset >= 0x40, offset <= b.count - 4 else { return false }
        return b.matches([0x50, 0x45, 0x00, 0x00], at: offset)
    }

    private static func isMachO(_ b: ContentBytes) -> Bool {
        guard b.count >= 4 else { return false }
        switch b.uint32BE(at: 0) {
        case 0xFEED_FACE, 0xFEED_FACF, 0xCEFA_EDFE, 0xCFFA_EDFE:
            return true
        case 0xCAFE_BABE, 0xCAFE_BABF:
            // Java class files share CAFEBABE; there the next word holds the class file version
            // (major >= 45), while a universal binary holds its architecture count, a small number.
            guard b.count >= 8 else { return false }
            let architectures = b.uint32BE(at: 4)
            return architectures > 0 && architectures < 20
        default:
            return false
        }
    }

    // MARK: - Text formats

    private static func textType(_ b: ContentBytes) -> FileType? {
        // A kernel honours "#!" only at byte 0, before any BOM.
        if b.hasPrefix([0x23, 0x21]) { return .script }
        var i = 0
        if b.hasPrefix([0xEF, 0xBB, 0xBF]) { i = 3 }
        i = b.skippingWhitespace(from: i)
        guard i < b.count, b[i] == UInt8(ascii: "<") else { return nil }

        let hasXMLDeclaration = b.matches(Array("<?xml".utf8), at: i)
        let startsWithComment = b.matches(Array("<!--".utf8), at: i)
        let prolog = walkProlog(b, from: i)
        if let doctype = prolog.doctypeName {
            if doctype == "html" { return .html }
            if doctype == "svg" || doctype.hasSuffix(":svg") { return .svg }
        }
        if let root = prolog.rootName {
            if root == "svg" || root.hasSuffix(":svg") { return .svg }
            if htmlRootNames.contains(root.lowercased()), prolog.rootIsTerminated { return .html }
            if hasXMLDeclaration || prolog.doctypeName != nil { return .xml }
            if startsWithComment { return .html }
            return nil
        }
        if hasXMLDeclaration { return .xml }
        // WHATWG MIME sniffing treats a document opening with a comment as HTML.
        if startsWithComment { return .html }
        return nil
    }

    /// Tag names that open an HTML document in the WHATWG MIME sniffing rules (plus `head`).
    private static let htmlRootNames: Set<String> = [
        "html", "head", "body", "script", "iframe", "h1", "div", "font", "table", "a", "style",
        "title", "b", "br", "p",
    ]

    private struct Prolog {
        var doctypeName: String?
        var rootName: String?
        /// Whether the root name is followed by a byte that ends a tag name (not cut by the head).
        var rootIsTerminated = false
    }

    /// Skips XML declarations, processing instructions, comments and a DOCTYPE to reach the
    /// first element, so `<?xml ...?><!-- ... --><svg` is found as SVG.
    private static func walkProlog(_ b: ContentBytes, from start: Int) -> Prolog {
        var prolog = Prolog()
        var i = start
        while true {
            i = b.skippingWhitespace(from: i)
            guard i < b.count, b[i] == UInt8(ascii: "<") else { return prolog }
            if b.matches(Array("<?".utf8), at: i) {
                guard let end = b.firstIndex(of: Array("?>".utf8), in: (i + 2)..<b.count) else { return prolog }
                i = end + 2
            } else if b.matches(Array("<!--".utf8), at: i) {
                guard let end = b.firstIndex(of: Array("-->".utf8), in: (i + 4)..<b.count) else { return prolog }
                i = end + 3
            } else if b.matchesIgnoringCase("<!doctype", at: i) {
                let nameStart = b.skippingWhitespace(from: i + 9)
                let name = b.name(at: nameStart)
                prolog.doctypeName = name.lowercased()
                guard let end = b.endOfDoctype(from: nameStart) else { return prolog }
                i = end + 1
            } else {
                let name = b.name(at: i + 1)
                guard !name.isEmpty else { return prolog }
                prolog.rootName = name
                let after = i + 1 + name.utf8.count
                prolog.rootIsTerminated = after < b.count && b.isTagNameTerminator(b[after])
                return prolog
            }
        }
    }

    enum Signature {
        static let pdf: [UInt8] = Array("%PDF-".utf8)
        static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    }
}

extension ContentBytes {
    fileprivate func skippingWhitespace(from start: Int) -> Int {
        var i = start
        while i < count, Self.isWhitespace(self[i]) { i += 1 }
        return i
    }

    fileprivate func isTagNameTerminator(_ byte: UInt8) -> Bool {
        Self.isWhitespace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/")
    }

    /// The XML-ish name (letters, digits, `-`, `_`, `.`, `:`) starting at `start`, possibly empty.
    fileprivate func name(at start: Int) -> String {
        var i = start
        while i < count, i - start < 64 {
            let c = self[i]
            let isNameByte = (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
                || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".") || c == UInt8(ascii: ":")
            guard isNameByte else { break }
            i += 1
        }
        return String(decoding: self[start..<i], as: UTF8.self)
    }

    /// The index of the `>` that closes a DOCTYPE, skipping an internal subset in `[...]`.
    fileprivate func endOfDoctype(from start: Int) -> Int? {
        var depth = 0
        var i = start
        while i < count {
            switch self[i] {
            case UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "]"): depth = max(0, depth - 1)
            case UInt8(ascii: ">") where depth == 0: return i
            default: break
            }
            i += 1
        }
        return nil
    }
}
