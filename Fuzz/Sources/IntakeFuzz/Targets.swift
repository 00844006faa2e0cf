import Foundation
import CFuzzDriver
import IntakeKit

// libFuzzer entry points for intake's parsers of untrusted (applicant) and operator input.
// `scripts/fuzz` builds this with -sanitize=fuzzer,address and picks the target with
// INTAKE_FUZZ_TARGET. A target fails (a finding) by crashing: a Swift trap, an ASan report,
// or one of the properties below not holding.

/// Every fuzz target; `scripts/fuzz --list` prints the same names.
enum FuzzTarget: String, CaseIterable, Sendable {
    case jsonManifest = "json-manifest"
    case xmlManifest = "xml-manifest"
    case sniffer
    case jpeg, png, gif, webp, pdf, isobmff
    case header
    case config
    case store
    case index
}

let selected: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["INTAKE_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: " ")
        FileHandle.standardError.write(Data("INTAKE_FUZZ_TARGET must be one of: \(names)\n".utf8))
        exit(2)
    }
    return target
}()

/// A private folder for the store target's file.
let storeDirectory: String = {
    let path = NSTemporaryDirectory() + "intake-fuzz-store-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}()

/// A property every input must keep; breaking it is a finding.
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        FileHandle.standardError.write(Data("property violated: \(message())\n".utf8))
        abort()
    }
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    _ = selected
    if selected == .xmlManifest { XMLSupport.initialize() }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let buffer = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    switch selected {
    case .jsonManifest: manifest(Array(buffer), .json)
    case .xmlManifest: manifest(Array(buffer), .xml)
    case .sniffer:
        let type = TypeSniffer.detect(buffer)
        _ = StructureChecker.inspect(buffer, as: type)
    case .jpeg: _ = StructureChecker.inspect(buffer, as: .jpeg)
    case .png: _ = StructureChecker.inspect(buffer, as: .png)
    case .gif: _ = StructureChecker.inspect(buffer, as: .gif)
    case .webp: _ = StructureChecker.inspect(buffer, as: .webp)
    case .pdf:
        // The structure check, then the open check through libqpdf, as a run does.
        _ = StructureChecker.inspect(buffer, as: .pdf)
        _ = PDFOpenCheck.check(buffer)
    case .isobmff:
        for type in [FileType.heic, .heif, .avif] { _ = StructureChecker.inspect(buffer, as: type) }
    case .header: header(Array(buffer))
    case .config: config(Array(buffer))
    case .store: store(buffer)
    case .index: index(buffer)
    }
    return 0
}

/// Both limit sets the program uses: the defaults and the validator's (a ceiling of 100 files).
private func manifest(_ bytes: [UInt8], _ format: ManifestFormat) {
    var validator = ManifestLimits()
    validator.maxAttachments = 100
    for limits in [ManifestLimits(), validator] {
        switch ManifestParser.parse(bytes, format: format, limits: limits) {
        case .success(let manifest):
            require(!manifest.attachments.isEmpty && manifest.attachments.count <= limits.maxAttachments, "attachment count")
        case .failure(let errors):
            require(!errors.problems.isEmpty, "a failure without a problem")
            require(errors.problems.count <= limits.maxProblems + 1, "\(errors.problems.count) problems listed")
            for problem in errors.problems {
                require(!problem.description.contains(where: \.isNewline), "a problem spans lines: \(problem.description.debugDescription)")
            }
        }
    }
}

/// Header fields: no bare CR or LF, continuation lines start with white space, every line at
/// most 78 characters, only printable ASCII.
private func header(_ bytes: [UInt8]) {
    guard let mode = bytes.first else { return }
    let rest = bytes.dropFirst()
    let split = rest.firstIndex(of: 0) ?? rest.endIndex
    let name = String(decoding: rest[..<split].prefix(20), as: UTF8.self)
    let value = String(decoding: rest[split...].dropFirst(), as: UTF8.self)
    let ending: LineEnding = mode & 1 == 0 ? .lf : .crlf
    let field: String
    switch (mode >> 1) % 3 {
    case 0:
        field = HeaderEncoder.unstructuredField(name: name, value: value, lineEnding: ending)
    case 1:
        let parts = value.split(separator: "\u{1}", omittingEmptySubsequences: false)
        var addresses: [MailAddress] = []
        var index = 0
        while index + 1 < parts.count {
            addresses.append(MailAddress(displayName: parts[index].isEmpty ? nil : String(parts[index]), address: String(parts[index + 1])))
            index += 2
        }
        field = HeaderEncoder.addressField(name: name, addresses: addresses, lineEnding: ending)
    default:
        let at = value.firstIndex(of: "\u{1}") ?? value.endIndex
        let address = MailAddress(displayName: String(value[..<at]), address: String(value[at...].dropFirst()))
        field = HeaderEncoder.mailboxField(name: name, address: address, lineEnding: ending)
        let mailbox = HeaderEncoder.mailbox(address)
        require(mailbox.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }, "mailbox \(mailbox.debugDescription)")
    }
    let out = Array(field.utf8)
    for (index, byte) in out.enumerated() {
        require(byte == 0x0D || byte == 0x0A || (byte >= 0x20 && byte <= 0x7E), "byte \(byte) in \(field.debugDescription)")
        switch ending {
        case .lf:
            require(byte != 0x0D, "a CR in an LF field: \(field.debugDescription)")
        case .crlf:
            if byte == 0x0D { require(index + 1 < out.count && out[index + 1] == 0x0A, "a bare CR: \(field.debugDescription)") }
            if byte == 0x0A { require(index > 0 && out[index - 1] == 0x0D, "a bare LF: \(field.debugDescription)") }
        }
    }
    let separator = ending == .lf ? "\n" : "\r\n"
    let lines = field.components(separatedBy: separator)
    for (index, line) in lines.enumerated() {
        // RFC 5322 2.1.1: at most 78 characters, except that an addr-spec cannot be folded, so a
        // longer one (up to 254) stands alone on its own continuation line; never beyond 998.
        let unbreakable = index > 0 && !line.dropFirst().contains(where: { $0 == " " || $0 == "\t" })
        require(line.utf8.count <= HeaderEncoder.maximumLineLength || (unbreakable && line.utf8.count <= 998),
                "a line of \(line.utf8.count): \(field.debugDescription)")
        require(index == 0 || line.hasPrefix(" ") || line.hasPrefix("\t"), "a continuation without white space: \(field.debugDescription)")
        require(index == 0 || !line.allSatisfy({ $0 == " " || $0 == "\t" }), "a blank continuation line: \(field.debugDescription)")
    }
}

