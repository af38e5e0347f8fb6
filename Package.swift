// swift-tools-version:6.1
import PackageDescription

/// One set of compiler settings for every target, so strictness does not drift between modules.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")

let package = Package(
    name: "drehscheibe",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "drehscheibe", targets: ["drehscheibe"]),
        .executable(name: "drehscheibe-bench", targets: ["drehscheibe-bench"]),
        .library(name: "AMQP", targets: ["AMQP"]),
        .library(name: "CaseModel", targets: ["CaseModel"]),
        .library(name: "Adapters", targets: ["Adapters"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.21.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // C shim over Debian's librabbitmq-dev (0.11): only what Swift cannot call directly.
        .target(
            name: "CRabbitMQ",
            linkerSettings: [.linkedLibrary("rabbitmq")]
        ),
        // jemalloc (Debian's libjemalloc-dev) as the executable's malloc: the router allocates and
        // frees a JSON tree per message from several threads, where glibc's malloc cost a sixth
        // of its CPU (bench router, docs/benchmarks.md).
        .target(
            name: "CJemalloc",
            linkerSettings: [.linkedLibrary("jemalloc")]
        ),
        // Swift AMQP 0-9-1 client over librabbitmq.
        .target(
            name: "AMQP",
            dependencies: ["CRabbitMQ", logging],
            swiftSettings: swiftSettings
        ),
        // Canonical case messages: strict JSON, envelope, JSON Schema 2020-12, code lists.
        .target(
            name: "CaseModel",
            swiftSettings: swiftSettings
        ),
        // Persistence shared by router and operations: dedupe ledger, routing log, audit chain,
        // dead letters; SQLite (GRDB) embedded, PostgreSQL (postgres-nio) for several instances.
        .target(
            name: "Store",
            dependencies: [
                "CaseModel", logging,
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The router: pure pipeline stages around a thin AMQP shell.
        .target(
            name: "Router",
            dependencies: [
                "AMQP", "CaseModel", "Store", logging, metrics, lifecycle,
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Adapter SDK and one adapter per partner agency.
        .target(
            name: "Adapters",
            dependencies: [
                "AMQP", "CaseModel", logging, lifecycle,
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        // Operations: queue inspection, dead-letter store service, replay, audit, HTTP API, dashboard.
        .target(
            name: "Ops",
            dependencies: [
                "AMQP", "CaseModel", "Store", logging, metrics, lifecycle,
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Dashboard")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "drehscheibe",
            dependencies: [
                "AMQP", "CaseModel", "CJemalloc", "Store", "Router", "Adapters", "Ops", logging, metrics, lifecycle,
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        // The benchmarks, outside the product: baselines in C over librabbitmq, and the
        // drehscheibe-bench executable that measures the product against them (scripts/bench).
        .target(
            name: "CBenchLoop",
            path: "Benchmarks/CBenchLoop",
            linkerSettings: [.linkedLibrary("rabbitmq")]
        ),
        .executableTarget(
            name: "drehscheibe-bench",
            dependencies: [
                "AMQP", "CaseModel", "CBenchLoop", "CJemalloc", "Store", "Router", logging,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/drehscheibe-bench",
            swiftSettings: swiftSettings
        ),
        // Starts and finds the private test broker node (and PostgreSQL); shared by integration tests.
        .target(
            name: "TestSupport",
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AMQPTests",
            dependencies: ["AMQP", "TestSupport", logging],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CaseModelTests",
            dependencies: ["CaseModel", "TestSupport", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StoreTests",
            dependencies: ["Store", "CaseModel", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RouterTests",
            dependencies: ["Router", "AMQP", "CaseModel", "Store", "TestSupport", logging],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AdaptersTests",
            dependencies: ["Adapters", "AMQP", "CaseModel", "Router", "Store", "TestSupport", logging, lifecycle],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OpsTests",
            dependencies: ["Ops", "Store", "AMQP", "CaseModel", "TestSupport", logging, lifecycle],
            swiftSettings: swiftSettings
        ),
    ]
)
