import Foundation

/// One line of `intake doctor`.
public struct HealthCheck: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case ok, warn, fail
    }
    public var name: String
    public var status: Status
    public var detail: String
    /// The exit status this failure calls for: 78 for a site or config not ready, 74 for I/O.
    public var failure: ExitStatus?
}

/// The health check behind `intake doctor`: what would stop tonight's run, found now.
public enum Doctor {
    public static func check(site: Site, python: String? = "/usr/bin/python3") -> [HealthCheck] {
        var checks: [HealthCheck] = []
        func add(_ name: String, _ status: HealthCheck.Status, _ detail: String, _ failure: ExitStatus? = nil) {
            checks.append(HealthCheck(name: name, status: status, detail: detail, failure: status == .fail ? (failure ?? .config) : nil))
        }

        // Layout.
        do {
            try site.checkLayout()
            add("layout", .ok, "every folder under \(site.root)/data is present")
        } catch {
            add("layout", .fail, error.localizedDescription)
            return checks
        }
        let unwritable = site.requiredDirectories.filter { !FileSystem.isWritableDirectory($0) }
        if unwritable.isEmpty {
            add("permissions", .ok, "every data folder is writable by this user")
        } else {
            add("permissions", .fail, "not writable: \(unwritable.map(site.relativeToRoot).joined(separator: ", ")); fix ownership (chown) for the user the nightly job runs as", .ioError)
        }

        // Config.
        let config: SiteConfig
        do {
            config = try SiteConfig.load(from: site)
            add("config", .ok, FileSystem.exists(site.configFile) ? "intake.toml is valid" : "no intake.toml; the built-in defaults apply")
        } catch {
            add("config", .fail, error.localizedDescription)
            return checks
        }
        let on = MessageKind.allCases.filter(config.isEnabled).map(\.rawValue)
        let off = MessageKind.allCases.filter { !config.isEnabled($0) }.map(\.rawValue)
        var flags = "mail on: \(on.isEmpty ? "none" : on.joined(separator: ", "))"
        if !off.isEmpty { flags += "; off: \(off.joined(separator: ", "))" }
        flags += "; XML manifests \(config.xmlManifests ? "on" : "off")"
        let noDigestRecipient = config.isEnabled(.digest) && config.adminEmail == nil && config.communitiesWithAdmins.isEmpty
        if noDigestRecipient { flags += "; admin digest on but site.admin_email is not set" }
        add("features", noDigestRecipient ? .warn : .ok, flags)

        // Communities: which the site serves, and what each applicant's mail is signed with.
        if config.hasCommunities {
            let described = config.communities.map { community -> String in
                var names = [community.name] + config.locales.compactMap { community.names[$0] }
                names = names.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
                return "\(community.id) (\(names.joined(separator: " / "))\(community.adminEmail.map { ", digest to \($0)" } ?? ""))"
            }
            add("communities", .ok, "\(config.communities.count): \(described.joined(separator: "; ")); a manifest naming another is rejected")
        } else if let only = config.siteCommunity {
            add("communities", .ok, "one: \(only) (\(config.siteName)); a manifest naming another is rejected")
        } else {
            add("communities", .ok, "one, named \(config.siteName); manifests may name any community (set site.community or [communities.*] to refuse others)")
        }

        // Templates: present, parsed, rendered with sample data, and the message accepted by a parser.
        let (templates, problems) = TemplateSet.loadReportingProblems(site: site, config: config)
        if problems.isEmpty {
            var rendered = 0
            var failures: [String] = []
            // The site's templates, then each community's overrides, each with its own names.
            let pairs = TemplateSet.required(by: config).map { (kind: $0.kind, locale: $0.locale, community: String?.none) }
                + templates.overrides.map { (kind: $0.kind, locale: $0.locale, community: Optional($0.community)) }
            for (kind, locale, community) in pairs {
                let label = community.map { "\($0)/\(locale)/\(kind.rawValue)" } ?? "\(locale)/\(kind.rawValue)"
                let message = sampleMessage(kind: kind, locale: locale, community: community, templates: templates, config: config)
                guard let message else { failures.append("\(label): did not render"); continue }
                let bytes = MIMEWriter.render(message)
                failures += MessageLint.problems(bytes).map { "\(label): \($0)" }
                if let python, let parsed = MessageLint.parseWithPython(bytes, python: python) {
                    if parsed.subject != message.subject { failures.append("\(label): Python's email parser reads the subject as \"\(parsed.subject)\"") }
                    if !parsed.defects.isEmpty { failures.append("\(label): Python's email parser reports \(parsed.defects.joined(separator: ", "))") }
                }
                rendered += 1
            }
            if failures.isEmpty {
                let parser = python.flatMap { FileManager.default.isExecutableFile(atPath: $0) ? "; each parsed back by Python's email package" : nil } ?? ""
                var overridden = ""
                if !templates.overrides.isEmpty {
                    var byCommunity: [(String, Int)] = []
                    for o in templates.overrides {
                        if let i = byCommunity.firstIndex(where: { $0.0 == o.community }) { byCommunity[i].1 += 1 } else { byCommunity.append((o.community, 1)) }
                    }
                    overridden = ", of which \(byCommunity.map { "\($0.1) from templates/\($0.0)/" }.joined(separator: ", "))"
                }
                add("templates", .ok, "\(rendered) messages rendered with sample data (\(config.locales.joined(separator: ", "))\(overridden))\(parser)")
            } else {
                add("templates", .fail, failures.joined(separator: "; "))
            }
        } else {
            for problem in problems { add("templates", .fail, "\(problem.description); fix the template (or switch that kind off in [features])") }
        }
        let unused = TemplateSet.unusedFolders(site: site, config: config)
        if !unused.isEmpty {
            add("templates", .warn, "never used: \(unused.joined(separator: ", ")) (templates/<community>/<locale>/ is read only for a community in [communities] and a locale in site.locales)")
        }

        // libxml2.
        if config.xmlManifests {
            if let problem = XMLSupport.selfTest() {
                add("libxml2", .fail, "libxml2 \(XMLSupport.libxml2Version) failed its self-test: \(problem)")
            } else {
                add("libxml2", .ok, "libxml2 \(XMLSupport.libxml2Version) loaded, parsed a test document and refused a DOCTYPE")
            }
        } else {
            add("libxml2", .ok, "XML manifests are off; libxml2 \(XMLSupport.libxml2Version) not needed")
        }

        // libqpdf: every PDF form is opened with it, so a missing or broken library is a site problem.
        if let problem = PDFOpenCheck.selfTest() {
            add("libqpdf", .fail, "libqpdf \(PDFOpenCheck.qpdfVersion) failed its self-test: \(problem); reinstall Debian's libqpdf29 (or libqpdf-dev)")
        } else {
            add("libqpdf", .ok, "libqpdf \(PDFOpenCheck.qpdfVersion) loaded, opened a test PDF and refused one without pages")
        }

        // Disk space.
        if let free = FileSystem.freeBytes(at: site.data) {
            if free < config.minFreeBytes {
                add("disk", .fail, "only \(ByteCount.text(Int(free))) free under data/ (a run needs \(ByteCount.text(Int(config.minFreeBytes)))); free space or lower site.min_free_mb", .ioError)
            } else {
                add("disk", .ok, "\(ByteCount.text(Int(free))) free under data/")
            }
        } else {
            add("disk", .warn, "cannot tell the free space under data/")
        }

        // Lock.
        let holder = SiteLock.holder(site: site)
        if holder.held {
            add("lock", .warn, "a run or decision holds the lock now\(holder.pid.map { " (pid \($0))" } ?? ""); commands that write will exit 75 until it ends")
        } else {
            add("lock", .ok, "free")
        }

        // Stores.
        do {
            let summary = try SiteMaintenance.verify(site: site)
            let counts = summary.lines.sorted { $0.key < $1.key }.map { "\($0.key.replacingOccurrences(of: ".jsonl", with: "")) \($0.value)" }.joined(separator: ", ")
            if let first = summary.problems.first {
                add("stores", .fail, "\(summary.problems.count) problem(s), first: \(first); run `intake verify` for all", .dataError)
            } else {
                add("stores", .ok, "readable and whole (\(counts))")
            }
        } catch {
            add("stores", .fail, error.localizedDescription, .ioError)
        }

        // The MTA, for `intake deliver`.
        if Deliverer.isExecutableFile("/usr/sbin/sendmail") {
            add("mta", .ok, "/usr/sbin/sendmail is there for `intake deliver`")
        } else {
            add("mta", .warn, "no /usr/sbin/sendmail: install an MTA (postfix, exim4, nullmailer) or give `intake deliver --sendmail PATH`")
        }
        return checks
    }

