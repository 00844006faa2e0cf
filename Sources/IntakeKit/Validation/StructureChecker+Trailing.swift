import Foundation

extension StructureChecker {
    /// A stretch after a format's end that the file itself announces: a further picture named by
    /// a JPEG's MPF index, the video of a motion photo named by its XMP, Samsung's trailer.
    struct AnnouncedRegion {
        var range: Range<Int>
        var kind: TrailingSegment.Kind
        var detail: String
        /// Who announced it, for findings ("the MPF index in APP2 at byte 20").
        var announcer: String
        /// Checks the bytes of the region; returns a problem sentence, or `nil` when sound.
        var verify: (ContentBytes, Range<Int>) -> String?
    }

    /// Judges everything from `end` to the end of the file.
    ///
    /// Announced regions are checked and accepted where they start; between and after them only
    /// padding (NUL, whitespace, 0xFF fill) is accepted. The first byte of anything else ends the
    /// walk with one finding that names what the data is, when the sniffer knows it: an archive,
    /// a PDF, an executable or a script hidden behind an image is the classic polyglot.
    static func judgeTail(_ b: ContentBytes, from end: Int, format: String, endDescription: String,
                          announced: [AnnouncedRegion] = []) -> StructureReport {
        var report = StructureReport()
        guard end < b.count else { return report }
        // Regions in file order; one that starts inside another (Samsung's trailer holding the
        // video its XMP also names) is covered by the outer one.
        var regions: [AnnouncedRegion] = []
        for region in announced.sorted(by: { ($0.range.lowerBound, -$0.range.count) < ($1.range.lowerBound, -$1.range.count) }) {
            if let last = regions.last, region.range.lowerBound < last.range.upperBound { continue }
            regions.append(region)
        }
        var position = end
        var next = 0
        while position < b.count {
            while next < regions.count, regions[next].range.lowerBound < position { next += 1 }
            if next < regions.count, regions[next].range.lowerBound == position {
                let region = regions[next]
                guard region.range.upperBound <= b.count else {
                    report.findings.append(StructureFinding(
                        detail: "The \(format) is cut short: \(region.announcer) puts \(region.detail) at bytes \(region.range.lowerBound) to \(region.range.upperBound), but the file ends at byte \(b.count)."))
                    return report
                }
                if let problem = region.verify(b, region.range) {
                    report.findings.append(StructureFinding(
                        detail: "\(region.detail.prefix(1).uppercased())\(region.detail.dropFirst()) at byte \(region.range.lowerBound), announced by \(region.announcer), \(problem)."))
                    return report
                }
                report.trailing.append(TrailingSegment(offset: position, bytes: region.range.count, kind: region.kind,
                                                       detail: region.detail))
                position = region.range.upperBound
                next += 1
                continue
            }
            let limit = min(b.count, next < regions.count ? regions[next].range.lowerBound : b.count)
            var run = position
            var classes = PaddingClasses()
            while run < limit, let kind = paddingClass(b[run]) {
                // An FF right before data is the start of a marker (a JPEG's FF D8), not fill.
                if kind == .fill, run + 1 < limit, paddingClass(b[run + 1]) == nil { break }
                classes.insert(kind)
                run += 1
            }
            if run > position {
                report.trailing.append(TrailingSegment(offset: position, bytes: run - position, kind: .padding,
                                                       detail: classes.description))
                position = run
                continue
            }
            report.findings.append(unannouncedDataFinding(b, at: position, end: end, format: format,
                                                          endDescription: endDescription))
            return report
        }
        return report
    }

    /// The finding for data nothing announces, naming what it is where the sniffer can tell.
    static func unannouncedDataFinding(_ b: ContentBytes, at position: Int, end: Int, format: String,
                                       endDescription: String) -> StructureFinding {
        let count = b.count - position
        let head = b[position..<min(b.count, position + TypeSniffer.headLength)]
        let type = TypeSniffer.detect(head)
        let what = type == .unknown ? "" : " It is \(BundleValidator.article(type.displayName)), which no camera or scanner puts there."
        if position == end {
            return StructureFinding(detail: "\(bytes(count)) of data after the end of the \(format) (\(endDescription)).\(what)",
                                    isTrailingData: true)
        }
        return StructureFinding(
            detail: "\(bytes(count)) of data at byte \(position), after the end of the \(format) (\(endDescription)) and the padding or pictures that follow it.\(what)",
            isTrailingData: true)
    }

