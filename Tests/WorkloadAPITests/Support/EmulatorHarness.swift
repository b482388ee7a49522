import Foundation
import HubEmulator
import MQTTTestSupport
import ServiceLifecycle

/// The IoT Hub emulator of this repository, in process, on free ports of 127.0.0.1 with host name `localhost`.
final class EmulatorHarness: Sendable {
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

    static func start(dataDirectory: String) async throws -> EmulatorHarness {
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
        return EmulatorHarness(server: server, group: group, task: task, httpsPort: port)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Creates a SAS device with `key` as its primary and secondary key.
    func addDevice(_ deviceId: String, key: [UInt8]) async throws {
        let base64 = Data(key).base64EncodedString()
        _ = try await registry.createOrUpdateDevice(
            DeviceIdentity(deviceId: deviceId, authentication: .sas(primaryKey: base64, secondaryKey: base64)), ifMatch: nil
        )
    }

    /// The primary SAS key IoT Hub holds for a module (base64).
    func modulePrimaryKey(deviceId: String, moduleId: String) async throws -> String? {
        try await registry.module(deviceId: deviceId, moduleId: moduleId).authentication.symmetricKey.primaryKey
    }
}
