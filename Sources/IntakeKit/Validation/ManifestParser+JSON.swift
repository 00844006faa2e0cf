extension ManifestParser {
    /// Reads a JSON manifest into a draft; a syntax error ends the reading.
    static func readJSON(_ bytes: ArraySlice<UInt8>, limits: ManifestLimits) -> Result<ManifestDraft, ManifestProblemList> {
        let budget = valueBudget(limits)
        var parser = StrictJSONParser(
            bytes, maxDepth: limits.maxDepth, maxValues: budget,
            alwaysKept: ["schema", "community", "applicant", "answers", "attachments", "submitted_at"],
            maxProblems: limits.maxProblems)
        let root: StrictJSONNode
        do {
            root = try parser.parseDocument()
        } catch {
            var problems = parser.problems
            problems.add(
                ManifestProblem(
                    detail: "the manifest is not valid JSON: \(error.detail)",
                    line: error.location.line, column: error.location.column))
            return .failure(problems)
        }
        guard case .object(let members) = root.value else {
            return .failure(
                Self.problems([
                    ManifestProblem(
                        detail: "the manifest must be a JSON object, not \(root.value.kindDescription)",
                        line: root.location.line, column: root.location.column)
                ], limits))
        }
        var reader = JSONManifestReader(limits: limits)
        reader.draft.problems = parser.problems
        if parser.omittedValues > 0 {
            let total = parser.keptValues + parser.omittedValues
            reader.draft.report(
                "the manifest holds \(total) values; only the first \(budget) were read (a manifest needs far fewer)",
                at: root.location)
        }
        reader.readTop(members)
        return .success(reader.draft)
    }
}

/// Maps a parsed JSON object onto a draft, reporting wrong types and unknown keys.
private struct JSONManifestReader {
    let limits: ManifestLimits
    var draft: ManifestDraft

    init(limits: ManifestLimits) {
        self.limits = limits
        draft = ManifestDraft(limits: limits)
    }

    mutating func readTop(_ members: [StrictJSONMember]) {
        for member in firstOccurrences(members) {
            let node = member.value
            switch member.key {
            case "schema": draft.schema = string(node, "schema")
            case "community": draft.community = string(node, "community")
            case "submitted_at": draft.submittedAt = string(node, "submitted_at")
            case "applicant":
                guard let fields = object(node, "applicant") else { continue }
                readApplicant(fields, at: node.location)
                if node.omitted > 0 { incomplete("applicant", ["name", "email"]) }
            case "answers":
                guard let fields = object(node, "answers") else { continue }
                draft.answersLocation = node.location
                draft.answerCount = fields.count + node.omitted
                for field in firstOccurrences(fields) {
                    let key = ManifestLocated(value: field.key, location: field.keyLocation)
                    if let value = string(field.value, "answers.\(field.key)") {
                        draft.answers.append(.init(key: key, value: value))
                    }
                }
            case "attachments":
                guard case .array(let items) = node.value else {
                    wrongType(node, "attachments", expected: "an array")
                    continue
                }
                draft.attachmentsLocation = node.location
                draft.noteAttachmentCount(items.count + node.omitted, at: node.location, limits: limits)
                // Entries beyond the limit are not judged: the count alone refuses the list.
                var attachments: [ManifestDraft.AttachmentDraft] = []
                for (index, item) in items.prefix(max(0, limits.maxAttachments)).enumerated() {
                    attachments.append(readAttachment(item, path: "attachments[\(index)]"))
                }
                draft.attachments = attachments
            default:
                unknown(member, in: nil)
            }
        }
    }

    private mutating func readApplicant(_ members: [StrictJSONMember], at location: ManifestSourceLocation) {
        var applicant = ManifestDraft.ApplicantDraft(location: location)
        for member in firstOccurrences(members) {
            let node = member.value
            switch member.key {
            case "name": applicant.name = string(node, "applicant.name")
            case "email": applicant.email = string(node, "applicant.email")
            // Optional fields may be null, which means absent.
            case "phone": applicant.phone = string(node, "applicant.phone", nullable: true)
            case "locale": applicant.locale = string(node, "applicant.locale", nullable: true)
            default: unknown(member, in: "applicant")
            }
        }
        draft.applicant = applicant
    }

    private mutating func readAttachment(_ node: StrictJSONNode, path: String) -> ManifestDraft.AttachmentDraft {
        var attachment = ManifestDraft.AttachmentDraft(location: node.location)
        guard let members = object(node, path) else {
            // Kept in the list so counts and indexes stay right; the entry itself is reported.
            attachment.isReported = true
            return attachment
        }
        for member in firstOccurrences(members) {
            let node = member.value
            switch member.key {
            case "file": attachment.file = string(node, "\(path).file")
            case "kind": attachment.kind = string(node, "\(path).kind")
            case "content_type": attachment.contentType = string(node, "\(path).content_type")
            default: unknown(member, in: path)
            }
        }
        if node.omitted > 0 { incomplete(path, ["file", "kind", "content_type"]) }
        return attachment
    }

    /// An object that lost members to the value budget: its fields are not called missing.
    private mutating func incomplete(_ path: String, _ fields: [String]) {
        for field in fields { draft.reported.insert("\(path).\(field)") }
    }

    /// The members with each key's first occurrence only; the parser reported the others.
    private func firstOccurrences(_ members: [StrictJSONMember]) -> [StrictJSONMember] {
        var seen: Set<String> = []
        return members.filter { seen.insert($0.key).inserted }
    }

    private mutating func string(
        _ node: StrictJSONNode, _ path: String, nullable: Bool = false
    ) -> ManifestLocated<String>? {
        switch node.value {
        case .string(let value):
            return ManifestLocated(value: value, location: node.location)
        case .null where nullable:
            return nil
        default:
            wrongType(node, path, expected: "a string")
            return nil
        }
    }

    private mutating func object(_ node: StrictJSONNode, _ path: String) -> [StrictJSONMember]? {
        guard case .object(let members) = node.value else {
            wrongType(node, path, expected: "an object")
            return nil
        }
        return members
    }

    private mutating func wrongType(_ node: StrictJSONNode, _ path: @autoclosure () -> String, expected: String) {
        let path = path()
        draft.report("\(path) must be \(expected), not \(node.value.kindDescription)", at: node.location, path: path)
    }

    private mutating func unknown(_ member: StrictJSONMember, in path: String?) {
        let place = path.map { "in \($0)" } ?? "at the top level"
        draft.report("unknown key \(ManifestText.quoted(member.key)) \(place)", at: member.keyLocation)
    }
}
