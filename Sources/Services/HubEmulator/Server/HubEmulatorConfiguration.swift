/// Where an emulator keeps its state and where it listens. Every value has a default fit for one developer machine.
public struct HubEmulatorConfiguration: Sendable {
    /// Registry database, certificates and policies.
    public var dataDirectory: String
    /// The hub's host name: in certificates, connection strings and token audiences.
    public var hostName: String
    /// Address to bind; tests use 127.0.0.1.
    public var bindHost: String
    /// Device-facing MQTT over TLS (IoT Hub's 8883; 0 picks a free port).
    public var mqttPort: Int
    /// Service REST API over HTTPS (IoT Hub's 443; 0 picks a free port).
    public var httpsPort: Int
    /// PEM files of CA certificates that devices using X.509 CA authentication chain to (IoT Hub's verified CAs).
    public var deviceCAFiles: [String]
    /// The Device Provisioning Service's global endpoint host name. DPS is served on the HTTPS listener (routed by
    /// path), so devices reach it when this name resolves to the emulator; the server certificate names it.
    public var dpsHostName: String
    /// The id scope of the emulator's one provisioning service instance (the first path segment of a registration).
    public var idScope: String

    public init(
        dataDirectory: String,
        hostName: String = "localhost",
        bindHost: String = "127.0.0.1",
        mqttPort: Int = 8883,
        httpsPort: Int = 443,
        deviceCAFiles: [String] = [],
        dpsHostName: String = HubEmulatorConfiguration.defaultDPSHostName,
        idScope: String = HubEmulatorConfiguration.defaultIdScope
    ) {
        self.dpsHostName = dpsHostName
        self.idScope = idScope
        self.deviceCAFiles = deviceCAFiles
        self.dataDirectory = dataDirectory
        self.hostName = hostName
        self.bindHost = bindHost
        self.mqttPort = mqttPort
        self.httpsPort = httpsPort
    }

    /// DPS's public global endpoint host name, which devices use by default.
    public static let defaultDPSHostName = "global.azure-devices-provisioning.net"
    /// The id scope used when none is configured (DPS id scopes look like `0ne0001A2B3`).
    public static let defaultIdScope = "0ne00000001"
}
