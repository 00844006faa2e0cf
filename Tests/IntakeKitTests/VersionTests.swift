import Testing
@testable import IntakeKit
@Test func version() { #expect(!IntakeVersion.string.isEmpty) }
