import Foundation

extension SiteConfig {
    /// Loads `intake.toml` from a site; the built-in defaults when the file does not exist.
    /// - Throws: ``IntakeError/invalidConfig(file:line:column:detail:)`` naming the line and column of the first problem.
    public static func load(from site: Site) throws(IntakeError) -> SiteConfig {
        guard FileSystem.exists(site.configFile) else { return SiteConfig() }
        let bytes: [UInt8]
        do {
            guard let read = try FileSystem.read(site.configFile, limit: 1 << 20) else {
                throw IntakeError.invalidConfig(file: site.configFile, line: nil, detail: "the file is larger than 1 MiB")
            }
            bytes = read
        }
        return try parse(bytes: bytes, file: site.configFile)
    }

    /// Parses config text; unknown keys and wrong types are errors with their line.
    public static func parse(_ text: String, file: String = "intake.toml") throws(IntakeError) -> SiteConfig {
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// Parses config bytes (checked as UTF-8 first); every problem names its line and column.
    public static func parse(bytes: [UInt8], file: String = "intake.toml") throws(IntakeError) -> SiteConfig {
        let table: TOMLTable
        do {
            table = try TOMLReader.parse(bytes)
        } catch {
            throw .invalidConfig(file: file, line: error.position.line, column: error.position.column, detail: error.detail)
        }
        let reader = ConfigReader(root: table, file: file)
        var config = SiteConfig()
        try reader.allowOnly(["site", "mail", "features", "limits", "kinds", "communities"], in: table, path: "")

        if let site = try reader.table(table, "site", path: "") {
            try reader.allowOnly(["name", "default_locale", "locales", "admin_email", "settle_seconds", "workers", "min_free_mb", "timezone", "community"], in: site, path: "site")
            if let v = try reader.string(site, "name", path: "site") { config.siteName = v }
            if let v = try reader.string(site, "default_locale", path: "site") { config.defaultLocale = v.lowercased() }
            if let v = try reader.strings(site, "locales", path: "site") { config.locales = v.map { $0.lowercased() } }
            if let v = try reader.string(site, "admin_email", path: "site") {
                guard EmailAddress.isPlausible(v) else { throw reader.error("site.admin_email", "\(ManifestText.quoted(v)) is not a plausible e-mail address") }
                config.adminEmail = v
            }
            if let v = try reader.int(site, "settle_seconds", path: "site", range: 0...86_400) { config.settleSeconds = v }
            if let v = try reader.int(site, "workers", path: "site", range: 0...64) { config.workers = v }
            if let v = try reader.int(site, "min_free_mb", path: "site", range: 0...1_000_000) { config.minFreeBytes = Int64(v) << 20 }
            if let v = try reader.string(site, "community", path: "site") {
                guard ManifestRules.isSlug(v) else {
                    throw reader.error("site.community", "\(ManifestText.quoted(v)) is not a community id (1 to 64 lowercase letters, digits or '-', as manifests name it)")
                }
                config.siteCommunity = v
            }
            if let v = try reader.string(site, "timezone", path: "site") {
                guard TimeZone(identifier: v) != nil else { throw reader.error("site.timezone", "\"\(v)\" is not a time zone name (e.g. \"Asia/Seoul\", \"UTC\")") }
                config.timeZone = v
            }
        }
        if !config.locales.contains(config.defaultLocale) {
            throw reader.error("site.default_locale", "\(ManifestText.quoted(config.defaultLocale)) is not one of site.locales (\(config.locales.map { ManifestText.quoted($0) }.joined(separator: ", ")))")
        }
        if let mail = try reader.table(table, "mail", path: "") {
            try reader.allowOnly(["from", "from_name", "reply_to", "message_id_domain"], in: mail, path: "mail")
            if let v = try reader.string(mail, "from", path: "mail") {
                guard EmailAddress.isPlausible(v) || v.hasSuffix("@localhost") else { throw reader.error("mail.from", "\(ManifestText.quoted(v)) is not a plausible e-mail address") }
                config.mailFrom = v
            }
            config.mailFromName = try reader.string(mail, "from_name", path: "mail")
            if let v = try reader.string(mail, "reply_to", path: "mail") {
                guard EmailAddress.isPlausible(v) else { throw reader.error("mail.reply_to", "\(ManifestText.quoted(v)) is not a plausible e-mail address") }
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
                let path = "kinds.\(name.utf8.allSatisfy({ $0.isBareKeyByte }) && !name.isEmpty ? name : ManifestText.quoted(name, limit: 40))"
                let typesAt = kind["types"]?.position ?? kind.position
                try reader.allowOnly(["types", "max_mb"], in: kind, path: path)
                guard let names = try reader.strings(kind, "types", path: path), !names.isEmpty else {
                    throw reader.error("\(path).types", "each kind needs a non-empty list of MIME types", at: typesAt)
                }
                var types: [FileType] = []
                for mime in names {
                    guard let type = FileType(mimeType: mime), StructureChecker.checkedTypes.contains(type) else {
                        throw reader.error("\(path).types", "\(ManifestText.quoted(mime)) is not a type intake can check (image/jpeg, image/png, image/gif, image/webp, image/heic, image/heif, image/avif, application/pdf)", at: typesAt)
                    }
                    types.append(type)
                }
                let max = try reader.int(kind, "max_mb", path: path, range: 1...4096).map { $0 << 20 } ?? config.maxAttachmentBytes
                policies[name] = KindPolicy(allowedTypes: types, maxBytes: max)
            }
            if !policies.isEmpty { config.kinds = policies }
        }
        if let communities = try reader.table(table, "communities", path: "") {
            config.communities = try reader.communities(communities, locales: config.locales)
            if config.siteCommunity != nil, let at = table["site"]?.table?["community"]?.position {
                throw reader.error("site.community", "is for a site of one community; with [communities] every community is a [communities.<id>] table", at: at)
            }
        }
        return config
    }
}

extension ConfigReader {
    /// The `[communities.<id>]` tables, in file order.
    func communities(_ table: TOMLTable, locales: [String]) throws(IntakeError) -> [Community] {
        guard !table.keys.isEmpty else {
            throw error("communities", "names no community; add a [communities.<id>] table with a name, or remove [communities]", at: table.position)
        }
        var out: [Community] = []
        for id in table.keys {
            let path = "communities.\(Self.shown(id))"
            guard let value = table[id], let entry = value.table else {
                throw error(path, "must be a table ([communities.\(Self.shown(id))] with name = \"...\"), not \(table[id]?.kindDescription ?? "nothing")", at: table[id]?.position)
            }
            guard ManifestRules.isSlug(id) else {
                throw error(path, "\(ManifestText.quoted(id, limit: 40)) is not a community id: 1 to 64 lowercase letters, digits or '-', as manifests name it (e.g. jeju-photo-club)", at: entry.position)
            }
            if locales.contains(id) {
                throw error(path, "\(ManifestText.quoted(id)) is also a locale: templates/\(id)/ could not tell the two apart; choose another id", at: entry.position)
            }
            let perLocale = ["name", "from_name"].flatMap { key in locales.map { (key: "\(key)_\($0)", from: key == "from_name", locale: $0) } }
            let known = ["name"] + locales.map { "name_\($0)" } + ["from_name"] + locales.map { "from_name_\($0)" } + ["reply_to", "admin_email"]
            try allowOnly(known, in: entry, path: path)
            func text(_ key: String) throws(IntakeError) -> String? {
                guard let v = try string(entry, key, path: path) else { return nil }
                let trimmed = v.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty, !v.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                    throw error("\(path).\(key)", "must be a name on one line, not empty", at: entry[key]?.position)
                }
                return trimmed
            }
            func address(_ key: String) throws(IntakeError) -> String? {
                guard let v = try string(entry, key, path: path) else { return nil }
                guard EmailAddress.isPlausible(v) else { throw error("\(path).\(key)", "\(ManifestText.quoted(v)) is not a plausible e-mail address", at: entry[key]?.position) }
                return v
            }
            guard let name = try text("name") else {
                throw error("\(path).name", "each community needs a name, as its applicants read it (name = \"제주 사진 동호회\")", at: entry.position)
            }
            var community = Community(id: id, name: name)
            for item in perLocale {
                guard let v = try text(item.key) else { continue }
                if item.from { community.fromNames[item.locale] = v } else { community.names[item.locale] = v }
            }
            community.fromName = try text("from_name")
            community.replyTo = try address("reply_to")
            community.adminEmail = try address("admin_email")
            out.append(community)
        }
        return out
    }

