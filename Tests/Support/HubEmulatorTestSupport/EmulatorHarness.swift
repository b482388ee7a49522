import Foundation
public import HubEmulator
import Logging
import MQTTTestSupport
public import ServiceLifecycle

/// The IoT Hub emulator of this repository for tests (identityd, workload API), in process, on free ports of 127.0.0.1 with host name `localhost`.
public final class EmulatorHarness: Sendable {
    public let server: HubEmulatorServer
    public let group: ServiceGroup
    public let task: Task<Void, any Error>
    public let httpsPort: Int
    public let dataDirectory: String

    public var caPath: String { server.pki.caCertificatePath }
    public var registry: HubRegistry { server.registry }
    public var hostName: String { server.configuration.hostName }

    private init(server: HubEmulatorServer, group: ServiceGroup, task: Task<Void, any Error>, httpsPort: Int, dataDirectory: String) {
        self.server = server
        self.group = group
        self.task = task
        self.httpsPort = httpsPort
        self.dataDirectory = dataDirectory
    }

    public static func start(dataDirectory: String) async throws -> EmulatorHarness {
        let logger = makeTestLogger(label: "emulator")
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = try HubEmulatorServer(
            configuration: HubEmulatorConfiguration(dataDirectory: dataDirectory, hostName: "localhost", mqttPort: 0, httpsPort: 0),
            logger: logger
        ) { endpoints in
            continuation.yield(endpoints.httpsPort)
            continuation.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        let port = try await withThrowingTaskGroup(of: Int?.self) { tasks in
            tasks.addTask {
                for await port in ports { return port }
                return nil
            }
            tasks.addTask {
                try await Task.sleep(for: .seconds(30))
                return nil
            }
            let first = try await tasks.next() ?? nil
            tasks.cancelAll()
            return first
        }
        guard let port else {
            task.cancel()
            throw TestFailure("the IoT Hub emulator did not start within 30 s")
        }
        return EmulatorHarness(server: server, group: group, task: task, httpsPort: port, dataDirectory: dataDirectory)
    }

    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Creates a SAS device with `key` as its primary key; an IoT Edge device (`iotEdge`, which the hub gives
    /// `$edgeAgent` and `$edgeHub`) unless `iotEdge` is false.
    @discardableResult
    public func addDevice(_ deviceId: String, key: [UInt8], iotEdge: Bool = false) async throws -> DeviceIdentity {
        let base64 = Data(key).base64EncodedString()
        return try await registry.createOrUpdateDevice(
            DeviceIdentity(
                deviceId: deviceId, authentication: .sas(primaryKey: base64, secondaryKey: base64), capabilities: DeviceCapabilities(iotEdge: iotEdge)
            ),
            ifMatch: nil
        ).device
    }

    /// The primary SAS key IoT Hub holds for a module (base64).
    public func modulePrimaryKey(deviceId: String, moduleId: String) async throws -> String? {
        try await registry.module(deviceId: deviceId, moduleId: moduleId).authentication.symmetricKey.primaryKey
    }

    /// Module ids of a device, sorted.
    public func moduleIds(_ deviceId: String) async throws -> [String] {
        try await registry.modules(deviceId: deviceId).map(\.moduleId).sorted()
    }
}
