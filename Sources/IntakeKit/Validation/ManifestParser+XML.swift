extension ManifestParser {
    /// Reads an XML manifest into a draft; a DOCTYPE or a well-formedness error ends the reading.
    static func readXML(_ bytes: ArraySlice<UInt8>, limits: ManifestLimits) -> Result<ManifestDraft, ManifestProblemList> {
        func failure(_ problems: [ManifestProblem]) -> Result<ManifestDraft, ManifestProblemList> {
            .failure(Self.problems(problems, limits))
        }
        if let problem = ManifestXMLPrescan.firstProblem(in: bytes, maxDepth: limits.maxDepth, maxNodes: valueBudget(limits)) {
            return failure([problem])
        }
        guard let document = LibXMLDocument(parsing: bytes) else {
            return failure([ManifestProblem(detail: "the XML manifest could not be parsed: out of memory")])
        }
        if document.hasDoctype {
            return failure([
                ManifestProblem(
                    detail: "a manifest with a DOCTYPE is rejected (DTDs and entity declarations are not allowed)",
                    line: document.doctypeLine)
            ])
        }
        let errors = document.errors
        if !errors.isEmpty {
            return failure(
                errors.prefix(limits.maxProblems + 1).map {
                    ManifestProblem(
                        detail: "the manifest is not well-formed XML: \(libxml2MessageLine($0.message))", line: $0.line, column: $0.column)
                })
        }
        if let encoding = document.declaredEncoding, !["utf-8", "utf8"].contains(encoding.lowercased()) {
            return failure([
                ManifestProblem(
                    detail:
                        "the XML declaration names the encoding \(ManifestText.quoted(encoding)); "
                            + "a manifest must be UTF-8",
                    line: 1)
            ])
        }
        guard let root = document.root else {
            return failure([ManifestProblem(detail: "the XML manifest has no root element")])
        }
        if let deep = firstElement(below: root, deeperThan: limits.maxDepth) {
            return failure([
                ManifestProblem(
                    detail: "the XML is nested more than \(limits.maxDepth) elements deep", line: deep.line)
            ])
        }
        guard root.name == "application", root.namespace == nil else {
            return failure([
                ManifestProblem(
                    detail: "the root element must be <application> (without a namespace), not \(describe(root))",
                    line: root.line)
            ])
        }
        var reader = XMLManifestReader(limits: limits)
        reader.readApplication(root)
        return .success(reader.draft)
    }

    /// The first element nested deeper than `limit` (the root is at depth 1), found without recursion.
    private static func firstElement(below root: LibXMLNode, deeperThan limit: Int) -> LibXMLNode? {
        var pending: [(node: LibXMLNode, depth: Int)] = [(root, 1)]
        while let (node, depth) = pending.popLast() {
            if depth > limit { return node }
            for child in node.children where child.kind == .element {
                pending.append((child, depth + 1))
            }
        }
        return nil
    }
}

/// A libxml2 message as one line: some messages go on with a second line quoting the
/// document (found by fuzzing: "CData section not finished\n<the text>"), which is dropped,
/// and any control character left is escaped.
func libxml2MessageLine(_ message: String) -> String {
    let first = message.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    let trimmed = ManifestText.trimmed(first)
    guard trimmed.unicodeScalars.contains(where: { ManifestText.isControl($0) || $0.properties.generalCategory == .format }) else {
        return trimmed
    }
    return String(ManifestText.quoted(trimmed, limit: 200).dropFirst().dropLast())
}

/// How a problem detail names an element.
private func describe(_ element: LibXMLNode) -> String {
    if let namespace = element.namespace {
        return "<\(element.name)> in the namespace \(ManifestText.quoted(namespace))"
    }
    return "<\(element.name)>"
}

/// A child of an element as the reader sees it: an element, or stray content to report.
private enum XMLChild {
    case element(LibXMLNode)
    case stray(detail: String, line: Int?)
}

/// Maps the `<application>` element onto a draft, reporting unknown or misplaced content in
/// document order (so the problems listed first are the first in the file).
private struct XMLManifestReader {
    let limits: ManifestLimits
    var draft: ManifestDraft

