/// One structural problem in a file, for a `corrupt_file` rejection reason.
public struct StructureFinding: Sendable, Equatable {
    /// One English sentence: what is wrong and where (byte offsets count from 0).
    public var detail: String
    /// Whether the problem is only data after the format's end marker; the file itself is whole.
    ///
    /// Kept apart because policies differ: some cameras append legitimate data to JPEGs
    /// (multi-picture thumbnails, motion-photo videos), while an upload pipeline may still
    /// want to refuse smuggled payloads.
    public var isTrailingData: Bool
    /// A finer cause for the applicant's message; `nil` means "damaged or cut short".
    public var hint: ReasonHint?

    /// Creates a finding.
    /// - Parameters:
    ///   - detail: One English sentence saying what is wrong and at which byte.
    ///   - isTrailingData: `true` only for "N bytes of data after the end of the image".
    ///   - hint: What to tell the applicant when it is not "damaged or cut short".
    public init(detail: String, isTrailingData: Bool = false, hint: ReasonHint? = nil) {
        self.detail = detail
        self.isTrailingData = isTrailingData
        self.hint = hint ?? (isTrailingData ? .trailingData : nil)
    }
}

/// What follows the end of a file's format (a JPEG's EOI, a PNG's IEND, a PDF's last `%%EOF`)
/// and was judged harmless: recorded with the attachment as `trailing`.
///
/// Real devices write these: padding (NUL, whitespace, 0xFF), the further pictures of a
/// multi-picture JPEG (MPF: gain maps, depth maps, stereo pairs), and the video of a motion
/// photo (Google MicroVideo/MotionPhoto, Samsung's trailer). Anything else after the end is a
/// `StructureFinding` instead.
public struct TrailingSegment: Codable, Sendable, Equatable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable {
        /// NUL bytes, whitespace or 0xFF fill.
        case padding
        /// A further JPEG named by the multi-picture (MPF) index in APP2.
        case mpfImage = "mpf_image"
        /// An ISO-BMFF video (MP4/QuickTime) announced by the image's XMP or trailer.
        case motionPhotoVideo = "motion_photo_video"
        /// Samsung's SEFH/SEFT trailer directory (and the records it indexes).
        case samsungTrailer = "samsung_trailer"
    }

    /// Where the segment starts, in bytes from the start of the file.
    public var offset: Int
    public var bytes: Int
    public var kind: Kind
    /// A few words for people, e.g. "NUL", "Google motion photo", "gain map".
    public var detail: String?

    public init(offset: Int, bytes: Int, kind: Kind, detail: String? = nil) {
        self.offset = offset
        self.bytes = bytes
        self.kind = kind
        self.detail = detail
    }
}

/// The whole verdict on a file's structure: its problems, and what follows its end.
public struct StructureReport: Sendable, Equatable {
    /// Every problem found, in file order; empty when the file is sound.
    public var findings: [StructureFinding]
    /// What follows the format's end and was judged harmless, in file order.
    public var trailing: [TrailingSegment]

    public init(findings: [StructureFinding] = [], trailing: [TrailingSegment] = []) {
        self.findings = findings
        self.trailing = trailing
    }
}

/// Checks that a whole file is structurally sound for its detected type.
///
/// The checks walk the container structure (PNG chunks with their CRCs, JPEG marker segments and
/// scan data, GIF blocks, RIFF chunks, the PDF header and trailer) without decoding pixels, so
/// they cost about as much as reading the file once. They catch truncated uploads, spliced or
/// corrupted files and data appended after the end of an image.
///
/// ```swift
/// let findings = data.withUnsafeBytes { StructureChecker.check($0, as: .png) }
/// if !findings.isEmpty { /* reject as corrupt_file, one reason per finding */ }
/// ```
public enum StructureChecker {
    /// The types `check(_:as:)` knows how to check; for every other type it returns no findings.
    public static let checkedTypes: Set<FileType> = [.jpeg, .png, .gif, .webp, .pdf, .heic, .heif, .avif]

    /// At most this many bad PNG CRCs are reported one by one; the rest are summed up in one finding.
    static let maximumReportedCRCErrors = 3

    /// Checks that a whole file is structurally sound for `type`.
    /// - Parameters:
    ///   - bytes: The complete file.
    ///   - type: The type to check against, normally what `TypeSniffer.detect(_:)` returned.
    /// - Returns: Every problem found, in file order; empty when the file is sound or `type` is
    ///   not in `checkedTypes`.
    public static func check(_ bytes: UnsafeRawBufferPointer, as type: FileType) -> [StructureFinding] {
        inspect(bytes, as: type).findings
    }

