/// Rejection reasons in the applicant's language, for the "rejected" message.
///
/// The stores keep the precise English `detail` for admins; applicants get a plain sentence
/// per code, with the file named beside it by the template.
public enum ReasonText {
    /// The sentence for one reason: its hint's when it has one, else its code's.
    public static func text(for reason: Reason, locale: String) -> String {
        if reason.code == .typeNotAllowed, let detected = reason.detected {
            return typeNotAllowed(reason, detected: FileType(mimeType: detected) ?? .unknown, locale: locale)
        }
        if let hint = reason.hint, let text = text(for: hint, reason: reason, locale: locale) { return text }
        return text(for: reason.code, locale: locale)
    }

    /// The sentence for a hint, or `nil` to fall back on the code's.
    static func text(for hint: ReasonHint, reason: Reason, locale: String) -> String? {
        switch (locale, hint) {
        case ("ko", .trailingData):
            return "파일 끝에 사진이나 문서가 아닌 다른 데이터가 붙어 있습니다. 원본 파일을 다시 저장해서 보내 주세요."
        case (_, .trailingData):
            return "Other data is attached after the end of the file. Please save the original again and send that."
        case ("ko", .pdfPassword):
            return "PDF에 열기 암호가 걸려 있어 열 수 없습니다. 암호를 해제한 뒤 다시 보내 주세요."
        case (_, .pdfPassword):
            return "The PDF is protected by a password that is needed to open it. Please remove the password and send it again."
        case ("ko", .pdfNoPages):
            return "PDF에 페이지가 하나도 없습니다. 신청서 내용이 담긴 PDF로 다시 저장해서 보내 주세요."
        case (_, .pdfNoPages):
            return "The PDF has no pages. Please save the form with its content as a PDF again and send that."
        case ("ko", .pdfPageTree):
            return "PDF의 페이지 구성이 손상되어 페이지를 열 수 없습니다. 원본에서 PDF로 다시 저장해서 보내 주세요."
        case (_, .pdfPageTree):
            return "The PDF's list of pages is damaged, so its pages cannot be opened. Please save it as a PDF again from the original and send that."
        case ("ko", .pdfBroken):
            return "PDF 파일 내부 구조가 손상되어 제대로 열리지 않습니다. 원본에서 PDF로 다시 저장해서 보내 주세요."
        case (_, .pdfBroken):
            return "The PDF's internal structure is damaged, so it does not open properly. Please save it as a PDF again from the original and send that."
        case ("ko", .unknownCommunity):
            return "신청서에 적힌 모임은 이곳에서 가입 신청을 받는 모임이 아닙니다. 가입하려는 모임의 신청 페이지에서 다시 신청해 주세요."
        case (_, .unknownCommunity):
            return "The community named in your application is not one this site takes applications for. Please apply again through the sign-up page of the community you meant."
        case (_, .heifPhoto), (_, .saveAsPDF), (_, .unpackArchive), (_, .convertImage), (_, .videoNotPhoto):
            // Advice about a type; only a type_not_allowed reason with its detected type uses it.
            return nil
        }
    }

    // MARK: - A type the kind does not take

