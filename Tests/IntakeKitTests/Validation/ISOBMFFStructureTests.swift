import Testing
@testable import IntakeKit

/// Hand-built HEIF files: the smallest box tree a HEIC photo needs, and edits of it.
enum HEIFBoxes {
    static func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func be32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }
    static func code(_ s: String) -> [UInt8] { Array(s.utf8) }

    static func box(_ type: String, _ payload: [UInt8]) -> [UInt8] { be32(8 + payload.count) + code(type) + payload }
    static func fullBox(_ type: String, version: UInt8 = 0, _ payload: [UInt8]) -> [UInt8] {
        box(type, [version, 0, 0, 0] + payload)
    }

    static func ftyp(_ major: String = "heic", _ compatible: [String] = ["mif1", "heic"]) -> [UInt8] {
        box("ftyp", code(major) + be32(0) + compatible.flatMap(code))
    }

    static func hdlr(_ handler: String = "pict") -> [UInt8] {
        fullBox("hdlr", be32(0) + code(handler) + [UInt8](repeating: 0, count: 12) + [0])
    }

    static func pitm(_ item: Int = 1) -> [UInt8] { fullBox("pitm", be16(item)) }

    static func iinf(_ items: [Int] = [1]) -> [UInt8] {
        fullBox("iinf", be16(items.count) + items.flatMap { fullBox("infe", version: 2, be16($0) + be16(0) + code("hvc1") + [0]) })
    }

    /// iloc version 0 with 4-byte offsets and lengths: one extent per item, in the file.
    static func iloc(_ extents: [(item: Int, offset: Int, length: Int)]) -> [UInt8] {
        fullBox("iloc", [0x44, 0x00] + be16(extents.count)
            + extents.flatMap { be16($0.item) + be16(0) + be16(1) + be32($0.offset) + be32($0.length) })
    }

    /// iloc version 1 with construction method 1: the item's data is in meta's idat.
    static func ilocInIdat(item: Int, offset: Int, length: Int) -> [UInt8] {
        fullBox("iloc", version: 1, [0x44, 0x00] + be16(1) + be16(item) + be16(1) + be16(0) + be16(1) + be32(offset) + be32(length))
    }

    static let data: [UInt8] = Array(0..<24)

    /// A whole HEIC: ftyp, meta (hdlr, pitm, iloc, iinf), mdat holding item 1's 24 bytes.
    static func heic(extentDelta: Int = 0, offsetDelta: Int = 0, mdat: (([UInt8]) -> [UInt8])? = nil,
                     metaChildren: (([UInt8]) -> [UInt8])? = nil, ftypBox: [UInt8] = ftyp()) -> [UInt8] {
        func build(offset: Int) -> [UInt8] {
            let children = hdlr() + pitm() + iloc([(1, offset + offsetDelta, data.count + extentDelta)]) + iinf()
            return ftypBox + fullBox("meta", metaChildren?(children) ?? children)
        }
        let head = build(offset: 0)
        let mdatBox = mdat?(data) ?? box("mdat", data)
        let mdatHeader = mdatBox.count - data.count
        return build(offset: head.count + mdatHeader) + mdatBox
    }

    static var sound: [UInt8] { heic() }

    /// Where the boxes of `heic()` start.
    static let metaAt = ftyp().count
    static let hdlrAt = metaAt + 12
    static let ilocAt = hdlrAt + hdlr().count + pitm().count
}

struct ISOBMFFStructureTests {
    private func report(_ bytes: [UInt8], _ type: FileType = .heic) -> StructureReport {
        bytes.withUnsafeBytes { StructureChecker.inspect($0, as: type) }
    }

    private func details(_ bytes: [UInt8], _ type: FileType = .heic) -> [String] {
        report(bytes, type).findings.map(\.detail)
    }

    @Test func aMinimalHEICIsSoundAndNamed() {
        let bytes = HEIFBoxes.sound
        #expect(TypeSniffer.detect(bytes) == .heic)
        #expect(report(bytes) == StructureReport())
        #expect(StructureChecker.checkedTypes.isSuperset(of: [.heic, .heif, .avif]))
    }