    /// Which kind of padding a byte is, or `nil` when it is not padding.
    private static func paddingClass(_ byte: UInt8) -> PaddingClasses.Element? {
        switch byte {
        case 0x00: .nul
        case 0x09, 0x0A, 0x0C, 0x0D, 0x20: .whitespace
        case 0xFF: .fill
        default: nil
        }
    }

    /// The kinds of padding seen in one run, for the segment's detail.
    struct PaddingClasses {
        enum Element: Int { case nul, whitespace, fill }
        private var bits = 0
        mutating func insert(_ element: Element) { bits |= 1 << element.rawValue }
        var description: String {
            var names: [String] = []
            if bits & 1 != 0 { names.append("NUL") }
            if bits & 2 != 0 { names.append("whitespace") }
            if bits & 4 != 0 { names.append("0xFF fill") }
            return names.joined(separator: " and ")
        }
    }

    // MARK: - ISO-BMFF videos (motion photos)

    /// The end of the run of ISO-BMFF boxes at `start` (an MP4 or QuickTime movie), which must
    /// open with `ftyp` and hold a `moov`; `nil` with the problem when it is not such a movie.
    ///
    /// The walk stops at `limit` or at the first bytes that are not a box header, so what
    /// follows the movie is judged by the caller.
    static func movieEnd(_ b: ContentBytes, from start: Int, limit: Int) -> (end: Int?, problem: String?) {
        var position = start
        var boxes = 0
        var sawMovie = false
        while position + 8 <= limit {
            var size = Int(b.uint32BE(at: position))
            let type = b[(position + 4)..<(position + 8)]
            guard type.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x20 || ($0 >= 0x41 && $0 <= 0x5A) || $0 == 0xA9 }) else { break }
            if boxes == 0, !b.matches(Array("ftyp".utf8), at: position + 4) {
                return (nil, "does not open with an ftyp box")
            }
            if size == 1 {
                guard position + 16 <= limit else { return (nil, "is cut short inside a box header at byte \(position)") }
                let large = UInt64(b.uint32BE(at: position + 8)) << 32 | UInt64(b.uint32BE(at: position + 12))
                guard large <= UInt64(Int.max) else { return (nil, "has a box at byte \(position) larger than any file") }
                size = Int(large)
                guard size >= 16 else { return (nil, "has a box at byte \(position) with an impossible size") }
            } else if size == 0 {
                size = limit - position
            } else if size < 8 {
                break
            }
            guard position + size <= limit else {
                return (nil, "has a box at byte \(position) of \(bytes(size)) that runs past the end of the file")
            }
            if b.matches(Array("moov".utf8), at: position + 4) { sawMovie = true }
            position += size
            boxes += 1
        }
        guard boxes > 0 else { return (nil, "is not an MP4 or QuickTime movie (no ftyp box)") }
        guard sawMovie else { return (nil, "has no moov box, so it is no playable movie") }
        return (position, nil)
    }
}

// MARK: - What a JPEG announces after its end

/// What a JPEG's header segments say follows its EOI: the MPF index (APP2) and the XMP (APP1).
struct JPEGAnnouncements {
    /// The pictures of a multi-picture file after the first: absolute offset and size.
    private var mpfPictures: [(offset: Int, size: Int)] = []
    private var mpfAt: Int?
    /// Where the XMP packet is, for motion-photo and container items.
    private var xmp: Range<Int>?
    private var xmpAt: Int?

    private static let mpfSignature: [UInt8] = Array("MPF\u{0}".utf8)
    private static let xmpSignature: [UInt8] = Array("http://ns.adobe.com/xap/1.0/\u{0}".utf8)

    /// Takes note of an APP1 or APP2 segment's payload.
    mutating func note(_ b: ContentBytes, marker: UInt8, payload: Range<Int>, at offset: Int) {
        if marker == 0xE2, mpfAt == nil, payload.count >= Self.mpfSignature.count + 8,
           b.matches(Self.mpfSignature, at: payload.lowerBound) {
            mpfAt = offset
            mpfPictures = Self.mpfIndex(b, header: payload.lowerBound + 4, end: payload.upperBound)
        } else if marker == 0xE1, xmp == nil, payload.count >= Self.xmpSignature.count,
                  b.matches(Self.xmpSignature, at: payload.lowerBound) {
            xmp = (payload.lowerBound + Self.xmpSignature.count)..<payload.upperBound
            xmpAt = offset
        }
    }

