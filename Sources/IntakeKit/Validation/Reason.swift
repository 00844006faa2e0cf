/// Why a bundle is refused: what a validator finds, in the contract's codes. Validation makes
/// these; Records stores them in `rejections.jsonl`; Mail turns them into the applicant's words.

/// One reason a bundle was rejected.
public struct Reason: Codable, Sendable, Equatable, Hashable {
    public var code: ReasonCode
    public var file: String?
    public var detail: String
    /// What exactly is wrong, finer than `code`, so the applicant can be told what to do
    /// ("the PDF needs a password"); absent where the code says it all.
    public var hint: ReasonHint?
    /// The type the content really is (its MIME type), where it matters to the applicant.
    public var detected: String?
    /// The MIME types the attachment's kind accepts, for a `type_not_allowed` reason, so the
    /// applicant is told the site's real list.
    public var allowed: [String]?
    /// The attachment's kind ("photo", "form"...), so the applicant's sentence can name it.
    public var kind: String?

    public init(_ code: ReasonCode, file: String? = nil, _ detail: String, hint: ReasonHint? = nil,
                detected: String? = nil, allowed: [String]? = nil, kind: String? = nil) {
        self.code = code
        self.file = file
        self.detail = detail
        self.hint = hint
        self.detected = detected
        self.allowed = allowed
        self.kind = kind
    }
}

/// A finer cause than the contract's reason code, for the applicant's message.
///
/// The contract's codes stay what machines read; a hint only changes the sentence the applicant
/// gets, so a password-protected PDF is not described as "damaged".
public enum ReasonHint: String, Codable, Sendable, Hashable, CaseIterable {
    /// Data that no device writes follows the end of the format (an archive, a script...).
    case trailingData = "trailing_data"
    /// The PDF needs a password to open (a non-empty user password).
    case pdfPassword = "pdf_password"
    /// The PDF opens but has no pages.
    case pdfNoPages = "pdf_no_pages"
    /// The PDF's page tree is cyclic or broken, so its pages cannot be listed.
    case pdfPageTree = "pdf_page_tree"
    /// The PDF's cross-reference or trailer does not hold (a reader would have to rebuild it).
    case pdfBroken = "pdf_broken"
    /// A HEIC/HEIF/AVIF photo where JPEG is accepted: the phone's camera can shoot JPEG.
    case heifPhoto = "heif_photo"
    /// A word-processor document or a scanned image where a PDF is wanted: save it as PDF.
    case saveAsPDF = "save_as_pdf"
    /// An archive (ZIP, 7-Zip, RAR...): unpack it and send the files one by one.
    case unpackArchive = "unpack_archive"
    /// An image in a format the kind does not take (TIFF, BMP, GIF...): convert it.
    case convertImage = "convert_image"
    /// A video where a photo is wanted.
    case videoNotPhoto = "video_not_photo"
    /// The manifest names a community this site does not serve.
    case unknownCommunity = "unknown_community"
}

/// The contract's rejection codes.
public enum ReasonCode: String, Codable, Sendable, CaseIterable {
    case invalidManifest = "invalid_manifest"
    case missingAttachment = "missing_attachment"
    case unlistedFile = "unlisted_file"
    case unsafeName = "unsafe_name"
    case emptyFile = "empty_file"
    case tooLarge = "too_large"
    case typeNotAllowed = "type_not_allowed"
    case typeMismatch = "type_mismatch"
    case corruptFile = "corrupt_file"
    case duplicate
}
