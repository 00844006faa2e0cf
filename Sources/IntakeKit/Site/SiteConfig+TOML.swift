import Foundation
import TOMLKit

extension SiteConfig {
    /// Loads `intake.toml` from a site; the built-in defaults when the file does not exist.
    /// - Throws: ``IntakeError/invalidConfig(file:line:detail:)`` naming the line of the first problem.
    public static func load(from site: Site) throws(IntakeError) -> SiteConfig {
        guard FileSystem.exists(site.configFile) else { return SiteConfig() }
        let bytes: [UInt8]
        do {
            guard let read = try FileSystem.read(site.configFile, limit: 1 << 20) else {
                throw IntakeError.invalidConfig(file: site.configFile, line: nil, detail: "the file is larger than 1 MiB")
            }
            bytes = read
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidConfig(file: site.configFile, line: nil, detail: "the file is not valid UTF-8")
        }
        return try parse(text, file: site.configFile)
    }

    /// Parses config text; unknown keys and wrong types are errors with their line.
    public static func parse(_ text: String, file: String = "intake.toml") throws(IntakeError) -> SiteConfig {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .invalidConfig(file: file, line: error.source.begin.line, detail: error.description)
        } catch {
            throw .invalidConfig(file: file, line: nil, detail: "\(error)")
        }
        let reader = ConfigReader(text: text, file: file)
        var config = SiteConfig()
        try reader.allowOnly(["site", "mail", "features", "limits", "kinds"], in: table, path: "")

        if let site = try reader.table(table, "site", path: "") {
            try reader.allowOnly(["name", "default_locale", "locales", "admin_email", "settle_seconds", "workers", "min_free_mb", "timezone"], in: site, path: "site")
            if let v = try reader.string(site, "name", path: "site") { config.siteName = v }
            if let v = try reader.string(site, "default_locale", path: "site") { config.defaultLocale = v.lowercased() }
            if let v = try reader.strings(site, "locales", path: "site") { config.locales = v.map { $0.lowercased() } }
            if let v = try reader.string(site, "admin_email", path: "site") {
                guard EmailAddress.isPlausible(v) else { throw reader.error("site.admin_email", "\"\(v)\" is not a plausible e-mail address") }
                config.adminEmail = v
            }
            if let v = try reader.int(site, "settle_seconds", path: "site", range: 0...86_400) { config.settleSeconds = v }
            if let v = try reader.int(site, "workers", path: "site", range: 0...64) { config.workers = v }
            if let v = try reader.int(site, "min_free_mb", path: "site", range: 0...1_000_000) { config.minFreeBytes = Int64(v) << 20 }
            if let v = try reader.string(site, "timezone", path: "site") {
                guard TimeZone(identifier: v) != nil else { throw reader.error("site.timezone", "\"\(v)\" is not a time zone name (e.g. \"Asia/Seoul\", \"UTC\")") }
                config.timeZone = v
            }
        }
        if !config.locales.contains(config.defaultLocale) {
            throw reader.error("site.default_locale", "\"\(config.defaultLocale)\" is not one of site.locales \(config.locales)")
        }
        if let mail = try reader.table(table, "mail", path: "") {
            try reader.allowOnly(["from", "from_name", "reply_to", "message_id_domain"], in: mail, path: "mail")
            if let v = try reader.string(mail, "from", path: "mail") {
                guard EmailAddress.isPlausible(v) || v.hasSuffix("@localhost") else { throw reader.error("mail.from", "\"\(v)\" is not a plausible e-mail address") }
                config.mailFrom = v
            }
            config.mailFromName = try reader.string(mail, "from_name", path: "mail")
            if let v = try reader.string(mail, "reply_to", path: "mail") {
                guard EmailAddress.isPlausible(v) else { throw reader.error("mail.reply_to", "\"\(v)\" is not a plausible e-mail address") }
                config.replyTo = v
            }
            config.messageIDDomain = try reader.string(mail, "message_id_domain", path: "mail")
        }
        if let features = try reader.table(table, "features", path: "") {
            let flags: [(String, MessageKind)] = [("mail_received", .received), ("mail_rejected", .rejected), ("mail_approved", .approved), ("mail_declined", .declined), ("admin_digest", .digest)]
            try reader.allowOnly(flags.map(\.0) + ["xml_manifests"], in: features, path: "features")
            for (key, kind) in flags {
                if let on = try reader.bool(features, key, path: "features") {
                    if on { config.enabledMessages.insert(kind) } else { config.enabledMessages.remove(kind) }
                }
            }
            if let v = try reader.bool(features, "xml_manifests", path: "features") { config.xmlManifests = v }
        }
        if let limits = try reader.table(table, "limits", path: "") {
            try reader.allowOnly(["max_attachment_mb", "max_bundle_mb", "max_attachments", "max_manifest_kb"], in: limits, path: "limits")
            if let v = try reader.int(limits, "max_attachment_mb", path: "limits", range: 1...4096) { config.maxAttachmentBytes = v << 20 }
            if let v = try reader.int(limits, "max_bundle_mb", path: "limits", range: 1...65536) { config.maxBundleBytes = v << 20 }
            if let v = try reader.int(limits, "max_attachments", path: "limits", range: 1...1000) { config.maxAttachments = v }
            if let v = try reader.int(limits, "max_manifest_kb", path: "limits", range: 1...65536) { config.maxManifestBytes = v << 10 }
        }
        if let kinds = try reader.table(table, "kinds", path: "") {
            var policies: [String: KindPolicy] = [:]
            for name in kinds.keys {
                guard let kind = try reader.table(kinds, name, path: "kinds") else { continue }
                let path = "kinds.\(name)"
                try reader.allowOnly(["types", "max_mb"], in: kind, path: path)
                guard let names = try reader.strings(kind, "types", path: path), !names.isEmpty else {
                    throw reader.error("\(path).types", "each kind needs a non-empty list of MIME types")
                }
                var types: [FileType] = []
                for mime in names {
                    guard let type = FileType(mimeType: mime), StructureChecker.checkedTypes.contains(type) else {
                        throw reader.error("\(path).types", "\"\(mime)\" is not a type intake can check (image/jpeg, image/png, image/gif, image/webp, image/heic, image/heif, image/avif, application/pdf)")
                    }
                    types.append(type)
                }
                let max = try reader.int(kind, "max_mb", path: path, range: 1...4096).map { $0 << 20 } ?? config.maxAttachmentBytes
                policies[name] = KindPolicy(allowedTypes: types, maxBytes: max)
            }
            if !policies.isEmpty { config.kinds = policies }
        }
        return config
    }
}

