import HubEmulatorTestSupport
import ConfigFiles
import Foundation
@testable import IdentityService
import Logging
import MQTTTestSupport
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import Testing

/// Log messages collected in memory.
final class LogRecorder: Sendable {
    private let lines = Mutex<[String]>([])

    var messages: [String] { lines.withLock { $0 } }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    func logger(label: String) -> Logger {
        var logger = Logger(label: label) { _ in RecordingHandler(recorder: self) }
        logger.logLevel = .info
        return logger
    }

    func contains(_ text: String) -> Bool { messages.contains { $0.contains(text) } }

    struct RecordingHandler: LogHandler {
        let recorder: LogRecorder
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { recorder.append(event.message.description) }
    }
}

@Suite("identityd as a daemon: startup sequence, log lines, configuration hot reload (§1.6, §4.9, §16)")
struct DaemonTests {
    @Test("startup logs, socket, then a principal added in config.d is reconciled live and a broken drop-in is ignored")
    func startupAndReload() async throws {
        try await withEmulator { fixture, emulator in
            try await fixture.addDevice("device1", to: emulator)
            let configDirectory = fixture.directory + "/config.d"
            try FileManager.default.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
            let socketPath = fixture.directory + "/identityd.sock"
            try """
                hostname = "my-device"
                homedir = "\(fixture.homedir)"

                [provisioning]
                source = "manual"
                iothub_hostname = "localhost"
                device_id = "device1"

                [provisioning.authentication]
                method = "sas"
                device_id_pk = "device-id"

                [endpoints]
                aziot_identityd = "unix://\(socketPath)"
                """.write(toFile: fixture.directory + "/config.toml", atomically: true, encoding: .utf8)
            try IdentityFixture.modulePrincipals(["agent1"]).write(toFile: configDirectory + "/50-agent1.toml", atomically: true, encoding: .utf8)

            let log = LogRecorder()
            var daemon = IdentityDaemon(
                files: ConfigFileSet(mainFile: fixture.directory + "/config.toml", directory: configDirectory),
                version: "1.0.0-test",
                keyClient: fixture.keys,
                certClient: NoCertd(),
                environment: [:],
                options: fixture.options(emulator: emulator),
                logger: log.logger(label: "identityd")
            )
            daemon.watcher.interval = .milliseconds(50)
            daemon.watcher.debounce = .milliseconds(200)
            let group = ServiceGroup(configuration: .init(services: [daemon], gracefulShutdownSignals: [], logger: log.logger(label: "group")))
            let running = Task { try await group.run() }
            defer { running.cancel() }

            #expect(await eventually(timeout: .seconds(30)) { log.contains("Starting server...") }, "\(log.messages)")
            let messages = log.messages
            let order = ["Starting service...", "Version - 1.0.0-test", "Provisioning starting. Reason: Startup", "Updated device info for device1.",
                         "Provisioning complete.", "Identity reconciliation started. Reason: Startup", "Hub identity \"agent1\" added",
                         "Identity reconciliation complete.", "Starting server..."]
            let positions = order.map { line in messages.firstIndex { $0 == line } }
            #expect(positions.allSatisfy { $0 != nil }, "\(messages)")
            #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted(), "the lines come in the reference's order: \(messages)")
            #expect(try await emulator.moduleIds("device1") == ["agent1"])
            #expect(await eventually(timeout: .seconds(10)) { FileManager.default.fileExists(atPath: socketPath) })

            // A second agent installs its principal file: picked up without a restart.
            try (IdentityFixture.modulePrincipals(["agent1"]).replacingOccurrences(of: "2001", with: "2101").replacingOccurrences(of: "agent1", with: "agent2"))
                .write(toFile: configDirectory + "/60-agent2.toml", atomically: true, encoding: .utf8)
            #expect(await eventually(timeout: .seconds(20)) { (try? await emulator.moduleIds("device1")) == ["agent1", "agent2"] })
            #expect(await eventually(timeout: .seconds(10)) { log.contains("Config update finished.") })
            #expect(log.contains("Detected change in config files. Updating config.") && log.contains("Provisioning starting. Reason: ConfigurationFileUpdate"))

            // A broken drop-in: the old configuration stays (agent2 is not removed).
            try "[[principal]\nuid = ".write(toFile: configDirectory + "/70-broken.toml", atomically: true, encoding: .utf8)
            #expect(await eventually(timeout: .seconds(20)) { log.contains("keeping the previous one") }, "\(log.messages)")
            #expect(try await emulator.moduleIds("device1") == ["agent1", "agent2"])

            await group.triggerGracefulShutdown()
            _ = try? await running.value
        }
    }

