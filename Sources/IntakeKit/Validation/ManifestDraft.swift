import Foundation
/// Where a value was found in the manifest.
struct ManifestSourceLocation: Sendable, Equatable {
    var line: Int?
    var column: Int?

    static let unknown = ManifestSourceLocation()
}

/// The problems of one manifest in the order found: the first `keep` are built, the rest only
/// counted, so a hostile manifest with half a million bad entries costs what one with a hundred
/// does. Details are autoclosures: a problem that will not be listed is never even worded.
struct ManifestProblemList: Error, Sendable {
    let keep: Int
    private(set) var listed: [ManifestProblem] = []
    /// Problems found beyond the first `keep`.
    private(set) var unlisted = 0

    init(keep: Int) {
        self.keep = max(1, keep)
    }

    var count: Int { listed.count + unlisted }
    var isEmpty: Bool { count == 0 }

    mutating func add(_ detail: @autoclosure () -> String, at location: ManifestSourceLocation) {
        guard listed.count < keep else {
            unlisted += 1
            return
        }
        listed.append(ManifestProblem(detail: detail(), line: location.line, column: location.column))
    }

    mutating func add(_ problem: ManifestProblem) {
        if listed.count < keep { listed.append(problem) } else { unlisted += 1 }
    }

    /// What a rejection lists: the kept problems, then one saying how many more there were.
    var errors: ManifestErrors {
        guard unlisted > 0 else { return ManifestErrors(problems: listed) }
        return ManifestErrors(
            problems: listed + [ManifestProblem(detail: "\(unlisted) more problem\(unlisted == 1 ? "" : "s") not listed")])
    }
}

/// A value read from the manifest with the place it came from.
struct ManifestLocated<Value> {
    var value: Value
    var location: ManifestSourceLocation
}

/// A manifest as read from either format, before any field is validated.
///
/// Each format reader fills it in and records the structural problems it saw (wrong types,
/// unknown keys or elements); `validated` then applies the same field rules to both formats.
struct ManifestDraft {
    struct ApplicantDraft {
        var name: ManifestLocated<String>?
        var email: ManifestLocated<String>?
        var phone: ManifestLocated<String>?
        var locale: ManifestLocated<String>?
        var location: ManifestSourceLocation
    }

    struct AttachmentDraft {
        var file: ManifestLocated<String>?
        var kind: ManifestLocated<String>?
        var contentType: ManifestLocated<String>?
        var location: ManifestSourceLocation
        /// True when the reader already reported the whole entry (e.g. not an object).
        var isReported = false
    }

    struct AnswerDraft {
        var key: ManifestLocated<String>
        var value: ManifestLocated<String>
    }

    var schema: ManifestLocated<String>?
    var community: ManifestLocated<String>?
    /// Nil when the manifest has no applicant at all.
    var applicant: ApplicantDraft?
    /// Every answer in manifest order; empty when the manifest has none (answers are optional).
    var answers: [AnswerDraft] = []
    var answersLocation = ManifestSourceLocation.unknown
    /// Nil when the manifest has no attachment list at all. Holds at most `limits.maxAttachments`
    /// entries: a longer list is refused by its count, and the entries beyond are not judged.
    var attachments: [AttachmentDraft]?
    /// How many entries the list has, including those not read.
    var attachmentCount = 0
    var attachmentsLocation = ManifestSourceLocation.unknown
    /// How many answers the manifest has, including any the reader did not keep.
    var answerCount = 0
    var submittedAt: ManifestLocated<String>?

    /// Problems the format reader found.
    var problems: ManifestProblemList
    /// Field paths the reader already complained about (or could not read whole), so they are
    /// not also called missing.
    var reported: Set<String> = []

    init(limits: ManifestLimits) {
        problems = ManifestProblemList(keep: limits.maxProblems)
    }

    mutating func report(_ detail: @autoclosure () -> String, at location: ManifestSourceLocation, path: String? = nil) {
        problems.add(detail(), at: location)
        if let path { reported.insert(path) }
    }

    /// Records the length of the attachment list; a list over the limit is reported at once,
    /// before any entry, so the reason that matters most is always among those listed.
    mutating func noteAttachmentCount(_ count: Int, at location: ManifestSourceLocation, limits: ManifestLimits) {
        attachmentCount = count
        if count > limits.maxAttachments {
            report(
                "attachments lists \(count) files; at most \(limits.maxAttachments) are allowed", at: location,
                path: "attachments.count")
        }
    }