    /// Checks a whole file's structure and says what follows its end.
    /// - Parameters:
    ///   - bytes: The complete file.
    ///   - type: The type to check against, normally what `TypeSniffer.detect(_:)` returned.
    /// - Returns: The findings (empty when sound) and the harmless trailing segments.
    public static func inspect(_ bytes: UnsafeRawBufferPointer, as type: FileType) -> StructureReport {
        inspect(ContentBytes(bytes), as: type)
    }

    /// Checks a file through a reader that may stream it (see `AttachmentContent`).
    static func inspect(_ reader: ContentBytes, as type: FileType) -> StructureReport {
        switch type {
        case .png:
            var trailing: [TrailingSegment] = []
            let findings = checkPNG(reader, trailing: &trailing)
            return StructureReport(findings: findings, trailing: trailing)
        case .jpeg: return checkJPEG(reader)
        case .gif:
            var trailing: [TrailingSegment] = []
            let findings = checkGIF(reader, trailing: &trailing)
            return StructureReport(findings: findings, trailing: trailing)
        case .webp:
            var trailing: [TrailingSegment] = []
            let findings = checkWebP(reader, trailing: &trailing)
            return StructureReport(findings: findings, trailing: trailing)
        case .pdf: return checkPDF(reader)
        case .heic, .heif, .avif: return checkISOBMFF(reader, as: type)
        case .windowsExecutable, .elfExecutable, .machOExecutable, .script, .html, .xml, .svg, .zip, .gzip,
             .tiff, .bmp, .ico, .mp4, .quickTime, .docx, .xlsx, .pptx, .odt, .ods, .odp, .hwpx, .hwp,
             .doc, .xls, .ppt, .compoundFile, .rtf, .sevenZip, .rar, .bzip2, .xz, .zstd, .tar, .unknown:
            return StructureReport()
        }
    }

    /// Checks that a whole file is structurally sound for `type`.
    /// - Parameters:
    ///   - bytes: The complete file.
    ///   - type: The type to check against.
    /// - Returns: Every problem found, in file order; empty when the file is sound.
    public static func check(_ bytes: [UInt8], as type: FileType) -> [StructureFinding] {
        bytes.withUnsafeBytes { check($0, as: type) }
    }

    /// Checks a whole file's structure and says what follows its end.
    public static func inspect(_ bytes: [UInt8], as type: FileType) -> StructureReport {
        bytes.withUnsafeBytes { inspect($0, as: type) }
    }

    // MARK: - Shared helpers

    /// The finding for a file that does not open with its format's signature, telling a
    /// truncated signature apart from a wrong one.
    static func signatureFinding(_ reader: ContentBytes, format: String, signature: [UInt8],
                                 signatureName: String) -> StructureFinding {
        if reader.count == 0 {
            return StructureFinding(detail: "The \(format) file is empty.")
        }
        if reader.count < signature.count, reader.hasPrefix(Array(signature[..<reader.count])) {
            return StructureFinding(
                detail: "\(format) ends at byte \(reader.count), inside the \(signatureName).")
        }
        return StructureFinding(detail: "The file does not start with the \(signatureName).")
    }

    /// The finding for data after a format's end marker.
    static func trailingDataFinding(count: Int, format: String, end: String) -> StructureFinding {
        StructureFinding(detail: "\(bytes(count)) of data after the end of the \(format) (\(end)).",
                         isTrailingData: true)
    }

    /// "1 byte" or "N bytes".
    static func bytes(_ count: Int) -> String {
        count == 1 ? "1 byte" : "\(count) bytes"
    }

    /// A four-character code for findings: as text when it is printable ASCII (without the
    /// trailing space of codes like "VP8 "), else as hex.
    static func fourCC(_ reader: ContentBytes, at offset: Int) -> String {
        let raw = reader[offset..<(offset + 4)]
        if raw.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            let text = String(decoding: raw, as: UTF8.self)
            return text.hasSuffix(" ") && text.first != " " ? String(text.prefix { $0 != " " }) : text
        }
        return "0x" + raw.map { hex($0) }.joined()
    }

    /// A byte as two upper-case hex digits.
    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    /// A 32-bit value as "0x" and eight upper-case hex digits.
    static func hex32(_ value: UInt32) -> String {
        "0x" + (0..<4).map { hex(UInt8(truncatingIfNeeded: value >> (24 - 8 * $0))) }.joined()
    }
}