    /// Reads the MP entries of an MPF index (CIPA DC-007): a TIFF-style header (II or MM), an
    /// IFD whose tag B002 points at 16-byte entries (attributes, size, offset from the header).
    /// The first entry is the primary picture itself (offset 0) and is skipped.
    private static func mpfIndex(_ b: ContentBytes, header: Int, end: Int) -> [(offset: Int, size: Int)] {
        guard header + 8 <= end else { return [] }
        let little: Bool
        if b.matches([0x49, 0x49, 0x2A, 0x00], at: header) { little = true }
        else if b.matches([0x4D, 0x4D, 0x00, 0x2A], at: header) { little = false }
        else { return [] }
        func u16(_ at: Int) -> Int { Int(little ? b.uint16LE(at: at) : b.uint16BE(at: at)) }
        func u32(_ at: Int) -> Int { Int(little ? b.uint32LE(at: at) : b.uint32BE(at: at)) }
        let ifd = header + u32(header + 4)
        guard ifd >= header + 8, ifd + 2 <= end else { return [] }
        let count = u16(ifd)
        guard ifd + 2 + 12 * count <= end else { return [] }
        for k in 0..<count {
            let entry = ifd + 2 + 12 * k
            guard u16(entry) == 0xB002 else { continue }
            let length = u32(entry + 4)
            let start = header + u32(entry + 8)
            guard length % 16 == 0, length <= 16 * 64, start >= header, start + length <= end else { return [] }
            var pictures: [(offset: Int, size: Int)] = []
            for i in 1..<max(1, length / 16) {
                let record = start + 16 * i
                let size = u32(record + 4)
                let offset = u32(record + 8)
                if size > 0, offset > 0 { pictures.append((header + offset, size)) }
            }
            return pictures
        }
        return []
    }

    /// The regions after `imageEnd` that the file announces.
    func regions(_ b: ContentBytes, imageEnd: Int) -> [StructureChecker.AnnouncedRegion] {
        var regions: [StructureChecker.AnnouncedRegion] = []
        for (index, picture) in mpfPictures.enumerated() where picture.offset >= imageEnd {
            regions.append(StructureChecker.AnnouncedRegion(
                range: picture.offset..<(picture.offset + picture.size), kind: .mpfImage,
                detail: "picture \(index + 2) of the multi-picture file",
                announcer: "the MPF index in APP2 at byte \(mpfAt ?? 0)",
                verify: { b, range in
                    let picture = b.slice(range)
                    let report = StructureChecker.checkJPEG(picture, announcing: false)
                    guard let first = report.findings.first else { return nil }
                    return "is not a sound JPEG: \(first.detail)"
                }))
        }
        let samsung = Self.samsungTrailer(b, after: imageEnd)
        if let samsung { regions.append(samsung.region) }
        if let xmp, let start = Self.motionPhotoStart(b, xmp: xmp), start >= imageEnd {
            let limit = samsung?.region.range.lowerBound ?? b.count
            let announcer = "the XMP in APP1 at byte \(xmpAt ?? 0)"
            if start < limit {
                let (end, problem) = StructureChecker.movieEnd(b, from: start, limit: limit)
                regions.append(StructureChecker.AnnouncedRegion(
                    range: start..<(end ?? limit), kind: .motionPhotoVideo, detail: "the motion photo's video",
                    announcer: announcer, verify: { _, _ in problem }))
            }
        }
        return regions
    }