    @Test func sizeZeroRunsToTheEndAndSizeOneCarriesA64BitSize() {
        let zero = HEIFBoxes.heic(mdat: { HEIFBoxes.be32(0) + HEIFBoxes.code("mdat") + $0 })
        #expect(details(zero) == [])
        let large = HEIFBoxes.heic(mdat: { HEIFBoxes.be32(1) + HEIFBoxes.code("mdat") + HEIFBoxes.be32(0) + HEIFBoxes.be32(16 + $0.count) + $0 })
        #expect(details(large) == [])
        // A 64-bit size one byte too long.
        let longer = HEIFBoxes.heic(mdat: { HEIFBoxes.be32(1) + HEIFBoxes.code("mdat") + HEIFBoxes.be32(0) + HEIFBoxes.be32(17 + $0.count) + $0 })
        let mdatAt = longer.count - 16 - HEIFBoxes.data.count
        #expect(details(longer).first == "HEIC box mdat at byte \(mdatAt) declares 41 bytes up to byte \(longer.count + 1), but the file ends at byte \(longer.count).")
    }

    @Test func aBoxSizeOffByOneIsReportedWithOffsets() {
        let bytes = HEIFBoxes.heic(mdat: { HEIFBoxes.be32(8 + $0.count + 1) + HEIFBoxes.code("mdat") + $0 })
        let mdatAt = bytes.count - 32
        #expect(details(bytes) == ["HEIC box mdat at byte \(mdatAt) declares 33 bytes up to byte \(bytes.count + 1), but the file ends at byte \(bytes.count)."])
        // meta one byte short: its last child runs past it.
        var short = HEIFBoxes.sound
        let m = HEIFBoxes.metaAt
        let metaSize = Int(short[m]) << 24 | Int(short[m + 1]) << 16 | Int(short[m + 2]) << 8 | Int(short[m + 3])
        short.replaceSubrange(m..<(m + 4), with: HEIFBoxes.be32(metaSize - 1))
        #expect(details(short).contains { $0.contains("past the end of meta at byte \(m + metaSize - 1)") }, "\(details(short))")
    }

    @Test func everyProperPrefixIsRefusedAndNoneClaimsTrailingData() {
        let bytes = HEIFBoxes.sound
        for length in 0..<bytes.count {
            let r = report(Array(bytes[..<length]))
            #expect(!r.findings.isEmpty, "prefix \(length) accepted")
            #expect(!r.findings.contains { $0.isTrailingData }, "prefix \(length): \(r.findings.map(\.detail))")
        }
    }

    @Test func corruptingAnySingleByteNeverCrashes() {
        let bytes = HEIFBoxes.sound
        for index in bytes.indices {
            for value: UInt8 in [0x00, 0x01, 0x7F, 0xFF] {
                var edited = bytes
                edited[index] = value
                _ = report(edited)
            }
        }
    }

    @Test func ftypMustComeFirstWithAHEIFBrand() {
        let meta = HEIFBoxes.sound.dropFirst(HEIFBoxes.ftyp().count)
        #expect(details(Array(meta)).contains("HEIC's first box, at byte 0, is meta instead of ftyp."))
        let isom = HEIFBoxes.heic(ftypBox: HEIFBoxes.ftyp("isom", ["isom", "mp42"]))
        #expect(details(isom) == ["HEIC ftyp box at byte 0 has no HEIF or AVIF brand (brands: isom, isom, mp42)."])
        #expect(TypeSniffer.detect(isom) == .mp4)
    }

