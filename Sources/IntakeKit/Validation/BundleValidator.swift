import Crypto
import Foundation

/// The outcome of validating one bundle folder: what it holds and every problem found.
public struct ValidatedBundle: Sendable {
    public var name: String
    public var manifestFile: String?
    public var manifest: Manifest?
    /// The applicant to write to when the manifest was readable enough to say (even if invalid).
    public var contact: Applicant?
    /// The community the manifest names, when it was readable enough to say (even if invalid,
    /// or unknown to the site).
    public var community: String?
    /// SHA-256 over the manifest and each listed file's name and content; nil when unreadable.
    public var digest: String?
    public var attachments: [AttachmentRecord]
    public var reasons: [Reason]
    public var bytes: Int64
    /// Set when the server, not the bundle, is at fault (a permission, an I/O error): the bundle
    /// must not be judged now but stay in `work/` for the next run.
    public var retry: String?

    public var isAccepted: Bool { reasons.isEmpty && manifest != nil && digest != nil }
}

/// Validates bundle folders against a site's policy: names first, then every file's content.
///
/// Each file is opened once without following links and read once (`AttachmentContent`):
/// hashed, sniffed from its first bytes and checked for structure as its bytes pass, in memory
/// for ordinary files and streamed through a mapping for large ones.
public struct BundleValidator: Sendable {
    public var config: SiteConfig

    public init(config: SiteConfig) {
        self.config = config
    }

