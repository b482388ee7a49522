import ArgumentParser
import DaemonLogging
import Foundation
import HubEmulator
import IoTHubProtocol
import Logging
import ServiceLifecycle
import UnixSignals

struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Run the emulator until SIGTERM or Ctrl-C.")

    @Option(help: "The data folder (registry, certificates, policies); kept across restarts.")
    var dataDir = ProcessInfo.processInfo.environment["IOTHUB_EMULATOR_DATA"] ?? ".iothub-emulator"

    @Option(help: "The hub's host name, in certificates and connection strings. Clients must resolve it to this machine.")
    var hostname = "localhost"

    @Option(help: "Address to listen on.")
    var bind = "127.0.0.1"

    @Option(help: "Device MQTT/TLS port (IoT Hub: 8883).")
    var mqttPort = 8883

    @Option(help: "Service HTTPS port (IoT Hub: 443).")
    var httpsPort = 443

    @Option(help: "A PEM file of CA certificates for devices using X.509 CA authentication (repeatable).")
    var deviceCa: [String] = []

    @Option(help: "The Device Provisioning Service's global endpoint host name, served on the HTTPS port. Devices must resolve it to this machine.")
    var dpsHostname = HubEmulatorConfiguration.defaultDPSHostName

    @Option(help: "The id scope of the emulator's provisioning service.")
    var idScope = HubEmulatorConfiguration.defaultIdScope

    @Flag(help: "Create a demo edge device and a demo device (when missing) and print how to connect.")
    var demo = false

    @Option(help: "Log level: trace, debug, info, warning, error.")
    var logLevel = "info"

    func run() async throws {
        SyslogPrefixLogHandler.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info)
        let logger = Logger(label: "iothub-emulator")
        let configuration = HubEmulatorConfiguration(dataDirectory: dataDir, hostName: hostname, bindHost: bind, mqttPort: mqttPort, httpsPort: httpsPort, deviceCAFiles: deviceCa,
            dpsHostName: dpsHostname, idScope: idScope)
        let demo = self.demo
        let dataDir = self.dataDir
        let server = try HubEmulatorServer(configuration: configuration, logger: logger) { endpoints in
            print("IoT Hub emulator \"\(configuration.hostName)\" ready")
            print("  MQTT/TLS:  \(configuration.bindHost):\(endpoints.mqttPort)")
            print("  HTTPS:     \(configuration.bindHost):\(endpoints.httpsPort)")
            print("  DPS:       https://\(configuration.dpsHostName) (id scope \(configuration.idScope)), same HTTPS port")
            print("  CA to trust: \(URL(fileURLWithPath: dataDir).standardizedFileURL.path)/ca.pem")
            fflush(nil)
        }
        print("service connection string: \(server.serviceConnectionString)")
        if demo {
            try await Self.createDemoDevices(server)
        }
        let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    private static func createDemoDevices(_ server: HubEmulatorServer) async throws {
        let host = server.configuration.hostName
        for (deviceId, edge) in [("demo-edge-device", true), ("demo-device", false)] {
            let device: DeviceIdentity
            if let existing = try? await server.registry.device(deviceId) {
                device = existing
            } else {
                var new = try DeviceIdentity(json: ["deviceId": .string(deviceId)])
                new.capabilities.iotEdge = edge
                device = try await server.registry.createOrUpdateDevice(new, ifMatch: nil).device
            }
            if let key = device.authentication.symmetricKey.primaryKey {
                print("\(edge ? "edge device" : "device")    \(deviceId): HostName=\(host);DeviceId=\(deviceId);SharedAccessKey=\(key)")
            }
        }
    }
}
