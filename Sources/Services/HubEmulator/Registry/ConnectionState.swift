/// Whether a device or module is connected to the hub (`connectionState`: `"Disconnected"` or `"Connected"`).
public enum ConnectionState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Not connected (the state of a new identity).
    case disconnected = "Disconnected"
    /// Connected over MQTT (or AMQP).
    case connected = "Connected"
}