    static func shown(_ key: String) -> String {
        key.utf8.allSatisfy({ $0.isBareKeyByte }) && !key.isEmpty ? key : ManifestText.quoted(key, limit: 40)
    }
}

/// Typed access to a TOML table that reports the line and column of whatever is wrong.
private struct ConfigReader {
    let root: TOMLTable
    let file: String

    /// Where a dotted key (e.g. "kinds.photo.types") was set; nil when it is not in the file.
    func position(of dotted: String) -> TOMLPosition? {
        let parts = dotted.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if let value = root.value(at: parts) {
            return value.table.map { $0.position } ?? value.position
        }
        // A key that is not there (a default applies): the table it belongs in, if any.
        for count in stride(from: parts.count - 1, to: 0, by: -1) {
            if let table = root.value(at: Array(parts.prefix(count)))?.table { return table.position }
        }
        return nil
    }

    func error(_ dotted: String, _ detail: String, at place: TOMLPosition? = nil) -> IntakeError {
        let at = place ?? position(of: dotted)
        return .invalidConfig(file: file, line: at?.line, column: at?.column, detail: "\(dotted): \(detail)")
    }

    private func dotted(_ path: String, _ key: String) -> String {
        let shown = key.utf8.allSatisfy({ $0.isBareKeyByte }) && !key.isEmpty ? key : ManifestText.quoted(key, limit: 40)
        return path.isEmpty ? shown : "\(path).\(shown)"
    }

