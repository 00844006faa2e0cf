import Crypto
import Foundation
import IntakeKit

/// Real, structurally complete files of each type, made in memory with pseudo-random bulk so
/// that sizes (and hashing costs) are what the test asks for.
enum SampleFiles {
    static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Deterministic filler bytes.
    static func noise(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            out[i] = UInt8(truncatingIfNeeded: state)
        }
        return out
    }

    private static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    private static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }

    private static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        let crc = body.withUnsafeBytes { CRC32.checksum($0) }
        return be32(UInt32(data.count)) + body + be32(crc)
    }

    /// A PNG whose IDAT holds `bulk` bytes of stored (uncompressed) deflate data: valid zlib.
    static func png(bulk: Int = 2000, seed: UInt64 = 1) -> Data {
        let width = 16
        let rowBytes = 1 + width * 3
        let rows = max(1, bulk / rowBytes)
        var raw: [UInt8] = []
        let fill = noise(rows * width * 3, seed: seed)
        for r in 0..<rows {
            raw.append(0)
            raw += fill[(r * width * 3)..<((r + 1) * width * 3)]
        }
        var zlib: [UInt8] = [0x78, 0x01]
        var offset = 0
        while offset < raw.count {
            let n = min(65535, raw.count - offset)
            let final: UInt8 = offset + n >= raw.count ? 1 : 0
            zlib += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            zlib += raw[offset..<(offset + n)]
            offset += n
        }
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in raw { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        zlib += be32(b << 16 | a)
        let ihdr = be32(UInt32(width)) + be32(UInt32(rows)) + [8, 2, 0, 0, 0]
        let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + pngChunk("IHDR", ihdr) + pngChunk("IDAT", zlib) + pngChunk("IEND", [])
        return Data(bytes)
    }

    /// A baseline JPEG layout: SOI, APP0, DQT, SOF0, DHT, SOS, entropy data without markers, EOI.
    static func jpeg(bulk: Int = 2000, seed: UInt64 = 2) -> Data {
        var out: [UInt8] = [0xFF, 0xD8]
        out += [0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]
        out += [0xFF, 0xDB, 0x00, 0x43, 0x00] + [UInt8](repeating: 1, count: 64)
        out += [0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00]
        out += [0xFF, 0xC4, 0x00, 0x14, 0x00] + [0x01] + [UInt8](repeating: 0, count: 15) + [0x00]
        out += [0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]
        // Entropy-coded data: any byte but 0xFF (a real encoder stuffs 0xFF as FF 00).
        out += noise(bulk, seed: seed).map { $0 == 0xFF ? 0x7F : $0 }
        out += [0xFF, 0xD9]
        return Data(out)
    }

    /// A small PDF with a real xref table and trailer.
    static func pdf(bulk: Int = 500, seed: UInt64 = 3) -> Data {
        var body = "%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n"
        var offsets: [Int] = []
        func object(_ text: String) {
            offsets.append(body.utf8.count)
            body += text
        }
        object("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
        object("2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n")
        object("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>\nendobj\n")
        let filler = noise(bulk, seed: seed).map { String(format: "%02x", $0) }.joined()
        object("4 0 obj\n<< /Length \(filler.utf8.count) >>\nstream\n\(filler)\nendstream\nendobj\n")
        let xref = body.utf8.count
        body += "xref\n0 5\n0000000000 65535 f \n"
        for o in offsets { body += String(format: "%010d 00000 n \n", o) }
        body += "trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(body.utf8)
    }

    /// A lossless WebP container with a VP8L chunk.
    static func webp(bulk: Int = 1000, seed: UInt64 = 4) -> Data {
        var payload: [UInt8] = [0x2F, 0x0F, 0xC0, 0x03, 0x00] + noise(bulk, seed: seed)
        if payload.count % 2 == 1 { payload.append(0) }
        let chunk = Array("VP8L".utf8) + le32(UInt32(payload.count)) + payload
        let riff = Array("WEBP".utf8) + chunk
        return Data(Array("RIFF".utf8) + le32(UInt32(riff.count)) + riff)
    }

    /// A Windows executable header (what a `.pdf` must never be).
    static func windowsExecutable() -> Data {
        var bytes = [UInt8](repeating: 0, count: 512)
        bytes[0] = 0x4D; bytes[1] = 0x5A
        bytes[0x3C] = 0x80
        bytes[0x80] = 0x50; bytes[0x81] = 0x45
        return Data(bytes)
    }
}

/// Writes application bundles as the upload front end would.
struct BundleWriter {
    struct File {
        var name: String
        var kind: String
        var declared: String
        var data: Data
        var listed = true
    }

    var name: String
    var applicantName = "김민수"
    var email = "minsu@example.kr"
    var phone: String? = "+82 10-1234-5678"
    var locale = "ko"
    var community = "seoul-hiking"
    var files: [File] = []
    var xml = false

    static func typical(_ name: String, seed: UInt64 = 1, applicant: String = "김민수", email: String = "minsu@example.kr") -> BundleWriter {
        var b = BundleWriter(name: name)
        b.applicantName = applicant
        b.email = email
        b.files = [
            File(name: "photo.jpg", kind: "photo", declared: "image/jpeg", data: SampleFiles.jpeg(bulk: 3000, seed: seed)),
            File(name: "가입신청서.pdf", kind: "form", declared: "application/pdf", data: SampleFiles.pdf(seed: seed)),
        ]
        return b
    }

    func manifestJSON() -> Data {
        let attachments = files.filter(\.listed).map { ["file": $0.name, "kind": $0.kind, "content_type": $0.declared] }
        var applicant: [String: Any] = ["name": applicantName, "email": email, "locale": locale]
        if let phone { applicant["phone"] = phone }
        let object: [String: Any] = [
            "schema": "community-application/1",
            "community": community,
            "applicant": applicant,
            "answers": ["motivation": "주말 산행을 함께하고 싶습니다."],
            "attachments": attachments,
            "submitted_at": "2026-11-29T21:14:00+09:00",
        ]
        return try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    func manifestXML() -> Data {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        var xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <application schema="community-application/1">
          <community>\(esc(community))</community>
          <applicant><name>\(esc(applicantName))</name><email>\(esc(email))</email>\(phone.map { "<phone>\(esc($0))</phone>" } ?? "")<locale>\(locale)</locale></applicant>
          <answers><answer key="motivation">주말 산행을 함께하고 싶습니다.</answer></answers>

        """
        for f in files where f.listed {
            xml += "  <attachment file=\"\(esc(f.name))\" kind=\"\(f.kind)\" content-type=\"\(f.declared)\"/>\n"
        }
        xml += "  <submitted_at>2026-11-29T21:14:00+09:00</submitted_at>\n</application>\n"
        return Data(xml.utf8)
    }

    /// Writes the bundle folder into `inbox`, manifest last (as a careful uploader does).
    @discardableResult
    func write(into inbox: String, manifestOverride: Data? = nil) throws -> String {
        let dir = (inbox as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for f in files {
            try f.data.write(to: URL(fileURLWithPath: (dir as NSString).appendingPathComponent(f.name)))
        }
        let manifest = manifestOverride ?? (xml ? manifestXML() : manifestJSON())
        try manifest.write(to: URL(fileURLWithPath: (dir as NSString).appendingPathComponent(xml ? "application.xml" : "application.json")))
        return dir
    }
}