    /// Where the XMP says the motion photo's video starts: `GCamera:MicroVideoOffset` (bytes
    /// from the end of the file), or the `MotionPhoto` item of a `Container:Directory`, whose
    /// items are laid out in order after the primary picture and end at the end of the file.
    private static func motionPhotoStart(_ b: ContentBytes, xmp: Range<Int>) -> Int? {
        let text = String(decoding: b[xmp], as: UTF8.self)
        if let offset = number(after: "MicroVideoOffset", in: text), offset > 0, offset <= b.count {
            return b.count - offset
        }
        // Container items: Semantic and Length, in order; the items after the primary fill the
        // end of the file, so an item starts at the end minus the lengths of it and those after it.
        var items: [(semantic: String, length: Int)] = []
        var rest = text[...]
        while let open = rest.range(of: "<Container:Item") {
            let element = rest[open.upperBound...]
            let close = element.range(of: ">")?.upperBound ?? element.endIndex
            let body = String(element[..<close])
            let semantic = attribute("Item:Semantic", in: body) ?? ""
            let length = Int(attribute("Item:Length", in: body) ?? "") ?? 0
            let padding = Int(attribute("Item:Padding", in: body) ?? "") ?? 0
            items.append((semantic, length + padding))
            rest = element[close...]
        }
        guard let video = items.lastIndex(where: { $0.semantic == "MotionPhoto" }), items[video].length > 0 else {
            return nil
        }
        let fromEnd = items[video...].reduce(0) { $0 + $1.length }
        return fromEnd <= b.count ? b.count - fromEnd : nil
    }

    /// The value of `name="…"` (or `<name>…</name>`) as a number.
    private static func number(after name: String, in text: String) -> Int? {
        if let value = attribute("GCamera:\(name)", in: text) ?? attribute(name, in: text) { return Int(value) }
        if let open = text.range(of: "<GCamera:\(name)>"), let close = text[open.upperBound...].range(of: "<") {
            return Int(text[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    private static func attribute(_ name: String, in text: String) -> String? {
        guard let key = text.range(of: "\(name)=\"") else { return nil }
        guard let end = text[key.upperBound...].firstIndex(of: "\"") else { return nil }
        return String(text[key.upperBound..<end])
    }

    /// Samsung's trailer: records, then a `SEFH` directory, then its size (32-bit little-endian)
    /// and `SEFT` as the file's last 8 bytes. Each directory entry (12 bytes: reserved, type,
    /// offset back from SEFH, length) names a record that starts with its type and name
    /// (`MotionPhoto_Data` holds the motion photo's MP4).
    private static func samsungTrailer(_ b: ContentBytes, after imageEnd: Int) -> (region: StructureChecker.AnnouncedRegion, video: Bool)? {
        let count = b.count
        guard count - imageEnd >= 24, b.matches(Array("SEFT".utf8), at: count - 4) else { return nil }
        let size = Int(b.uint32LE(at: count - 8))
        let directory = count - 8 - size
        guard size >= 12, directory >= imageEnd, b.matches(Array("SEFH".utf8), at: directory) else { return nil }
        let entries = Int(b.uint32LE(at: directory + 8))
        guard entries >= 1, entries <= 256, 12 + 12 * entries <= size else { return nil }
        var start = directory
        var names: [String] = []
        var problem: String?
        var video = false
        for k in 0..<entries {
            let entry = directory + 12 + 12 * k
            let back = Int(b.uint32LE(at: entry + 4))
            let length = Int(b.uint32LE(at: entry + 8))
            let record = directory - back
            guard back > 0, record >= imageEnd, length >= 8, record + length <= directory else {
                problem = "has a directory entry \(k + 1) that points outside the trailer"
                break
            }
            let nameLength = Int(b.uint32LE(at: record + 4))
            guard nameLength <= 64, 8 + nameLength <= length else {
                problem = "has a record at byte \(record) whose name does not fit in it"
                break
            }
            let name = String(decoding: b[(record + 8)..<(record + 8 + nameLength)], as: UTF8.self)
            names.append(name)
            if name == "MotionPhoto_Data", b.matches(Array("ftyp".utf8), at: record + 8 + nameLength + 4) { video = true }
            start = min(start, record)
        }
        let detail = video ? "Samsung's trailer with a motion photo video" : "Samsung's trailer"
        let shown = names.prefix(8).joined(separator: ", ")
        return (StructureChecker.AnnouncedRegion(
            range: start..<count, kind: .samsungTrailer, detail: names.isEmpty ? detail : "\(detail) (\(shown))",
            announcer: "the SEFH directory at byte \(directory)", verify: { _, _ in problem }), video)
    }
}
