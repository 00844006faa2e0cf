extension StructureChecker {
    /// Walks an HEIF or AVIF file's ISO-BMFF box tree (ISO/IEC 14496-12 and 23008-12).
    ///
    /// Checks that the top-level boxes tile the file exactly (size 0 runs to the end, size 1
    /// carries a 64-bit size), that `ftyp` comes first with a HEIF or AVIF brand, that one `meta`
    /// box holds a `pict` handler, a primary item (`pitm`) that `iinf` lists, and an `iloc` whose
    /// extents all lie inside the file, in an `mdat` box or in the `meta` box's `idat`. Children of
    /// `meta` must fit inside it. What follows the last box is padding when it is all NUL, and
    /// trailing data otherwise; pixels are not decoded.
    static func checkISOBMFF(_ b: ContentBytes, as type: FileType) -> StructureReport {
        let format = type.shortName
        guard b.count > 0 else { return StructureReport(findings: [StructureFinding(detail: "The \(format) file is empty.")]) }
        var findings: [StructureFinding] = []
        var walk = ISOWalk()
        var offset = 0
        // Where the boxes stop making sense, if before the end of the file.
        var tail: (offset: Int, why: String)?
        while offset < b.count {
            if b.count - offset >= 8, !(4..<8).allSatisfy({ (0x20..<0x7F).contains(b[offset + $0]) }) {
                // Not a box (NUL padding reads as a box of size 0 that runs to the end).
                tail = (offset, "\(format) has no valid box at byte \(offset): the type code \(fourCC(b, at: offset + 4)) is not four letters.")
                break
            }
            switch readBox(b, at: offset, limit: b.count) {
            case .box(let box):
                if walk.boxes.isEmpty, box.type != ISOBox.ftyp {
                    findings.append(StructureFinding(
                        detail: "\(format)'s first box, at byte 0, is \(box.name) instead of ftyp."))
                }
                walk.boxes.append(box)
                offset = box.end
            case .shortHeader:
                tail = (offset, "\(format) ends at byte \(b.count), inside the header of a box at byte \(offset).")
            case .tooSmall(let box, let size):
                tail = (offset, "\(format) box \(box) at byte \(offset) declares a size of \(size) bytes, less than its own header.")
            case .overrun(let box, let declaredEnd):
                if ISOBox.topLevelTypes.contains(box.type) {
                    findings.append(StructureFinding(
                        detail: "\(format) box \(box.name) at byte \(offset) declares \(declaredEnd.map { "\($0 - offset) bytes up to byte \($0)" } ?? "a size beyond 2^63"), but the file ends at byte \(b.count)."))
                    if walk.boxes.isEmpty, box.type != ISOBox.ftyp {
                        findings.append(StructureFinding(
                            detail: "\(format)'s first box, at byte 0, is \(box.name) instead of ftyp."))
                    }
                    // Kept as far as it goes, so what it holds is still looked at.
                    walk.boxes.append(box)
                    offset = b.count
                    continue
                }
                tail = (offset, "\(format) has no valid box at byte \(offset): \(box.name) declares \(declaredEnd.map { "\($0 - offset) bytes up to byte \($0)" } ?? "a size beyond 2^63"), past the end of the file at byte \(b.count).")
            }
            if tail != nil { break }
        }

        findings += checkFileType(b, walk: walk, format: format)
        findings += checkMeta(b, walk: &walk, format: format)

        var trailing: [TrailingSegment] = []
        // A box HEIF does not define at the top level is ignored by readers where it stands among
        // the image's boxes; after the last byte of image data it is something carried along.
        if findings.isEmpty {
            for box in walk.boxes where !ISOBox.topLevelTypes.contains(box.type) && box.offset >= walk.dataEnd {
                if box.type == ISOBox.mpvd {
                    trailing.append(TrailingSegment(offset: box.offset, bytes: box.size, kind: .motionPhotoVideo,
                                                    detail: "Samsung motion photo (mpvd box)"))
                } else {
                    findings.append(StructureFinding(
                        detail: "\(bytes(box.size)) in a box of unknown type \(box.name) at byte \(box.offset), after the end of the \(format) image's data (byte \(walk.dataEnd)).",
                        isTrailingData: true))
                }
            }
        }
        if let tail {
            let rest = b[tail.offset..<b.count]
            if findings.isEmpty, rest.allSatisfy({ $0 == 0 }) {
                trailing.append(TrailingSegment(offset: tail.offset, bytes: rest.count, kind: .padding, detail: "NUL"))
            } else if findings.isEmpty, walk.dataEnd <= tail.offset {
                let last = walk.boxes.last.map { "the \($0.name) box ending at byte \(tail.offset)" } ?? "byte \(tail.offset)"
                findings.append(trailingDataFinding(count: rest.count, format: "\(format) image", end: last))
            } else {
                findings.append(StructureFinding(detail: tail.why))
            }
        }
        return StructureReport(findings: findings, trailing: trailing)
    }

    /// `ftyp`: first, whole (16 bytes and whole brands), with a HEIF or AVIF brand.
    private static func checkFileType(_ b: ContentBytes, walk: ISOWalk, format: String) -> [StructureFinding] {
        let ftyps = walk.boxes.filter { $0.type == ISOBox.ftyp }
        guard let ftyp = ftyps.first else {
            return [StructureFinding(detail: "\(format) has no ftyp box, so nothing says what the file is.")]
        }
        var findings: [StructureFinding] = []
        if ftyps.count > 1 {
            findings.append(StructureFinding(detail: "\(format) has a second ftyp box at byte \(ftyps[1].offset)."))
        }
        let payload = ftyp.size - ftyp.headerLength
        guard payload >= 8, payload % 4 == 0 else {
            findings.append(StructureFinding(
                detail: "\(format) ftyp box at byte \(ftyp.offset) has \(payload) bytes of brands, not 8 plus a multiple of 4."))
            return findings
        }
        let major = b.uint32BE(at: ftyp.payload)
        var compatible: [UInt32] = []
        for at in stride(from: ftyp.payload + 8, to: ftyp.end, by: 4) { compatible.append(b.uint32BE(at: at)) }
        let named = TypeSniffer.isoBrandType(major: major, compatible: compatible)
        if named == nil || !(named?.isHEIFFamily ?? false) {
            let brands = ([ftyp.payload] + Array(stride(from: ftyp.payload + 8, to: ftyp.end, by: 4)))
                .map { fourCC(b, at: $0) }.joined(separator: ", ")
            findings.append(StructureFinding(
                detail: "\(format) ftyp box at byte \(ftyp.offset) has no HEIF or AVIF brand (brands: \(brands))."))
        }
        return findings
    }

    /// `meta` and what the primary image needs inside it: `hdlr` "pict", `pitm`, `iinf`, `iloc`.
    private static func checkMeta(_ b: ContentBytes, walk: inout ISOWalk, format: String) -> [StructureFinding] {
        let metas = walk.boxes.filter { $0.type == ISOBox.meta }
        guard let meta = metas.first else {
            return [StructureFinding(detail: "\(format) has no meta box, so it holds no image items.")]
        }
        var findings: [StructureFinding] = []
        if metas.count > 1 {
            findings.append(StructureFinding(detail: "\(format) has a second meta box at byte \(metas[1].offset)."))
        }
        // meta is a FullBox: version and flags before its children.
        let childrenStart = meta.payload + 4
        guard childrenStart <= meta.end else {
            findings.append(StructureFinding(detail: "\(format) meta box at byte \(meta.offset) is too short for its version and flags."))
            return findings
        }
        var children: [ISOBox] = []
        var offset = childrenStart
        while offset < meta.end {
            switch readBox(b, at: offset, limit: meta.end) {
            case .box(let box):
                children.append(box)
                offset = box.end
                continue
            case .shortHeader:
                findings.append(StructureFinding(
                    detail: "\(format) meta box at byte \(meta.offset) has \(bytes(meta.end - offset)) left over after its last box, at byte \(offset)."))
            case .tooSmall(let name, let size):
                findings.append(StructureFinding(
                    detail: "\(format) box \(name) at byte \(offset) in meta declares a size of \(size) bytes, less than its own header."))
            case .overrun(let box, let declaredEnd):
                findings.append(StructureFinding(
                    detail: "\(format) box \(box.name) at byte \(offset) in meta declares \(declaredEnd.map { "\($0 - offset) bytes up to byte \($0)" } ?? "a size beyond 2^63"), past the end of meta at byte \(meta.end)."))
            }
            break
        }

        func only(_ type: UInt32, _ name: String) -> ISOBox? {
            let found = children.filter { $0.type == type }
            if found.count > 1 {
                findings.append(StructureFinding(detail: "\(format) meta box has a second \(name) box at byte \(found[1].offset)."))
            }
            return found.first
        }
        let hdlr = only(ISOBox.hdlr, "hdlr")
        let pitm = only(ISOBox.pitm, "pitm")
        let iinf = only(ISOBox.iinf, "iinf")
        let iloc = only(ISOBox.iloc, "iloc")
        let idat = only(ISOBox.idat, "idat")

        if let hdlr {
            if hdlr.end - hdlr.payload < 12 {
                findings.append(StructureFinding(detail: "\(format) hdlr box at byte \(hdlr.offset) is too short to hold a handler type."))
            } else if b.uint32BE(at: hdlr.payload + 8) != ISOBox.pict {
                findings.append(StructureFinding(
                    detail: "\(format) hdlr box at byte \(hdlr.offset) has handler type \(fourCC(b, at: hdlr.payload + 8)) instead of pict, so the meta box holds no pictures."))
            }
        } else {
            findings.append(StructureFinding(detail: "\(format) meta box at byte \(meta.offset) has no hdlr box."))
        }

        var primary: UInt32?
        if let pitm {
            let version = pitm.end - pitm.payload >= 4 ? b[pitm.payload] : 0
            let needed = 4 + (version == 0 ? 2 : 4)
            if pitm.end - pitm.payload < needed {
                findings.append(StructureFinding(detail: "\(format) pitm box at byte \(pitm.offset) is too short to hold an item id."))
            } else {
                primary = version == 0 ? UInt32(b.uint16BE(at: pitm.payload + 4)) : b.uint32BE(at: pitm.payload + 4)
            }
        } else {
            findings.append(StructureFinding(detail: "\(format) meta box at byte \(meta.offset) has no pitm box, so there is no primary image."))
        }

        var itemTypes: [UInt32: String] = [:]
        if let iinf {
            switch readItemInfo(b, iinf) {
            case .success(let types): itemTypes = types
            case .failure(let problem): findings.append(StructureFinding(detail: "\(format) \(problem.detail)"))
            }
            if let primary, itemTypes[primary] == nil {
                findings.append(StructureFinding(
                    detail: "\(format) iinf box at byte \(iinf.offset) does not list the primary item \(primary)."))
            }
        } else {
            findings.append(StructureFinding(detail: "\(format) meta box at byte \(meta.offset) has no iinf box, so its items are not described."))
        }

        guard let iloc else {
            findings.append(StructureFinding(detail: "\(format) meta box at byte \(meta.offset) has no iloc box, so its items' data cannot be found."))
            return findings
        }
        let locations: [ItemLocation]
        switch readItemLocations(b, iloc) {
        case .success(let found): locations = found
        case .failure(let problem):
            findings.append(StructureFinding(detail: "\(format) \(problem.detail)"))
            return findings
        }
        if let primary, !locations.contains(where: { $0.item == primary }), itemTypes[primary] != "iden" {
            findings.append(StructureFinding(
                detail: "\(format) iloc box at byte \(iloc.offset) gives no location for the primary item \(primary)."))
        }
        let mdats = walk.boxes.filter { $0.type == ISOBox.mdat }
        for location in locations {
            let which = location.item == primary ? "the primary item \(location.item)" : "item \(location.item)"
            if location.dataReference != 0 {
                findings.append(StructureFinding(
                    detail: "\(format) iloc box at byte \(iloc.offset) puts \(which) in another file (data reference \(location.dataReference))."))
                continue
            }
            for (index, extent) in location.extents.enumerated() {
                let ordinal = location.extents.count == 1 ? "extent" : "extent \(index + 1)"
                switch location.method {
                case 0:
                    let (start, overflowA) = location.baseOffset.addingReportingOverflow(extent.offset)
                    let (end, overflowB) = start.addingReportingOverflow(extent.length)
                    guard !overflowA, !overflowB, end <= UInt64(b.count) else {
                        findings.append(StructureFinding(
                            detail: "\(format) iloc box at byte \(iloc.offset): the \(ordinal) of \(which) lies at bytes \(start) to \(overflowB ? "beyond 2^64" : "\(end)"), beyond the end of the file at byte \(b.count)."))
                        continue
                    }
                    let s = Int(start), e = extent.length == 0 ? b.count : Int(end)
                    if !mdats.contains(where: { $0.payload <= s && e <= $0.end }) {
                        findings.append(StructureFinding(
                            detail: "\(format) iloc box at byte \(iloc.offset): the \(ordinal) of \(which), bytes \(s) to \(e), lies outside every mdat box."))
                    }
                    walk.dataEnd = max(walk.dataEnd, e)
                case 1:
                    guard let idat else {
                        findings.append(StructureFinding(
                            detail: "\(format) iloc box at byte \(iloc.offset) puts \(which) in the idat box, but meta has none."))
                        continue
                    }
                    let available = UInt64(idat.end - idat.payload)
                    let (start, overflowA) = location.baseOffset.addingReportingOverflow(extent.offset)
                    let (end, overflowB) = start.addingReportingOverflow(extent.length)
                    if overflowA || overflowB || end > available {
                        findings.append(StructureFinding(
                            detail: "\(format) iloc box at byte \(iloc.offset): the \(ordinal) of \(which) needs idat bytes \(start) to \(overflowB ? "beyond 2^64" : "\(end)"), but the idat box at byte \(idat.offset) holds \(bytes(Int(available)))."))
                    }
                default:
                    // Construction method 2 points into another item, whose own extents are checked.
                    break
                }
            }
        }
        return findings
    }

    // MARK: - Boxes

    enum BoxRead {
        case box(ISOBox)
        /// Fewer than 8 bytes (or 16 for a 64-bit size) before the limit.
        case shortHeader
        case tooSmall(name: String, size: UInt64)
        /// The declared end (nil when it does not fit in an Int) lies past the limit.
        case overrun(ISOBox, declaredEnd: Int?)
    }

    /// Reads the box header at `offset`; the box must end at or before `limit`.
    static func readBox(_ b: ContentBytes, at offset: Int, limit: Int) -> BoxRead {
        guard limit - offset >= 8 else { return .shortHeader }
        let size32 = b.uint32BE(at: offset)
        let type = b.uint32BE(at: offset + 4)
        let name = fourCC(b, at: offset + 4)
        var header = 8
        var size: UInt64
        switch size32 {
        case 0:
            size = UInt64(limit - offset)
        case 1:
            guard limit - offset >= 16 else { return .shortHeader }
            size = UInt64(b.uint32BE(at: offset + 8)) << 32 | UInt64(b.uint32BE(at: offset + 12))
            header = 16
        default:
            size = UInt64(size32)
        }
        if type == ISOBox.uuid { header += 16 }
        guard size >= UInt64(header) else { return .tooSmall(name: name, size: size) }
        guard size <= UInt64(limit - offset) else {
            // The box as far as it goes: what is there can still be looked at.
            let cut = ISOBox(type: type, name: name, offset: offset, headerLength: min(header, limit - offset),
                             size: limit - offset)
            let (end, overflow) = UInt64(offset).addingReportingOverflow(size)
            return .overrun(cut, declaredEnd: overflow || end > UInt64(Int.max) ? nil : Int(end))
        }
        return .box(ISOBox(type: type, name: name, offset: offset, headerLength: header, size: Int(size)))
    }

    struct BoxProblem: Error { var detail: String }

    /// The item id and type of every `infe` (version 2 or 3) in `iinf`.
    private static func readItemInfo(_ b: ContentBytes, _ iinf: ISOBox) -> Result<[UInt32: String], BoxProblem> {
        guard iinf.end - iinf.payload >= 6 else {
            return .failure(BoxProblem(detail: "iinf box at byte \(iinf.offset) is too short to hold an entry count."))
        }
        let version = b[iinf.payload]
        let countSize = version == 0 ? 2 : 4
        guard iinf.end - iinf.payload >= 4 + countSize else {
            return .failure(BoxProblem(detail: "iinf box at byte \(iinf.offset) is too short to hold an entry count."))
        }
        let count = version == 0 ? Int(b.uint16BE(at: iinf.payload + 4)) : Int(b.uint32BE(at: iinf.payload + 4))
        var types: [UInt32: String] = [:]
        var offset = iinf.payload + 4 + countSize
        var seen = 0
        while offset < iinf.end {
            guard case .box(let infe) = readBox(b, at: offset, limit: iinf.end) else {
                return .failure(BoxProblem(detail: "iinf box at byte \(iinf.offset) has no whole box at byte \(offset)."))
            }
            offset = infe.end
            guard infe.type == ISOBox.infe else { continue }
            seen += 1
            let p = infe.payload
            guard infe.end - p >= 4 else {
                return .failure(BoxProblem(detail: "infe box at byte \(infe.offset) is too short for its version."))
            }
            let v = b[p]
            guard v >= 2 else { continue }   // versions 0 and 1 carry no item type; HEIF needs 2 or 3
            let idSize = v == 2 ? 2 : 4
            guard infe.end - p >= 4 + idSize + 2 + 4 else {
                return .failure(BoxProblem(detail: "infe box at byte \(infe.offset) is too short for its item id and type."))
            }
            let id = v == 2 ? UInt32(b.uint16BE(at: p + 4)) : b.uint32BE(at: p + 4)
            types[id] = fourCC(b, at: p + 4 + idSize + 2)
        }
        if seen != count {
            return .failure(BoxProblem(detail: "iinf box at byte \(iinf.offset) announces \(count) item\(count == 1 ? "" : "s") but holds \(seen)."))
        }
        return .success(types)
    }

    struct ItemLocation {
        var item: UInt32
        var method: UInt8
        var dataReference: UInt16
        var baseOffset: UInt64
        var extents: [(offset: UInt64, length: UInt64)]
    }

    /// Every item's location from `iloc` (versions 0, 1 and 2).
    private static func readItemLocations(_ b: ContentBytes, _ iloc: ISOBox) -> Result<[ItemLocation], BoxProblem> {
        var cursor = iloc.payload
        let end = iloc.end
        func short() -> Result<[ItemLocation], BoxProblem> {
            .failure(BoxProblem(detail: "iloc box at byte \(iloc.offset) ends at byte \(end), in the middle of its entries."))
        }
        func read(_ size: Int) -> UInt64? {
            guard size <= end - cursor else { return nil }
            var value: UInt64 = 0
            for k in 0..<size { value = value << 8 | UInt64(b[cursor + k]) }
            cursor += size
            return value
        }
        guard let versionAndFlags = read(4), let sizes = read(2) else { return short() }
        let version = UInt8(versionAndFlags >> 24)
        guard version <= 2 else {
            return .failure(BoxProblem(detail: "iloc box at byte \(iloc.offset) has an unknown version \(version)."))
        }
        let offsetSize = Int(sizes >> 12), lengthSize = Int(sizes >> 8 & 0xF), baseSize = Int(sizes >> 4 & 0xF)
        let indexSize = version == 0 ? 0 : Int(sizes & 0xF)
        for (field, value) in [("offset", offsetSize), ("length", lengthSize), ("base offset", baseSize), ("index", indexSize)]
        where ![0, 4, 8].contains(value) {
            return .failure(BoxProblem(detail: "iloc box at byte \(iloc.offset) has a \(field) size of \(value), not 0, 4 or 8."))
        }
        guard let count = read(version < 2 ? 2 : 4) else { return short() }
        var locations: [ItemLocation] = []
        for _ in 0..<count {
            guard let item = read(version < 2 ? 2 : 4) else { return short() }
            var method: UInt8 = 0
            if version >= 1 {
                guard let field = read(2) else { return short() }
                method = UInt8(field & 0xF)
            }
            guard let reference = read(2), let base = read(baseSize), let extentCount = read(2) else { return short() }
            var extents: [(offset: UInt64, length: UInt64)] = []
            // Extents of no bytes at all (every size 0) are all "the whole file": one says it.
            let stored = indexSize + offsetSize + lengthSize == 0 ? min(extentCount, 1) : extentCount
            for _ in 0..<stored {
                guard read(indexSize) != nil, let offset = read(offsetSize), let length = read(lengthSize) else { return short() }
                extents.append((offset, length))
            }
            locations.append(ItemLocation(item: UInt32(item), method: method, dataReference: UInt16(reference),
                                          baseOffset: base, extents: extents))
        }
        return .success(locations)
    }
}

