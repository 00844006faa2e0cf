import Foundation
import Testing
@testable import IntakeKit

/// PDFs made at test time by real tools (Ghostscript, qpdf), plus the byte edits that recreate
/// what real generators and editors do, judged the way `BundleValidator` judges a form
/// (`StructureChecker` on the bytes, then `PDFOpenCheck`) and compared with real readers:
/// `pdfinfo` (poppler) and `qpdf --check`.
@Suite(.enabled(if: RealTools.usable("qpdf", "pdfinfo", "pdftotext", "gs", "zip"),
                RealTools.why("qpdf", "pdfinfo", "pdftotext", "gs", "zip")))
struct PDFRealFileTests {
    /// Our verdict on one file.
    struct Verdict {
        var findings: [StructureFinding]
        var trailing: [TrailingSegment]
        var accepted: Bool { findings.isEmpty }
        var hints: [ReasonHint?] { findings.map(\.hint) }
    }

    /// What the real readers say.
    struct Oracle {
        var pdfinfoStatus: Int32
        var pages: Int?
        var needsPassword: Bool
        var qpdfCheckStatus: Int32
        /// pdfinfo opens it with at least one page and qpdf finds nothing wrong.
        var opens: Bool { pdfinfoStatus == 0 && (pages ?? 0) >= 1 && qpdfCheckStatus == 0 }
    }

    let dir: TemporaryDirectory
    /// A two-page Ghostscript PDF: the base of most cases.
    let base: String

    init() throws {
        dir = try TemporaryDirectory()
        base = dir.file("gs.pdf")
        try Self.ghostscript(["/Helvetica findfont 24 scalefont setfont",
                              "72 700 moveto (Membership application) show showpage",
                              "72 700 moveto (Page two) show showpage"], to: base)
    }

    // MARK: - Makers

    static func ghostscript(_ postscript: [String], to output: String, extra: [String] = []) throws {
        try RealTools.check("gs", ["-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite"] + extra
            + ["-sOutputFile=\(output)", "-c", postscript.joined(separator: " ")])
    }

    func qpdf(_ arguments: [String], _ name: String) throws -> String {
        let out = dir.file(name)
        let result = try RealTools.run("qpdf", arguments + [out])
        // 3 means "succeeded with warnings"; none of the makers here should warn.
        #expect(result.status == 0, "qpdf \(arguments) exited \(result.status): \(String(decoding: result.stderr, as: UTF8.self))")
        return out
    }

