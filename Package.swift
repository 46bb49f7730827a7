// swift-tools-version:6.2
import PackageDescription

/// Settings every target of ours shares: Swift 6 language mode (complete concurrency checking) and the
/// upcoming features that keep imports and existentials explicit.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "swift-commerce",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CommerceCore", targets: ["CommerceCore"]),
        .library(name: "CommerceBcrypt", targets: ["CommerceBcrypt"]),
        .library(name: "CommerceInMemory", targets: ["CommerceInMemory"]),
        .library(name: "CommerceStorage", targets: ["CommerceStorage"]),
        .library(name: "CommercePostgres", targets: ["CommercePostgres"]),
        .library(name: "CommerceTesting", targets: ["CommerceTesting"]),
        .library(name: "CommerceHTTP", targets: ["CommerceHTTP"]),
        // Typed clients of both services, generated from their OpenAPI documents (scripts/generate-client).
        .library(
            name: "CommerceClient",
            targets: ["CommerceClient", "CommerceUserServiceClient", "CommerceOrderServiceClient"]),
        // Seeded runs of both services in one process, every invariant checked, over any stores.
        .library(name: "CommerceSimulation", targets: ["CommerceSimulation"]),
        .executable(name: "commerce-server", targets: ["ExampleServer"]),
        .executable(name: "commerce-simulate", targets: ["SimulateCommand"]),
    ],
    // commerce-server's OTLP/HTTP trace exporter (swift-otel) is a trait, off by default: it adds minutes
    // to a first build that an embedder who traces another way, or not at all, should not pay.
    // `swift build --traits OTLPExporter` turns it on; CI does.
    traits: [
        .trait(name: "OTLPExporter", description: "commerce-server exports traces over OTLP/HTTP (swift-otel)")
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.5.2"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // Helpers the library's own modules share (not a product): a JSON writer, UUID text, a text memo.
        .target(name: "CommerceSupport", swiftSettings: swiftSettings),
        // The domain and its contracts: no HTTP, SQL or server library.
        .target(
            name: "CommerceCore",
            dependencies: [
                "CommerceSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        // The bcrypt PasswordHasher: an adapter over hummingbird-auth, hashing on a NIO thread pool.
        .target(
            name: "CommerceBcrypt",
            dependencies: [
                "CommerceCore", "CommerceSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // How the SQL stores (SQLite, PostgreSQL) name their columns and lay out their rows (not a product).
        .target(
            name: "CommerceStoreRows", dependencies: ["CommerceCore", "CommerceSupport"], swiftSettings: swiftSettings),
        .target(
            name: "CommerceInMemory",
            dependencies: ["CommerceCore"],
            swiftSettings: swiftSettings
        ),
        // SQLite's process-wide settings, through its variadic `sqlite3_config`, which Swift cannot call.
        .target(name: "CSQLiteSettings", dependencies: [.product(name: "GRDBSQLite", package: "GRDB.swift")]),
        .target(
            name: "CommerceStorage",
            dependencies: [
                "CommerceCore", "CommerceInMemory", "CommerceStoreRows", "CommerceSupport", "CSQLiteSettings",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the read connections the order store drives itself (SQLiteReadConnection).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CommercePostgres",
            dependencies: [
                "CommerceCore", "CommerceStoreRows", "CommerceSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CommerceHTTP",
            dependencies: [
                "CommerceCore", "CommerceSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            // Compiled into the module, so a service needs no resource bundle beside its executable.
            resources: [
                .embedInCode("OpenAPI/user-service.openapi.yaml"),
                .embedInCode("OpenAPI/order-service.openapi.yaml"),
            ],
            swiftSettings: swiftSettings
        ),
        // Generated by scripts/generate-client from the services' documents; committed, never edited by hand.
        .target(
            name: "CommerceUserServiceClient",
            dependencies: [
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CommerceOrderServiceClient",
            dependencies: [
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            swiftSettings: swiftSettings
        ),
        // Both generated clients over AsyncHTTPClient, configured for the services' timestamps and tokens.
        .target(
            name: "CommerceClient",
            dependencies: [
                "CommerceOrderServiceClient", "CommerceUserServiceClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "commerce-client-example",
            dependencies: ["CommerceClient"],
            path: "Examples/ClientWalkthrough/Sources",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ExampleClientWalkthroughTests",
            dependencies: [
                "commerce-client-example", "CommerceClient", "CommerceCore", "CommerceOrderServiceClient",
                "CommerceTestSupport",
                "CommerceTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Examples/ClientWalkthrough/Tests",
            swiftSettings: swiftSettings
        ),
        // The simulator (Documentation/Testing.md, "The simulator") and its command.
        .target(
            name: "CommerceSimulation",
            dependencies: [
                "CommerceCore", "CommerceInMemory", "CommerceSupport", "CommerceTesting",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SimulateCommand",
            dependencies: ["CommerceCore", "CommerceInMemory", "CommerceSimulation", "CommerceStorage"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ExampleServer",
            dependencies: [
                "CommerceBcrypt", "CommerceCore", "CommerceHTTP", "CommercePostgres", "CommerceStorage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel", condition: .when(traits: ["OTLPExporter"])),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CommerceTesting",
            dependencies: [
                "CommerceBcrypt", "CommerceCore", "CommerceInMemory",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "commerce-inprocess-example",
            dependencies: ["CommerceBcrypt", "CommerceCore", "CommerceStorage"],
            path: "Examples/InProcessFlow",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "commerce-embedded-example",
            dependencies: [
                "CommerceBcrypt", "CommerceCore", "CommerceHTTP", "CommerceStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Examples/EmbeddedServer/Sources",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ExampleEmbeddedServerTests",
            dependencies: [
                "commerce-embedded-example", "CommerceCore", "CommerceInMemory", "CommerceTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Examples/EmbeddedServer/Tests",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ExampleCustomStore",
            dependencies: ["CommerceCore"],
            path: "Examples/CustomStore/Sources",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ExampleCustomStoreTests",
            dependencies: ["ExampleCustomStore", "CommerceCore", "CommerceStorage", "CommerceTesting"],
            path: "Examples/CustomStore/Tests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ExampleHarnessTests",
            dependencies: ["CommerceCore", "CommerceInMemory", "CommerceSimulation", "CommerceTesting"],
            path: "Examples/HarnessTests",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "commerce-storage-benchmark",
            dependencies: ["CommerceCore", "CommerceStorage"],
            path: "Benchmarks/StorageBenchmark",
            swiftSettings: swiftSettings
        ),
        // The load benchmark's references (scripts/bench): a Hummingbird "hello" route, and bcrypt alone.
        .executableTarget(
            name: "commerce-bench-reference",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            path: "Benchmarks/Reference",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CommerceCoreTests",
            dependencies: [
                "CommerceBcrypt", "CommerceCore", "CommerceStorage", "CommerceTesting",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CommerceStorageTests",
            dependencies: [
                "CommerceStorage", "CommerceTesting", "CSQLiteSettings",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // What the HTTP and end-to-end tests share: both services' applications over a harness, live clients,
        // ports (not a product).
        .target(
            name: "CommerceTestSupport",
            dependencies: [
                "CommerceBcrypt", "CommerceCore", "CommerceHTTP", "CommerceStorage", "CommerceTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/CommerceTestSupport",
            swiftSettings: swiftSettings
        ),
        // Route tests: each service's routes in process, and live over a socket.
        .testTarget(
            name: "CommerceHTTPTests",
            dependencies: [
                "CommerceBcrypt", "CommerceHTTP", "CommercePostgres", "CommerceStorage", "CommerceSupport",
                "CommerceTesting", "CommerceTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CommerceSimulationTests",
            dependencies: [
                "CommerceCore", "CommerceInMemory", "CommerceSimulation", "CommerceStorage", "CommerceTesting",
            ],
            swiftSettings: swiftSettings
        ),
        // Whole processes: commerce-server started, killed and restarted (fault suite, operator commands,
        // replicas, shutdown, database files), and both services live over HTTP.
        .testTarget(
            name: "CommerceEndToEndTests",
            dependencies: [
                "CommerceCore", "CommerceHTTP", "CommercePostgres", "CommerceStorage", "CommerceTesting",
                "CommerceTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ExampleServerTests",
            dependencies: [
                "ExampleServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CommercePostgresTests",
            dependencies: [
                "CommercePostgres", "CommerceStoreRows", "CommerceTesting", "CommerceInMemory",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CommerceTestingTests",
            // No CommerceStorage: the test kit must work for an app that brings its own stores without GRDB.
            dependencies: ["CommerceTesting", "CommerceCore", "CommerceInMemory"],
            swiftSettings: swiftSettings
        ),
    ]
)