/// One box: where it is and how big, header included.
struct ISOBox {
    var type: UInt32
    var name: String
    var offset: Int
    var headerLength: Int
    var size: Int
    var payload: Int { offset + headerLength }
    var end: Int { offset + size }

    static let ftyp: UInt32 = 0x6674_7970
    static let meta: UInt32 = 0x6D65_7461
    static let mdat: UInt32 = 0x6D64_6174
    static let idat: UInt32 = 0x6964_6174
    static let hdlr: UInt32 = 0x6864_6C72
    static let pitm: UInt32 = 0x7069_746D
    static let iinf: UInt32 = 0x6969_6E66
    static let infe: UInt32 = 0x696E_6665
    static let iloc: UInt32 = 0x696C_6F63
    static let pict: UInt32 = 0x7069_6374
    static let uuid: UInt32 = 0x7575_6964
    /// Samsung's motion photo video, appended to a HEIC as a box of its own.
    static let mpvd: UInt32 = 0x6D70_7664

    /// Box types that stand at the top of a HEIF file; one of these that runs past the end is a
    /// cut file, anything else there is data after the last box.
    static let topLevelTypes: Set<UInt32> = Set(["ftyp", "meta", "mdat", "moov", "free", "skip", "uuid", "wide",
                                                 "pdin", "styp", "sidx", "moof", "mfra", "meco", "etyp", "otyp", "mini", "emsg", "prft", "ssix"]
        .map(TypeSniffer.Brand.code))
}

/// What the top-level walk has found.
private struct ISOWalk {
    var boxes: [ISOBox] = []
    /// The end of the last byte an item's extent in the file uses.
    var dataEnd = 0
}
