import Foundation
import Testing
@testable import IntakeKit

/// The config reader answers every input with a value or one error naming line and column.
@Suite struct TOMLReaderTests {
    /// The error for `text`, as `line:column: detail`.
    private func failure(_ bytes: [UInt8]) -> (line: Int, column: Int, detail: String)? {
        do {
            _ = try TOMLReader.parse(bytes)
            return nil
        } catch {
            return (error.position.line, error.position.column, error.detail)
        }
    }

    private func failure(_ text: String) -> (line: Int, column: Int, detail: String)? {
        failure(Array(text.utf8))
    }

    @Test(arguments: [
        // The two inputs that aborted the process under the C++ library.
        ("[$", 1, 2, "'$' cannot start a key"),
        ("[a#b]", 1, 3, "expected ']' to close the table header, found '#' (a comment cannot start inside a table header)"),
        ("[site # the site]\nname = \"x\"\n", 1, 7, "found '#'"),
        ("[", 1, 2, "a table header ends before its name"),
        ("[]", 1, 2, "a table header needs a name"),
        ("[a", 1, 3, "expected ']' to close the table header, found the end of the file"),
        ("[[kinds]]", 1, 1, "arrays of tables"),
        ("[a]\n[a]\n", 2, 1, "the table [a] is defined twice (first on line 1)"),
        ("[a.b]\nx = 1\n[a]\ny = 2\n[a.b]\n", 5, 1, "the table [a.b] is defined twice"),
        ("a = 1\n[a]\n", 2, 2, "a is already a value (line 1), not a table"),
        ("[a]\nb.c = 1\n[a.b]\n", 3, 1, "already defined by dotted keys"),
        ("x = 1\nx = 2\n", 2, 1, "duplicate key x at the top level (first set on line 1)"),
        ("[site]\nname = \"a\"\n  name = 'b'\n", 3, 3, "duplicate key name in [site] (first set on line 2)"),
        ("[s]\n\"name\" = 1\nname = 2\n", 3, 1, "duplicate key name in [s]"),
        ("a.b = 1\na = 2\n", 2, 1, "duplicate key a"),
        ("name = \"unterminated\n", 1, 8, "the string opened here is not closed before the end of the line"),
        ("name = \"unterminated", 1, 8, "the string opened here is not closed"),
        ("name = 'unterminated\nx = 1", 1, 8, "not closed before the end of the line"),
        ("name = \"\"\"\nline\n", 1, 8, "the multi-line string opened here is not closed"),
        ("name = '''\nline\n", 1, 8, "the multi-line string opened here is not closed"),
        ("name = \"a\\qb\"\n", 1, 10, "\\q is not a valid escape"),
        ("name = \"\\uD800\"\n", 1, 9, "\\uD800 is not a Unicode scalar value"),
        ("name = \"\\U00110000\"\n", 1, 9, "is not a Unicode scalar value"),
        ("name = \"\\u12\"\n", 1, 9, "\\u needs 4 hexadecimal digits"),
        ("name = \"\\", 1, 9, "the string ends inside an escape"),
        ("name = \"tab\tok\u{1}\"\n", 1, 15, "the control character U+0001"),
        ("# comment \u{7F}\n", 1, 11, "a comment contains the control character U+007F"),
        ("name = x\n", 1, 8, "\"x\" is not a value; text must be in quotes"),
        ("n = 1.5\n", 1, 5, "not a whole number"),
        ("n = 1e3\n", 1, 5, "not a whole number"),
        ("n = inf\n", 1, 5, "not a whole number"),
        ("d = 1979-05-27\n", 1, 5, "dates and times"),
        ("d = 07:32:00\n", 1, 5, "dates and times"),
        ("n = 99999999999999999999\n", 1, 5, "does not fit in 64 bits"),
        ("n = 012\n", 1, 5, "not a valid whole number"),
        ("n = 1__2\n", 1, 5, "not a valid whole number"),
        ("n = { a = 1 }\n", 1, 5, "inline tables"),
        ("n = [[\"a\"]]\n", 1, 6, "lists of lists are not supported"),
        ("n = [\"a\" \"b\"]\n", 1, 10, "expected ',' or ']' in the list, found '\"'"),
        ("n = [\"a\",\n", 1, 5, "the list opened here is not closed"),
        ("n = \n", 1, 5, "expected a value after '='"),
        ("n =", 1, 4, "expected a value after '=', found the end of the file"),
        ("n\n", 1, 2, "expected '=' after the key n"),
        ("= 1\n", 1, 1, "'=' cannot start a key"),
        ("n = 1 2\n", 1, 7, "expected the end of the line, found '2'"),
        ("n = 1\rm = 2\n", 1, 6, "a carriage return (U+000D) must be followed by a line feed"),
        ("[한국]\n", 1, 2, "'한' cannot start a key"),
        ("x = \"a\"\u{200B}\n", 1, 8, "found U+200B"),
    ])
    func errorsNameTheirPlace(text: String, line: Int, column: Int, fragment: String) {
        let found = failure(text)
        #expect(found?.line == line, "\(text.debugDescription): \(String(describing: found))")
        #expect(found?.column == column, "\(text.debugDescription): \(String(describing: found))")
        #expect(found?.detail.contains(fragment) == true, "\(text.debugDescription): \(String(describing: found))")
    }

