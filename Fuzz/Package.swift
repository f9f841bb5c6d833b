// swift-tools-version: 6.1
// libFuzzer targets for Bulwark, kept out of the main package so that its products, users and the main
// CI build are untouched. Build and run one with `scripts/fuzz TARGET SECONDS` (see docs/fuzzing.md).
//
// Each target is one folder under Targets/NAME holding a file with `@_cdecl("LLVMFuzzerTestOneInput")`,
// plus one line in `fuzzTargets` below naming the library products it needs (as few as possible: this is
// a second, sanitised build of everything they depend on). Seeds live in Corpus/NAME.
import PackageDescription

let bulwark = "bulwark"

let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
    ("resp", [.product(name: "BulwarkRedis", package: bulwark), .product(name: "NIOCore", package: "swift-nio")]),
    ("config", [.product(name: "BulwarkConfig", package: bulwark), .product(name: "Resilience", package: bulwark)]),
    ("path", [.product(name: "BulwarkGateway", package: bulwark), .product(name: "BulwarkConfig", package: bulwark)]),
    ("response", [.product(name: "BulwarkBench", package: bulwark), .product(name: "NIOCore", package: "swift-nio")]),
    ("cache-headers", [.product(name: "BulwarkGateway", package: bulwark), .product(name: "NIOHTTP1", package: "swift-nio")]),
    ("jwt", [.product(name: "BulwarkAuth", package: bulwark)]),
    ("postgres-wire", [.product(name: "BulwarkPostgresWire", package: bulwark), .product(name: "NIOCore", package: "swift-nio")]),
    ("request", [
        .product(name: "BulwarkGateway", package: bulwark), .product(name: "BulwarkConfig", package: bulwark),
        .product(name: "Resilience", package: bulwark), .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"), .product(name: "CoreMetrics", package: "swift-metrics"),
    ]),
]

let package = Package(
    name: "bulwark-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: bulwark, path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    ],
    targets: fuzzTargets.map { target in
        .executableTarget(
            name: "\(target.name)-fuzzer",
            dependencies: target.dependencies,
            path: "Targets/\(target.name)",
            // libFuzzer supplies `main`; the file only defines LLVMFuzzerTestOneInput.
            swiftSettings: [
                .unsafeFlags(["-parse-as-library"]),
                .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
            ]
        )
    },
    swiftLanguageModes: [.v6]
)