/// Typed access to a TOML table that reports the line of whatever is wrong.
private struct ConfigReader {
    let lines: [Substring]
    let file: String

    init(text: String, file: String) {
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        self.file = file
    }

    /// The line where a dotted key is defined, found by its last component at the start of a line
    /// after its table header; TOMLKit keeps no positions for values.
    func line(of dotted: String) -> Int? {
        var parts = dotted.split(separator: ".").map(String.init)
        guard let key = parts.popLast() else { return nil }
        let header = parts.isEmpty ? nil : "[" + parts.joined(separator: ".") + "]"
        var inTable = header == nil
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                let name = String(line.prefix { $0 != "]" }) + "]"
                if header == nil, name == "[\(key)]" || name.hasPrefix("[\(key).") { return index + 1 }
                inTable = name == header
                continue
            }
            if inTable, line.hasPrefix(key) {
                let rest = line.dropFirst(key.count).drop { $0 == " " || $0 == "\t" }
                if rest.hasPrefix("=") { return index + 1 }
            }
        }
        if let header, let index = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(header) }) {
            return index + 1
        }
        return nil
    }

    func error(_ dotted: String, _ detail: String) -> IntakeError {
        .invalidConfig(file: file, line: line(of: dotted), detail: "\(dotted): \(detail)")
    }

    func allowOnly(_ keys: [String], in table: TOMLTable, path: String) throws(IntakeError) {
        for key in table.keys where !keys.contains(key) {
            let dotted = path.isEmpty ? key : "\(path).\(key)"
            throw IntakeError.invalidConfig(file: file, line: line(of: dotted),
                                            detail: "unknown key \"\(dotted)\" (known here: \(keys.joined(separator: ", ")))")
        }
    }

    func table(_ t: TOMLTable, _ key: String, path: String) throws(IntakeError) -> TOMLTable? {
        guard let value = t[key] else { return nil }
        guard let table = value.table else { throw error(path.isEmpty ? key : "\(path).\(key)", "must be a table") }
        return table
    }

    func string(_ t: TOMLTable, _ key: String, path: String) throws(IntakeError) -> String? {
        guard let value = t[key] else { return nil }
        guard let s = value.string else { throw error("\(path).\(key)", "must be a string") }
        return s
    }

    func strings(_ t: TOMLTable, _ key: String, path: String) throws(IntakeError) -> [String]? {
        guard let value = t[key] else { return nil }
        guard let array = value.array else { throw error("\(path).\(key)", "must be a list of strings") }
        var out: [String] = []
        for element in array {
            guard let s = element.string else { throw error("\(path).\(key)", "must be a list of strings") }
            out.append(s)
        }
        return out
    }

    func int(_ t: TOMLTable, _ key: String, path: String, range: ClosedRange<Int>) throws(IntakeError) -> Int? {
        guard let value = t[key] else { return nil }
        guard let i = value.int else { throw error("\(path).\(key)", "must be a whole number") }
        guard range.contains(i) else { throw error("\(path).\(key)", "must be between \(range.lowerBound) and \(range.upperBound)") }
        return i
    }

    func bool(_ t: TOMLTable, _ key: String, path: String) throws(IntakeError) -> Bool? {
        guard let value = t[key] else { return nil }
        guard let b = value.bool else { throw error("\(path).\(key)", "must be true or false") }
        return b
    }
}