    /// "What you sent is X. This item takes only Y. Here is how to send Y." in the applicant's
    /// language, from the reason's detected type, its kind's allow-list and its hint.
    ///
    /// Names of types are always followed by a Korean noun (형식, 문서, 파일), never directly by
    /// a particle whose form depends on the name's last sound.
    static func typeNotAllowed(_ reason: Reason, detected: FileType, locale: String) -> String {
        let allowed = (reason.allowed ?? []).compactMap { FileType(mimeType: $0) }
        let korean = locale == "ko"
        var sentences: [String] = []
        let kind = reason.kind ?? ""
        if korean {
            let subject = ["photo": "보내 주신 사진은", "form": "보내 주신 신청서는", "document": "보내 주신 서류는"][kind] ?? "보내 주신 파일은"
            if detected == .unknown {
                sentences.append("\(subject) 어떤 형식인지 알아볼 수 없습니다.")
            } else {
                sentences.append("\(subject) \(koreanName(detected))입니다.")
            }
            if allowed.isEmpty {
                sentences.append("이 항목에 받을 수 없는 파일 형식입니다.")
            } else {
                sentences.append("이 항목은 \(allowed.map(\.shortName).joined(separator: "·")) 형식만 받습니다.")
            }
        } else {
            let subject = ["photo": "The photo you sent", "form": "The form you sent", "document": "The document you sent"][kind] ?? "The file you sent"
            if detected == .unknown {
                sentences.append("\(subject) is in a format we cannot recognise.")
            } else {
                sentences.append("\(subject) is \(detected.withArticle).")
            }
            if allowed.isEmpty {
                sentences.append("This type of file is not accepted here.")
            } else {
                sentences.append("This item accepts only \(englishList(allowed.map(\.shortName))).")
            }
        }
        sentences += advice(reason.hint, detected: detected, allowed: allowed, korean: korean)
        return sentences.joined(separator: " ")
    }

    /// How to send what is wanted instead.
    private static func advice(_ hint: ReasonHint?, detected: FileType, allowed: [FileType], korean: Bool) -> [String] {
        let allowedImages = allowed.filter(\.isImage).map(\.shortName)
        switch hint {
        case .heifPhoto?:
            return korean
                ? ["iPhone에서는 설정 › 카메라 › 포맷에서 '높은 호환성'을 고르면 JPEG 형식으로 찍힙니다.",
                   "갤럭시에서는 카메라 설정 › 고급 촬영 옵션에서 '고효율 사진'을 끄면 됩니다.",
                   "이미 찍은 사진은 JPEG 형식으로 바꿔서 다시 보내 주세요."]
                : ["On an iPhone, choose Settings › Camera › Formats › Most Compatible and photos are taken as JPEG.",
                   "On a Galaxy, turn off Camera settings › Advanced picture options › High efficiency pictures.",
                   "Please convert photos already taken to JPEG and send them again."]
        case .saveAsPDF?:
            var lines = [korean ? "PDF로 저장해서 보내 주세요." : "Please save it as a PDF and send that."]
            switch detected {
            case .hwp, .hwpx:
                lines.append(korean ? "한글에서는 파일 › PDF로 저장하기를 고르면 됩니다."
                                    : "In Hangul, choose File › Save as PDF.")
            case .docx, .doc, .rtf:
                lines.append(korean ? "Word에서는 파일 › 다른 이름으로 저장에서 파일 형식을 PDF로 고르면 됩니다."
                                    : "In Word, choose File › Save As and pick PDF as the file type.")
            case .xlsx, .xls, .pptx, .ppt:
                lines.append(korean ? "파일 › 다른 이름으로 저장에서 파일 형식을 PDF로 고르면 됩니다."
                                    : "Choose File › Save As and pick PDF as the file type.")
            case .odt, .ods, .odp:
                lines.append(korean ? "LibreOffice에서는 파일 › PDF로 내보내기를 고르면 됩니다."
                                    : "In LibreOffice, choose File › Export as PDF.")
            default:
                lines.append(korean ? "종이 서류는 스캔 앱에서 PDF로 저장하면 됩니다."
                                    : "For a paper form, a scanner app can save the scan as a PDF.")
            }
            return lines
        case .unpackArchive?:
            return [korean ? "압축을 풀어 파일을 하나씩 보내 주세요." : "Please unpack the archive and send the files one by one."]
        case .convertImage?:
            let target = allowedImages.isEmpty ? allowed.map(\.shortName) : allowedImages
            return [korean ? "\(target.joined(separator: "·")) 형식으로 바꿔서 다시 보내 주세요."
                           : "Please convert it to \(englishList(target)) and send it again."]
        case .videoNotPhoto?:
            return [korean ? "동영상이 아니라 사진을 보내 주세요." : "Please send a photo, not a video."]
        case .trailingData?, .pdfPassword?, .pdfNoPages?, .pdfPageTree?, .pdfBroken?, .unknownCommunity?, nil:
            return [korean ? "이 항목에 맞는 파일을 골라 다시 보내 주세요." : "Please choose a file of an accepted type and send it again."]
        }
    }