    @Test func theMetaBoxNeedsAPictHandlerAPrimaryItemAndItsLocation() {
        let video = HEIFBoxes.heic(metaChildren: { _ in
            HEIFBoxes.hdlr("vide") + HEIFBoxes.pitm() + HEIFBoxes.iloc([(1, 0, 0)]) + HEIFBoxes.iinf()
        })
        #expect(details(video).first == "HEIC hdlr box at byte \(HEIFBoxes.hdlrAt) has handler type vide instead of pict, so the meta box holds no pictures.")

        let noPrimary = HEIFBoxes.heic(metaChildren: { _ in HEIFBoxes.hdlr() + HEIFBoxes.iinf() })
        #expect(details(noPrimary) == [
            "HEIC meta box at byte \(HEIFBoxes.metaAt) has no pitm box, so there is no primary image.",
            "HEIC meta box at byte \(HEIFBoxes.metaAt) has no iloc box, so its items' data cannot be found.",
        ])

        let elsewhere = HEIFBoxes.heic(metaChildren: { children in
            let hdlr = HEIFBoxes.hdlr(), pitm = HEIFBoxes.pitm(2)
            return hdlr + pitm + children.dropFirst(hdlr.count + HEIFBoxes.pitm().count)
        })
        let found = details(elsewhere)
        #expect(found.contains { $0.hasSuffix("does not list the primary item 2.") })
        #expect(found.contains { $0.hasSuffix("gives no location for the primary item 2.") })

        let noMeta = HEIFBoxes.ftyp() + HEIFBoxes.box("mdat", HEIFBoxes.data)
        #expect(details(noMeta) == ["HEIC has no meta box, so it holds no image items."])
    }

    @Test func extentsMustLieInsideTheFileAndInMdat() {
        let beyond = HEIFBoxes.heic(extentDelta: 1)
        let start = beyond.count - HEIFBoxes.data.count
        #expect(details(beyond) == ["HEIC iloc box at byte \(HEIFBoxes.ilocAt): the extent of the primary item 1 lies at bytes \(start) to \(beyond.count + 1), beyond the end of the file at byte \(beyond.count)."])
        let inMeta = HEIFBoxes.heic(offsetDelta: -40)
        #expect(details(inMeta) == ["HEIC iloc box at byte \(HEIFBoxes.ilocAt): the extent of the primary item 1, bytes \(start - 40) to \(start - 16), lies outside every mdat box."])
    }

    @Test func anItemMayLieInIdat() {
        let idat = HEIFBoxes.box("idat", [1, 2, 3, 4, 5, 6, 7, 8])
        let inside = HEIFBoxes.ftyp() + HEIFBoxes.fullBox("meta", HEIFBoxes.hdlr() + HEIFBoxes.pitm()
            + HEIFBoxes.ilocInIdat(item: 1, offset: 0, length: 8) + HEIFBoxes.iinf() + idat)
        #expect(details(inside) == [])
        let outside = HEIFBoxes.ftyp() + HEIFBoxes.fullBox("meta", HEIFBoxes.hdlr() + HEIFBoxes.pitm()
            + HEIFBoxes.ilocInIdat(item: 1, offset: 4, length: 8) + HEIFBoxes.iinf() + idat)
        #expect(details(outside).count == 1)
        #expect(details(outside).first?.contains("needs idat bytes 4 to 12, but the idat box at byte") == true)
    }

    @Test func paddingIsRecordedAndOtherTrailingDataIsRefused() {
        let bytes = HEIFBoxes.sound
        #expect(report(bytes + [0, 0, 0]) == StructureReport(trailing: [TrailingSegment(offset: bytes.count, bytes: 3, kind: .padding, detail: "NUL")]))
        #expect(report(bytes + [UInt8](repeating: 0, count: 64)).trailing == [TrailingSegment(offset: bytes.count, bytes: 64, kind: .padding, detail: "NUL")])
        let tail = Array("PK\u{3}\u{4} a zip".utf8)
        let junk = report(bytes + tail)
        #expect(junk.findings.map(\.detail) == ["\(tail.count) bytes of data after the end of the HEIC image (the mdat box ending at byte \(bytes.count))."])
        #expect(junk.findings.first?.isTrailingData == true)
        #expect(junk.trailing.isEmpty)
    }

    @Test func boxesOfUnknownTypeAfterTheImageDataAreTrailingData() {
        let bytes = HEIFBoxes.sound
        let smuggled = report(bytes + HEIFBoxes.box("junk", Array("<?php ?>".utf8)))
        #expect(smuggled.findings.map(\.detail) == ["16 bytes in a box of unknown type junk at byte \(bytes.count), after the end of the HEIC image's data (byte \(bytes.count))."])
        #expect(smuggled.findings.first?.isTrailingData == true)
        // Size 0 runs to the end: four NUL bytes and a name are not padding.
        #expect(report(bytes + [0, 0, 0, 0] + Array("junk and more".utf8)).findings.first?.isTrailingData == true)
        // Known boxes there are fine; a Samsung motion photo's mpvd box is recorded.
        #expect(report(bytes + HEIFBoxes.box("free", [0, 0])) == StructureReport())
        let motion = report(bytes + HEIFBoxes.box("mpvd", HEIFBoxes.box("ftyp", Array("mp42".utf8) + [0, 0, 0, 0])))
        #expect(motion == StructureReport(trailing: [TrailingSegment(offset: bytes.count, bytes: 24, kind: .motionPhotoVideo,
                                                                     detail: "Samsung motion photo (mpvd box)")]))
        // An unknown box before the image data is ignored, as readers do.
        let before = HEIFBoxes.heic(mdat: { HEIFBoxes.box("abcd", [1, 2]) + HEIFBoxes.box("mdat", $0) })
        #expect(report(before) == StructureReport())
    }

    @Test func emptyFilesAreReported() {
        #expect(details([], .heic) == ["The HEIC file is empty."])
        #expect(details([], .avif) == ["The AVIF file is empty."])
    }
}
