public import IoTHubProtocol

/// An identity as identityd's API returns it: `{"type":"aziot","spec":{…}}` or `{"type":"local","spec":{…}}`.
public enum Identity: Sendable, Equatable, Codable {
    case aziot(AziotIdentity)
    case local(LocalIdentity)

    enum CodingKeys: String, CodingKey { case type, spec }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .type) {
        case "aziot": self = .aziot(try container.decode(AziotIdentity.self, forKey: .spec))
        case "local": self = .local(try container.decode(LocalIdentity.self, forKey: .spec))
        case let other: throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "unknown identity type \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .aziot(let spec):
            try container.encode("aziot", forKey: .type)
            try container.encode(spec, forKey: .spec)
        case .local(let spec):
            try container.encode("local", forKey: .type)
            try container.encode(spec, forKey: .spec)
        }
    }

    /// The IoT Hub identity, if this is one.
    public var aziot: AziotIdentity? {
        if case .aziot(let spec) = self { return spec }
        return nil
    }
}

/// `{"hubName","gatewayHost","deviceId","moduleId"?,"genId"?,"auth"?}`; absent optionals are omitted.
public struct AziotIdentity: Sendable, Equatable, Codable {
    public var hubName: String
    public var gatewayHost: String
    public var deviceId: String
    public var moduleId: String?
    public var genId: String?
    public var auth: AuthenticationInfo?

    public init(hubName: String, gatewayHost: String, deviceId: String, moduleId: String? = nil, genId: String? = nil, auth: AuthenticationInfo? = nil) {
        self.hubName = hubName
        self.gatewayHost = gatewayHost
        self.deviceId = deviceId
        self.moduleId = moduleId
        self.genId = genId
        self.auth = auth
    }

    enum CodingKeys: String, CodingKey { case hubName, gatewayHost, deviceId, moduleId, genId, auth }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(hubName, forKey: .hubName)
        try container.encode(gatewayHost, forKey: .gatewayHost)
        try container.encode(deviceId, forKey: .deviceId)
        try container.encodeIfPresent(moduleId, forKey: .moduleId)
        try container.encodeIfPresent(genId, forKey: .genId)
        try container.encodeIfPresent(auth, forKey: .auth)
    }
}

/// `{"type":"sas"|"x509"|"tpm","keyHandle"?,"certId"?}`.
public struct AuthenticationInfo: Sendable, Equatable, Codable {
    public var type: String
    public var keyHandle: String?
    public var certId: String?

    public init(type: String, keyHandle: String? = nil, certId: String? = nil) {
        self.type = type
        self.keyHandle = keyHandle
        self.certId = certId
    }

    enum CodingKeys: String, CodingKey { case type, keyHandle, certId }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encodeIfPresent(keyHandle, forKey: .keyHandle)
        try container.encodeIfPresent(certId, forKey: .certId)
    }
}

/// `{"moduleId","auth":{"privateKey","certificate","expiration"}}`.
public struct LocalIdentity: Sendable, Equatable, Codable {
    public struct Auth: Sendable, Equatable, Codable {
        /// PKCS#8 PEM.
        public var privateKey: String
        /// PEM chain, leaf first.
        public var certificate: String
        /// The leaf's notAfter in RFC 3339, e.g. `2025-01-01T00:00:00+00:00`.
        public var expiration: String
    }

    public var moduleId: String
    public var auth: Auth
}

/// `GET /identities/provisioning`: `{"source":"dps","auth","endpoint","scope_id","registration_id","payload"}`,
/// `{"source":"manual","auth"}` or `{"source":"none"}`.
public enum ProvisioningInfo: Sendable, Equatable, Codable {
    case dps(auth: String, endpoint: String, scopeId: String, registrationId: String, payload: JSONValue?)
    case manual(auth: String)
    case none

    enum CodingKeys: String, CodingKey {
        case source, auth, endpoint
        case scopeId = "scope_id"
        case registrationId = "registration_id"
        case payload
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .dps(let auth, let endpoint, let scopeId, let registrationId, let payload):
            try container.encode("dps", forKey: .source)
            try container.encode(auth, forKey: .auth)
            try container.encode(endpoint, forKey: .endpoint)
            try container.encode(scopeId, forKey: .scopeId)
            try container.encode(registrationId, forKey: .registrationId)
            try container.encode(payload ?? .null, forKey: .payload)
        case .manual(let auth):
            try container.encode("manual", forKey: .source)
            try container.encode(auth, forKey: .auth)
        case .none:
            try container.encode("none", forKey: .source)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .source) {
        case "dps":
            let payload = try container.decodeIfPresent(JSONValue.self, forKey: .payload)
            self = .dps(
                auth: try container.decode(String.self, forKey: .auth),
                endpoint: try container.decode(String.self, forKey: .endpoint),
                scopeId: try container.decode(String.self, forKey: .scopeId),
                registrationId: try container.decode(String.self, forKey: .registrationId),
                payload: payload == .null ? nil : payload
            )
        case "manual":
            self = .manual(auth: try container.decode(String.self, forKey: .auth))
        case "none":
            self = .none
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .source, in: container, debugDescription: "unknown source \(other)")
        }
    }
}
