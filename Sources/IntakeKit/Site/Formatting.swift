import Crypto
import Foundation

extension Digest {
    /// Lower-case hexadecimal, as the stores write digests.
    var hexString: String {
        var out = ""
        out.reserveCapacity(Self.byteCount * 2)
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.byteCount * 2)
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0xF)])
        }
        out = String(decoding: bytes, as: UTF8.self)
        return out
    }
}

/// Human byte counts for reasons and summaries.
public enum ByteCount {
    public static func text(_ bytes: Int) -> String {
        if bytes >= 1 << 30 { return String(format: "%.1f GiB", Double(bytes) / Double(1 << 30)) }
        if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20)) }
        if bytes >= 1 << 10 { return String(format: "%.1f KiB", Double(bytes) / Double(1 << 10)) }
        return "\(bytes) bytes"
    }
}
