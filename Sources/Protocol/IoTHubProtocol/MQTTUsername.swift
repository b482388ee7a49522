import Foundation

/// The MQTT CONNECT username IoT Hub clients send (§3.2):
/// `{host}/{deviceId}[/{moduleId}]/?api-version=…&DeviceClientType=…&model-id=…&auth-chain=…`.
///
/// Parsing (``init(parsing:)``), split on `/`:
/// - if the last segment starts with `?`: 3 segments (device) or 4 (module);
/// - otherwise the last segment must contain `api-version=` (case-insensitively): 3 or 4 segments;
/// - legacy: 6 segments ending in `/api-version=2017-06-30/DeviceClientType=Microsoft.Azure.Devices.Client/1.5.1-preview-003`;
/// - anything else is malformed. Ids are trimmed of whitespace and must be non-empty.
///
/// Properties are a ``PropertyBag`` (values percent-decoded); keys are case-sensitive; the **first**
/// occurrence of a key wins; `api-version` is required and must be non-empty (any value is accepted);
/// `DeviceClientType`, `model-id` and `auth-chain` are optional; other keys are kept in
/// ``additionalProperties`` (the hub ignores them).
///
/// Rendering (``description``) is the SDK form: `{host}/{clientId}/?api-version=…[&DeviceClientType=…]
/// [&model-id=…][&auth-chain=…][&additional…]`, values percent-encoded.
public struct MQTTUsername: Sendable, Hashable, CustomStringConvertible {
    /// The host segment (the hub ignores it; SDKs send the IoT Hub host name).
    public var hostName: String
    /// The device id.
    public var deviceId: String
    /// The module id, for a module.
    public var moduleId: String?
    /// The `api-version` property.
    public var apiVersion: String
    /// The `DeviceClientType` property (product info / user agent).
    public var deviceClientType: String?
    /// The `model-id` property (Plug and Play model id).
    public var modelId: String?
    /// The `auth-chain` property (nested edge on-behalf-of chain).
    public var authChain: String?
    /// Other properties, in order (the first occurrence of each key).
    public var additionalProperties: PropertyBag

    /// The legacy username tail accepted without `?`.
    public static let legacySuffix = "/api-version=2017-06-30/DeviceClientType=Microsoft.Azure.Devices.Client/1.5.1-preview-003"

    /// The property names this type maps to fields.
    public static let knownPropertyNames: Set<String> = ["api-version", "DeviceClientType", "model-id", "auth-chain"]

    /// Creates a username.
    public init(
        hostName: String,
        deviceId: String,
        moduleId: String? = nil,
        apiVersion: String,
        deviceClientType: String? = nil,
        modelId: String? = nil,
        authChain: String? = nil,
        additionalProperties: PropertyBag = PropertyBag()
    ) {
        self.hostName = hostName
        self.deviceId = deviceId
        self.moduleId = moduleId
        self.apiVersion = apiVersion
        self.deviceClientType = deviceClientType
        self.modelId = modelId
        self.authChain = authChain
        self.additionalProperties = additionalProperties
    }

    /// Parses a CONNECT username (see the type documentation).
    public init(parsing username: String) throws(MQTTUsernameError) {
        let segments = username.split(separator: "/", omittingEmptySubsequences: false)
        guard let last = segments.last else {
            throw MQTTUsernameError(code: .malformed, message: "username \"\(username)\" is empty")
        }
        let propertiesText: Substring
        if last.hasPrefix("?") {
            guard segments.count == 3 || segments.count == 4 else {
                throw MQTTUsernameError(
                    code: .malformed,
                    message: "username \"\(username)\" must be {host}/{deviceId}[/{moduleId}]/?{properties}")
            }
            propertiesText = last.dropFirst()
        } else if (segments.count == 3 || segments.count == 4) && last.lowercased().contains("api-version=") {
            propertiesText = last
        } else if segments.count == 6 && username.lowercased().hasSuffix(Self.legacySuffix.lowercased()) {
            self.init(
                hostName: String(segments[0]),
                deviceId: try Self.id(segments[1], "device id", username),
                moduleId: try Self.id(segments[2], "module id", username),
                apiVersion: "2017-06-30",
                deviceClientType: "Microsoft.Azure.Devices.Client/1.5.1-preview-003")
            return
        } else {
            throw MQTTUsernameError(
                code: .malformed,
                message: "username \"\(username)\" must be {host}/{deviceId}[/{moduleId}]/?{properties}")
        }
        let deviceId = try Self.id(segments[1], "device id", username)
        let moduleId = segments.count == 4 ? try Self.id(segments[2], "module id", username) : nil
        let parsed: PropertyBag
        do {
            parsed = try PropertyBag(parsing: propertiesText)
        } catch {
            throw MQTTUsernameError(code: .invalidProperties, message: "username \"\(username)\": \(error.message)")
        }
        var firsts = PropertyBag()
        for entry in parsed.entries where !firsts.contains(key: entry.key) {
            firsts.append(key: entry.key, value: entry.value)
        }
        guard let apiVersion = firsts.value(forKey: "api-version"),
              !apiVersion.allSatisfy({ $0.isWhitespace })
        else {
            throw MQTTUsernameError(
                code: .missingAPIVersion, message: "username \"\(username)\" is missing a non-empty api-version")
        }
        self.init(
            hostName: String(segments[0]),
            deviceId: deviceId,
            moduleId: moduleId,
            apiVersion: apiVersion,
            deviceClientType: firsts.value(forKey: "DeviceClientType"),
            modelId: firsts.value(forKey: "model-id"),
            authChain: firsts.value(forKey: "auth-chain"),
            additionalProperties: PropertyBag(firsts.entries.filter { !Self.knownPropertyNames.contains($0.key) }))
    }

    private static func id(_ segment: Substring, _ what: String, _ username: String) throws(MQTTUsernameError) -> String {
        let trimmed = segment.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw MQTTUsernameError(code: .emptyIdentity, message: "username \"\(username)\" has an empty \(what)")
        }
        return trimmed
    }

    /// The MQTT client id the identity must use: `deviceId` or `deviceId/moduleId`.
    public var clientId: String {
        moduleId.map { "\(deviceId)/\($0)" } ?? deviceId
    }

    /// The properties in rendering order.
    public var properties: PropertyBag {
        var bag = PropertyBag()
        bag.append(key: "api-version", value: apiVersion)
        if let deviceClientType { bag.append(key: "DeviceClientType", value: deviceClientType) }
        if let modelId { bag.append(key: "model-id", value: modelId) }
        if let authChain { bag.append(key: "auth-chain", value: authChain) }
        bag.entries.append(contentsOf: additionalProperties.entries)
        return bag
    }

    /// The username in the SDK form `{host}/{clientId}/?{properties}`.
    public var description: String {
        "\(hostName)/\(clientId)/?\(properties.encoded)"
    }
}