    init(limits: ManifestLimits) {
        self.limits = limits
        draft = ManifestDraft(limits: limits)
    }

    mutating func readApplication(_ root: LibXMLNode) {
        let here = location(root)
        for attribute in root.attributes {
            if attribute.name == "schema", attribute.namespace == nil {
                draft.schema = ManifestLocated(value: attribute.value, location: here)
            } else {
                unknownAttribute(attribute, on: root)
            }
        }
        // <attachment> elements stand directly under <application>, so the list always exists.
        draft.attachments = []
        draft.attachmentsLocation = here
        let children = self.children(of: root)
        let attachmentCount = children.count { child in
            if case .element(let element) = child { element.namespace == nil && element.name == "attachment" } else { false }
        }
        draft.noteAttachmentCount(attachmentCount, at: here, limits: limits)
        var seen: Set<String> = []
        var attachmentIndex = 0
        for item in children {
            guard case .element(let child) = item else {
                report(item)
                continue
            }
            guard child.namespace == nil else {
                unknownElement(child, in: root)
                continue
            }
            if child.name != "attachment", !seen.insert(child.name).inserted {
                draft.report(
                    "<\(child.name)> appears more than once in <application>", at: location(child),
                    path: child.name)
                continue
            }
            switch child.name {
            case "community": draft.community = text(of: child, path: "community")
            case "submitted_at": draft.submittedAt = text(of: child, path: "submitted_at")
            case "applicant": readApplicant(child)
            case "answers": readAnswers(child)
            case "attachment":
                // Entries beyond the limit are not judged: the count alone refuses the list.
                if attachmentIndex < limits.maxAttachments { readAttachment(child, index: attachmentIndex) }
                attachmentIndex += 1
            default: unknownElement(child, in: root)
            }
        }
    }

    private mutating func readApplicant(_ element: LibXMLNode) {
        noAttributes(element)
        var applicant = ManifestDraft.ApplicantDraft(location: location(element))
        var seen: Set<String> = []
        for item in children(of: element) {
            guard case .element(let child) = item else {
                report(item)
                continue
            }
            guard child.namespace == nil, ["name", "email", "phone", "locale"].contains(child.name) else {
                unknownElement(child, in: element)
                continue
            }
            let path = "applicant.\(child.name)"
            guard seen.insert(child.name).inserted else {
                draft.report("<\(child.name)> appears more than once in <applicant>", at: location(child), path: path)
                continue
            }
            let value = text(of: child, path: path)
            switch child.name {
            case "name": applicant.name = value
            case "email": applicant.email = value
            case "phone": applicant.phone = value
            default: applicant.locale = value
            }
        }
        draft.applicant = applicant
    }

    private mutating func readAnswers(_ element: LibXMLNode) {
        noAttributes(element)
        draft.answersLocation = location(element)
        for item in children(of: element) {
            guard case .element(let child) = item else {
                report(item)
                continue
            }
            guard child.namespace == nil, child.name == "answer" else {
                unknownElement(child, in: element)
                continue
            }
            var key: String?
            for attribute in child.attributes {
                if attribute.name == "key", attribute.namespace == nil {
                    key = attribute.value
                } else {
                    unknownAttribute(attribute, on: child)
                }
            }
            guard let key else {
                draft.report("an <answer> has no key attribute", at: location(child), path: "answers")
                continue
            }
            if let value = text(of: child, path: "answers.\(key)", attributesChecked: true) {
                draft.answers.append(.init(key: ManifestLocated(value: key, location: location(child)), value: value))
            }
        }
    }