    /// "A", "A or B", "A, B or C".
    private static func englishList(_ items: [String]) -> String {
        guard items.count > 1, let last = items.last else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " or " + last
    }

    /// The type's name in Korean, always ending in a Korean noun.
    static func koreanName(_ type: FileType) -> String {
        switch type {
        case .hwp: "한글(HWP) 문서"
        case .hwpx: "한글(HWPX) 문서"
        case .docx: "Word 문서(.docx)"
        case .doc: "Word 97-2003 문서(.doc)"
        case .xlsx: "Excel 파일(.xlsx)"
        case .xls: "Excel 97-2003 파일(.xls)"
        case .pptx: "PowerPoint 파일(.pptx)"
        case .ppt: "PowerPoint 97-2003 파일(.ppt)"
        case .odt, .ods, .odp: "OpenDocument 문서(.\(type.shortName.lowercased()))"
        case .rtf: "RTF 문서"
        case .pdf: "PDF 문서"
        case .mp4, .quickTime: "\(type.shortName) 동영상"
        case .zip, .gzip, .sevenZip, .rar, .bzip2, .xz, .zstd, .tar: "\(type.shortName) 압축 파일"
        case .windowsExecutable, .elfExecutable, .machOExecutable: "실행 파일(\(type.shortName))"
        case .script: "스크립트 파일"
        case .html: "웹 페이지(HTML) 파일"
        case .xml: "XML 파일"
        case .compoundFile: "OLE 복합 문서 파일"
        case .unknown: "알 수 없는 형식의 파일"
        case .jpeg, .png, .gif, .webp, .heic, .heif, .avif, .tiff, .bmp, .ico, .svg: "\(type.shortName) 형식"
        }
    }

    public static func text(for code: ReasonCode, locale: String) -> String {
        switch (locale, code) {
        case ("ko", .invalidManifest): return "신청서 정보(application.json 또는 application.xml)를 읽을 수 없거나 빠진 항목이 있습니다."
        case ("ko", .missingAttachment): return "신청서에 적힌 파일이 함께 오지 않았습니다."
        case ("ko", .unlistedFile): return "신청서에 적혀 있지 않은 파일이 함께 들어 있습니다."
        case ("ko", .unsafeName): return "사용할 수 없는 파일 이름이거나 일반 파일이 아닙니다."
        case ("ko", .emptyFile): return "파일이 비어 있습니다."
        case ("ko", .tooLarge): return "파일이 허용된 크기보다 큽니다."
        case ("ko", .typeNotAllowed): return "이 항목에 받을 수 없는 파일 형식입니다. 사진은 JPEG·PNG·WebP·HEIC 형식으로, 신청서는 PDF로 보내 주세요."
        case ("ko", .typeMismatch): return "파일 내용이 적힌 형식이나 확장자와 다릅니다."
        case ("ko", .corruptFile): return "파일이 손상되었거나 끝까지 올라오지 않았습니다."
        case ("ko", .duplicate): return "이미 접수된 신청서와 내용이 같습니다."
        case (_, .invalidManifest): return "The application form (application.json or application.xml) could not be read or is incomplete."
        case (_, .missingAttachment): return "A file listed in the application was not included."
        case (_, .unlistedFile): return "The bundle contains a file the application does not list."
        case (_, .unsafeName): return "The file name cannot be used, or it is not a plain file."
        case (_, .emptyFile): return "The file is empty."
        case (_, .tooLarge): return "The file is larger than allowed."
        case (_, .typeNotAllowed): return "This type of file is not accepted here. Please send photos as JPEG, PNG, WebP or HEIC and forms as PDF."
        case (_, .typeMismatch): return "The file's content does not match its declared type or extension."
        case (_, .corruptFile): return "The file is damaged or was not uploaded completely."
        case (_, .duplicate): return "The same application was already received."
        }
    }
}
