/// A module identity as IoT Hub's module REST API and identityd's module backups carry it:
/// `{"moduleId","managedBy"?,"deviceId","generationId"?,"authentication"?}` (absent optionals are omitted).
/// Other members of Hub's answer (`etag`, `connectionState`, …) are ignored.
public struct HubModule: Sendable, Equatable, Codable {
    public var moduleId: String
    public var managedBy: String?
    public var deviceId: String
    public var generationId: String?
    public var authentication: Authentication?

    public init(moduleId: String, deviceId: String, managedBy: String? = nil, generationId: String? = nil, authentication: Authentication? = nil) {
        self.moduleId = moduleId
        self.managedBy = managedBy
        self.deviceId = deviceId
        self.generationId = generationId
        self.authentication = authentication
    }

    /// `{"symmetricKey"?:{"primaryKey"?,"secondaryKey"?},"x509Thumbprint"?:{…},"type"?:"none"|"sas"|"x509"}`.
    public struct Authentication: Sendable, Equatable, Codable {
        public struct SymmetricKey: Sendable, Equatable, Codable {
            /// Base64.
            public var primaryKey: String?
            public var secondaryKey: String?
            public init(primaryKey: String?, secondaryKey: String?) {
                self.primaryKey = primaryKey
                self.secondaryKey = secondaryKey
            }
        }

        public struct X509Thumbprint: Sendable, Equatable, Codable {
            public var primaryThumbprint: String?
            public var secondaryThumbprint: String?
        }

        public var symmetricKey: SymmetricKey?
        public var x509Thumbprint: X509Thumbprint?
        public var type: String?

        public init(symmetricKey: SymmetricKey? = nil, x509Thumbprint: X509Thumbprint? = nil, type: String? = nil) {
            self.symmetricKey = symmetricKey
            self.x509Thumbprint = x509Thumbprint
            self.type = type
        }

        /// SAS authentication with two base64 keys.
        public static func sas(primaryKey: [UInt8], secondaryKey: [UInt8]) -> Authentication {
            Authentication(
                symmetricKey: SymmetricKey(primaryKey: Base64.encode(primaryKey), secondaryKey: Base64.encode(secondaryKey)),
                type: "sas"
            )
        }
    }

    /// The module without its keys, as the backups keep it.
    public var withoutAuthentication: HubModule {
        var copy = self
        copy.authentication = nil
        return copy
    }

    enum CodingKeys: String, CodingKey {
        case moduleId, managedBy, deviceId, generationId, authentication
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(moduleId, forKey: .moduleId)
        try container.encodeIfPresent(managedBy, forKey: .managedBy)
        try container.encode(deviceId, forKey: .deviceId)
        try container.encodeIfPresent(generationId, forKey: .generationId)
        try container.encodeIfPresent(authentication, forKey: .authentication)
    }
}
