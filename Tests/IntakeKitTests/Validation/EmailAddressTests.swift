import IntakeKit
import Testing

struct EmailAddressTests {
    @Test(arguments: [
        "minsu@example.kr",
        "kim.minsu@naver.example",
        "minsu+club@daum.example",
        "KimMinsu@Example.KR",
        "o'brien@example.ie",
        "user_name-1@sub.domain.example.co.uk",
        "x@ab.cd",
        "a!#$%&'*+/=?^_`{|}~-@example.org",
        "1234567890@example.com",
        String(repeating: "a", count: 64) + "@example.com",
    ])
    func plausibleAddresses(address: String) {
        #expect(EmailAddress.isPlausible(address))
    }

    @Test(arguments: [
        "",
        "plainaddress",
        "x@",
        "@example.com",
        ".minsu@example.kr",
        "minsu.@example.kr",
        "min..su@example.kr",
        "minsu@example",
        "minsu@example.k",
        "minsu@example.123",
        "minsu@-example.kr",
        "minsu@example-.kr",
        "minsu@example..kr",
        "민수@example.kr",
        "minsu@예시.kr",
        "min su@example.kr",
        " minsu@example.kr",
        "\"minsu\"@example.kr",
        "minsu@[192.168.0.1]",
        "a@b@example.kr",
        "minsu@example.kr\r\nBcc: evil@example.com",
        String(repeating: "a", count: 65) + "@example.com",
        "a@" + String(repeating: "b", count: 64) + ".kr",
        "a@" + Array(repeating: String(repeating: "b", count: 60), count: 5).joined(separator: ".") + ".kr",
    ])
    func implausibleAddresses(address: String) {
        #expect(!EmailAddress.isPlausible(address))
    }
}
