public import IoTHubProtocol

/// A device's capabilities (`capabilities`): `{"iotEdge": Bool}`.
public struct DeviceCapabilities: Sendable, Hashable, Codable {
    /// Whether the device is an IoT Edge device.
    public var iotEdge: Bool

    /// Creates capabilities (by default not an edge device).
    public init(iotEdge: Bool = false) {
        self.iotEdge = iotEdge
    }

    /// Reads `{"iotEdge": Bool}` (a missing or `null` `iotEdge` is `false`).
    public init(json: JSONValue, path: String = "capabilities") throws(HubError) {
        let fields = try JSONFields(json, path: path)
        self.init(iotEdge: try fields.bool("iotEdge") ?? false)
    }

    /// `{"iotEdge": Bool}`.
    public var json: JSONValue { ["iotEdge": .bool(iotEdge)] }
}
