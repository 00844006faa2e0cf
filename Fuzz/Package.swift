// swift-tools-version:6.0
// libFuzzer targets for every parser of untrusted or operator input. Built only by
// `scripts/fuzz` (with -sanitize=fuzzer,address), never by the main build or `swift test`.
import Foundation
import PackageDescription

// A path dependency is named after its folder, which differs between clones and worktrees.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let mainPackage = root.lastPathComponent.lowercased()

let package = Package(
    name: "intake-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        .target(name: "CFuzzDriver"),
        // One binary for every target (INTAKE_FUZZ_TARGET picks one): one link instead of a dozen.
        .executableTarget(
            name: "intake-fuzz",
            dependencies: ["CFuzzDriver", .product(name: "IntakeKit", package: mainPackage)],
            path: "Sources/IntakeFuzz",
            // No main of our own: libFuzzer's main drives LLVMFuzzerTestOneInput.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