    func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        try dir.write(name, Data(bytes))
        return dir.file(name)
    }

    /// A QDF copy of the base (uncompressed objects, one per line), for hand edits that keep offsets.
    func qdf() throws -> [UInt8] {
        try bytes(try qpdf(["--qdf", "--object-streams=disable", base], "qdf.pdf"))
    }

    /// `bytes` with the first occurrence of `old` replaced by `new` (of the same length when
    /// the xref must keep holding).
    func replacing(_ old: String, with new: String, in bytes: [UInt8]) throws -> [UInt8] {
        let at = try #require(SampleFiles.offset(of: Array(old.utf8), in: bytes))
        var edited = bytes
        edited.replaceSubrange(at..<(at + old.utf8.count), with: Array(new.utf8))
        return edited
    }

    /// An incremental update appended the way editors do: a changed /Info object, an xref
    /// section for it alone and a trailer whose /Prev names the previous xref section.
    func incrementalUpdate(of original: [UInt8], title: String) throws -> [UInt8] {
        // The last trailer (or xref stream dictionary) is in the file's last few hundred bytes.
        let tail = String(decoding: original.suffix(1000), as: UTF8.self)
        let size = try #require(Int(try lastCapture(/\/Size (\d+)/, in: tail)))
        let root = try lastCapture(/\/Root (\d+ \d+) R/, in: tail)
        let previous = try #require(Int(try lastCapture(/startxref\s+(\d+)/, in: tail)))
        var update = original
        if update.last != 0x0A { update += Array("\n".utf8) }
        let objectOffset = update.count
        update += Array("\(size) 0 obj\n<< /Title (\(title)) /Producer (intake test editor) >>\nendobj\n".utf8)
        let xref = update.count
        update += Array(("xref\n\(size) 1\n" + String(format: "%010d 00000 n \n", objectOffset)
            + "trailer\n<< /Size \(size + 1) /Root \(root) R /Info \(size) 0 R /Prev \(previous) >>\n"
            + "startxref\n\(xref)\n%%EOF\n").utf8)
        return update
    }

    /// The first capture of the last match of `regex` in `text`.
    func lastCapture(_ regex: Regex<(Substring, Substring)>, in text: String) throws -> String {
        let match = try #require(text.matches(of: regex).last, "no \(regex) in the file's tail")
        return String(match.1)
    }

    // MARK: - Judges

    /// Our verdict, as `BundleValidator.checkAttachment` reaches it for a form.
    func verdict(_ path: String) throws -> Verdict {
        let content = try bytes(path)
        let report = content.withUnsafeBytes { StructureChecker.inspect($0, as: .pdf) }
        var findings = report.findings
        if !findings.contains(where: { !$0.isTrailingData }) {
            switch content.withUnsafeBytes({ PDFOpenCheck.check($0) }) {
            case .opens: break
            case let .refused(more): findings += more
            case let .unreadable(why): Issue.record("unreadable: \(why)")
            }
        }
        return Verdict(findings: findings, trailing: report.trailing)
    }

    func oracle(_ path: String) throws -> Oracle {
        let info = try RealTools.run("pdfinfo", [path])
        let text = String(decoding: info.stdout + info.stderr, as: UTF8.self)
        let pages = text.firstMatch(of: /Pages:\s+(\d+)/).flatMap { Int($0.1) }
        let check = try RealTools.run("qpdf", ["--check", path])
        let qpdfText = String(decoding: check.stdout + check.stderr, as: UTF8.self)
        return Oracle(pdfinfoStatus: info.status, pages: pages,
                      needsPassword: text.contains("Incorrect password") || qpdfText.contains("invalid password"),
                      qpdfCheckStatus: check.status)
    }

    /// Accepted by us, and opened by pdfinfo (at least one page) and passed by `qpdf --check`.
    func expectAcceptedAndOpens(_ path: String, checkWith oraclePath: String? = nil,
                                sourceLocation: SourceLocation = #_sourceLocation) throws -> Verdict {
        let ours = try verdict(path)
        #expect(ours.accepted, "\(ours.findings.map(\.detail))", sourceLocation: sourceLocation)
        let real = try oracle(oraclePath ?? path)
        #expect(real.opens, "pdfinfo \(real.pdfinfoStatus), pages \(real.pages ?? -1), qpdf --check \(real.qpdfCheckStatus)",
                sourceLocation: sourceLocation)
        return ours
    }

    // MARK: - Accepted

    @Test func filesFromGhostscriptAndQpdfOpen() throws {
        _ = try expectAcceptedAndOpens(base)
        _ = try expectAcceptedAndOpens(try qpdf(["--linearize", base], "linearized.pdf"))
        _ = try expectAcceptedAndOpens(try qpdf(["--qdf", base], "qdf.pdf"))
        _ = try expectAcceptedAndOpens(try qpdf(["--object-streams=generate", base], "objstm.pdf"))
        _ = try expectAcceptedAndOpens(try qpdf(["--empty", "--pages", base, base, "--"], "four-pages.pdf"))
        _ = try expectAcceptedAndOpens(try qpdf(["--force-version=2.0", base], "pdf20.pdf"))
    }

    @Test func aKoreanFormMadeWithANanumFontOpens() throws {
        let nanum = "/usr/share/fonts/truetype/nanum"
        try #require(FileManager.default.fileExists(atPath: "\(nanum)/NanumGothic.ttf") || RealTools.isCI,
                     "fonts-nanum is not installed (scripts/setup --test installs it)")
        let glyphs = { (text: String) in
            text.unicodeScalars.map { $0 == " " ? "/space glyphshow" : String(format: "/uni%04X glyphshow", $0.value) }
                .joined(separator: " ")
        }
        let form = dir.file("가입신청서.pdf")
        // Reading a font from FONTPATH needs Ghostscript's file access beyond SAFER's defaults.
        try RealTools.check("gs", ["-q", "-dNOPAUSE", "-dBATCH", "-dNOSAFER", "-sDEVICE=pdfwrite",
                                   "-sFONTPATH=\(nanum)", "-sOutputFile=\(form)", "-c",
                                   "/NanumGothic findfont 20 scalefont setfont 72 720 moveto \(glyphs("가입 신청서"))"
                                   + " 72 680 moveto \(glyphs("이름 김민수")) showpage"])
        _ = try expectAcceptedAndOpens(form)
        let text = String(decoding: try RealTools.check("pdftotext", [form, "-"]), as: UTF8.self)
        #expect(text.contains("신청서"), "pdftotext read \(text)")
    }

    @Test(arguments: [1024, 100_000])
    func nulPaddingAfterEOFIsAcceptedAndRecorded(count: Int) throws {
        let original = try bytes(base)
        let padded = try write("nul-\(count).pdf", original + [UInt8](repeating: 0, count: count))
        // qpdf itself looks for startxref only in the last kilobyte, so the oracle for the padded
        // file is pdfinfo, and qpdf --check for the file without its padding.
        let ours = try verdict(padded)
        #expect(ours.accepted, "\(ours.findings.map(\.detail))")
        #expect(ours.trailing == [TrailingSegment(offset: original.count, bytes: count, kind: .padding, detail: "NUL")])
        let real = try oracle(padded)
        #expect(real.pdfinfoStatus == 0 && real.pages == 2)
        #expect(try oracle(base).opens)
    }

    @Test func whitespacePaddingAfterEOFIsAcceptedAndRecorded() throws {
        let original = try bytes(base)
        let padding = Array("\r\n  \r\n\t \n".utf8) + [UInt8](repeating: 0x20, count: 2000)
        let ours = try expectAcceptedAndOpens(try write("spaces.pdf", original + padding), checkWith: base)
        #expect(ours.trailing == [TrailingSegment(offset: original.count, bytes: padding.count, kind: .padding, detail: "whitespace")])
        // One end of line after %%EOF is part of the file, not padding.
        let crlf = try write("crlf.pdf", Array(original.dropLast()) + Array("\r\n".utf8))
        #expect(try expectAcceptedAndOpens(crlf).trailing == [])
    }

    @Test func anOwnerPasswordOnlyPDFOpens() throws {
        let path = try qpdf(["--encrypt", "", "owner-secret", "256", "--", base], "owner-only.pdf")
        _ = try expectAcceptedAndOpens(path)
        let outcome = try bytes(path).withUnsafeBytes { PDFOpenCheck.check($0) }
        #expect(outcome == .opens(pages: 2, encrypted: true))
        let rc4 = try qpdf(["--allow-weak-crypto", "--encrypt", "", "owner-secret", "128", "--print=none", "--", base], "owner-rc4.pdf")
        _ = try expectAcceptedAndOpens(rc4)
    }

    @Test func incrementalUpdatesAreAccepted() throws {
        let once = try incrementalUpdate(of: try bytes(base), title: "Signed")
        let twice = try incrementalUpdate(of: once, title: "Signed again")
        for (name, content) in [("update-1.pdf", once), ("update-2.pdf", twice)] {
            let path = try write(name, content)
            _ = try expectAcceptedAndOpens(path)
            let info = String(decoding: try RealTools.check("pdfinfo", [path]), as: UTF8.self)
            #expect(info.contains(name == "update-1.pdf" ? "Signed" : "Signed again"), "the update is what readers see")
        }
        // An update after a file with object streams and an xref stream, then padding.
        let streams = try incrementalUpdate(of: try bytes(try qpdf(["--object-streams=generate", base], "objstm.pdf")), title: "Later")
        let padded = try write("objstm-update-padded.pdf", streams + [UInt8](repeating: 0, count: 1024))
        #expect(try verdict(padded).accepted)
        #expect(try oracle(try write("objstm-update.pdf", streams)).opens)
    }

    // MARK: - Refused

    @Test func aPDFThatNeedsAPasswordToOpenIsRefused() throws {
        let path = try qpdf(["--encrypt", "user-secret", "owner-secret", "256", "--", base], "user-password.pdf")
        let ours = try verdict(path)
        #expect(ours.hints == [.pdfPassword], "\(ours.findings.map(\.detail))")
        let real = try oracle(path)
        #expect(real.needsPassword && real.pdfinfoStatus != 0 && real.qpdfCheckStatus != 0)
        // Also when the owner password is the same and the old RC4 scheme is used.
        let rc4 = try qpdf(["--allow-weak-crypto", "--encrypt", "pw", "pw", "128", "--use-aes=n", "--", base], "rc4-user.pdf")
        #expect(try verdict(rc4).hints == [.pdfPassword])
        #expect(try oracle(rc4).needsPassword)
    }

    @Test func aPDFWithoutPagesIsRefused() throws {
        let path = try qpdf(["--empty"], "empty.pdf")
        let ours = try verdict(path)
        #expect(ours.hints == [.pdfNoPages], "\(ours.findings.map(\.detail))")
        let real = try oracle(path)
        #expect(real.pdfinfoStatus != 0 && (real.pages ?? 0) == 0)
    }

    @Test func aCyclicPageTreeIsRefused() throws {
        // The second entry of /Kids points back at the /Pages node itself.
        let qdf = try qdf()
        let text = String(decoding: qdf, as: UTF8.self)
        let pages = try #require(text.firstMatch(of: /(\d+) 0 obj\n<<\n  \/Count 2\n  \/Kids \[\n    (\d+) 0 R\n    (\d+) 0 R\n/))
        let cyclic = try replacing("    \(pages.3) 0 R\n  ]", with: "    \(pages.1) 0 R\n  ]", in: qdf)
        #expect(pages.1.count == pages.3.count)
        let path = try write("cyclic.pdf", cyclic)
        let ours = try verdict(path)
        #expect(ours.hints == [.pdfPageTree], "\(ours.findings.map(\.detail))")
        #expect(try oracle(path).qpdfCheckStatus != 0)
    }

    @Test func aPageTreeWithANonPageKidIsRefused() throws {
        // A kid that is a number, not a page dictionary: qpdf only gets past it with warnings.
        let qdf = try qdf()
        let text = String(decoding: qdf, as: UTF8.self)
        let pages = try #require(text.firstMatch(of: /\/Kids \[\n    (\d+) 0 R\n    (\d+) 0 R\n/))
        let length = try #require(text.firstMatch(of: /\n(\d+) 0 obj\n\d+\nendobj/))
        #expect(length.1.count == pages.2.count)
        let broken = try replacing("    \(pages.2) 0 R\n  ]", with: "    \(length.1) 0 R\n  ]", in: qdf)
        let path = try write("kid-not-a-page.pdf", broken)
        let ours = try verdict(path)
        #expect(ours.hints == [.pdfPageTree], "\(ours.findings.map(\.detail))")
        #expect(ours.findings.first?.detail.hasPrefix("The PDF's page tree is broken") == true)
        #expect(try oracle(path).qpdfCheckStatus != 0)
    }

    @Test func aCrossReferenceThatDoesNotHoldIsRefused() throws {
        // An editor inserted a line and did not rewrite the xref: every later offset is off.
        // Without a fixed startxref the byte-level check already sees it...
        let qdf = try qdf()
        let at = try #require(SampleFiles.offset(of: Array("%% Original object ID".utf8), in: qdf))
        let inserted = Array("% a line inserted by a careless editor\n".utf8)
        let shifted = Array(qdf[..<at]) + inserted + Array(qdf[at...])
        let unfixed = try verdict(try write("shifted.pdf", shifted))
        #expect(unfixed.findings.map(\.detail).first?.hasSuffix("where there is no cross-reference section.") == true)
        // ...and when it moved startxref along but not the xref entries, qpdf sees it.
        let text = String(decoding: shifted, as: UTF8.self)
        let startxref = try #require(Int(try lastCapture(/startxref\n(\d+)\n/, in: text)))
        let fixed = try replacing("startxref\n\(startxref)\n", with: "startxref\n\(startxref + inserted.count)\n", in: shifted)
        let path = try write("shifted-xref.pdf", fixed)
        let ours = try verdict(path)
        #expect(ours.hints == [.pdfBroken], "\(ours.findings.map(\.detail))")
        // qpdf has to reconstruct it (exit 3: warnings); pdfinfo repairs it silently.
        #expect(try oracle(path).qpdfCheckStatus != 0)

        // An incremental update whose /Prev points nowhere.
        var update = try incrementalUpdate(of: try bytes(base), title: "Lost")
        let prev = try #require(SampleFiles.offset(of: Array("/Prev ".utf8), in: update))
        update.replaceSubrange((prev + 6)..<(prev + 7), with: Array("9".utf8))
        let badPrev = try write("bad-prev.pdf", update)
        #expect(try verdict(badPrev).hints == [.pdfBroken])
        #expect(try oracle(badPrev).qpdfCheckStatus != 0)
    }

    @Test func aCutOffFileIsRefused() throws {
        let original = try bytes(base)
        let half = try write("cut.pdf", Array(original.prefix(original.count / 2)))
        let ours = try verdict(half)
        #expect(!ours.accepted)
        #expect(ours.findings.map(\.detail) == ["PDF has no %%EOF marker, so it is truncated."])
        #expect(try oracle(half).opens == false)

        // A linearized file keeps a first %%EOF near its start: cut after it, the rest is a
        // revision cut short, not appended data.
        let linearized = try bytes(try qpdf(["--linearize", base], "linearized.pdf"))
        let firstEOF = try #require(SampleFiles.offset(of: Array("%%EOF".utf8), in: linearized))
        #expect(firstEOF < linearized.count - 100)
        let cut = try write("linearized-cut.pdf", Array(linearized.prefix(firstEOF + 200)))
        let cutVerdict = try verdict(cut)
        #expect(cutVerdict.findings.count == 1)
        #expect(cutVerdict.findings.first?.isTrailingData == false)
        #expect(cutVerdict.findings.first?.detail.contains("so it is truncated") == true)

        // An incremental update cut short after its object.
        let update = try incrementalUpdate(of: original, title: "Half written")
        let partial = try write("update-cut.pdf", Array(update.prefix(original.count + 30)))
        #expect(try verdict(partial).findings.first?.detail.contains("inside a revision") == true)
        // Readers fall back on the earlier revision and open it; the upload is still cut short.
        #expect(try oracle(partial).opens)
    }

    @Test func anArchiveAfterEOFIsTrailingData() throws {
        try dir.write("note.txt", String(repeating: "not part of the form\n", count: 200))
        try RealTools.check("zip", ["-q", "payload.zip", "note.txt"], cwd: dir.path)
        let zip = try bytes(dir.file("payload.zip"))
        let original = try bytes(base)
        let path = try write("with-zip.pdf", original + zip)
        let ours = try verdict(path)
        #expect(ours.findings.map(\.isTrailingData) == [true], "\(ours.findings.map(\.detail))")
        #expect(ours.hints == [.trailingData])
        // The PDF itself opens: refusing it is our policy on appended data, not a reader's failure.
        #expect(try oracle(path).pdfinfoStatus == 0)
        // And when its own part needs a password, both are said.
        let locked = try bytes(try qpdf(["--encrypt", "u", "o", "256", "--", base], "locked.pdf"))
        let both = try verdict(try write("locked-with-zip.pdf", locked + zip))
        #expect(both.hints == [.trailingData, .pdfPassword])
    }

    // MARK: - Through the validator

    @Test func theValidatorRefusesWithTheHintAndRecordsPadding() throws {
        let locked = try bytes(try qpdf(["--encrypt", "user-secret", "owner", "256", "--", base], "locked.pdf"))
        let padded = try bytes(base) + [UInt8](repeating: 0, count: 1024)
        let photo = try Fixture.data("sample.jpg")
        let validator = BundleValidator(config: SiteConfig())
        func bundle(_ name: String, form: [UInt8]) throws -> ValidatedBundle {
            try dir.write("\(name)/photo.jpg", photo)
            try dir.write("\(name)/form.pdf", Data(form))
            let manifest: [String: Any] = [
                "schema": "community-application/1", "community": "seoul-hiking",
                "applicant": ["name": "김민수", "email": "minsu@example.kr", "phone": "+82 10-1234-5678", "locale": "ko"],
                "answers": ["motivation": "주말 산행"], "submitted_at": "2026-11-29T21:14:00+09:00",
                "attachments": [["file": "photo.jpg", "kind": "photo", "content_type": "image/jpeg"],
                                ["file": "form.pdf", "kind": "form", "content_type": "application/pdf"]],
            ]
            try dir.write("\(name)/application.json", try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]))
            return validator.validate(bundleAt: dir.file(name), name: name)
        }
        let refused = try bundle("locked", form: locked)
        #expect(refused.reasons.map(\.code) == [.corruptFile])
        #expect(refused.reasons.map(\.hint) == [.pdfPassword])
        #expect(ReasonText.text(for: try #require(refused.reasons.first), locale: "ko")
            == "PDF에 열기 암호가 걸려 있어 열 수 없습니다. 암호를 해제한 뒤 다시 보내 주세요.")
        let accepted = try bundle("padded", form: padded)
        #expect(accepted.reasons.isEmpty, "\(accepted.reasons)")
        #expect(accepted.attachments.last?.trailing == [TrailingSegment(offset: padded.count - 1024, bytes: 1024, kind: .padding, detail: "NUL")])
    }
}
