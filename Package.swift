// swift-tools-version:6.2
// An IoT Edge runtime, wire-compatible with Azure IoT Edge, in four layers (see ARCHITECTURE.md):
// protocol (pure values and parsers), infrastructure (I/O building blocks), services, executables.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .treatAllWarnings(as: .error),
]

let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOSSL", package: "swift-nio-ssl"),
]

let package = Package(
    name: "swift-iotedge",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mqtt-broker", targets: ["mqtt-broker"]),
        .executable(name: "iothub-emulator", targets: ["iothub-emulator"]),
        .executable(name: "aziotd", targets: ["aziotd"]),
        .executable(name: "aziotctl", targets: ["aziotctl"]),
        .executable(name: "aziot-edged", targets: ["aziot-edged"]),
        .executable(name: "iotedge", targets: ["iotedge"]),
        .executable(name: "edge-test-module", targets: ["edge-test-module"]),
        .library(name: "IoTHubProtocol", targets: ["IoTHubProtocol"]),
        .library(name: "MQTTServer", targets: ["MQTTServer"]),
        .library(name: "MQTTClient", targets: ["MQTTClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
    ],
    targets: [
        // MARK: Protocol layer: pure values and parsers, no I/O.
        .target(
            name: "MQTTProtocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            path: "Sources/Protocol/MQTTProtocol",
            swiftSettings: strict
        ),
        .target(
            name: "IoTHubProtocol",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/Protocol/IoTHubProtocol",
            swiftSettings: strict
        ),

        .target(
            name: "TOMLConfig",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")],
            path: "Sources/Protocol/TOMLConfig",
            swiftSettings: strict
        ),

        .target(
            name: "AziotConfig",
            dependencies: ["TOMLConfig", "IoTHubProtocol"],
            path: "Sources/Protocol/AziotConfig",
            swiftSettings: strict
        ),

        // MARK: Infrastructure layer: one I/O job each.
        .target(
            name: "MQTTTransport",
            dependencies: ["MQTTProtocol", .product(name: "Logging", package: "swift-log")] + nio,
            path: "Sources/Infrastructure/MQTTTransport",
            swiftSettings: strict
        ),
        .target(
            name: "DaemonLogging",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            path: "Sources/Infrastructure/DaemonLogging",
            swiftSettings: strict
        ),
        .target(
            name: "MQTTServer",
            dependencies: [
                "MQTTProtocol", "MQTTTransport", "ServerLifecycle",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ] + nio,
            path: "Sources/Infrastructure/MQTTServer",
            swiftSettings: strict
        ),
        .target(
            name: "MQTTClient",
            dependencies: [
                "MQTTProtocol", "MQTTTransport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ] + nio,
            path: "Sources/Infrastructure/MQTTClient",
            swiftSettings: strict
        ),

        .target(
            name: "ServerLifecycle",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Infrastructure/ServerLifecycle",
            swiftSettings: strict
        ),
        .target(
            name: "UnixSocketHTTP",
            dependencies: [
                "ServerLifecycle",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Infrastructure/UnixSocketHTTP",
            swiftSettings: strict
        ),

        .target(
            name: "CheckReport",
            dependencies: ["IoTHubProtocol"],
            path: "Sources/Infrastructure/CheckReport",
            swiftSettings: strict
        ),

        .target(
            name: "ConfigFiles",
            dependencies: ["TOMLConfig"],
            path: "Sources/Infrastructure/ConfigFiles",
            swiftSettings: strict
        ),

        .target(
            name: "AziotClients",
            dependencies: [
                "UnixSocketHTTP",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Infrastructure/AziotClients",
            swiftSettings: strict
        ),

        .target(
            name: "DockerClient",
            dependencies: [
                "IoTHubProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Infrastructure/DockerClient",
            swiftSettings: strict
        ),

        .target(
            name: "ServiceControl",
            dependencies: ["UnixSocketHTTP", .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio")],
            path: "Sources/Infrastructure/ServiceControl",
            swiftSettings: strict
        ),

        // MARK: Services layer.
        .target(
            name: "KeyService",
            dependencies: [
                "AziotConfig",
                "AziotClients", "UnixSocketHTTP", "TOMLConfig", "ConfigFiles",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Services/KeyService",
            swiftSettings: strict
        ),

        .target(
            name: "MQTTBroker",
            dependencies: ["MQTTProtocol", "MQTTServer", .product(name: "Logging", package: "swift-log")] + nio,
            path: "Sources/Services/MQTTBroker",
            swiftSettings: strict
        ),

        .target(
            name: "CertService",
            dependencies: [
                "TOMLConfig", "UnixSocketHTTP", "AziotClients", "AziotConfig",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Services/CertService",
            swiftSettings: strict
        ),

        .target(
            name: "HubEmulator",
            dependencies: [
                "IoTHubProtocol", "MQTTProtocol", "MQTTServer", "MQTTTransport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ] + nio,
            path: "Sources/Services/HubEmulator",
            swiftSettings: strict
        ),

        .target(
            name: "IdentityService",
            dependencies: [
                "TOMLConfig", "ConfigFiles", "UnixSocketHTTP", "IoTHubProtocol", "AziotClients",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ] + nio,
            path: "Sources/Services/IdentityService",
            swiftSettings: strict
        ),

        .target(
            name: "EdgeDaemon",
            dependencies: [
                "TOMLConfig", "ConfigFiles", "UnixSocketHTTP", "DockerClient", "AziotClients", "AziotConfig", "CertService", "IoTHubProtocol",
                "WorkloadAPI",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Services/EdgeDaemon",
            swiftSettings: strict
        ),

        .target(
            name: "WorkloadAPI",
            dependencies: [
                "AziotClients", "UnixSocketHTTP", "DockerClient", "IoTHubProtocol",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Services/WorkloadAPI",
            swiftSettings: strict
        ),

        .target(
            name: "EdgeConfigTool",
            dependencies: [
                "ServiceControl",
                "AziotConfig", "TOMLConfig", "ConfigFiles", "DockerClient", "IoTHubProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Sources/Services/EdgeConfigTool",
            swiftSettings: strict
        ),
        .target(
            name: "EdgeCheck",
            dependencies: [
                "CheckReport", "EdgeDaemon", "DockerClient", "AziotClients", "ConfigFiles", "TOMLConfig", "IoTHubProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Services/EdgeCheck",
            swiftSettings: strict
        ),

        // MARK: Executables.
        .executableTarget(
            name: "iothub-emulator",
            dependencies: [
                "HubEmulator", "IoTHubProtocol", "DaemonLogging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ] + nio + [.product(name: "NIOHTTP1", package: "swift-nio")],
            path: "Sources/Executables/iothub-emulator",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "aziotd",
            dependencies: [
                "KeyService", "CertService", "IdentityService", "AziotClients", "AziotConfig", "UnixSocketHTTP", "ConfigFiles", "TOMLConfig", "DaemonLogging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Executables/aziotd",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "aziot-edged",
            dependencies: [
                "EdgeDaemon", "DaemonLogging", "UnixSocketHTTP", "ConfigFiles",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Executables/aziot-edged",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "iotedge",
            dependencies: [
                "EdgeDaemon", "ServiceControl", "UnixSocketHTTP", "DockerClient", "ConfigFiles", "TOMLConfig", "AziotConfig", "IoTHubProtocol", "EdgeCheck", "EdgeConfigTool",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Executables/iotedge",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "aziotctl",
            dependencies: [
                "AziotConfig", "ConfigFiles", "TOMLConfig", "UnixSocketHTTP", "ServiceControl",
                "AziotClients", "KeyService", "CertService", "IdentityService", "IoTHubProtocol", "EdgeConfigTool", "CheckReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/Executables/aziotctl",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "mqtt-broker",
            dependencies: [
                "MQTTBroker", "MQTTServer", "MQTTTransport", "DaemonLogging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ] + nio,
            path: "Sources/Executables/mqtt-broker",
            swiftSettings: strict
        ),

        .executableTarget(
            name: "edge-test-module",
            dependencies: [
                "UnixSocketHTTP", "IoTHubProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Executables/edge-test-module",
            swiftSettings: strict
        ),

        // MARK: Tests.
        .target(
            name: "MQTTTestSupport",
            dependencies: [
                "MQTTServer", "MQTTBroker", "MQTTTransport",
                .product(name: "Logging", package: "swift-log"),
            ] + nio,
            path: "Tests/Support/MQTTTestSupport",
            swiftSettings: strict
        ),
        .target(
            name: "HubEmulatorTestSupport",
            dependencies: [
                "HubEmulator", "MQTTTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/Support/HubEmulatorTestSupport",
            swiftSettings: strict
        ),
        .target(
            name: "EdgeTestSupport",
            dependencies: ["EdgeDaemon", "DockerClient", "AziotClients", "IoTHubProtocol", "HubEmulatorTestSupport", "MQTTTestSupport"],
            path: "Tests/Support/EdgeTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "MQTTProtocolTests",
            dependencies: ["MQTTProtocol", .product(name: "NIOCore", package: "swift-nio")],
            path: "Tests/MQTTProtocolTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "IoTHubProtocolTests",
            dependencies: ["IoTHubProtocol"],
            path: "Tests/IoTHubProtocolTests",
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "MQTTServerTests",
            dependencies: [
                "MQTTServer", "MQTTBroker", "MQTTProtocol", "MQTTTransport", "MQTTTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ] + nio,
            path: "Tests/MQTTServerTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "MQTTClientTests",
            dependencies: ["MQTTClient", "MQTTProtocol", "MQTTTransport", "MQTTTestSupport", .product(name: "Logging", package: "swift-log")] + nio,

            path: "Tests/MQTTClientTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "HubEmulatorTests",
            dependencies: [
                "HubEmulator", "IoTHubProtocol",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/HubEmulatorTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "DeviceGatewayTests",
            dependencies: [
                "HubEmulator", "MQTTServer", "MQTTClient", "MQTTTransport", "MQTTTestSupport", "IoTHubProtocol", "MQTTProtocol",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ] + nio,
            path: "Tests/DeviceGatewayTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "DPSTests",
            dependencies: [
                "HubEmulator", "IoTHubProtocol", "MQTTTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/DPSTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "UnixSocketHTTPTests",
            dependencies: [
                "UnixSocketHTTP", "MQTTTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/UnixSocketHTTPTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "ConfigFilesTests",
            dependencies: ["ConfigFiles", "TOMLConfig"],
            path: "Tests/ConfigFilesTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "CertServiceTests",
            dependencies: [
                "CertService", "AziotConfig", "TOMLConfig", "UnixSocketHTTP", "MQTTTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/CertServiceTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "KeyServiceTests",
            dependencies: [
                "KeyService", "AziotClients", "AziotConfig", "UnixSocketHTTP", "TOMLConfig", "MQTTTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/KeyServiceTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "AziotdTests",
            dependencies: [
                "AziotClients", "AziotConfig", "CertService", "MQTTTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "Tests/AziotdTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "AziotConfigTests",
            dependencies: ["AziotConfig", "TOMLConfig"],
            path: "Tests/AziotConfigTests",
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AziotctlTests",
            dependencies: [
                "aziotctl", "AziotConfig", "TOMLConfig", "MQTTTestSupport", "UnixSocketHTTP", "IoTHubProtocol", "EdgeConfigTool", "CheckReport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/AziotctlTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "IdentityServiceTests",
            dependencies: [
                "IdentityService", "CertService", "ConfigFiles", "HubEmulator", "HubEmulatorTestSupport", "TOMLConfig", "UnixSocketHTTP", "IoTHubProtocol", "MQTTTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ] + nio,
            path: "Tests/IdentityServiceTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "DockerClientTests",
            dependencies: [
                "DockerClient", "IoTHubProtocol", "MQTTTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/DockerClientTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "EdgeDaemonTests",
            dependencies: [
                "EdgeDaemon", "DockerClient", "UnixSocketHTTP", "AziotClients", "AziotConfig", "HubEmulator", "TOMLConfig", "ConfigFiles", "IoTHubProtocol", "MQTTTestSupport", "HubEmulatorTestSupport", "EdgeTestSupport", "WorkloadAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/EdgeDaemonTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "IotedgeTests",
            dependencies: [
                "iotedge", "EdgeDaemon", "EdgeTestSupport", "MQTTTestSupport", "DockerClient", "IoTHubProtocol", "TOMLConfig", "UnixSocketHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/IotedgeTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "EdgeCheckTests",
            dependencies: [
                "EdgeCheck", "CheckReport", "EdgeTestSupport", "MQTTTestSupport", "HubEmulatorTestSupport", "DockerClient", "IoTHubProtocol", "AziotClients",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tests/EdgeCheckTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "ModuleRuntimeTests",
            dependencies: [
                "EdgeTestSupport", "EdgeDaemon", "DockerClient", "AziotClients", "AziotConfig", "IoTHubProtocol", "MQTTTestSupport",
                "HubEmulatorTestSupport", "edge-test-module",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/ModuleRuntimeTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "WorkloadAPITests",
            dependencies: [
                "WorkloadAPI", "AziotClients", "CertService", "HubEmulator", "HubEmulatorTestSupport", "DockerClient", "UnixSocketHTTP", "IoTHubProtocol",
                "MQTTTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/WorkloadAPITests",
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EdgeConfigToolTests",
            dependencies: [
                "EdgeConfigTool", "AziotConfig", "TOMLConfig", "EdgeDaemon", "DockerClient", "IoTHubProtocol", "MQTTTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/EdgeConfigToolTests",
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "InteropTests",
            dependencies: [
                "MQTTBroker", "MQTTServer", "MQTTClient", "MQTTProtocol", "MQTTTransport", "MQTTTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ] + nio,
            path: "Tests/InteropTests",
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
