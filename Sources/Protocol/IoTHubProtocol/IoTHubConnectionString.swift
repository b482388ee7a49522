import Foundation

/// A parsed IoT Hub connection string:
/// `HostName=…;DeviceId=…;ModuleId=…;SharedAccessKeyName=…;SharedAccessKey=…;GatewayHostName=…;x509=true`.
///
/// Rules:
/// - fields are separated by `;` (empty fields, e.g. a trailing `;`, are skipped); each field is split on
///   its **first** `=` so base64 keys keep their padding; whitespace around names and values is trimmed;
/// - names are case-sensitive, exactly as IoT Hub writes them; a name appearing twice is an error;
/// - unknown names are **not** errors (the IoT Hub SDKs ignore them): they are kept in
///   ``additionalFields`` in order and rendered back after the known ones;
/// - the ``kind`` is `.module` when `DeviceId` and `ModuleId` are present, `.device` with `DeviceId`
///   only, and `.servicePolicy` with neither but `SharedAccessKeyName` + `SharedAccessKey`;
/// - a device or module needs exactly one of `SharedAccessKey` and `x509=true`.
///
/// ``description`` renders the canonical order `HostName, DeviceId, ModuleId, SharedAccessKeyName,
/// SharedAccessKey, GatewayHostName, x509=true`, then the additional fields.
public struct IoTHubConnectionString: Sendable, Hashable, CustomStringConvertible {
    /// What the connection string identifies.
    public enum Kind: String, Sendable, Hashable {
        /// A device identity (`DeviceId`, no `ModuleId`).
        case device
        /// A module identity (`DeviceId` and `ModuleId`).
        case module
        /// A hub-level shared access policy (`SharedAccessKeyName` + `SharedAccessKey`, no `DeviceId`).
        case servicePolicy
    }

    /// A field with a name the parser does not know, kept verbatim.
    public struct Field: Sendable, Hashable {
        /// The field name as written.
        public let name: String
        /// The field value as written (trimmed).
        public let value: String

        /// Creates a field.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The IoT Hub host name (`HostName`).
    public let hostName: String
    /// The device id (`DeviceId`).
    public let deviceId: String?
    /// The module id (`ModuleId`).
    public let moduleId: String?
    /// The base64 symmetric key (`SharedAccessKey`).
    public let sharedAccessKey: String?
    /// The shared access policy name (`SharedAccessKeyName`).
    public let sharedAccessKeyName: String?
    /// The gateway (edge) host to connect to instead of `HostName` (`GatewayHostName`).
    public let gatewayHostName: String?
    /// Whether the identity authenticates with an X.509 certificate (`x509=true`).
    public let usesX509: Bool
    /// Fields with unknown names, in the order they appeared.
    public let additionalFields: [Field]

    /// The field names this type understands.
    public static let knownFieldNames: [String] = [
        "HostName", "DeviceId", "ModuleId", "SharedAccessKeyName", "SharedAccessKey", "GatewayHostName", "x509",
    ]

    /// Creates and validates a connection string from its parts.
    public init(
        hostName: String,
        deviceId: String? = nil,
        moduleId: String? = nil,
        sharedAccessKey: String? = nil,
        sharedAccessKeyName: String? = nil,
        gatewayHostName: String? = nil,
        usesX509: Bool = false,
        additionalFields: [Field] = []
    ) throws(IoTHubConnectionStringError) {
        self.hostName = hostName
        self.deviceId = deviceId
        self.moduleId = moduleId
        self.sharedAccessKey = sharedAccessKey
        self.sharedAccessKeyName = sharedAccessKeyName
        self.gatewayHostName = gatewayHostName
        self.usesX509 = usesX509
        self.additionalFields = additionalFields
        try validate()
    }

    /// Parses a connection string (see the type documentation for the rules).
    public init(parsing text: some StringProtocol) throws(IoTHubConnectionStringError) {
        var known: [String: String] = [:]
        var additional: [Field] = []
        var seen: Set<String> = []
        for rawField in text.split(separator: ";", omittingEmptySubsequences: false) {
            let field = rawField.trimmingCharacters(in: .whitespacesAndNewlines)
            if field.isEmpty { continue }
            guard let equals = field.firstIndex(of: "=") else {
                throw IoTHubConnectionStringError(
                    code: .malformedField, field: field, message: "field \"\(field)\" has no '='")
            }
            let name = field[..<equals].trimmingCharacters(in: .whitespacesAndNewlines)
            let value = field[field.index(after: equals)...].trimmingCharacters(in: .whitespacesAndNewlines)
            if name.isEmpty {
                throw IoTHubConnectionStringError(
                    code: .malformedField, field: nil, message: "field \"\(field)\" has an empty name")
            }
            guard seen.insert(name).inserted else {
                throw IoTHubConnectionStringError(code: .duplicateField, field: name, message: "duplicate field \(name)")
            }
            if Self.knownFieldNames.contains(name) {
                known[name] = value
            } else {
                additional.append(Field(name: name, value: value))
            }
        }
        guard let hostName = known["HostName"] else {
            throw IoTHubConnectionStringError(
                code: .missingField, field: "HostName", message: "connection string is missing HostName")
        }
        var usesX509 = false
        if let x509 = known["x509"] {
            if x509.isEmpty {
                throw IoTHubConnectionStringError(code: .emptyValue, field: "x509", message: "x509 is empty")
            }
            switch x509.lowercased() {
            case "true": usesX509 = true
            case "false": usesX509 = false
            default:
                throw IoTHubConnectionStringError(
                    code: .invalidValue, field: "x509", message: "x509 must be true or false, not \"\(x509)\"")
            }
        }
        try self.init(
            hostName: hostName,
            deviceId: known["DeviceId"],
            moduleId: known["ModuleId"],
            sharedAccessKey: known["SharedAccessKey"],
            sharedAccessKeyName: known["SharedAccessKeyName"],
            gatewayHostName: known["GatewayHostName"],
            usesX509: usesX509,
            additionalFields: additional)
    }

