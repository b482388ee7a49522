public import TOMLConfig

/// The device identityd is provisioned as: `device_info` in the home directory, TOML with `hub_name`,
/// `local_gateway_hostname` (the hub itself unless nested) and `device_id`, written after each successful
/// reconciliation.
public struct DeviceInfo: Sendable, Equatable {
    public var hubName: String
    /// Where Hub REST goes: the parent edge device in nested mode, else ``hubName``.
    public var localGatewayHostname: String
    public var deviceId: String

    public init(hubName: String, localGatewayHostname: String, deviceId: String) {
        self.hubName = hubName
        self.localGatewayHostname = localGatewayHostname
        self.deviceId = deviceId
    }

    /// The contents of a `device_info` file.
    public enum FileContents: Sendable, Equatable {
        /// The literal text `unprovisioned`.
        case unprovisioned
        case device(DeviceInfo)
    }

    /// The reference's text of the file (keys in this order, one per line).
    public var tomlText: String {
        TOMLWriter.write(
            ConfigTable([
                ("hub_name", .string(hubName)),
                ("local_gateway_hostname", .string(localGatewayHostname)),
                ("device_id", .string(deviceId)),
            ]))
    }

    /// Parses a `device_info` file; other keys are ignored, as the reference does.
    public static func parse(_ text: String) throws(ConfigError) -> FileContents {
        if text == "unprovisioned" { return .unprovisioned }
        let reader = ConfigReader(try ConfigTable(toml: text, source: "device_info"))
        return .device(
            DeviceInfo(
                hubName: try reader.required("hub_name", reader.string),
                localGatewayHostname: try reader.required("local_gateway_hostname", reader.string),
                deviceId: try reader.required("device_id", reader.string)
            ))
    }
}
