internal import IoTHubProtocol

/// A device connection string for manual provisioning: `HostName=…;DeviceId=…;SharedAccessKey=<base64>`.
///
/// As in the reference, other components are ignored and the key may be unpadded base64. The three parts
/// are then checked with ``IoTHubConnectionString`` (no empty values, no `;` inside one).
public struct ManualConnectionString: Sendable, Hashable {
    /// The text as configured.
    public let text: String
    public let hostName: String
    public let deviceID: String
    /// The decoded device key.
    public let key: [UInt8]

    public init(parsing text: String) throws(ManualConnectionStringError) {
        var hostName: String?
        var deviceID: String?
        var key: String?
        for component in text.split(separator: ";", omittingEmptySubsequences: false) {
            guard let equals = component.firstIndex(of: "=") else { continue }
            let value = String(component[component.index(after: equals)...])
            switch component[..<equals] {
            case "HostName": hostName = value
            case "DeviceId": deviceID = value
            case "SharedAccessKey": key = value
            default: continue
            }
        }
        guard let hostName else { throw ManualConnectionStringError("required parameter \"HostName\" is missing") }
        guard let deviceID else { throw ManualConnectionStringError("required parameter \"DeviceId\" is missing") }
        guard let key else { throw ManualConnectionStringError("required parameter \"SharedAccessKey\" is missing") }
        guard let bytes = Base64.decode(key) else {
            throw ManualConnectionStringError("the \"SharedAccessKey\" parameter is not valid base64")
        }
        do {
            _ = try IoTHubConnectionString(hostName: hostName, deviceId: deviceID, sharedAccessKey: Base64.encode(bytes))
        } catch {
            throw ManualConnectionStringError(error.message)
        }
        self.text = text
        self.hostName = hostName
        self.deviceID = deviceID
        self.key = bytes
    }

}

/// Why a manual-provisioning connection string is not usable.
public struct ManualConnectionStringError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
