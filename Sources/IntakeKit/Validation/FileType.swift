/// A file type that intake can recognise from a file's content.
///
/// The image and PDF cases are the ones an allow-list may accept; the others exist so that
/// a rejection can name what the file really is ("Windows executable (PE)") instead of
/// saying only "unknown".
public enum FileType: String, Sendable, Codable, CaseIterable {
    case jpeg, png, gif, webp, pdf
    case windowsExecutable, elfExecutable, machOExecutable, script, html, xml, svg, zip, gzip
    case unknown

    /// The canonical MIME type, as recorded in `detected_type`.
    public var mimeType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .gif: "image/gif"
        case .webp: "image/webp"
        case .pdf: "application/pdf"
        case .windowsExecutable: "application/vnd.microsoft.portable-executable"
        case .elfExecutable: "application/x-executable"
        case .machOExecutable: "application/x-mach-binary"
        case .script: "text/x-shellscript"
        case .html: "text/html"
        case .xml: "application/xml"
        case .svg: "image/svg+xml"
        case .zip: "application/zip"
        case .gzip: "application/gzip"
        case .unknown: "application/octet-stream"
        }
    }

    /// The English name used in rejection reasons, e.g. "JPEG image"; reads after "a"/"an".
    public var displayName: String {
        switch self {
        case .jpeg: "JPEG image"
        case .png: "PNG image"
        case .gif: "GIF image"
        case .webp: "WebP image"
        case .pdf: "PDF document"
        case .windowsExecutable: "Windows executable (PE)"
        case .elfExecutable: "ELF executable"
        case .machOExecutable: "Mach-O executable"
        case .script: "script"
        case .html: "HTML document"
        case .xml: "XML document"
        case .svg: "SVG image"
        case .zip: "ZIP archive"
        case .gzip: "gzip archive"
        case .unknown: "file of unknown type"
        }
    }

    /// The lower-case extensions (without the dot) that fit the type; empty for `unknown`.
    public var fileExtensions: Set<String> {
        switch self {
        case .jpeg: ["jpg", "jpeg"]
        case .png: ["png"]
        case .gif: ["gif"]
        case .webp: ["webp"]
        case .pdf: ["pdf"]
        case .windowsExecutable: ["exe", "dll", "sys", "scr", "com", "cpl", "ocx", "efi"]
        case .elfExecutable: ["elf", "so", "o", "bin", "run", "axf"]
        case .machOExecutable: ["dylib", "bundle", "o", "macho"]
        case .script: ["sh", "bash", "zsh", "ksh", "csh", "py", "pl", "rb", "php", "command"]
        case .html: ["html", "htm", "xhtml", "shtml"]
        case .xml: ["xml"]
        case .svg: ["svg"]
        case .zip: ["zip"]
        case .gzip: ["gz", "tgz"]
        case .unknown: []
        }
    }

    /// Maps a declared MIME type to a file type.
    ///
    /// Matching ignores case, surrounding whitespace and parameters such as `; charset=utf-8`,
    /// and accepts common aliases (`image/jpg`, `image/pjpeg`, `application/x-pdf`...).
    /// `application/octet-stream` maps to `.unknown`, so `FileType(mimeType: t.mimeType) == t`
    /// holds for every case.
    /// - Parameter mimeType: The declared type, e.g. the manifest's `content_type`.
    /// - Returns: `nil` when the MIME type is not one intake knows.
    public init?(mimeType: String) {
        let essence = mimeType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
            .first.map(String.init) ?? ""
        let key = essence.trimmingASCIIWhitespace().lowercased()
        guard let type = Self.mimeAliases[key] else { return nil }
        self = type
    }

    /// Every MIME type string `init?(mimeType:)` understands, canonical ones included.
    private static let mimeAliases: [String: FileType] = {
        var table: [String: FileType] = [:]
        for type in FileType.allCases { table[type.mimeType] = type }
        let aliases: [String: FileType] = [
            "image/jpg": .jpeg, "image/pjpeg": .jpeg, "image/jpe": .jpeg,
            "image/x-png": .png, "image/apng": .png,
            "application/x-pdf": .pdf, "application/acrobat": .pdf, "text/pdf": .pdf, "text/x-pdf": .pdf,
            "application/x-msdownload": .windowsExecutable, "application/x-dosexec": .windowsExecutable,
            "application/x-msdos-program": .windowsExecutable, "application/exe": .windowsExecutable,
            "application/x-exe": .windowsExecutable,
            "application/x-elf": .elfExecutable, "application/x-sharedlib": .elfExecutable,
            "application/x-pie-executable": .elfExecutable,
            "application/x-mach-o-executable": .machOExecutable, "application/x-mach-o": .machOExecutable,
            "application/x-sh": .script, "text/x-sh": .script, "application/x-shellscript": .script,
            "text/x-script.python": .script, "text/x-python": .script, "application/x-perl": .script,
            "application/xhtml+xml": .html,
            "text/xml": .xml,
            "application/x-zip-compressed": .zip, "application/x-zip": .zip,
            "application/x-gzip": .gzip, "application/gzip-compressed": .gzip,
        ]
        table.merge(aliases) { canonical, _ in canonical }
        return table
    }()
}

extension String {
    /// The string without leading and trailing ASCII spaces, tabs and line breaks.
    fileprivate func trimmingASCIIWhitespace() -> String {
        // Unicode scalars, not Characters: "\r\n" is a single Character and would not match.
        let scalars = unicodeScalars
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
              let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }
}