    @Test func invalidUTF8AndNULBytesNameTheirPlace() {
        let bad = failure(Array("[site]\nname = \"가".utf8) + [0xFF] + Array("\"\n".utf8))
        #expect(bad?.line == 2 && bad?.column == 10)
        #expect(bad?.detail.contains("not valid UTF-8") == true)
        let cut = failure(Array("name = \"".utf8) + [0xEC, 0x95])
        #expect(cut?.line == 1 && cut?.column == 9)
        #expect(cut?.detail.contains("cut short") == true)
        let surrogate = failure(Array("x = 1\n# ".utf8) + [0xED, 0xA0, 0x80])
        #expect(surrogate?.line == 2 && surrogate?.column == 3)
        let nul = failure(Array("[site]\nname = \"a".utf8) + [0] + Array("b\"\n".utf8))
        #expect(nul?.line == 2 && nul?.column == 10 && nul?.detail.contains("U+0000") == true)
        let nulKey = failure([0x00])
        #expect(nulKey?.line == 1 && nulKey?.column == 1)
    }

    @Test func deepAndLongInputIsRefusedOrReadWithoutTrouble() throws {
        // 100,000 dotted parts: refused at the 33rd, no recursion, no giant table chain.
        let deep = failure("[" + Array(repeating: "a", count: 100_000).joined(separator: ".") + "]")
        #expect(deep?.line == 1 && deep?.column == 66 && deep?.detail.contains("more than 32 dotted parts") == true)
        let deepKey = failure(Array(repeating: "a", count: 50_000).joined(separator: ".") + " = 1")
        #expect(deepKey?.detail.contains("more than 32 dotted parts") == true)
        // 100,000 nested lists: refused at the second bracket.
        let nested = failure("x = " + String(repeating: "[", count: 100_000))
        #expect(nested?.line == 1 && nested?.column == 6 && nested?.detail.contains("lists of lists") == true)
        // A megabyte-long string and a 100,000-element list on one line are fine.
        let long = String(repeating: "가", count: 300_000)
        #expect(try TOMLReader.parse(Array("name = \"\(long)\"".utf8))["name"]?.string == long)
        let list = "x = [" + Array(repeating: "\"a\"", count: 100_000).joined(separator: ",") + "]\ny = \"z"
        let listFailure = failure(list)
        #expect(listFailure?.line == 2 && listFailure?.column == 5)
        // Many lines: the line number stays exact.
        let lines = String(repeating: "# c\n", count: 200_000) + "x = ?"
        #expect(failure(lines)?.line == 200_001)
    }

