import Foundation
import Mustache

/// The subject, text and (optional) HTML a template set renders for one message.
public struct RenderedMail: Sendable, Equatable {
    public var subject: String
    public var text: String
    public var html: String?
}

/// A site's e-mail templates, parsed once: `templates/<locale>/<kind>.{subject,txt,html}.mustache`,
/// and a community's own where it has them: `templates/<community>/<locale>/<kind>.*.mustache`.
///
/// A community's override is taken by kind and locale, whole: where its folder holds a kind's
/// subject or text (or HTML), that kind in that locale comes from there (subject and text are
/// then required, HTML is optional as ever); every other kind falls back to `templates/<locale>/`.
/// Parts are never mixed, so an HTML part never says other things than its text part.
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
    /// The (community, kind, locale) a community overrides, in config order.
    public private(set) var overrides: [(community: String, kind: MessageKind, locale: String)] = []

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
            set.load(kind, locale: locale, community: nil, site: site, problems: &problems)
        }
        for community in config.communities {
            for (kind, locale) in required(by: config) {
                let folder = "templates/\(community.id)/\(locale)"
                let present = Part.allCases.contains { FileSystem.exists(FileSystem.join(site.root, "\(folder)/\(kind.rawValue).\($0.rawValue).mustache")) }
                guard present else { continue }
                set.overrides.append((community.id, kind, locale))
                set.load(kind, locale: locale, community: community.id, site: site, problems: &problems)
            }
        }
        return (set, problems)
    }

    /// Folders under `templates/` that no configured community or locale uses: an override
    /// for a community the config does not name (a typo, or one removed) is never used.
    public static func unusedFolders(site: Site, config: SiteConfig) -> [String] {
        guard let entries = try? FileSystem.list(site.templates) else { return [] }
        var unused: [String] = []
        for entry in entries.sorted() where FileSystem.isDirectory(FileSystem.join(site.templates, entry)) {
            if config.locales.contains(entry) { continue }
            guard config.community(entry) != nil else { unused.append("templates/\(entry)/"); continue }
            let inner = (try? FileSystem.list(FileSystem.join(site.templates, entry))) ?? []
            for locale in inner.sorted() where !config.locales.contains(locale) && FileSystem.isDirectory(FileSystem.join(site.templates, "\(entry)/\(locale)")) {
                unused.append("templates/\(entry)/\(locale)/")
            }
        }
        return unused
    }

    /// Loads one kind in one locale (the site's, or a community's override) into the set.
    private mutating func load(_ kind: MessageKind, locale: String, community: String?, site: Site, problems: inout [Problem]) {
            let folder = community.map { "templates/\($0)/\(locale)" } ?? "templates/\(locale)"
            for part in Part.allCases {
                let relative = "\(folder)/\(kind.rawValue).\(part.rawValue).mustache"
                let path = FileSystem.join(site.root, relative)
                guard FileSystem.exists(path) else {
                    if part != .html {
                        let why = community.map { "missing (\(kind.rawValue) mail in \(locale) is overridden for \($0) here, so it needs its subject and text too)" }
                            ?? "missing (needed for \(kind.rawValue) mail in \(locale))"
                        problems.append(Problem(file: relative, detail: why))
                    }
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
                switch Self.parse(text, part: part) {
                case .success(let template): templates[Self.key(kind, locale, part, community: community)] = template
                case .failure(let problem):
                    problems.append(Problem(file: relative, line: problem.line, column: problem.column, detail: problem.detail))
                }
            }
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

    private static func key(_ kind: MessageKind, _ locale: String, _ part: Part, community: String? = nil) -> String {
        (community.map { "\($0)/" } ?? "") + "\(locale)/\(kind.rawValue).\(part.rawValue)"
    }

    public func has(_ kind: MessageKind, locale: String, community: String? = nil) -> Bool {
        templates[Self.key(kind, locale, .subject, community: community)] != nil && templates[Self.key(kind, locale, .txt, community: community)] != nil
    }

    /// Whether a community overrides this kind in this locale (its folder had any part of it).
    public func isOverridden(_ kind: MessageKind, locale: String, community: String) -> Bool {
        overrides.contains { $0.community == community && $0.kind == kind && $0.locale == locale }
    }

    /// Renders a message from the community's own templates where it overrides the kind, else
    /// from the site's; nil when the set has no templates for that kind and locale.
    public func render(_ kind: MessageKind, locale: String, community: String? = nil, context: [String: Any]) -> RenderedMail? {
        let from = community.flatMap { isOverridden(kind, locale: locale, community: $0) ? $0 : nil }
        guard let subject = templates[Self.key(kind, locale, .subject, community: from)],
              let text = templates[Self.key(kind, locale, .txt, community: from)] else { return nil }
        // A subject is one line whatever the template or the values hold.
        let subjectLine = subject.render(context)
            .split(whereSeparator: { $0.isNewline }).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        let html = templates[Self.key(kind, locale, .html, community: from)]?.render(context)
        return RenderedMail(subject: subjectLine, text: text.render(context), html: html)
    }
}
