/// The kinds of identity a host process may obtain (`idtype`).
public enum IdentityType: String, Sendable, Hashable, CaseIterable {
    /// The device identity (`GET /identities/identity` answers it).
    case device
    /// A local identity: a certificate issued by certd for `<name>.<hostname>.<domain>`.
    case local
    /// An IoT Hub module identity named after the principal, created and kept by reconciliation.
    case module
}

/// Options of one local identity: X.509 is the only type, as a TLS client or a TLS server (and client).
public struct LocalIdentityOptions: Sendable, Equatable {
    public enum Attributes: String, Sendable, Equatable {
        case client
        case server
    }

    public var attributes: Attributes

    public init(attributes: Attributes = .client) {
        self.attributes = attributes
    }
}

/// A `[[principal]]` of identityd: a Unix user and the module name it is known by.
///
/// A principal with `idtype` is a *host process* that may read only its own identities; one without `idtype` is the
/// *daemon* (IoT Edge's `aziot-edged`), trusted like root.
public struct IdentityPrincipal: Sendable, Equatable {
    public var uid: UInt32
    /// The module id in IoT Hub, and the first label of a local identity's common name.
    public var name: String
    /// Nil for the daemon principal.
    public var idTypes: [IdentityType]?
    /// `localid = { type = "x509", attributes = "client" | "server" }`; only with the `local` type.
    public var localIdOptions: LocalIdentityOptions?

    public init(uid: UInt32, name: String, idTypes: [IdentityType]? = nil, localIdOptions: LocalIdentityOptions? = nil) {
        self.uid = uid
        self.name = name
        self.idTypes = idTypes
        self.localIdOptions = localIdOptions
    }

    public func has(_ type: IdentityType) -> Bool { idTypes?.contains(type) ?? false }
}