    private mutating func readAttachment(_ element: LibXMLNode, index: Int) {
        let here = location(element)
        var attachment = ManifestDraft.AttachmentDraft(location: here)
        for attribute in element.attributes {
            let value = ManifestLocated(value: attribute.value, location: here)
            switch (attribute.name, attribute.namespace) {
            case ("file", nil): attachment.file = value
            case ("kind", nil): attachment.kind = value
            case ("content-type", nil): attachment.contentType = value
            default: unknownAttribute(attribute, on: element)
            }
        }
        let hasContent = element.children.contains { child in
            switch child.kind {
            case .comment, .processingInstruction: false
            case .text: !isWhitespace(child.content)
            default: true
            }
        }
        if hasContent {
            draft.report(
                "attachments[\(index)] (<attachment>) must be empty; its details are attributes",
                at: here, path: "attachments[\(index)]")
            attachment.isReported = true
        }
        draft.attachments?.append(attachment)
    }

    /// The children of `element` in document order: elements, and stray text or entity
    /// references as problems to report where they stand.
    private func children(of element: LibXMLNode) -> [XMLChild] {
        var result: [XMLChild] = []
        for child in element.children {
            switch child.kind {
            case .element:
                result.append(.element(child))
            case .text:
                if !isWhitespace(child.content) {
                    result.append(
                        .stray(
                            detail: "unexpected text \(ManifestText.quoted(ManifestText.trimmed(child.content))) "
                                + "in <\(element.name)>",
                            line: textStartLine(child) ?? element.line))
                }
            case .comment, .processingInstruction:
                continue
            case .entityReference, .other:
                result.append(.stray(detail: "unexpected content in <\(element.name)>", line: child.line ?? element.line))
            }
        }
        return result
    }

    private mutating func report(_ child: XMLChild) {
        if case .stray(let detail, let line) = child {
            draft.report(detail, at: location(line))
        }
    }

    /// The text of a text-only element; child elements and entity references are reported.
    private mutating func text(
        of element: LibXMLNode, path: String, attributesChecked: Bool = false
    ) -> ManifestLocated<String>? {
        if !attributesChecked {
            noAttributes(element)
        }
        var value = ""
        for child in element.children {
            switch child.kind {
            case .text:
                value += child.content
            case .comment, .processingInstruction:
                continue
            case .element:
                draft.report(
                    "\(path) must hold text only, not the element \(describe(child))", at: location(child), path: path)
                return nil
            case .entityReference, .other:
                draft.report("\(path) must hold text only", at: location(element), path: path)
                return nil
            }
        }
        return ManifestLocated(value: value, location: location(element))
    }

    private mutating func noAttributes(_ element: LibXMLNode) {
        for attribute in element.attributes {
            unknownAttribute(attribute, on: element)
        }
    }

    private mutating func unknownElement(_ element: LibXMLNode, in parent: LibXMLNode) {
        draft.report("unknown element \(describe(element)) in <\(parent.name)>", at: location(element))
    }

    private mutating func unknownAttribute(_ attribute: LibXMLNode.Attribute, on element: LibXMLNode) {
        draft.report(
            "unknown attribute \(ManifestText.quoted(attribute.name)) on <\(element.name)>", at: location(element))
    }

    /// The line where a text node's first non-blank character is: libxml2 records the line
    /// where the text ends, so the line breaks after that character are counted back.
    private func textStartLine(_ node: LibXMLNode) -> Int? {
        guard let end = node.line else { return nil }
        let bytes = Array(node.content.utf8)
        guard let first = bytes.firstIndex(where: { !ManifestBytes.isWhitespace($0) }) else { return end }
        let breaks = bytes[first...].count(where: { $0 == 0x0A })
        return max(1, end - breaks)
    }

    private func isWhitespace(_ text: String) -> Bool {
        text.utf8.allSatisfy(ManifestBytes.isWhitespace)
    }

    private func location(_ node: LibXMLNode) -> ManifestSourceLocation {
        location(node.line)
    }

    private func location(_ line: Int?) -> ManifestSourceLocation {
        ManifestSourceLocation(line: line, column: nil)
    }
}

