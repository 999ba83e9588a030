// swift-tools-version:6.1
// AKE — the Autonomic Kube-API Endpoint. Module layout: docs/ARCHITECTURE.md.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "ake",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ake", targets: ["ake"]),
        .library(name: "KubeClient", targets: ["KubeClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // No default traits: AKE needs neither swift-configuration nor Hummingbird's full-Foundation extras.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.5.2"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
    ],
    targets: [
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .target(
            name: "KubeModel",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings),
        // Kubernetes protobuf (application/vnd.kubernetes.protobuf) <-> JSON for the built-in
        // kinds, from the generated type table: request bodies and responses of the front,
        // lists and watches from the edge's upstream.
        .target(
            name: "KubeProtobuf",
            dependencies: ["KubeModel"],
            swiftSettings: swiftSettings),
        .target(
            name: "EventLog",
            dependencies: ["CLMDB", "KubeModel", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        .target(
            name: "Projections",
            dependencies: ["EventLog", "KubeModel", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        // The HTTP client side of the Kubernetes API (request builder, kubeconfig TLS, watch
        // line splitter), shared by the edge's upstream link and KubeClient's HTTP transport.
        .target(
            name: "KubeHTTP",
            dependencies: [
                "KubeModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "Sync",
            dependencies: [
                "Projections", "KubeModel", "KubeHTTP", "KubeProtobuf", .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "Admission",
            dependencies: ["KubeModel"],
            swiftSettings: swiftSettings),
        // Authentication (client certificates, tokens, ServiceAccount JWTs) and authorization
        // (RBAC from the projections, Node) of API requests, as kube-apiserver decides them.
        .target(
            name: "Auth",
            dependencies: [
                "KubeModel", "Projections", "EventLog", .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "Endpoint",
            dependencies: [
                "Admission", "Projections", "Sync", "KubeModel",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "APIFront",
            dependencies: [
                "Endpoint", "KubeModel", "KubeHTTP", "KubeProtobuf", "Auth",
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                // Watches write their frames straight to NIO's HTTP/1 response encoder.
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "KubeClient",
            dependencies: [
                "Endpoint", "KubeModel", "KubeHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "Forensics",
            dependencies: ["Projections", "EventLog", "KubeModel", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "ake",
            dependencies: [
                "EventLog", "Projections", "Endpoint", "APIFront", "Sync", "KubeModel", "Admission",
                "Forensics", "Auth", .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                // The --config file (line numbers for errors) and `ake status --server`.
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings,
            // Idle RSS (BENCHMARKS.md, "Watch fan-out over HTTP"): the static stdlib's link
            // arguments export every symbol (1.2 MB .dynsym, 3 MB .dynstr) and gold writes
            // 146,000 relative relocations (3.5 MB .rela.dyn); the loader reads all of it at
            // start, ~5.5 MB of resident pages. lld packs the relocations (DT_RELR, glibc
            // 2.36+) into 29 KB and the executable exports nothing.
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker",
                        "--no-export-dynamic",
                    ], .when(platforms: [.linux], configuration: .release))
            ]),
        .executableTarget(
            name: "AKEBench",
            dependencies: [
                "KubeClient", "APIFront", "Endpoint", "Admission",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                "KubeModel", "EventLog", "Projections", "Auth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/AKEBench",
            swiftSettings: swiftSettings),
        // The fleet benchmark's node agent (tools/bench-fleet.py): kubelet- and kube-proxy-like
        // KubeClient informers and writes. Built only by `swift build --product ake-node-agent`.
        .executableTarget(
            name: "ake-node-agent",
            dependencies: [
                "KubeClient", "KubeModel", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/NodeAgent",
            swiftSettings: swiftSettings),
        // Helpers several test targets share (a seeded random generator).
        .target(name: "AKETestSupport", path: "Tests/Support/AKETestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "KubeModelTests",
            dependencies: [
                "KubeModel", "AKETestSupport", .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "KubeProtobufTests", dependencies: ["KubeProtobuf", "KubeModel"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AdmissionTests",
            dependencies: ["Admission", "KubeModel", .product(name: "PropertyBased", package: "swift-property-based")],
            exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "EventLogTests", dependencies: ["EventLog", "AKETestSupport"], swiftSettings: swiftSettings),
        // Child process for EventLogTests' crash and multi-process tests (built by `swift build`).
        .executableTarget(
            name: "EventLogTortureChild", dependencies: ["EventLog"], path: "Tests/Support/EventLogTortureChild",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ProjectionsTests", dependencies: ["Projections", "EventLog", "KubeModel", "AKETestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ForensicsTests", dependencies: ["Forensics", "Projections", "EventLog", "KubeModel"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "SyncTests",
            dependencies: [
                "Sync", "Projections", "EventLog", "KubeModel", "KubeProtobuf", "Endpoint", "APIFront",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "EndpointTests",
            dependencies: [
                "Endpoint", "Admission", "Projections", "KubeModel", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "APIFrontTests", dependencies: ["APIFront", "Auth", "KubeModel", "KubeProtobuf"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "KubeClientTests",
            dependencies: [
                "KubeClient", "KubeHTTP", "APIFront", "Auth", "Endpoint", "Projections", "KubeModel",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AuthTests",
            dependencies: [
                "Auth", "KubeModel", "Projections", "EventLog", "Endpoint", .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "EndToEndTests", dependencies: ["KubeModel"], swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)

// `tools/docs.sh` sets AKE_DOCC=1 to add the DocC plugin (`swift package generate-documentation`);
// ordinary builds and CI never resolve it.
if Context.environment["AKE_DOCC"] != nil {
    package.dependencies.append(.package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"))
}
