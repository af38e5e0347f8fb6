// swift-tools-version:6.1
import PackageDescription

/// One set of compiler settings for every target, so strictness does not drift between modules.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "drehscheibe",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "drehscheibe", targets: ["drehscheibe"]),
        .library(name: "AMQP", targets: ["AMQP"]),
        .library(name: "CaseModel", targets: ["CaseModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // C shim over Debian's librabbitmq-dev (0.11): only what Swift cannot call directly.
        .target(
            name: "CRabbitMQ",
            linkerSettings: [.linkedLibrary("rabbitmq")]
        ),
        // The benchmarks' baseline: plain C loops over librabbitmq.
        .target(
            name: "CBenchLoop",
            linkerSettings: [.linkedLibrary("rabbitmq")]
        ),
        .target(
            name: "AMQP",
            dependencies: [
                "CRabbitMQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CaseModel",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "drehscheibe",
            dependencies: [
                "AMQP",
                "CaseModel",
                "CBenchLoop",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Starts and finds the private test broker node; shared by the integration tests.
        .target(
            name: "TestSupport",
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AMQPTests",
            dependencies: ["AMQP", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CaseModelTests",
            dependencies: ["CaseModel"],
            swiftSettings: swiftSettings
        ),
    ]
)