    @Test func theSubsetIntakeUsesIsRead() throws {
        let table = try TOMLReader.parse(Array(#"""
        # comment
        top = "t" # trailing comment
        [site]
        name = "서울 \"산악회\" \u00E9\U0001F600\t\\"
        path = 'C:\no\escapes'
        note = """
        first line
        second \
            joined"""
        raw = '''
        'quoted' and \n'''
        n = -12_345
        hex = 0xFF
        oct = 0o17
        bin = 0b101
        yes = true
        no = false
        list = [
          "a", # first
          'b',
        ]
        empty = []
        [kinds . photo]
        types = ["image/jpeg"]
        [communities."seoul-hiking"]
        "any key" = "v"
        dotted.key = 1
        [communities.'busan sea']
        x = 2
        """#.utf8))
        #expect(table.keys == ["top", "site", "kinds", "communities"])
        let site = try #require(table["site"]?.table)
        #expect(site["name"]?.string == "서울 \"산악회\" é😀\t\\")
        #expect(site["path"]?.string == #"C:\no\escapes"#)
        #expect(site["note"]?.string == "first line\nsecond joined")
        #expect(site["raw"]?.string == "'quoted' and \\n")
        #expect(site["n"]?.int == -12_345)
        #expect(site["hex"]?.int == 255 && site["oct"]?.int == 15 && site["bin"]?.int == 5)
        #expect(site["yes"]?.bool == true && site["no"]?.bool == false)
        #expect(site["list"]?.array?.compactMap(\.string) == ["a", "b"])
        #expect(site["empty"]?.array?.isEmpty == true)
        #expect(table.value(at: ["kinds", "photo", "types"])?.array?.first?.string == "image/jpeg")
        #expect(table.value(at: ["communities", "seoul-hiking", "any key"])?.string == "v")
        #expect(table.value(at: ["communities", "seoul-hiking", "dotted", "key"])?.int == 1)
        #expect(table.value(at: ["communities", "busan sea", "x"])?.int == 2)
        #expect(table.value(at: ["site", "n"])?.position == TOMLPosition(line: 12, column: 1))
        // CRLF line ends, a byte order mark and a super-table defined after its sub-table.
        let crlf = try TOMLReader.parse([0xEF, 0xBB, 0xBF] + Array("[a.b]\r\nx = 1\r\n[a]\r\ny = 2\r\n".utf8))
        #expect(crlf.value(at: ["a", "b", "x"])?.int == 1 && crlf.value(at: ["a", "y"])?.int == 2)
    }

    /// Whatever the bytes, the config answers with one line naming file, line and column.
    @Test func everyConfigErrorIsOneLineWithLineAndColumn() {
        let samples: [[UInt8]] = [
            Array("[$".utf8), Array("[a#b]".utf8), Array("x = \"\\u{0A}\n".utf8), [0x5B, 0xFF], [0],
            Array("[site]\nname = 5\n".utf8), Array("[site]\nadmin_email = \"a\\nb\"\n".utf8),
            Array("[kinds.\"a\\nb\"]\ntypes = [\"x\\n\"]\n".utf8), Array("[\"a\\nb\"]\n".utf8),
            Array("[site]\ndefault_locale = \"fr\\n\"\n".utf8), Array("[limits]\nmax_attachments = 0x7FFFFFFFFFFFFFFF\n".utf8),
        ]
        for bytes in samples {
            do {
                _ = try SiteConfig.parse(bytes: bytes, file: "intake.toml")
                Issue.record("accepted \(bytes)")
            } catch {
                let text = error.localizedDescription
                #expect(!text.contains("\n") && !text.contains("\r"), "\(text)")
                #expect(text.range(of: #"^intake\.toml:\d+:\d+: "#, options: .regularExpression) != nil, "\(text)")
            }
        }
    }
}
