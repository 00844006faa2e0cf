import Foundation
import Mustache

/// The subject, text and (optional) HTML a template set renders for one message.
public struct RenderedMail: Sendable, Equatable {
    public var subject: String
    public var text: String
    public var html: String?
}

/// A site's e-mail templates, parsed once: `templates/<locale>/<kind>.{subject,txt,html}.mustache`.
///
/// Subject and text templates render without HTML escaping; HTML templates escape every value.
/// ```swift
/// let templates = try TemplateSet.load(site: site, config: config)
/// let mail = templates.render(.received, locale: "ko", context: ["applicant_name": "김민수"])
/// ```
public struct TemplateSet: Sendable {
    public enum Part: String, CaseIterable, Sendable {
        case subject, txt, html
    }

    private var templates: [String: MustacheTemplate] = [:]

    /// One problem with one template file, with where it is.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var file: String
        public var line: Int?
        public var column: Int?
        public var detail: String
        /// Set when the file is there but the disk would not give it (EIO...): an I/O error
        /// (exit 74), not a template to fix (78).
        public var ioError: IntakeError?
        public var description: String {
            var at = file
            if let line { at += ":\(line)" }
            if let column { at += ":\(column)" }
            return "\(at): \(detail)"
        }
        public var error: IntakeError { ioError ?? .template(file: file, line: line, column: column, detail: detail) }
    }

    /// The (kind, locale) pairs a site needs templates for: every enabled applicant kind in every
    /// locale, and the digest in the site's own locale.
    public static func required(by config: SiteConfig) -> [(kind: MessageKind, locale: String)] {
        var pairs: [(MessageKind, String)] = []
        for kind in MessageKind.allCases where config.isEnabled(kind) {
            if kind == .digest {
                pairs.append((kind, config.defaultLocale))
            } else {
                for locale in config.locales { pairs.append((kind, locale)) }
            }
        }
        return pairs
    }

    /// Loads and parses every template the config needs.
    /// - Returns: the set, and every problem found (missing or unparsable files), in file order.
    public static func loadReportingProblems(site: Site, config: SiteConfig) -> (TemplateSet, [Problem]) {
        var set = TemplateSet()
        var problems: [Problem] = []
        for (kind, locale) in required(by: config) {
            for part in Part.allCases {
                let relative = "templates/\(locale)/\(kind.rawValue).\(part.rawValue).mustache"
                let path = FileSystem.join(site.root, relative)
                guard FileSystem.exists(path) else {
                    if part != .html { problems.append(Problem(file: relative, detail: "missing (needed for \(kind.rawValue) mail in \(locale))")) }
                    continue
                }
                let bytes: [UInt8]?
                do { bytes = try FileSystem.read(path, limit: 1 << 20) } catch {
                    var problem = Problem(file: relative, detail: "cannot be read: \(error.localizedDescription)")
                    if case let .io(_, _, code) = error, code != EACCES, code != EPERM, code != ELOOP { problem.ioError = error }
                    problems.append(problem)
                    continue
                }
                guard let bytes, let text = String(validating: bytes, as: UTF8.self) else {
                    problems.append(Problem(file: relative, detail: "is not valid UTF-8 text under 1 MiB"))
                    continue
                }
                switch parse(text, part: part) {
                case .success(let template): set.templates[key(kind, locale, part)] = template
                case .failure(let problem):
                    problems.append(Problem(file: relative, line: problem.line, column: problem.column, detail: problem.detail))
                }
            }
        }
        return (set, problems)
    }

    /// Loads every template the config needs.
    /// - Throws: ``IntakeError/template(file:line:column:detail:)`` for the first problem.
    public static func load(site: Site, config: SiteConfig) throws(IntakeError) -> TemplateSet {
        let (set, problems) = loadReportingProblems(site: site, config: config)
        if let first = problems.first { throw first.error }
        return set
    }

    static func parse(_ text: String, part: Part) -> Result<MustacheTemplate, Problem> {
        // Subject and text parts are plain text: no HTML escaping. The pragma adds no line, so
        // line numbers in errors stay the file's own.
        let source = part == .html ? text : "{{% CONTENT_TYPE: TEXT}}" + text
        do {
            return .success(try MustacheTemplate(string: source))
        } catch let error as MustacheTemplate.ParserError {
            var column = error.context.columnNumber
            if error.context.lineNumber == 1 && part != .html { column = max(1, column - 24) }
            return .failure(Problem(file: "", line: error.context.lineNumber, column: column, detail: explain(error.error)))
        } catch {
            return .failure(Problem(file: "", detail: "template syntax error: \(error)"))
        }
    }

    /// The parser's error in words an admin can act on.
    static func explain(_ error: any Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect?: return "a section is closed ({{/name}}) with another name than it was opened with"
        case .unfinishedName?: return "a tag is not finished: {{ without a matching }}"
        case .expectedSectionEnd?: return "a section ({{#name}} or {{^name}}) is never closed with {{/name}}"
        case .invalidSetDelimiter?: return "a set-delimiter tag ({{=<% %>=}}) is malformed"
        case .invalidConfigVariableSyntax?, .unrecognisedConfigVariable?: return "a {{% pragma}} tag is malformed or unknown"
        default: return "template syntax error (\(error))"
        }
    }

    private static func key(_ kind: MessageKind, _ locale: String, _ part: Part) -> String {
        "\(locale)/\(kind.rawValue).\(part.rawValue)"
    }

    public func has(_ kind: MessageKind, locale: String) -> Bool {
        templates[Self.key(kind, locale, .subject)] != nil && templates[Self.key(kind, locale, .txt)] != nil
    }

    /// Renders a message; nil when the set has no templates for that kind and locale.
    public func render(_ kind: MessageKind, locale: String, context: [String: Any]) -> RenderedMail? {
        guard let subject = templates[Self.key(kind, locale, .subject)],
              let text = templates[Self.key(kind, locale, .txt)] else { return nil }
        // A subject is one line whatever the template or the values hold.
        let subjectLine = subject.render(context)
            .split(whereSeparator: { $0.isNewline }).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        let html = templates[Self.key(kind, locale, .html)]?.render(context)
        return RenderedMail(subject: subjectLine, text: text.render(context), html: html)
    }
}