    /// Applies the field rules shared by both formats.
    /// - Returns: The manifest when neither the reader nor the rules found a problem.
    func validated(limits: ManifestLimits, format: ManifestFormat) -> Result<Manifest, ManifestProblemList> {
        var check = FieldCheck(limits: limits, reported: reported, problems: problems)

        let schema = check.required(schema, "schema").flatMap { field -> String? in
            let value = ManifestText.trimmed(field.value)
            guard value == ManifestRules.schema else {
                check.add(
                    "schema \(ManifestText.quoted(value)) is not supported; "
                        + "expected \(ManifestText.quoted(ManifestRules.schema))",
                    field)
                return nil
            }
            return value
        }

        let community = check.singleLine(community, "community").flatMap { field -> String? in
            guard ManifestRules.isSlug(field.value) else {
                check.add(
                    "community \(ManifestText.quoted(field.value)) is not a valid community slug "
                        + "(1 to 64 lowercase letters, digits or '-')", field)
                return nil
            }
            return field.value
        }

        let applicant = validatedApplicant(&check)
        let answers = validatedAnswers(&check, limits: limits)
        let attachments = validatedAttachments(&check, limits: limits)

        let submittedAt = check.singleLine(submittedAt, "submitted_at").flatMap { field -> String? in
            guard ManifestRules.isDateTimeWithOffset(field.value) else {
                check.add(
                    "submitted_at \(ManifestText.quoted(field.value)) is not an RFC 3339 date-time "
                        + "with a time-zone offset "
                        + "(e.g. 2026-11-29T21:14:00+09:00)", field)
                return nil
            }
            return field.value
        }

        guard check.problems.isEmpty, let schema, let community, let applicant, let answers, let attachments,
            let submittedAt
        else {
            return .failure(check.problems)
        }
        return .success(
            Manifest(
                schema: schema, community: community, applicant: applicant, answers: answers,
                attachments: attachments, submittedAt: submittedAt, format: format))
    }

    private func validatedApplicant(_ check: inout FieldCheck) -> Applicant? {
        guard let applicant else {
            if !check.reported.contains("applicant") {
                check.missing("applicant is missing", at: .unknown)
            }
            return nil
        }
        let container = applicant.location
        var valid = true

        let name = check.singleLine(applicant.name, "applicant.name", container: container)
        if let name {
            if name.value.isEmpty {
                check.add("applicant.name is empty", name)
                valid = false
            } else if name.value.count > ManifestRules.maxNameLength {
                check.add(
                    "applicant.name is \(name.value.count) characters long; "
                        + "at most \(ManifestRules.maxNameLength) are allowed", name)
                valid = false
            }
        }

        let email = check.singleLine(applicant.email, "applicant.email", container: container)
        if let email, !EmailAddress.isPlausible(email.value) {
            check.add("applicant.email \(ManifestText.quoted(email.value)) is not a plausible e-mail address", email)
            valid = false
        }

        var phone: String?
        var phoneValid = true
        if let field = check.singleLine(applicant.phone, "applicant.phone", optional: true) {
            if !field.value.isEmpty {
                if ManifestRules.isPhone(field.value) {
                    phone = field.value
                } else {
                    check.add(
                        "applicant.phone \(ManifestText.quoted(field.value)) is not a phone number (digits, spaces and "
                            + "+ - ( ) . only, at most \(ManifestRules.maxPhoneLength) characters)", field)
                    phoneValid = false
                }
            }
        } else if applicant.phone != nil || check.reported.contains("applicant.phone") {
            phoneValid = false
        }

        var locale = ""
        var localeValid = true
        if let field = check.singleLine(applicant.locale, "applicant.locale", optional: true) {
            if field.value.isEmpty || ManifestRules.isLocaleTag(field.value) {
                locale = field.value
            } else {
                check.add(
                    "applicant.locale \(ManifestText.quoted(field.value)) is not a language tag "
                        + "such as \"ko\" or \"en-US\"",
                    field)
                localeValid = false
            }
        } else if applicant.locale != nil || check.reported.contains("applicant.locale") {
            localeValid = false
        }

        guard valid, phoneValid, localeValid, let name, let email else { return nil }
        return Applicant(name: name.value, email: email.value, phone: phone, locale: locale)
    }

    private func validatedAnswers(_ check: inout FieldCheck, limits: ManifestLimits) -> [String: String]? {
        var result: [String: String] = [:]
        var valid = !check.reported.contains("answers")
        let answerTotal = max(answerCount, answers.count)
        if answerTotal > limits.maxAnswers {
            check.add(
                "answers has \(answerTotal) entries; at most \(limits.maxAnswers) are allowed",
                at: answersLocation)
            valid = false
        }
        for answer in answers {
            // Keys are kept NFC, so a form written on a Mac (NFD) and one written elsewhere agree.
            let key = answer.key.value.precomposedStringWithCanonicalMapping
            if let problem = ManifestRules.answerKeyProblem(key) {
                check.add("answers key \(ManifestText.quoted(key)) \(problem)", answer.key)
                valid = false
                continue
            }
            let path = "answers.\(key)"
            guard result[key] == nil else {
                check.add("\(path) appears more than once", answer.key)
                valid = false
                continue
            }
            guard check.withinLength(answer.value, path) else {
                valid = false
                continue
            }
            let value = ManifestText.trimmed(answer.value.value)
            if let bad = value.unicodeScalars.first(where: { ManifestText.isControl($0, allowingLineBreaks: true) }) {
                check.add("\(path) contains the control character \(ManifestText.name(bad))", answer.value)
                valid = false
                continue
            }
            result[key] = value
        }
        return valid ? result : nil
    }