/// The config: a value, or one line naming file, line and column.
private func config(_ bytes: [UInt8]) {
    do {
        _ = try SiteConfig.parse(bytes: bytes, file: "intake.toml")
    } catch {
        let text = error.localizedDescription
        require(!text.contains(where: \.isNewline), "a config error spans lines: \(text.debugDescription)")
        require(text.range(of: #"^intake\.toml:[0-9]+:[0-9]+: "#, options: .regularExpression) != nil, "no line and column: \(text)")
    }
}

/// The store reader: whatever a store file holds, opening it read-only answers or throws.
private func store(_ buffer: UnsafeRawBufferPointer) {
    let path = storeDirectory + "/" + ApplicationRecord.storeName
    _ = FileManager.default.createFile(atPath: path, contents: Data(buffer))
    do {
        let store = try JSONLinesStore<ApplicationRecord>(directory: storeDirectory, writable: false)
        require(store.records.enumerated().allSatisfy { $0.element.seq == $0.offset + 1 }, "seq not contiguous")
    } catch {
        _ = error.localizedDescription
    }
}

/// A private site for the index target.
let indexSite: Site = {
    // In memory where there is a tmpfs: the index's fsyncs would otherwise be the fuzzer's pace.
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory()
    let site = Site(root: base + "intake-fuzz-index-\(getpid())")
    try? FileManager.default.createDirectory(atPath: site.stores, withIntermediateDirectories: true)
    return site
}()

/// The index catch-up. The input is cut at 0x1E bytes into the six stores' contents
/// (applications, rejections, decisions, emails, deliveries, runs). As the stores grow in
/// life (appends, a torn last line), each store first holds the first half of its part and
/// the site is opened (the index is built), then the whole part (an append) and it is opened
/// again (the index catches up from its watermarks). Either opening may throw; when both
/// answer, the index agrees with one built afresh and with the stores read whole.
private func index(_ buffer: UnsafeRawBufferPointer) {
    let parts = buffer.split(separator: 0x1E, maxSplits: 5, omittingEmptySubsequences: false)
    let names = [ApplicationRecord.storeName, RejectionRecord.storeName, DecisionRecord.storeName,
                 EmailRecord.storeName, DeliveryRecord.storeName, RunRecord.storeName]
    func write(half: Bool) {
        for (i, name) in names.enumerated() {
            let part = i < parts.count ? parts[i] : buffer[0..<0]
            let bytes = half ? part.prefix(part.count / 2) : part[...]
            _ = FileManager.default.createFile(atPath: indexSite.stores + "/" + name, contents: Data(bytes))
        }
    }
    func answers(_ stores: SiteStores) throws -> [Int] {
        [try stores.count(status: nil), try stores.count(status: .pending), try stores.count(of: .rejections),
         try stores.count(of: .emails), try stores.count(of: .deliveries(.failed))]
    }
    try? FileManager.default.removeItem(atPath: indexSite.data + "/index")
    write(half: true)
    guard (try? SiteStores(site: indexSite, writable: false)) != nil else { return }
    write(half: false)
    guard let caughtUp = try? answers(SiteStores(site: indexSite, writable: false)) else { return }
    try? FileManager.default.removeItem(atPath: indexSite.data + "/index")
    guard let fresh = try? answers(SiteStores(site: indexSite, writable: false)) else {
        require(false, "the index caught up on stores that a fresh one cannot read")
        return
    }
    require(caughtUp == fresh, "caught up \(caughtUp), built afresh \(fresh)")
    if let whole = try? JSONLinesStore<ApplicationRecord>(directory: indexSite.stores, writable: false) {
        require(whole.records.count == fresh[0], "the index holds \(fresh[0]) applications, the store \(whole.records.count)")
        if let stores = try? SiteStores(site: indexSite, writable: false) {
            for record in whole.records.prefix(3) {
                require((try? stores.application(record.id))??.id == record.id, "\(record.id) is in the store but not found")
            }
        }
    }
}