/// A linear pass over the raw bytes that bounds what libxml2 2.9 handles in quadratic time.
///
/// libxml2 2.9 checks each attribute of an element against all earlier ones (50,000 attributes
/// on one element take 20 seconds), and looks namespaces up through every declaration in
/// scope. So before parsing, elements are limited to ``maxAttributes`` attributes and the
/// nesting to `maxDepth`. Elements, attributes, comments, CDATA sections and processing
/// instructions together are limited to `maxNodes`, which bounds the memory of libxml2's tree
/// (a megabyte of `<a/>` would otherwise be 260,000 nodes). The scan only counts: markup it cannot follow is left to libxml2,
/// which reports it properly; comments, CDATA and processing instructions are skipped, and
/// a `<!DOCTYPE` ends the scan (the parser rejects it before reading its contents).
enum ManifestXMLPrescan {
    /// Far above the three attributes a manifest element carries.
    static let maxAttributes = 32

    private static let commentStart = Array("<!--".utf8), commentEnd = Array("-->".utf8)
    private static let cdataStart = Array("<![CDATA[".utf8), cdataEnd = Array("]]>".utf8)
    private static let piEnd = Array("?>".utf8)

    static func firstProblem(in bytes: ArraySlice<UInt8>, maxDepth: Int, maxNodes: Int = .max) -> ManifestProblem? {
        let lt = UInt8(ascii: "<")
        let gt = UInt8(ascii: ">")
        let slash = UInt8(ascii: "/")
        let newline = UInt8(ascii: "\n")
        var index = bytes.startIndex
        var line = 1
        var depth = 0
        var nodes = 0
        func tooMany() -> ManifestProblem {
            ManifestProblem(
                detail: "the XML holds more than \(maxNodes) elements, attributes, comments and processing instructions; "
                    + "a manifest needs far fewer", line: line)
        }

        /// Moves past `terminator`, counting lines; false when the input ends first.
        func skip(past terminator: [UInt8]) -> Bool {
            while index < bytes.endIndex {
                if bytes[index] == newline { line += 1 }
                if bytes[index...].starts(with: terminator) {
                    index += terminator.count
                    return true
                }
                index += 1
            }
            return false
        }

        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == newline { line += 1 }
            guard byte == lt else {
                index += 1
                continue
            }
            let next = index + 1 < bytes.endIndex ? bytes[index + 1] : 0
            if next != slash {
                nodes += 1
                if nodes > maxNodes { return tooMany() }
            }
            if next == UInt8(ascii: "!") {
                let rest = bytes[index...]
                if rest.starts(with: commentStart) {
                    guard skip(past: commentEnd) else { return nil }
                } else if rest.starts(with: cdataStart) {
                    guard skip(past: cdataEnd) else { return nil }
                } else {
                    return nil
                }
            } else if next == UInt8(ascii: "?") {
                guard skip(past: piEnd) else { return nil }
            } else if next == slash {
                depth -= 1
                while index < bytes.endIndex, bytes[index] != gt {
                    if bytes[index] == newline { line += 1 }
                    index += 1
                }
            } else {
                // A start tag: count the '=' outside quoted values.
                let tagLine = line
                var attributes = 0
                var quote: UInt8 = 0
                var previous: UInt8 = 0
                index += 1
                depth += 1
                if depth > maxDepth {
                    return ManifestProblem(
                        detail: "the XML is nested more than \(maxDepth) elements deep", line: tagLine)
                }
                scanning: while index < bytes.endIndex {
                    let byte = bytes[index]
                    if byte == newline { line += 1 }
                    if quote != 0 {
                        if byte == quote { quote = 0 }
                    } else {
                        switch byte {
                        case UInt8(ascii: "\""), UInt8(ascii: "'"):
                            quote = byte
                        case UInt8(ascii: "="):
                            attributes += 1
                            nodes += 1
                            if nodes > maxNodes { return tooMany() }
                            if attributes > maxAttributes {
                                return ManifestProblem(
                                    detail: "an element has more than \(maxAttributes) attributes", line: tagLine)
                            }
                        case gt:
                            if previous == slash { depth -= 1 }
                            index += 1
                            break scanning
                        default:
                            break
                        }
                    }
                    previous = byte
                    index += 1
                }
            }
        }
        return nil
    }
}