    /// Validates the bundle folder at `path`; never throws: a problem is a reason.
    public func validate(bundleAt path: String, name: String) -> ValidatedBundle {
        var result = ValidatedBundle(name: name, attachments: [], reasons: [], bytes: 0)
        let entries: [String]
        do {
            entries = try FileSystem.list(path)
        } catch {
            result.retry = "the bundle folder cannot be read: \(error.localizedDescription)"
            return result
        }
        // Swift compares strings by canonical equivalence, but the file system by bytes: a name
        // written NFD by a Mac and NFC in the manifest are equal Strings and different files.
        // Entries are therefore keyed by their bytes, and disk names are used as read.
        var infos: [[UInt8]: EntryInfo] = [:]
        for entry in entries { infos[Array(entry.utf8)] = FileSystem.info(FileSystem.join(path, entry)) }
        func info(_ name: String) -> EntryInfo? { infos[Array(name.utf8)] }

        // The manifest.
        let present = Inbox.manifestNames.filter { info($0) != nil }
        guard present.count == 1, let manifestName = present.first else {
            result.reasons.append(Reason(.invalidManifest, present.isEmpty
                ? "the bundle has no application.json or application.xml"
                : "the bundle has both application.json and application.xml; keep one"))
            for entry in entries where !present.contains(entry) {
                result.reasons.append(contentsOf: Self.nameProblems(entry, info: info(entry)).map { Reason(.unsafeName, file: entry, $0) })
            }
            return result
        }
        result.manifestFile = manifestName
        let format: ManifestFormat = manifestName.hasSuffix(".xml") ? .xml : .json
        var manifestBytes: [UInt8] = []
        if info(manifestName)?.kind != .file {
            result.reasons.append(Reason(.unsafeName, file: manifestName, "the manifest is not a plain file (a link, folder or special file)"))
        } else if format == .xml && !config.xmlManifests {
            result.reasons.append(Reason(.invalidManifest, file: manifestName, "XML manifests are switched off at this site (features.xml_manifests)"))
        } else {
            do {
                if let bytes = try FileSystem.read(FileSystem.join(path, manifestName), limit: config.maxManifestBytes) {
                    manifestBytes = bytes
                    var limits = ManifestLimits()
                    limits.maxBytes = config.maxManifestBytes
                    // The site's limit is checked below, so that a bundle with too many files
                    // still has every file judged; the parser only stops a hostile list.
                    limits.maxAttachments = Self.parserAttachmentCeiling(config.maxAttachments)
                    switch ManifestParser.parse(bytes, format: format, limits: limits) {
                    case .success(let manifest):
                        result.manifest = manifest
                    case .failure(let errors):
                        for problem in errors.problems {
                            result.reasons.append(Reason(.invalidManifest, file: manifestName, problem.description))
                        }
                        result.contact = ManifestSalvage.contact(from: bytes, format: format)
                        result.community = ManifestSalvage.community(from: bytes, format: format)
                    }
                } else {
                    result.reasons.append(Reason(.tooLarge, file: manifestName, "the manifest is larger than \(ByteCount.text(config.maxManifestBytes))"))
                }
            } catch {
                if Self.isNotAPlainFile(error) {
                    result.reasons.append(Reason(.unsafeName, file: manifestName, "the manifest is not a plain file"))
                } else {
                    result.retry = "\(manifestName) cannot be read: \(error.localizedDescription)"
                    return result
                }
            }
        }
        result.bytes = Int64(manifestBytes.count)

        guard let manifest = result.manifest else {
            // A community read from the broken manifest is judged too: every problem is said.
            if let community = result.community, let reason = unknownCommunity(community, manifestName: manifestName) {
                result.reasons.append(reason)
            }
            // Without a list of attachments only the names can be judged.
            for entry in entries where entry != manifestName {
                result.reasons.append(contentsOf: Self.nameProblems(entry, info: info(entry)).map { Reason(.unsafeName, file: entry, $0) })
            }
            return result
        }
        result.contact = manifest.applicant
        result.community = manifest.community
        if let reason = unknownCommunity(manifest.community, manifestName: manifestName) { result.reasons.append(reason) }
        if manifest.attachments.count > config.maxAttachments {
            result.reasons.append(Reason(.invalidManifest, file: manifestName,
                                         "attachments lists \(manifest.attachments.count) files; at most \(config.maxAttachments) are allowed"))
        }

        // Match listed names to the folder's entries: exactly, or as the same Unicode text
        // (a Korean name written NFD by a Mac and NFC by the manifest is the same name).
        var unmatched = Set(entries.map { Array($0.utf8) })
        unmatched.remove(Array(manifestName.utf8))
        var hashed: [(name: String, sha256: String)] = []
        var totalBytes = Int64(manifestBytes.count)
        var complete = true

        for entry in manifest.attachments {
            let file = entry.file
            let nameProblems = Self.nameProblems(file, info: nil)
            if !nameProblems.isEmpty {
                result.reasons.append(contentsOf: nameProblems.map { Reason(.unsafeName, file: file, $0) })
                complete = false
                continue
            }
            if config.kinds[entry.kind] == nil {
                let known = config.kinds.keys.sorted().joined(separator: ", ")
                result.reasons.append(Reason(.typeNotAllowed, file: file, "kind \"\(entry.kind)\" is not accepted here (kinds: \(known))"))
            }
            let onDisk = entries.first { Array($0.utf8) == Array(file.utf8) } ?? entries.first { $0 == file }
            guard let diskName = onDisk, let info = info(diskName) else {
                result.reasons.append(Reason(.missingAttachment, file: file, "listed in the manifest but not in the bundle"))
                complete = false
                continue
            }
            unmatched.remove(Array(diskName.utf8))
            guard info.kind == .file else {
                result.reasons.append(Reason(.unsafeName, file: file, Self.kindProblem(info.kind)))
                complete = false
                continue
            }
            let check = checkAttachment(entry, at: FileSystem.join(path, diskName), info: info)
            if let retry = check.retry {
                result.retry = retry
                return result
            }
            result.reasons.append(contentsOf: check.reasons)
            if var record = check.record {
                // The name as it is on disk, so the kept file is found by it (NFD from a Mac).
                record.file = diskName
                result.attachments.append(record)
                hashed.append((file, record.sha256))
                totalBytes += Int64(record.size)
            } else {
                complete = false
            }
        }
        for entry in entries where unmatched.contains(Array(entry.utf8)) {
            let problems = Self.nameProblems(entry, info: info(entry))
            if problems.isEmpty {
                result.reasons.append(Reason(.unlistedFile, file: entry, "in the bundle but not listed in the manifest"))
            } else {
                result.reasons.append(contentsOf: problems.map { Reason(.unsafeName, file: entry, $0) })
            }
        }
        result.bytes = totalBytes
        if totalBytes > Int64(config.maxBundleBytes) {
            result.reasons.append(Reason(.tooLarge, "the bundle holds \(ByteCount.text(Int(totalBytes))), more than the \(ByteCount.text(config.maxBundleBytes)) allowed"))
        }
        if complete {
            result.digest = Self.digest(manifest: manifestBytes, files: hashed)
        }
        return result
    }

