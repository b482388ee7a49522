import IoTHubProtocol

/// An identity as aziot-identityd hands it out (`{"type": "aziot", "spec": {...}}`).
public struct AziotIdentity: Sendable, Hashable {
    public var hubName: String
    public var gatewayHost: String
    public var deviceId: String
    public var moduleId: String?
    public var generationId: String?
    /// `sas`, `x509` or `tpm`.
    public var authType: String?
    public var keyHandle: String?
    public var certId: String?

    public init(
        hubName: String, gatewayHost: String, deviceId: String, moduleId: String? = nil, generationId: String? = nil, authType: String? = nil,
        keyHandle: String? = nil, certId: String? = nil
    ) {
        self.hubName = hubName
        self.gatewayHost = gatewayHost
        self.deviceId = deviceId
        self.moduleId = moduleId
        self.generationId = generationId
        self.authType = authType
        self.keyHandle = keyHandle
        self.certId = certId
    }

    /// Reads `{"type": "aziot", "spec": {...}}`; nil for other types (local identities).
    init?(json: JSONValue) throws(IdentityClientError) {
        guard json["type"]?.stringValue == "aziot" else { return nil }
        guard let spec = json["spec"], let hub = spec["hubName"]?.stringValue, let device = spec["deviceId"]?.stringValue else {
            throw IdentityClientError(status: nil, message: "identityd's identity lacks hubName or deviceId: \(json.jsonString.prefix(300))")
        }
        hubName = hub
        gatewayHost = spec["gatewayHost"]?.stringValue ?? hub
        deviceId = device
        moduleId = spec["moduleId"]?.stringValue
        generationId = spec["genId"]?.stringValue
        authType = spec["auth"]?["type"]?.stringValue
        keyHandle = spec["auth"]?["keyHandle"]?.stringValue
        certId = spec["auth"]?["certId"]?.stringValue
    }
}