    private func validate() throws(IoTHubConnectionStringError) {
        let named: [(String, String?)] = [
            ("HostName", hostName), ("DeviceId", deviceId), ("ModuleId", moduleId),
            ("SharedAccessKeyName", sharedAccessKeyName), ("SharedAccessKey", sharedAccessKey),
            ("GatewayHostName", gatewayHostName),
        ] + additionalFields.map { ($0.name, $0.value) }
        for (name, value) in named {
            guard let value else { continue }
            if value.isEmpty {
                throw IoTHubConnectionStringError(code: .emptyValue, field: name, message: "\(name) is empty")
            }
            if value.contains(";") {
                throw IoTHubConnectionStringError(
                    code: .invalidValue, field: name, message: "\(name) must not contain ';'")
            }
        }
        for field in additionalFields where field.name.isEmpty || field.name.contains("=") || field.name.contains(";") {
            throw IoTHubConnectionStringError(
                code: .malformedField, field: field.name, message: "invalid field name \"\(field.name)\"")
        }
        if let key = sharedAccessKey, Data(base64Encoded: key) == nil {
            throw IoTHubConnectionStringError(
                code: .invalidBase64, field: "SharedAccessKey", message: "SharedAccessKey is not valid base64")
        }
        if let deviceId {
            if usesX509 && sharedAccessKey != nil {
                throw IoTHubConnectionStringError(
                    code: .conflictingFields, field: "x509",
                    message: "SharedAccessKey and x509=true are mutually exclusive")
            }
            if sharedAccessKeyName != nil && sharedAccessKey == nil {
                throw IoTHubConnectionStringError(
                    code: .missingField, field: "SharedAccessKey",
                    message: "connection string has SharedAccessKeyName but is missing SharedAccessKey")
            }
            if !usesX509 && sharedAccessKey == nil {
                throw IoTHubConnectionStringError(
                    code: .missingCredentials, field: "SharedAccessKey",
                    message: "connection string for \(deviceId) has neither SharedAccessKey nor x509=true")
            }
        } else {
            if moduleId != nil {
                throw IoTHubConnectionStringError(
                    code: .missingField, field: "DeviceId",
                    message: "connection string has ModuleId but is missing DeviceId")
            }
            if usesX509 {
                throw IoTHubConnectionStringError(
                    code: .conflictingFields, field: "x509",
                    message: "x509=true requires DeviceId")
            }
            guard sharedAccessKeyName != nil else {
                throw IoTHubConnectionStringError(
                    code: .missingField, field: "DeviceId",
                    message: "connection string is missing DeviceId (or SharedAccessKeyName for a service policy)")
            }
            guard sharedAccessKey != nil else {
                throw IoTHubConnectionStringError(
                    code: .missingField, field: "SharedAccessKey",
                    message: "connection string is missing SharedAccessKey")
            }
        }
    }

    /// What the connection string identifies.
    public var kind: Kind {
        if deviceId == nil { return .servicePolicy }
        return moduleId == nil ? .device : .module
    }

    /// The host a client connects to: `GatewayHostName` when present, else `HostName`.
    public var connectHostName: String { gatewayHostName ?? hostName }

    /// The MQTT client id of the identity: `deviceId` or `deviceId/moduleId` (`nil` for a service policy).
    public var clientId: String? {
        guard let deviceId else { return nil }
        return moduleId.map { "\(deviceId)/\($0)" } ?? deviceId
    }

    /// The decoded `SharedAccessKey` bytes.
    public var sharedAccessKeyBytes: [UInt8]? {
        sharedAccessKey.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
    }

    /// The fields in canonical order.
    public var fields: [Field] {
        var result = [Field(name: "HostName", value: hostName)]
        if let deviceId { result.append(Field(name: "DeviceId", value: deviceId)) }
        if let moduleId { result.append(Field(name: "ModuleId", value: moduleId)) }
        if let sharedAccessKeyName { result.append(Field(name: "SharedAccessKeyName", value: sharedAccessKeyName)) }
        if let sharedAccessKey { result.append(Field(name: "SharedAccessKey", value: sharedAccessKey)) }
        if let gatewayHostName { result.append(Field(name: "GatewayHostName", value: gatewayHostName)) }
        if usesX509 { result.append(Field(name: "x509", value: "true")) }
        return result + additionalFields
    }

    /// The connection string in canonical order (includes the key; see ``redactedDescription``).
    public var description: String {
        fields.map { "\($0.name)=\($0.value)" }.joined(separator: ";")
    }

    /// The connection string with the `SharedAccessKey` value replaced by `***`, for logs.
    public var redactedDescription: String {
        fields.map { "\($0.name)=\($0.name == "SharedAccessKey" ? "***" : $0.value)" }.joined(separator: ";")
    }
}