    /// The exit status for a list of checks: 0 when nothing failed, else the first failure's.
    public static func exitStatus(_ checks: [HealthCheck]) -> ExitStatus {
        if checks.contains(where: { $0.failure == .ioError }) { return .ioError }
        return checks.first { $0.status == .fail }?.failure ?? .ok
    }

    static func sampleMessage(kind: MessageKind, locale: String, community: String? = nil, templates: TemplateSet, config: SiteConfig) -> MailMessage? {
        let identity = config.identity(community: community, locale: locale)
        let context: [String: Any] = [
            "site_name": identity.name, "community_name": identity.name,
            "applicant_name": locale == "ko" ? "김민수" : "Emily Smith", "applicant_email": "minsu@example.kr",
            "application_id": "A000042", "rejection_id": "R000007", "community": community ?? config.siteCommunity ?? "sample",
            "received_at": MailDates.text(Date(), locale: locale, timeZone: config.timeZone),
            "attachments": [["file": "사진.jpg", "kind": "photo", "type": "image/jpeg", "size": "1.2 MiB"]],
            "reasons": [["file": "form.pdf", "code": "corrupt_file", "text": ReasonText.text(for: .corruptFile, locale: locale), "detail": "sample"]],
            "decided_by": "관리자", "note": "환영합니다", "reason": "정원이 찼습니다",
            "run": "20261130T021500Z-0000", "accepted_count": 3, "pending_count": 1, "rejected_count": 1, "failed_count": 0,
            "pending": [["id": "A000042", "name": "김민수", "email": "minsu@example.kr", "received": "2026-11-30"]],
            "rejected": [["id": "R000007", "bundle": "sample", "reasons": "corrupt_file"]], "failed": [],
            "site_wide": community == nil,
        ]
        guard let rendered = templates.render(kind, locale: locale, community: community, context: context) else { return nil }
        return MailMessage(from: MailAddress(displayName: identity.fromName, address: config.mailFrom),
                           to: [MailAddress(displayName: context["applicant_name"] as? String, address: "minsu@example.kr")],
                           subject: rendered.subject, date: Date(), messageID: "doctor.\(kind.rawValue).\(locale)@\(config.effectiveMessageIDDomain)",
                           textBody: rendered.text, htmlBody: rendered.html)
    }
}