    func allowOnly(_ keys: [String], in table: TOMLTable, path: String) throws(IntakeError) {
        for key in table.keys where !keys.contains(key) {
            let name = ManifestText.quoted(path.isEmpty ? key : "\(path).\(key)", limit: 80)
            let at = table[key].map { $0.position }
            throw IntakeError.invalidConfig(file: file, line: at?.line, column: at?.column,
                                            detail: "unknown key \(name) (known here: \(keys.joined(separator: ", ")))")
        }
    }

    func table(_ t: TOMLTable, _ key: String, path: String) throws(IntakeError) -> TOMLTable? {
        guard let value = t[key] else { return nil }
        guard let table = value.table else { throw error(dotted(path, key), "must be a table, not \(value.kindDescription)", at: value.position) }
        return table
    }

    func string(_ t: TOMLTable, _ key: String, path: String) throws(IntakeError) -> String? {
        guard let value = t[key] else { return nil }
        guard let s = value.string else { throw error(dotted(path, key), "must be a string, not \(value.kindDescription)", at: value.position) }
        return s
    }

    func strings(_ t: TOMLTable, _ key: String, path: String) throws(IntakeError) -> [String]? {
        guard let value = t[key] else { return nil }
        guard let array = value.array else { throw error(dotted(path, key), "must be a list of strings, not \(value.kindDescription)", at: value.position) }
        var out: [String] = []
        for element in array {
            guard let s = element.string else {
                throw error(dotted(path, key), "must be a list of strings, but holds \(element.kindDescription)", at: element.position)
            }
            out.append(s)
        }
        return out
    }

    func int(_ t: TOMLTable, _ key: String, path: String, range: ClosedRange<Int>) throws(IntakeError) -> Int? {
        guard let value = t[key] else { return nil }
        guard let i = value.int else { throw error(dotted(path, key), "must be a whole number, not \(value.kindDescription)", at: value.position) }
        guard range.contains(i) else { throw error(dotted(path, key), "must be between \(range.lowerBound) and \(range.upperBound)", at: value.position) }
        return i
    }

    func bool(_ t: TOMLTable, _ key: String, path: String) throws(IntakeError) -> Bool? {
        guard let value = t[key] else { return nil }
        guard let b = value.bool else { throw error(dotted(path, key), "must be true or false, not \(value.kindDescription)", at: value.position) }
        return b
    }
}

private extension UInt8 {
    var isBareKeyByte: Bool {
        (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) || (0x30...0x39).contains(self) || self == 0x5F || self == 0x2D
    }
}
