import Crypto
import Foundation
import IoTHubProtocol

/// `<homedir>/cache/provisioning_state`: base64(SHA-256) of the device's `{"device_id","gateway_host_name","hub_name"}`.
/// When the device identity changes (a new hub or device id), every module belongs to the old device and is removed.
public struct ProvisioningCache: Sendable {
    public let path: String

    public init(cacheDirectory: String) {
        path = "\(cacheDirectory)/provisioning_state"
    }

    public static func digest(_ device: AziotIdentity) -> String {
        let json: JSONValue = [
            "device_id": .string(device.deviceId), "gateway_host_name": .string(device.gatewayHost), "hub_name": .string(device.hubName),
        ]
        return Data(SHA256.hash(data: json.jsonBytes)).base64EncodedString()
    }

    /// Whether the stored digest differs from `device`'s (a missing file counts as different).
    public func hasChanged(for device: AziotIdentity) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return true }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) != Self.digest(device)
    }

    public func store(_ device: AziotIdentity) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(Self.digest(device).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// `<homedir>/cache/agent_generation_id`: edgeAgent's module identity generation id from the last time identityd gave
/// it, so that edged can recreate edgeAgent while neither identityd nor IoT Hub can answer (not in the reference,
/// which then cannot recreate it at all).
public struct AgentIdentityCache: Sendable {
    public let path: String

    public init(cacheDirectory: String) {
        path = "\(cacheDirectory)/agent_generation_id"
    }

    public func load() -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    public func store(_ generationId: String) {
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? Data(generationId.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
