// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "intake",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "intake", targets: ["intake"]),
        .library(name: "IntakeKit", targets: ["IntakeKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // The only place libxml2 (and zlib's CRC-32) is seen. Its header exposes plain C
        // types only, so libxml2's ICU-laden headers never meet Foundation's ICU module.
        .target(
            name: "CLibXML2",
            cSettings: [.unsafeFlags(["-I/usr/include/libxml2"])],
            linkerSettings: [.linkedLibrary("xml2"), .linkedLibrary("z")]
        ),
        // The only place libqpdf is seen: whether a PDF opens without a password, its page
        // tree and its cross-reference. Plain C types only cross its header.
        .target(
            name: "CQPDF",
            linkerSettings: [.linkedLibrary("qpdf")]
        ),
        // The only place SQLite is seen: the derived index beside the stores (data/index/).
        // Plain C types only cross its header.
        .target(
            name: "CSQLite",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        .target(
            name: "IntakeKit",
            dependencies: [
                "CLibXML2",
                "CQPDF",
                "CSQLite",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "intake",
            dependencies: [
                "IntakeKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "IntakeKitTests",
            dependencies: ["IntakeKit", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Fixtures")]
        ),
        // Drives the built `intake` binary end to end; it depends on the executable so that
        // `swift test` always builds it first.
        .testTarget(
            name: "IntakeCLITests",
            dependencies: ["IntakeKit", "intake", .product(name: "Crypto", package: "swift-crypto")]
        ),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