    @Test("no usable provisioning and no backup: the daemon ends with an error, after the reference's log line")
    func fatalStart() async throws {
        let fixture = try IdentityFixture()
        defer { fixture.remove() }
        let port = try await freePort()
        try """
            hostname = "h"
            homedir = "\(fixture.homedir)"
            [provisioning]
            source = "dps"
            global_endpoint = "https://127.0.0.1:\(port)"
            scope_id = "s"
            [provisioning.attestation]
            method = "symmetric_key"
            registration_id = "r"
            symmetric_key = "k"
            """.write(toFile: fixture.directory + "/config.toml", atomically: true, encoding: .utf8)
        fixture.keys.setKey("k", Array(repeating: 1, count: 32))
        let log = LogRecorder()
        let daemon = IdentityDaemon(
            files: ConfigFileSet(mainFile: fixture.directory + "/config.toml", directory: fixture.directory + "/config.d"),
            version: "1", keyClient: fixture.keys, certClient: NoCertd(), environment: [:], options: fixture.options(emulator: nil), logger: log.logger(label: "identityd"))
        let error = await thrownError { try await daemon.run() }
        #expect(error is IdentityServiceError)
        #expect(log.messages.contains { $0.hasPrefix("Failed to provision with IoT Hub, and no valid device backup was found: DPS client error") }, "\(log.messages)")
        #expect(!log.contains("Starting server..."))
    }
}

@Suite("concurrency: slow cloud calls do not hold up unrelated requests (§12.5)")
struct ConcurrencyTests {
    @Test("while a reconciliation waits on an IoT Hub that does not answer, identity reads are served")
    func readsDuringSlowHub() async throws {
        let fixture = try IdentityFixture()
        defer { fixture.remove() }
        fixture.keys.setKey("device-id", Array(repeating: 5, count: 32))
        // A "hub" that accepts connections and never answers.
        let blackHole = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { _ in MultiThreadedEventLoopGroup.singleton.next().makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { blackHole.close(promise: nil) }
        let port = try #require(blackHole.localAddress?.port)
        let service = fixture.service(try fixture.manualConfiguration(principals: IdentityFixture.modulePrincipals(["m"])), options: fixture.options(emulator: nil, hubPort: port))
        let reconciling = Task { try await service.reprovision(trigger: .startup) }
        defer { reconciling.cancel() }
        // The device is set as soon as the manual settings are applied; the reconciliation then hangs on Hub's list.
        #expect(await eventually(timeout: .seconds(10)) { await service.device != nil })
        let device = try await service.deviceIdentity(uid: 0)
        #expect(device.aziot?.deviceId == "device1")
        let info = try await service.provisioningInfo()
        #expect(info == .manual(auth: "sas"))
        #expect(try await service.trustBundle(uid: 0) == "")
        // The reconciliation is still waiting for IoT Hub (its timeout is 70 s).
        #expect(!fixture.store.fileExistsForTest("device_info"))
        // Writes queue behind it; cancelling the reconciliation ends it promptly and lets them run.
        let write = Task { try await service.deleteModuleIdentity(uid: 0, type: "aziot", moduleId: "m") }
        reconciling.cancel()
        let outcome = await reconciling.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        write.cancel()
        _ = await write.result
    }
}

extension IdentityStateStore {
    func fileExistsForTest(_ name: String) -> Bool { FileManager.default.fileExists(atPath: homedir + "/" + name) }
}