    /// The reason for a manifest naming a community the site does not serve, if it does.
    func unknownCommunity(_ community: String, manifestName: String) -> Reason? {
        guard let known = config.knownCommunityIDs, !known.contains(community) else { return nil }
        let list = known.map { ManifestText.quoted($0) }.joined(separator: ", ")
        let detail = config.hasCommunities
            ? "community \(ManifestText.quoted(community)) is not one of this site's communities (known: \(list))"
            : "community \(ManifestText.quoted(community)) is not this site's community (site.community is \(list))"
        return Reason(.invalidManifest, file: manifestName, detail, hint: .unknownCommunity)
    }

    /// How many attachments the parser accepts before it gives up on a manifest: well above
    /// the site's limit (which is a reason of its own, with every file still judged), and low
    /// enough that a hostile list cannot make a run open thousands of files.
    static func parserAttachmentCeiling(_ siteLimit: Int) -> Int {
        min(1000, max(100, 4 * siteLimit))
    }

    /// The duplicate key: the same manifest and the same files, whatever the folder is called.
    static func digest(manifest: [UInt8], files: [(name: String, sha256: String)]) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("community-application-bundle/1\n".utf8))
        hasher.update(data: Array(SHA256.hash(data: manifest).hexString.utf8))
        for file in files.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }) {
            hasher.update(data: Array("\n\(file.name)\u{0}\(file.sha256)".utf8))
        }
        return hasher.finalize().hexString
    }

    /// Checks one listed, present, plain file: size, content type against the kind, the
    /// declared type and the extension, and the structure of the content.
    func checkAttachment(_ entry: AttachmentEntry, at path: String, info: EntryInfo) -> (record: AttachmentRecord?, reasons: [Reason], retry: String?) {
        let file = entry.file
        var reasons: [Reason] = []
        let policy = config.kinds[entry.kind]
        let declared = FileType(mimeType: entry.contentType)
        if info.size == 0 {
            reasons.append(Reason(.emptyFile, file: file, "the file is empty (0 bytes)"))
            return (nil, reasons, nil)
        }
        let limit = min(policy?.maxBytes ?? config.maxAttachmentBytes, config.maxAttachmentBytes)
        let detected: FileType
        var findings: [StructureFinding] = []
        var verdict: ContentVerdict?
        do {
            if info.size > Int64(limit) {
                reasons.append(Reason(.tooLarge, file: file, "\(ByteCount.text(Int(info.size))) is more than the \(ByteCount.text(limit)) allowed for \(entry.kind)"))
                // Not read whole, but still named: the applicant hears every problem at once.
                detected = TypeSniffer.detect(try AttachmentContent.head(path: path))
            } else {
                guard let judged = try AttachmentContent.judge(path: path, limit: limit) else {
                    reasons.append(Reason(.tooLarge, file: file, "the file grew past the \(ByteCount.text(limit)) allowed while it was read"))
                    return (nil, reasons, nil)
                }
                if judged.size == 0 {
                    reasons.append(Reason(.emptyFile, file: file, "the file is empty (0 bytes)"))
                    return (nil, reasons, nil)
                }
                detected = judged.detected
                findings = judged.structure.findings
                verdict = judged
            }
        } catch {
            if Self.isNotAPlainFile(error) {
                reasons.append(Reason(.unsafeName, file: file, "the file cannot be opened as a plain file (a link or special file)"))
                return (nil, reasons, nil)
            }
            return (nil, reasons, "\(file) cannot be read: \(error.localizedDescription)")
        }
        if let policy {
            let isAllowed = policy.allowedTypes.contains(detected)
            if !isAllowed {
                let allowed = policy.allowedTypes.map(\.displayName).joined(separator: ", ")
                reasons.append(Reason(.typeNotAllowed, file: file, "the content is \(detected.withArticle) (\(detected.mimeType)); \(entry.kind) accepts \(allowed)",
                                      hint: Self.notAllowedHint(detected, allowed: policy.allowedTypes),
                                      detected: detected.mimeType, allowed: policy.allowedTypes.map(\.mimeType),
                                      kind: entry.kind))
            }
            // A type that is not allowed is still checked against what the manifest and the name
            // say: both facts are reported.
            if declared != detected {
                reasons.append(Reason(.typeMismatch, file: file, "declared as \(entry.contentType) but the content is \(detected.withArticle) (\(detected.mimeType))",
                                      detected: detected.mimeType))
            }
            let ext = (file as NSString).pathExtension.lowercased()
            if !detected.fileExtensions.isEmpty, !detected.fileExtensions.contains(ext) {
                let fitting = detected.fileExtensions.sorted().map { "." + $0 }.joined(separator: " or ")
                reasons.append(Reason(.typeMismatch, file: file, "the name ends in \(ext.isEmpty ? "no extension" : "." + ext) but the content is \(detected.withArticle) (\(fitting))",
                                      detected: detected.mimeType))
            }
            if isAllowed {
                for finding in findings {
                    reasons.append(Reason(.corruptFile, file: file, finding.detail, hint: finding.hint,
                                          detected: detected.mimeType))
                }
                // Whether it opens (password, xref, pages) is asked only of a PDF whose own
                // header and trailer are sound; data appended after it does not stop the question.
                if let opened = verdict?.pdfOpen {
                    switch opened {
                    case .opens:
                        break
                    case let .refused(more):
                        for finding in more {
                            reasons.append(Reason(.corruptFile, file: file, finding.detail, hint: finding.hint,
                                                  detected: detected.mimeType))
                        }
                    case let .unreadable(why):
                        return (nil, reasons, "\(file) cannot be opened as a PDF: \(why)")
                    }
                }
            }
        }
        guard let verdict else { return (nil, reasons, nil) }
        let record = AttachmentRecord(file: file, kind: entry.kind, size: verdict.size, sha256: verdict.sha256,
                                      detectedType: detected.mimeType, declaredType: entry.contentType,
                                      trailing: verdict.structure.trailing.isEmpty ? nil : verdict.structure.trailing)
        return (record, reasons, nil)
    }

    /// Whether a read failed because of what the bundle holds (a link, a special file) rather
    /// than because of the server (permissions, I/O).
    static func isNotAPlainFile(_ error: IntakeError) -> Bool {
        if case let .io(_, _, code) = error { return code == ELOOP || code == EINVAL || code == ENXIO }
        return false
    }

    /// Why a name is unsafe, if it is: separators, `..`, control characters, hidden names,
    /// and anything on disk that is not a plain file.
    static func nameProblems(_ name: String, info: EntryInfo?) -> [String] {
        var problems: [String] = []
        if name.isEmpty { problems.append("the name is empty") }
        if name.utf8.count > 255 { problems.append("the name is longer than 255 bytes") }
        if name.contains("/") || name.contains("\\") { problems.append("the name contains a path separator") }
        if name.contains("..") { problems.append("the name contains \"..\"") }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{2028}" || $0 == "\u{2029}" }) {
            problems.append("the name contains control characters")
        }
        if let info, info.kind != .file { problems.append(kindProblem(info.kind)) }
        return problems
    }

    static func kindProblem(_ kind: EntryKind) -> String {
        switch kind {
        case .symlink: return "is a symbolic link; links are never followed"
        case .directory: return "is a sub-folder; bundles are flat"
        case .other: return "is a special file (device, socket or pipe)"
        case .file: return "is a plain file"
        }
    }

    /// What the applicant should do with a type their kind does not take, when there is advice.
    static func notAllowedHint(_ detected: FileType, allowed: [FileType]) -> ReasonHint? {
        let acceptsImages = allowed.contains { $0.isImage }
        if detected.isArchive { return .unpackArchive }
        if detected == .heic || detected == .heif, allowed.contains(.jpeg) { return .heifPhoto }
        if allowed.contains(.pdf), detected.isOfficeDocument || detected.isImage { return .saveAsPDF }
        if detected.isImage, acceptsImages { return .convertImage }
        if detected.isVideo, acceptsImages { return .videoNotPhoto }
        return nil
    }

    static func article(_ noun: String) -> String {
        let vowels: Set<Character> = ["A", "E", "I", "O", "U", "H", "S", "X"]
        return (noun.first.map { vowels.contains($0) } ?? false ? "an " : "a ") + noun
    }
}
