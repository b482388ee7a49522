/// Who an authenticated MQTT connection is: a device, or a module of a device. Every authorization decision of the
/// gateway uses this, never the ids a client writes in a topic.
public struct ClientIdentity: Sendable, Hashable, CustomStringConvertible {
    public var deviceId: String
    public var moduleId: String?

    public init(deviceId: String, moduleId: String? = nil) {
        self.deviceId = deviceId
        self.moduleId = moduleId
    }

    /// The MQTT client id IoT Hub expects: `{deviceId}` or `{deviceId}/{moduleId}`.
    public var clientID: String { moduleId.map { "\(deviceId)/\($0)" } ?? deviceId }

    public var description: String { clientID }
}
