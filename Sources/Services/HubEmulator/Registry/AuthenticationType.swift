/// How a device or module authenticates (`authentication.type`).
public enum AuthenticationType: String, Sendable, Hashable, Codable, CaseIterable {
    /// Shared access signature tokens signed with the primary or secondary symmetric key.
    case sas
    /// An X.509 certificate whose thumbprint is registered (self-signed or otherwise).
    case selfSigned
    /// An X.509 certificate issued by a trusted CA, whose subject CN is the device id.
    case certificateAuthority
    /// No credentials of its own (e.g. a module authenticated through its device or an edge).
    case none
}
