import Foundation
import Testing

/// A broken intake.toml never takes a command down: every command answers exit 78 with one
/// line naming the file, line and column (the C++ TOML library aborted on some of these).
@Suite struct ConfigErrorTests {
    @Test(arguments: [
        ([UInt8]("[$".utf8), "intake.toml:1:2: '$' cannot start a key"),
        ([UInt8]("[site]\n[kinds#photo]\n".utf8), "intake.toml:2:7: expected ']' to close the table header, found '#'"),
        ([UInt8]("[site]\nname = \"unterminated\n".utf8), "intake.toml:2:8: the string opened here is not closed"),
        ([UInt8]("[site]\nname = \"".utf8) + [0xC3, 0x28, 0x22], "intake.toml:2:9: the file is not valid UTF-8"),
        ([UInt8]("[site]\nsettle_secs = 3\n".utf8), "intake.toml:2:1: unknown key \"site.settle_secs\""),
    ])
    func everyCommandAnswers78WithOneLine(config: [UInt8], expected: String) throws {
        let site = try TestSite()
        try Data(config).write(to: URL(fileURLWithPath: site.path("intake.toml")))

        let run = try site.intake("run")
        #expect(run.status == 78)
        #expect(run.stdout.isEmpty)
        let runLines = run.stderr.split(separator: "\n")
        #expect(runLines.count == 1, "\(run.stderr)")
        #expect(run.stderr.contains(expected), "\(run.stderr)")

        for command in ["list", "search"] {
            let other = try site.intake(command, arguments: command == "search" ? ["x"] : [])
            #expect(other.status == 78, "\(command): \(other.stderr)")
            #expect(other.stderr.split(separator: "\n").count == 1 && other.stderr.contains(expected), "\(command): \(other.stderr)")
        }

        let doctor = try site.intake("doctor")
        #expect(doctor.status == 78)
        let fail = doctor.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
        #expect(fail.count == 1, "\(doctor.stdout)")
        #expect(fail.first?.contains("config") == true && fail.first?.contains(expected) == true, "\(doctor.stdout)")
    }
}
