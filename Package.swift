// swift-tools-version:6.2
import PackageDescription

/// Upcoming features applied to every target (penny-bot style), so the whole
/// package compiles in one consistent dialect.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "loyalty-platform",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "loyalty", targets: ["loyalty"]),
        .library(name: "LoyaltyServer", targets: ["LoyaltyServer"]),
        .library(name: "LoyaltySDK", targets: ["LoyaltySDK"]),
        .library(name: "QRCode", targets: ["QRCode"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.30.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        // Partner users: bcrypt password hashes and TOTP second factors.
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        // XML feed uploads (multipart/form-data); small, and its NIO is already here.
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        // Already resolved through Hummingbird, postgres-nio and async-http-client; named
        // here because our targets import them directly.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // Already in the graph (swift-websocket's per-message deflate): the XLSX writer's deflate.
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.3.0"),
        // Reads uploaded CSV imports.
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "LoyaltyModels",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LoyaltyCore",
            dependencies: ["LoyaltyModels"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LoyaltyStore",
            dependencies: [
                "LoyaltyCore",
                "LoyaltyModels",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LoyaltyServer",
            dependencies: [
                .product(name: "MultipartKit", package: "multipart-kit"),
                "LoyaltyStore",
                "LoyaltyCore",
                "LoyaltyModels",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "QRCode",
                "XLSX",
                .product(name: "CSV", package: "CSV.swift"),
            ],
            resources: [.copy("Resources/openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        // What a shop's own Swift code links to talk to the platform: today the
        // webhook verifier. Depends on the wire types and swift-crypto only.
        .target(
            name: "LoyaltySDK",
            dependencies: ["LoyaltyModels", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // A streaming .xlsx writer (one sheet, inline strings) over a streaming ZIP
        // writer: the mirror has no spreadsheet writer, and ZIPFoundation needs a seekable
        // archive. Deflate from compress-nio.
        .target(
            name: "XLSX",
            dependencies: [.product(name: "CompressNIO", package: "compress-nio"), .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        // ISO/IEC 18004 QR encoder with SVG and PNG output: no QR library is in the
        // package mirror. Depends on nothing.
        .target(
            name: "QRCode",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "loyalty",
            dependencies: [
                "LoyaltyServer",
                "LoyaltyModels",
                "LoyaltyCore",
                "LoyaltyStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LoyaltyCoreTests",
            dependencies: ["LoyaltyCore", "LoyaltyModels"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "XLSXTests",
            dependencies: ["XLSX", .product(name: "CompressNIO", package: "compress-nio"), .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QRCodeTests",
            dependencies: ["QRCode"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LoyaltySDKTests",
            dependencies: ["LoyaltySDK"],
            swiftSettings: swiftSettings
        ),
        // What the database-backed test targets share: the throw-away PostgreSQL
        // clusters, migrated template databases, and the backend list.
        .target(
            name: "LoyaltyTestSupport",
            dependencies: [
                "LoyaltyStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/LoyaltyTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LoyaltyStoreTests",
            dependencies: [
                "LoyaltyStore",
                "LoyaltyCore",
                "LoyaltyModels",
                "LoyaltyTestSupport",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LoyaltyServerTests",
            dependencies: [
                "LoyaltyTestSupport",
                "LoyaltyServer",
                "LoyaltyStore",
                "LoyaltyCore",
                "LoyaltyModels",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                "LoyaltySDK",
                "QRCode",
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
