// swift-tools-version: 6.1
// Bulwark: high availability for any HTTP backend.
// One target per concern; dependencies point inward (see docs/ARCHITECTURE.md).
import PackageDescription

let package = Package(
    name: "bulwark",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Resilience", targets: ["Resilience"]),
        .library(name: "BulwarkRedis", targets: ["BulwarkRedis"]),
        .library(name: "BulwarkConfig", targets: ["BulwarkConfig"]),
        .library(name: "BulwarkGateway", targets: ["BulwarkGateway"]),
        .library(name: "BulwarkOperations", targets: ["BulwarkOperations"]),
        .library(name: "BulwarkBackup", targets: ["BulwarkBackup"]),
        .library(name: "BulwarkCredentials", targets: ["BulwarkCredentials"]),
        .library(name: "BulwarkSupervisor", targets: ["BulwarkSupervisor"]),
        .library(name: "BulwarkBench", targets: ["BulwarkBench"]),
        .library(name: "BulwarkCache", targets: ["BulwarkCache"]),
        .library(name: "BulwarkAuth", targets: ["BulwarkAuth"]),
        .library(name: "BulwarkAudit", targets: ["BulwarkAudit"]),
        .library(name: "BulwarkPostgresWire", targets: ["BulwarkPostgresWire"]),
        .library(name: "BulwarkPostgres", targets: ["BulwarkPostgres"]),
        .executable(name: "bulwark", targets: ["BulwarkCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/pointfreeco/swift-clocks", from: "1.1.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
    ],
    targets: [
        .target(
            name: "Resilience",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "BulwarkRedis",
            dependencies: [
                "Resilience",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "BulwarkConfig",
            dependencies: [
                "Resilience",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "BulwarkGateway",
            dependencies: [
                "Resilience",
                "BulwarkRedis",
                "BulwarkCache",
                "BulwarkAuth",
                "BulwarkAudit",
                "BulwarkConfig",
                "BulwarkCredentials",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "BulwarkOperations",
            dependencies: [
                "Resilience",
                "BulwarkAudit",
                "BulwarkPostgres",
                "BulwarkAuth",
                "BulwarkSupervisor",
                "BulwarkConfig",
                "BulwarkGateway",
                "BulwarkCredentials",
                "BulwarkRedis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .target(
            name: "BulwarkBackup",
            dependencies: [
                "Resilience",
                "BulwarkConfig",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "BulwarkCredentials",
            dependencies: [
                "Resilience",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "BulwarkDemo",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "BulwarkSupervisor",
            dependencies: [
                "Resilience",
                "BulwarkConfig",
                "BulwarkGateway",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "BulwarkBench",
            dependencies: [
                "Resilience",
                "BulwarkConfig",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "BulwarkCache",
            dependencies: [
                "Resilience",
                "BulwarkRedis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "BulwarkAuth",
            dependencies: [
                "Resilience",
                "BulwarkRedis",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "BulwarkAudit",
            dependencies: [
                "Resilience",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The PostgreSQL v3 wire protocol, parsed only as far as the proxy needs (NIOCore only: fuzzed).
        .target(
            name: "BulwarkPostgresWire",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The role-aware PostgreSQL proxy: cluster topology, session relay, query timing, server checks.
        .target(
            name: "BulwarkPostgres",
            dependencies: [
                "Resilience",
                "BulwarkConfig",
                "BulwarkPostgresWire",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Test helpers shared by test targets (a real redis-server on a free port); not a product.
        .target(
            name: "BulwarkTestSupport",
            dependencies: []
        ),
        .executableTarget(
            name: "BulwarkCLI",
            dependencies: [
                "BulwarkAudit",
                "BulwarkPostgres",
                "BulwarkConfig",
                "BulwarkGateway",
                "BulwarkOperations",
                "BulwarkBackup",
                "BulwarkDemo",
                "BulwarkSupervisor",
                "BulwarkBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "BulwarkSupervisorTests",
            dependencies: [
                "BulwarkSupervisor",
                "BulwarkConfig",
                "BulwarkGateway",
                "BulwarkTestSupport",
                "Resilience",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "BulwarkBenchTests",
            dependencies: [
                "BulwarkBench",
                "BulwarkTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "BulwarkCacheTests",
            dependencies: [
                "BulwarkCache",
                "BulwarkRedis",
                "BulwarkTestSupport",
                "Resilience",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "BulwarkAuthTests",
            dependencies: [
                "BulwarkAuth",
                "BulwarkRedis",
                "BulwarkTestSupport",
                "Resilience",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "BulwarkAuditTests",
            dependencies: [
                "BulwarkAudit",
                "BulwarkTestSupport",
                "Resilience",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "BulwarkPostgresTests",
            dependencies: [
                "BulwarkPostgres",
                "BulwarkPostgresWire",
                "BulwarkConfig",
                "BulwarkTestSupport",
                "Resilience",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "BulwarkConfigTests",
            dependencies: ["BulwarkConfig", "Resilience", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "BulwarkGatewayTests",
            dependencies: [
                "BulwarkAudit",
                "BulwarkGateway",
                "BulwarkCredentials",
                "BulwarkConfig",
                "BulwarkDemo",
                "BulwarkAuth",
                "BulwarkTestSupport",
                "Resilience",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Yams", package: "Yams"),
            ],
            // The framing corpus: raw messages read from disk by FramingSuiteTests, not sources or resources.
            exclude: ["Framing/Requests", "Framing/Responses", "Framing/README.md"]
        ),
        .testTarget(
            name: "BulwarkOperationsTests",
            dependencies: [
                "BulwarkAudit",
                "BulwarkPostgres",
                "BulwarkOperations",
                "BulwarkGateway",
                "BulwarkConfig",
                "BulwarkDemo",
                "BulwarkTestSupport",
                "Resilience",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "BulwarkBackupTests",
            dependencies: [
                "BulwarkBackup",
                "BulwarkConfig",
                "BulwarkDemo",
                "BulwarkTestSupport",
                "Resilience",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "BulwarkRedisTests",
            dependencies: [
                "BulwarkRedis",
                "BulwarkTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "BulwarkCredentialsTests",
            dependencies: [
                "BulwarkCredentials",
                "BulwarkTestSupport",
                "Resilience",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ResilienceTests",
            dependencies: [
                "Resilience",
                "BulwarkTestSupport",
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Async functions run on their caller's executor (SE-0461) instead of hopping to the global one: a
// guarded call costs no task switch per policy.
for target in package.targets {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]
}
