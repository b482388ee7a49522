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

    public init(
        dataDirectory: String,
        hostName: String = "localhost",
        bindHost: String = "127.0.0.1",
        mqttPort: Int = 8883,
        httpsPort: Int = 443,
        deviceCAFiles: [String] = []
    ) {
        self.deviceCAFiles = deviceCAFiles
        self.dataDirectory = dataDirectory
        self.hostName = hostName
        self.bindHost = bindHost
        self.mqttPort = mqttPort
        self.httpsPort = httpsPort
    }
}
