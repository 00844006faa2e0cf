/// Rejection reasons in the applicant's language, for the "rejected" message.
///
/// The stores keep the precise English `detail` for admins; applicants get a plain sentence
/// per code, with the file named beside it by the template.
public enum ReasonText {
    /// The sentence for one reason: its hint's when it has one, else its code's.
    public static func text(for reason: Reason, locale: String) -> String {
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
        case ("ko", .typeNotAllowed): return "이 항목에 받을 수 없는 파일 형식입니다. 사진은 JPEG·PNG·WebP, 신청서는 PDF로 보내 주세요."
        case ("ko", .typeMismatch): return "파일 내용이 적힌 형식이나 확장자와 다릅니다."
        case ("ko", .corruptFile): return "파일이 손상되었거나 끝까지 올라오지 않았습니다."
        case ("ko", .duplicate): return "이미 접수된 신청서와 내용이 같습니다."
        case (_, .invalidManifest): return "The application form (application.json or application.xml) could not be read or is incomplete."
        case (_, .missingAttachment): return "A file listed in the application was not included."
        case (_, .unlistedFile): return "The bundle contains a file the application does not list."
        case (_, .unsafeName): return "The file name cannot be used, or it is not a plain file."
        case (_, .emptyFile): return "The file is empty."
        case (_, .tooLarge): return "The file is larger than allowed."
        case (_, .typeNotAllowed): return "This type of file is not accepted here. Please send photos as JPEG, PNG or WebP and forms as PDF."
        case (_, .typeMismatch): return "The file's content does not match its declared type or extension."
        case (_, .corruptFile): return "The file is damaged or was not uploaded completely."
        case (_, .duplicate): return "The same application was already received."
        }
    }
}
