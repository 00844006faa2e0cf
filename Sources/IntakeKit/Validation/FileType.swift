/// A file type that intake can recognise from a file's content.
///
/// The image and PDF cases are the ones an allow-list may accept; the others exist so that
/// a rejection can name what the file really is ("Windows executable (PE)") instead of
/// saying only "unknown".
public enum FileType: String, Sendable, Codable, CaseIterable {
    case jpeg, png, gif, webp, pdf
    /// ISO-BMFF still images: HEIC (HEVC-coded HEIF, what iPhones and Galaxies shoot), other
    /// HEIF, and AVIF (AV1-coded).
    case heic, heif, avif
    case tiff, bmp, ico
    /// ISO-BMFF video: MP4 (and 3GPP) and QuickTime.
    case mp4, quickTime
    /// Office Open XML (Word, Excel, PowerPoint 2007 and later).
    case docx, xlsx, pptx
    /// OpenDocument (LibreOffice and others).
    case odt, ods, odp
    /// Hangul word processor: HWPX (ZIP-based) and HWP 5 (an OLE compound file; HWP 3 too).
    case hwpx, hwp
    /// Word, Excel and PowerPoint 97-2003 (OLE compound files), and any other compound file.
    case doc, xls, ppt, compoundFile
    case rtf
    case windowsExecutable, elfExecutable, machOExecutable, script, html, xml, svg, zip, gzip
    case sevenZip, rar, bzip2, xz, zstd, tar
    case unknown

