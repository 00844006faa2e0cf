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
    ///
    /// Signatures are read from the first `headLength` bytes only. Containers are told apart
    /// by what they hold: a ZIP by its entry names (Word, Excel, PowerPoint, OpenDocument,
    /// HWPX), an OLE compound file by its directory (Word/Excel/PowerPoint 97-2003, HWP 5),
    /// an ISO-BMFF file by its `ftyp` brands (HEIC, HEIF, AVIF, MP4, QuickTime). For those, the
    /// whole file helps: a ZIP's central directory lies at its end, a compound file's
    /// directory anywhere; with only the head, the local headers and sectors in it are used.
    /// - Parameter head: The first `headLength` bytes of the file, or more (the whole file).
    /// - Returns: The detected type, `.unknown` when nothing matched (including empty input).
    public static func detect(_ head: UnsafeRawBufferPointer) -> FileType {
        let bytes = ContentBytes(head.count > headLength ? UnsafeRawBufferPointer(rebasing: head[..<headLength]) : head)
        if let type = binaryType(bytes, whole: ContentBytes(head)) { return type }
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

    private static func binaryType(_ b: ContentBytes, whole: ContentBytes) -> FileType? {
        if b.hasPrefix(Signature.pdf) { return .pdf }
        if let type = isoBMFFType(b) { return type }
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
            return zipType(b, whole: whole)
        }
        if b.hasPrefix([0x1F, 0x8B, 0x08]) { return .gzip }
        if b.hasPrefix(Signature.compoundFile) { return compoundFileType(whole) }
        if b.hasPrefix(Array("HWP Document File".utf8)) { return .hwp }   // HWP 3.0 ("... V3.00")
        if b.hasPrefix(Array("{\\rtf".utf8)) { return .rtf }
        if b.hasPrefix([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) { return .sevenZip }
        if b.hasPrefix([0x52, 0x61, 0x72, 0x21, 0x1A, 0x07, 0x00])
            || b.hasPrefix([0x52, 0x61, 0x72, 0x21, 0x1A, 0x07, 0x01, 0x00]) {
            return .rar   // RAR 4 and RAR 5
        }
        if b.hasPrefix([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return .xz }
        if b.hasPrefix([0x28, 0xB5, 0x2F, 0xFD]) { return .zstd }
        if b.hasPrefix(Array("BZh".utf8)), b.count >= 10, (0x31...0x39).contains(b[3]),
           b.matches([0x31, 0x41, 0x59, 0x26, 0x53, 0x59], at: 4) || b.matches([0x17, 0x72, 0x45, 0x38, 0x50, 0x90], at: 4) {
            return .bzip2   // a block header (the digits of pi) or the end-of-stream marker (sqrt(pi))
        }
        if isTIFF(b) { return .tiff }
        if isBMP(b) { return .bmp }
        if isICO(b) { return .ico }
        if b.matches(Array("ustar".utf8), at: 257),
           b.matches([0x00, 0x30, 0x30], at: 262) || b.matches([0x20, 0x20, 0x00], at: 262) {
            return .tar   // POSIX ustar ("ustar\0" "00") or GNU tar ("ustar  \0")
        }
        return nil
    }

    // MARK: - Images by header

    /// "II*\0" or "MM\0*" (TIFF), "II+\0" or "MM\0+" with an offset size of 8 (BigTIFF).
    private static func isTIFF(_ b: ContentBytes) -> Bool {
        guard b.count >= 8 else { return false }
        if b.hasPrefix([0x49, 0x49, 0x2A, 0x00]) || b.hasPrefix([0x4D, 0x4D, 0x00, 0x2A]) { return true }
        if b.hasPrefix([0x49, 0x49, 0x2B, 0x00]) { return b.uint16LE(at: 4) == 8 && b.uint16LE(at: 6) == 0 }
        if b.hasPrefix([0x4D, 0x4D, 0x00, 0x2B]) { return b.uint16BE(at: 4) == 8 && b.uint16BE(at: 6) == 0 }
        return false
    }

    /// "BM" with a DIB header of a size some version of the format defines and pixel data
    /// after the headers: "BM" alone starts too many text files.
    private static func isBMP(_ b: ContentBytes) -> Bool {
        guard b.count >= 26, b.hasPrefix([0x42, 0x4D]) else { return false }
        let dibSize = b.uint32LE(at: 14)
        guard [12, 16, 40, 52, 56, 64, 108, 124].contains(dibSize) else { return false }
        let pixelOffset = b.uint32LE(at: 10)
        guard pixelOffset >= 14 + dibSize, pixelOffset < 1 << 28 else { return false }
        if dibSize == 12 { return b.uint16LE(at: 22) == 1 }   // OS/2 BITMAPCOREHEADER: planes at 22
        return planesOK(b)
    }

    /// A BITMAPINFOHEADER (or later) has one colour plane and a known bit count.
    private static func planesOK(_ b: ContentBytes) -> Bool {
        guard b.count >= 30 else { return false }
        return b.uint16LE(at: 26) == 1 && [0, 1, 2, 4, 8, 16, 24, 32, 48, 64].contains(b.uint16LE(at: 28))
    }

    /// 00 00 01 00, a small image count, and a first directory entry that makes sense.
    private static func isICO(_ b: ContentBytes) -> Bool {
        guard b.count >= 22, b.hasPrefix([0x00, 0x00, 0x01, 0x00]) else { return false }
        let images = Int(b.uint16LE(at: 4))
        guard images > 0, images <= 256 else { return false }
        let entry = 6
        let planes = b.uint16LE(at: entry + 4), bits = b.uint16LE(at: entry + 6)
        let size = b.uint32LE(at: entry + 8), offset = Int(b.uint32LE(at: entry + 12))
        return b[entry + 3] == 0 && planes <= 4 && [0, 1, 4, 8, 16, 24, 32].contains(bits)
            && size > 0 && offset >= 6 + 16 * images
    }

    // MARK: - ISO base media files (HEIF, AVIF, MP4, QuickTime)

    /// The type an ISO-BMFF file's leading `ftyp` box names, if it opens with one.
    private static func isoBMFFType(_ b: ContentBytes) -> FileType? {
        guard b.count >= 16, b.matches(Array("ftyp".utf8), at: 4) else { return nil }
        let size = Int(b.uint32BE(at: 0))
        guard size >= 16 else { return nil }
        let end = min(size, b.count)
        var compatible: [UInt32] = []
        var i = 16
        while i + 4 <= end, compatible.count < 64 {
            compatible.append(b.uint32BE(at: i))
            i += 4
        }
        return isoBrandType(major: b.uint32BE(at: 8), compatible: compatible)
    }

    /// What an ISO-BMFF file is by its brands: the major brand first, then the compatible ones
    /// (a Galaxy HEIC may say "mif1" and list "heic"), images before video.
    static func isoBrandType(major: UInt32, compatible: [UInt32]) -> FileType? {
        func type(of brand: UInt32) -> FileType? {
            if Brand.heic.contains(brand) { return .heic }
            if Brand.avif.contains(brand) { return .avif }
            if Brand.heif.contains(brand) { return .heif }
            if brand == Brand.quickTime { return .quickTime }
            if Brand.mp4.contains(brand) { return .mp4 }
            return nil
        }
        switch type(of: major) {
        case .heif?:
            if compatible.contains(where: { Brand.heic.contains($0) }) { return .heic }
            if compatible.contains(where: { Brand.avif.contains($0) }) { return .avif }
            return .heif
        case let found?:
            return found
        case nil:
            let types = compatible.compactMap(type(of:))
            for wanted in [FileType.heic, .avif, .heif, .quickTime, .mp4] where types.contains(wanted) {
                return wanted
            }
            return nil
        }
    }

    /// `ftyp` brands as big-endian integers.
    enum Brand {
        static func code(_ text: String) -> UInt32 {
            text.utf8.reduce(0) { $0 << 8 | UInt32($1) }
        }
        static let heic: Set<UInt32> = Set(["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs"].map(code))
        static let heif: Set<UInt32> = Set(["mif1", "msf1", "mif2", "miaf"].map(code))
        static let avif: Set<UInt32> = Set(["avif", "avis", "avio"].map(code))
        static let quickTime = code("qt  ")
        static let mp4: Set<UInt32> = Set([
            "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso7", "iso8", "iso9", "mp41", "mp42", "mp71",
            "avc1", "dash", "M4V ", "M4VH", "M4VP", "3gp4", "3gp5", "3gp6", "3gp7", "3gp8", "3gp9", "3g2a",
            "3g2b", "3g2c", "3ge6", "3ge7", "3gg6", "f4v ", "mmp4", "MSNV", "XAVC", "MP4 ",
        ].map(code))
    }

    // MARK: - ZIP-based formats (OOXML, OpenDocument, HWPX)

    /// What a ZIP holds: named by its `mimetype` entry (OpenDocument, HWPX) or by its
    /// `[Content_Types].xml` and part folders (Word, Excel, PowerPoint); a plain ZIP otherwise.
    private static func zipType(_ head: ContentBytes, whole: ContentBytes) -> FileType {
        var names = Set<String>()
        var mimetype: String?
        // Local file headers in the head: name at 30, then the extra field, then the data.
        var offset = 0
        while offset + 30 <= head.count, head.matches([0x50, 0x4B, 0x03, 0x04], at: offset), names.count < 64 {
            let flags = head.uint16LE(at: offset + 6)
            let method = head.uint16LE(at: offset + 8)
            let compressed = Int(head.uint32LE(at: offset + 18))
            let nameLength = Int(head.uint16LE(at: offset + 26))
            let extraLength = Int(head.uint16LE(at: offset + 28))
            let nameStart = offset + 30
            guard nameStart + nameLength <= head.count else { break }
            let name = String(decoding: head[nameStart..<(nameStart + nameLength)], as: UTF8.self)
            names.insert(name)
            let data = nameStart + nameLength + extraLength
            if names.count == 1, name == "mimetype", method == 0, compressed <= 100, data + compressed <= head.count {
                mimetype = String(decoding: head[data..<(data + compressed)], as: UTF8.self)
            }
            // Sizes after the data (bit 3) or a ZIP64 size: the next header cannot be found here.
            guard flags & 0x08 == 0, compressed != 0xFFFF_FFFF else { break }
            offset = data + compressed
        }
        if let type = zipType(mimetype: mimetype, names: names) { return type }
        if whole.count > head.count {
            names.formUnion(centralDirectoryNames(whole))
            if let type = zipType(mimetype: mimetype, names: names) { return type }
        }
        return .zip
    }

    private static func zipType(mimetype: String?, names: Set<String>) -> FileType? {
        if let mimetype = mimetype.map({ String($0.unicodeScalars.filter { $0.value > 0x20 }) }) {
            if mimetype == "application/hwp+zip" { return .hwpx }
            let od = "application/vnd.oasis.opendocument."
            if mimetype.hasPrefix(od + "text") { return .odt }
            if mimetype.hasPrefix(od + "spreadsheet") { return .ods }
            if mimetype.hasPrefix(od + "presentation") { return .odp }
        }
        if names.contains("[Content_Types].xml") {
            if names.contains(where: { $0.hasPrefix("word/") }) { return .docx }
            if names.contains(where: { $0.hasPrefix("xl/") }) { return .xlsx }
            if names.contains(where: { $0.hasPrefix("ppt/") }) { return .pptx }
        }
        if names.contains("Contents/content.hpf") || names.contains("Contents/header.xml") && names.contains("version.xml") {
            return .hwpx
        }
        return nil
    }

    /// The entry names in a ZIP's central directory, found from the end-of-central-directory
    /// record in the last 64 KiB; empty when there is none or it points outside the file.
    private static func centralDirectoryNames(_ b: ContentBytes) -> [String] {
        guard b.count >= 22 else { return [] }
        let searchStart = max(0, b.count - 22 - 0xFFFF)
        guard let eocd = b.lastIndex(of: [0x50, 0x4B, 0x05, 0x06], in: searchStart..<b.count), eocd + 22 <= b.count else {
            return []
        }
        let entries = Int(b.uint16LE(at: eocd + 10))
        var offset = Int(b.uint32LE(at: eocd + 16))
        var names: [String] = []
        while names.count < min(entries, 10_000), offset + 46 <= eocd, b.matches([0x50, 0x4B, 0x01, 0x02], at: offset) {
            let nameLength = Int(b.uint16LE(at: offset + 28))
            let extraLength = Int(b.uint16LE(at: offset + 30))
            let commentLength = Int(b.uint16LE(at: offset + 32))
            let nameStart = offset + 46
            guard nameStart + nameLength <= b.count else { break }
            names.append(String(decoding: b[nameStart..<(nameStart + nameLength)], as: UTF8.self))
            offset = nameStart + nameLength + extraLength + commentLength
        }
        return names
    }

    // MARK: - OLE compound files (Office 97-2003, HWP 5)

    /// What an OLE compound file (CFB) holds, by the streams in its directory: "WordDocument",
    /// "Workbook"/"Book", "PowerPoint Document", or HWP 5's "FileHeader" (whose content starts
    /// "HWP Document File" where it can be read).
    private static func compoundFileType(_ b: ContentBytes) -> FileType {
        guard let file = CompoundFile(b) else { return .compoundFile }
        let entries = file.directory()
        let names = Set(entries.map(\.name))
        if let header = entries.first(where: { $0.name == "FileHeader" && $0.isStream }) {
            if let content = file.streamPrefix(header, length: 17) {
                if content == Array("HWP Document File".utf8) { return .hwp }
            } else if names.contains("BodyText") || names.contains("DocInfo") {
                return .hwp   // the stream lies beyond the bytes at hand; the names say enough
            }
        }
        if names.contains("WordDocument") { return .doc }
        if names.contains("Workbook") || names.contains("Book") { return .xls }
        if names.contains("PowerPoint Document") { return .ppt }
        return .compoundFile
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
        static let compoundFile: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
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

/// Just enough of the Compound File Binary format (MS-CFB) to list a directory and read the
/// start of a stream, with every offset checked against the bytes at hand.
private struct CompoundFile {
    struct Entry {
        var name: String
        var type: UInt8
        var start: UInt32
        var size: UInt64
        var isStream: Bool { type == 2 }
    }

    let b: ContentBytes
    let sectorSize: Int
    let fatSectors: [UInt32]
    let firstDirectorySector: UInt32
    let miniStreamCutoff: UInt64

    static let endOfChain: UInt32 = 0xFFFF_FFFE

    init?(_ b: ContentBytes) {
        guard b.count >= 512 else { return nil }
        let shift = b.uint16LE(at: 0x1E)
        guard shift == 9 || shift == 12 else { return nil }
        self.b = b
        sectorSize = 1 << Int(shift)
        let fatCount = min(Int(b.uint32LE(at: 0x2C)), 109)
        fatSectors = (0..<fatCount).map { b.uint32LE(at: 0x4C + 4 * $0) }
        firstDirectorySector = b.uint32LE(at: 0x30)
        miniStreamCutoff = UInt64(b.uint32LE(at: 0x38))
    }

    /// Where sector `n` starts, if it lies wholly within the bytes at hand.
    func offset(ofSector n: UInt32) -> Int? {
        guard n < 0xFFFF_FFFA else { return nil }
        let start = (Int(n) + 1) * sectorSize
        return start + sectorSize <= b.count ? start : nil
    }

    /// The sector after `n` in its chain, from the FAT (the first 109 FAT sectors only).
    func next(after n: UInt32) -> UInt32? {
        let perSector = sectorSize / 4
        let index = Int(n) / perSector
        guard index < fatSectors.count, let fat = offset(ofSector: fatSectors[index]) else { return nil }
        let value = b.uint32LE(at: fat + (Int(n) % perSector) * 4)
        return value < 0xFFFF_FFFA ? value : nil
    }

    /// The directory entries in the directory sectors at hand (at most 64 sectors).
    func directory() -> [Entry] {
        var entries: [Entry] = []
        var sector: UInt32? = firstDirectorySector
        var visited = 0
        while let current = sector, visited < 64, let start = offset(ofSector: current) {
            visited += 1
            for slot in stride(from: start, to: start + sectorSize, by: 128) {
                let nameBytes = Int(b.uint16LE(at: slot + 0x40))
                let type = b[slot + 0x42]
                guard type != 0, nameBytes >= 2, nameBytes <= 64 else { continue }
                var name = ""
                for k in stride(from: 0, to: nameBytes - 2, by: 2) {
                    if let scalar = Unicode.Scalar(b.uint16LE(at: slot + k)) { name.unicodeScalars.append(scalar) }
                }
                let size = UInt64(b.uint32LE(at: slot + 0x78)) | (sectorSize == 4096 ? UInt64(b.uint32LE(at: slot + 0x7C)) << 32 : 0)
                entries.append(Entry(name: name, type: type, start: b.uint32LE(at: slot + 0x74), size: size))
            }
            sector = next(after: current)
        }
        return entries
    }

    /// The first `length` bytes of a stream, or `nil` when they are not within the bytes at hand.
    func streamPrefix(_ entry: Entry, length: Int) -> [UInt8]? {
        guard entry.size >= UInt64(length) else { return nil }
        if entry.size >= miniStreamCutoff {
            guard let start = offset(ofSector: entry.start) else { return nil }
            return Array(b[start..<(start + length)])
        }
        // A small stream lives in the mini stream: 64-byte sectors inside the root entry's chain.
        guard let root = directory().first(where: { $0.type == 5 }) else { return nil }
        let position = Int(entry.start) * 64
        guard position / sectorSize <= b.count / sectorSize else { return nil }
        var sector: UInt32? = root.start
        for _ in 0..<(position / sectorSize) { sector = sector.flatMap(next(after:)) }
        guard let found = sector, let start = offset(ofSector: found) else { return nil }
        let at = start + position % sectorSize
        guard at + length <= start + sectorSize else { return nil }
        return Array(b[at..<(at + length)])
    }
}