/// Structural checks of a rendered message, independent of any outside parser.
public enum MessageLint {
    public static func problems(_ bytes: [UInt8]) -> [String] {
        var problems: [String] = []
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard let blank = lines.firstIndex(where: { $0.isEmpty }) else { return ["no blank line between header and body"] }
        var names = Set<String>()
        for (i, line) in lines[..<blank].enumerated() {
            if line.contains(where: { $0 >= 0x80 || $0 == 0 || $0 == 0x0D }) { problems.append("header line \(i + 1) holds a byte that is not printable ASCII") }
            if line.count > 78 { problems.append("header line \(i + 1) is \(line.count) characters long") }
            if line.first == UInt8(ascii: " ") || line.first == UInt8(ascii: "\t") { continue }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { problems.append("header line \(i + 1) has no field name"); continue }
            names.insert(String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased())
        }
        for required in ["from", "to", "subject", "date", "message-id", "mime-version", "auto-submitted", "content-type"] where !names.contains(required) {
            problems.append("no \(required) header")
        }
        for (i, line) in lines[(blank + 1)...].enumerated() where line.count > 78 {
            problems.append("body line \(i + 1) is \(line.count) characters long")
            break
        }
        return problems
    }

    /// Parses a message with Python's `email` package; nil when python3 is not there.
    public static func parseWithPython(_ bytes: [UInt8], python: String) -> (subject: String, defects: [String])? {
        guard FileManager.default.isExecutableFile(atPath: python) else { return nil }
        let script = """
        import email, email.policy, json, sys
        m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
        defects = [type(d).__name__ for d in m.defects]
        for part in m.walk():
            defects += [type(d).__name__ for d in part.defects]
            if not part.is_multipart(): part.get_content()
        sys.stdout.write(json.dumps({"subject": str(m["Subject"]), "defects": defects}))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        input.fileHandleForWriting.write(Data(bytes))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return ("", ["the parser failed on the message"])
        }
        return (object["subject"] as? String ?? "", object["defects"] as? [String] ?? [])
    }
}