    private func validatedAttachments(_ check: inout FieldCheck, limits: ManifestLimits) -> [AttachmentEntry]? {
        guard let attachments else {
            if !check.reported.contains("attachments") {
                check.missing("attachments is missing", at: .unknown)
            }
            return nil
        }
        var valid = !check.reported.contains("attachments") && !check.reported.contains("attachments.count")
        if attachments.isEmpty && attachmentCount == 0 {
            check.add("attachments lists no files; at least one is required", at: attachmentsLocation)
            valid = false
        }
        var result: [AttachmentEntry] = []
        // Swift compares strings by canonical equivalence, so names that differ only in Unicode
        // normalisation count as the same file (they look identical and collide on macOS).
        var seen: [String: Int] = [:]
        for (index, attachment) in attachments.enumerated() {
            let prefix = "attachments[\(index)]"
            guard !attachment.isReported else {
                valid = false
                continue
            }
            let fields = [
                (attachment.file, "\(prefix).file"), (attachment.kind, "\(prefix).kind"),
                (attachment.contentType, "\(prefix).content_type"),
            ].map { field, path -> String? in
                guard let field = check.required(field, path, container: attachment.location) else { return nil }
                guard !field.value.isEmpty else {
                    check.add("\(path) is empty", field)
                    return nil
                }
                return field.value
            }
            if let file = fields[0] {
                if let first = seen[file] {
                    check.add(
                        "\(prefix).file \(ManifestText.quoted(file)) is already listed as attachments[\(first)].file",
                        at: attachment.file?.location ?? attachment.location)
                    valid = false
                } else {
                    seen[file] = index
                }
            }
            guard let file = fields[0], let kind = fields[1], let contentType = fields[2] else {
                valid = false
                continue
            }
            result.append(AttachmentEntry(file: file, kind: kind, contentType: contentType))
        }
        return valid ? result : nil
    }
}

/// Collects field problems for `ManifestDraft.validated`.
private struct FieldCheck {
    let limits: ManifestLimits
    let reported: Set<String>
    /// The reader's problems, then these.
    var problems: ManifestProblemList

    mutating func add(_ detail: @autoclosure () -> String, at location: ManifestSourceLocation) {
        problems.add(detail(), at: location)
    }

    mutating func add(_ detail: @autoclosure () -> String, _ field: ManifestLocated<String>) {
        problems.add(detail(), at: field.location)
    }

    mutating func missing(_ detail: @autoclosure () -> String, at location: ManifestSourceLocation) {
        problems.add(detail(), at: location)
    }

    /// The field when present and not too long; reports it missing unless `optional`.
    mutating func required(
        _ field: ManifestLocated<String>?, _ path: String, container: ManifestSourceLocation = .unknown,
        optional: Bool = false
    ) -> ManifestLocated<String>? {
        guard let field else {
            if !optional, !reported.contains(path) {
                missing("\(path) is missing", at: container)
            }
            return nil
        }
        return withinLength(field, path) ? field : nil
    }

    mutating func withinLength(_ field: ManifestLocated<String>, _ path: String) -> Bool {
        let length = field.value.unicodeScalars.count
        let limit = limits.maxFieldLength
        guard length <= limit else {
            add("\(path) is \(length) characters long; at most \(limit) are allowed", field)
            return false
        }
        return true
    }

    /// A trimmed single-line field: present, not too long, free of line breaks and control characters.
    mutating func singleLine(
        _ field: ManifestLocated<String>?, _ path: String, container: ManifestSourceLocation = .unknown,
        optional: Bool = false
    ) -> ManifestLocated<String>? {
        guard var field = required(field, path, container: container, optional: optional) else { return nil }
        field.value = ManifestText.trimmed(field.value)
        if let bad = field.value.unicodeScalars.first(where: { ManifestText.isControl($0) }) {
            let what = ManifestText.isLineBreak(bad) ? "a line break" : "the control character"
            add("\(path) contains \(what) \(ManifestText.name(bad))", field)
            return nil
        }
        return field
    }
}
