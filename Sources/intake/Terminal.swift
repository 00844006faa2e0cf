import Foundation
import IntakeKit

/// Everything the executable writes to the terminal goes through here.
enum Terminal {
    /// Writes a line to stdout. A reader that went away (`intake list | head`) ends the output,
    /// never the work: SIGPIPE is ignored and a failed write is dropped.
    static func out(_ line: String) {
        write(Data((printable(line) + "\n").utf8), to: .standardOutput)
    }

    static func error(_ line: String) {
        write(Data(("intake: " + printable(line) + "\n").utf8), to: .standardError)
    }

    static func write(_ data: Data, to handle: FileHandle) {
        try? handle.write(contentsOf: data)
    }

    /// Names come from applicants: control characters (escape sequences among them) are shown
    /// as U+FFFD, never sent to the admin's terminal or cron mail.
    static func printable(_ line: String) -> String {
        guard line.unicodeScalars.contains(where: isControl) else { return line }
        return String(String.UnicodeScalarView(line.unicodeScalars.map { isControl($0) ? "\u{FFFD}" : $0 }))
    }

    private static func isControl(_ s: Unicode.Scalar) -> Bool {
        (s.value < 0x20 && s != "\n" && s != "\t") || (0x7F...0x9F).contains(s.value)
    }

    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Prints one JSON document (pretty, keys sorted, Korean as is).
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        out(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Pads a column by display width (Hangul and other wide characters take two cells),
    /// always leaving at least one space before the next column.
    static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(1, width - displayWidth(text)))
    }

    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { sum, scalar in
            let v = scalar.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v)
            let zero = (0x0300...0x036F).contains(v) || (0x1160...0x11FF).contains(v) || v == 0x200D || (0xFE00...0xFE0F).contains(v)
            return sum + (zero ? 0 : (wide ? 2 : 1))
        }
    }

    /// A progress line on stderr, redrawn in place; only on a terminal.
    final class ProgressLine: @unchecked Sendable {
        private let lock = NSLock()
        private var lastDraw = Date.distantPast
        private let enabled: Bool
        private let unit: String

        init(unit: String = "bundles") {
            enabled = Terminal.stderrIsTerminal
            self.unit = unit
        }

        func update(_ p: RunProgress) {
            guard enabled else { return }
            lock.lock(); defer { lock.unlock() }
            let now = Date()
            guard p.done == p.total || now.timeIntervalSince(lastDraw) > 0.2 else { return }
            lastDraw = now
            let rate = p.elapsed > 0 ? Double(p.done) / p.elapsed : 0
            let mbps = p.elapsed > 0 ? Double(p.bytes) / p.elapsed / 1_000_000 : 0
            let percent = p.total > 0 ? p.done * 100 / p.total : 100
            var line = "\r\u{1B}[2K\(p.done)/\(p.total) \(unit) (\(percent)%), " + String(format: "%.0f", rate) + " \(unit)/s"
            if p.bytes > 0 { line += String(format: ", %.0f MB/s", mbps) }
            Terminal.write(Data(line.utf8), to: .standardError)
        }

        func finish() {
            guard enabled else { return }
            Terminal.write(Data("\r\u{1B}[2K".utf8), to: .standardError)
        }
    }
}