    /// The canonical MIME type, as recorded in `detected_type`.
    public var mimeType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .gif: "image/gif"
        case .webp: "image/webp"
        case .pdf: "application/pdf"
        case .heic: "image/heic"
        case .heif: "image/heif"
        case .avif: "image/avif"
        case .tiff: "image/tiff"
        case .bmp: "image/bmp"
        case .ico: "image/vnd.microsoft.icon"
        case .mp4: "video/mp4"
        case .quickTime: "video/quicktime"
        case .docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case .pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        case .odt: "application/vnd.oasis.opendocument.text"
        case .ods: "application/vnd.oasis.opendocument.spreadsheet"
        case .odp: "application/vnd.oasis.opendocument.presentation"
        case .hwpx: "application/hwp+zip"
        case .hwp: "application/x-hwp"
        case .doc: "application/msword"
        case .xls: "application/vnd.ms-excel"
        case .ppt: "application/vnd.ms-powerpoint"
        case .compoundFile: "application/x-ole-storage"
        case .rtf: "application/rtf"
        case .windowsExecutable: "application/vnd.microsoft.portable-executable"
        case .elfExecutable: "application/x-executable"
        case .machOExecutable: "application/x-mach-binary"
        case .script: "text/x-shellscript"
        case .html: "text/html"
        case .xml: "application/xml"
        case .svg: "image/svg+xml"
        case .zip: "application/zip"
        case .gzip: "application/gzip"
        case .sevenZip: "application/x-7z-compressed"
        case .rar: "application/vnd.rar"
        case .bzip2: "application/x-bzip2"
        case .xz: "application/x-xz"
        case .zstd: "application/zstd"
        case .tar: "application/x-tar"
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
        case .heic: "HEIC image"
        case .heif: "HEIF image"
        case .avif: "AVIF image"
        case .tiff: "TIFF image"
        case .bmp: "BMP image"
        case .ico: "Windows icon (ICO)"
        case .mp4: "MP4 video"
        case .quickTime: "QuickTime video (.mov)"
        case .docx: "Word document (.docx)"
        case .xlsx: "Excel spreadsheet (.xlsx)"
        case .pptx: "PowerPoint presentation (.pptx)"
        case .odt: "OpenDocument text (.odt)"
        case .ods: "OpenDocument spreadsheet (.ods)"
        case .odp: "OpenDocument presentation (.odp)"
        case .hwpx: "Hangul (HWPX) document"
        case .hwp: "Hangul (HWP) document"
        case .doc: "Word 97-2003 document (.doc)"
        case .xls: "Excel 97-2003 spreadsheet (.xls)"
        case .ppt: "PowerPoint 97-2003 presentation (.ppt)"
        case .compoundFile: "OLE compound file"
        case .rtf: "RTF document"
        case .windowsExecutable: "Windows executable (PE)"
        case .elfExecutable: "ELF executable"
        case .machOExecutable: "Mach-O executable"
        case .script: "script"
        case .html: "HTML document"
        case .xml: "XML document"
        case .svg: "SVG image"
        case .zip: "ZIP archive"
        case .gzip: "gzip archive"
        case .sevenZip: "7-Zip archive"
        case .rar: "RAR archive"
        case .bzip2: "bzip2 archive"
        case .xz: "xz archive"
        case .zstd: "Zstandard archive"
        case .tar: "tar archive"
        case .unknown: "file of unknown type"
        }
    }

    /// `displayName` with its English indefinite article, as it is spoken: "a HEIC image",
    /// "an MP4 video", "an SVG image".
    public var withArticle: String {
        let an: Set<FileType> = [.avif, .mp4, .xlsx, .xls, .odt, .ods, .odp, .compoundFile, .rtf, .elfExecutable,
                                 .html, .xml, .svg, .xz]
        return (an.contains(self) ? "an " : "a ") + displayName
    }

    /// A short, language-neutral name for sentences to applicants, e.g. "HEIC", "Word (.docx)".
    public var shortName: String {
        switch self {
        case .jpeg: "JPEG"
        case .png: "PNG"
        case .gif: "GIF"
        case .webp: "WebP"
        case .pdf: "PDF"
        case .heic: "HEIC"
        case .heif: "HEIF"
        case .avif: "AVIF"
        case .tiff: "TIFF"
        case .bmp: "BMP"
        case .ico: "ICO"
        case .mp4: "MP4"
        case .quickTime: "MOV"
        case .docx: "Word (.docx)"
        case .xlsx: "Excel (.xlsx)"
        case .pptx: "PowerPoint (.pptx)"
        case .odt: "ODT"
        case .ods: "ODS"
        case .odp: "ODP"
        case .hwpx: "HWPX"
        case .hwp: "HWP"
        case .doc: "Word (.doc)"
        case .xls: "Excel (.xls)"
        case .ppt: "PowerPoint (.ppt)"
        case .compoundFile: "OLE"
        case .rtf: "RTF"
        case .windowsExecutable: "EXE"
        case .elfExecutable: "ELF"
        case .machOExecutable: "Mach-O"
        case .script: "script"
        case .html: "HTML"
        case .xml: "XML"
        case .svg: "SVG"
        case .zip: "ZIP"
        case .gzip: "gzip"
        case .sevenZip: "7-Zip"
        case .rar: "RAR"
        case .bzip2: "bzip2"
        case .xz: "xz"
        case .zstd: "Zstandard"
        case .tar: "tar"
        case .unknown: "?"
        }
    }

    /// Still-image types (what a camera, a scanner or an editor saves a picture as).
    public var isImage: Bool {
        [.jpeg, .png, .gif, .webp, .heic, .heif, .avif, .tiff, .bmp, .ico, .svg].contains(self)
    }

    /// The ISO-BMFF image types a phone shoots and that need converting for most readers.
    public var isHEIFFamily: Bool { self == .heic || self == .heif || self == .avif }

    public var isVideo: Bool { self == .mp4 || self == .quickTime }

    /// Word processor, spreadsheet and presentation files that can be saved as a PDF.
    public var isOfficeDocument: Bool {
        [.docx, .xlsx, .pptx, .odt, .ods, .odp, .hwpx, .hwp, .doc, .xls, .ppt, .rtf].contains(self)
    }

    /// Archives and compressed files, which hold other files rather than being one.
    public var isArchive: Bool {
        [.zip, .gzip, .sevenZip, .rar, .bzip2, .xz, .zstd, .tar].contains(self)
    }

    /// The lower-case extensions (without the dot) that fit the type; empty for `unknown`.
    public var fileExtensions: Set<String> {
        switch self {
        case .jpeg: ["jpg", "jpeg"]
        case .png: ["png"]
        case .gif: ["gif"]
        case .webp: ["webp"]
        case .pdf: ["pdf"]
        case .heic: ["heic", "heics", "heif", "hif"]
        case .heif: ["heif", "heifs", "hif", "heic"]
        case .avif: ["avif", "avifs"]
        case .tiff: ["tif", "tiff"]
        case .bmp: ["bmp", "dib"]
        case .ico: ["ico"]
        case .mp4: ["mp4", "m4v", "3gp", "3g2"]
        case .quickTime: ["mov", "qt"]
        case .docx: ["docx", "docm", "dotx"]
        case .xlsx: ["xlsx", "xlsm", "xltx"]
        case .pptx: ["pptx", "pptm", "ppsx", "potx"]
        case .odt: ["odt", "ott"]
        case .ods: ["ods", "ots"]
        case .odp: ["odp", "otp"]
        case .hwpx: ["hwpx"]
        case .hwp: ["hwp"]
        case .doc: ["doc", "dot"]
        case .xls: ["xls", "xlt"]
        case .ppt: ["ppt", "pps", "pot"]
        case .compoundFile: ["msi", "msg", "ole"]
        case .rtf: ["rtf"]
        case .windowsExecutable: ["exe", "dll", "sys", "scr", "com", "cpl", "ocx", "efi"]
        case .elfExecutable: ["elf", "so", "o", "bin", "run", "axf"]
        case .machOExecutable: ["dylib", "bundle", "o", "macho"]
        case .script: ["sh", "bash", "zsh", "ksh", "csh", "py", "pl", "rb", "php", "command"]
        case .html: ["html", "htm", "xhtml", "shtml"]
        case .xml: ["xml"]
        case .svg: ["svg"]
        case .zip: ["zip"]
        case .gzip: ["gz", "tgz"]
        case .sevenZip: ["7z"]
        case .rar: ["rar"]
        case .bzip2: ["bz2", "tbz2", "tbz"]
        case .xz: ["xz", "txz"]
        case .zstd: ["zst", "tzst"]
        case .tar: ["tar"]
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
            "image/heic-sequence": .heic, "image/heif-sequence": .heif, "image/avif-sequence": .avif,
            "image/x-tiff": .tiff, "image/x-bmp": .bmp, "image/x-ms-bmp": .bmp, "image/x-icon": .ico,
            "image/ico": .ico, "image/icon": .ico,
            "video/x-m4v": .mp4, "video/3gpp": .mp4, "video/3gpp2": .mp4, "application/mp4": .mp4,
            "video/mov": .quickTime,
            "application/vnd.hancom.hwpx": .hwpx, "application/haansofthwpx": .hwpx,
            "application/vnd.hancom.hwp": .hwp, "application/haansofthwp": .hwp, "application/hwp": .hwp,
            "application/x-msword": .doc, "application/msexcel": .xls, "application/x-msexcel": .xls,
            "application/mspowerpoint": .ppt, "application/x-mspowerpoint": .ppt,
            "application/x-ole-compound": .compoundFile, "application/cdfv2": .compoundFile,
            "text/rtf": .rtf, "application/x-rtf": .rtf,
            "application/x-7z": .sevenZip, "application/x-rar-compressed": .rar, "application/x-rar": .rar,
            "application/x-bzip": .bzip2, "application/x-xz-compressed": .xz, "application/x-zstd": .zstd,
            "application/x-gtar": .tar, "application/x-ustar": .tar,
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
