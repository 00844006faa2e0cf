import Foundation

/// Finds who to write to in a manifest too broken to parse, so the applicant still hears why.
///
/// Only an address that passes ``EmailAddress/isPlausible(_:)`` is used; the name is cleaned
/// of control characters. Nothing from here is recorded as application data.
enum ManifestSalvage {
    static func contact(from bytes: [UInt8], format: ManifestFormat) -> Applicant? {
        let text = String(decoding: bytes.prefix(1 << 20), as: UTF8.self)
        let email: String?
        let name: String?
        let locale: String?
        switch format {
        case .json:
            email = firstMatch(#""email"\s*:\s*"([^"\\]{3,254})""#, in: text)
            name = firstMatch(#""name"\s*:\s*"([^"\\]{1,200})""#, in: text)
            locale = firstMatch(#""locale"\s*:\s*"([A-Za-z_-]{2,12})""#, in: text)
        case .xml:
            email = firstMatch(#"<email>\s*([^<]{3,254}?)\s*</email>"#, in: text)
            name = firstMatch(#"<name>\s*([^<]{1,200}?)\s*</name>"#, in: text)
            locale = firstMatch(#"<locale>\s*([A-Za-z_-]{2,12})\s*</locale>"#, in: text)
        }
        guard let email, EmailAddress.isPlausible(email) else { return nil }
        let cleanName = (name ?? "").unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }
        return Applicant(name: String(String.UnicodeScalarView(cleanName)), email: email, phone: nil, locale: locale ?? "")
    }

    /// The community a manifest too broken to parse names, when it names a plausible one.
    static func community(from bytes: [UInt8], format: ManifestFormat) -> String? {
        let text = String(decoding: bytes.prefix(1 << 20), as: UTF8.self)
        let found: String?
        switch format {
        case .json: found = firstMatch(#""community"\s*:\s*"([a-z0-9-]{1,64})""#, in: text)
        case .xml: found = firstMatch(#"<community>\s*([a-z0-9-]{1,64})\s*</community>"#, in: text)
        }
        return found.flatMap { ManifestRules.isSlug($0) ? $0 : nil }
    }

    private static func firstMatch(_ pattern: String, in text: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let range = Range(match.range(at: 1), in: text) else { return nil }
        return String(text[range])
    }
}
