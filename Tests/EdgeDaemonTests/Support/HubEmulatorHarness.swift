import Foundation
import HubEmulator
import Logging
import MQTTTestSupport
import ServiceLifecycle

/// The IoT Hub emulator of this repository, in process, on free ports of 127.0.0.1 with host name `localhost`.
final class HubEmulatorHarness: Sendable {
    let server: HubEmulatorServer
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let httpsPort: Int

    var caPath: String { server.pki.caCertificatePath }
    var registry: HubRegistry { server.registry }

    private init(server: HubEmulatorServer, group: ServiceGroup, task: Task<Void, any Error>, httpsPort: Int) {
        self.server = server
        self.group = group
        self.task = task
        self.httpsPort = httpsPort
    }

    static func start(dataDirectory: String) async throws -> HubEmulatorHarness {
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
        return HubEmulatorHarness(server: server, group: group, task: task, httpsPort: port)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// An IoT Edge device (the hub gives it `$edgeAgent` and `$edgeHub`) with SAS key `key`.
    func addDevice(_ deviceId: String, key: [UInt8]) async throws {
        let base64 = Data(key).base64EncodedString()
        _ = try await registry.createOrUpdateDevice(
            DeviceIdentity(deviceId: deviceId, authentication: .sas(primaryKey: base64, secondaryKey: base64), capabilities: DeviceCapabilities(iotEdge: true)), ifMatch: nil
        )
    }

    func moduleIds(_ deviceId: String) async throws -> [String] {
        try await registry.modules(deviceId: deviceId).map(\.moduleId).sorted()
    }
}
