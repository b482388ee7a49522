/// Who a service-API request comes from.
enum ServiceCaller: Sendable, Equatable {
    /// A client signing with a hub-level shared access policy (full rights).
    case policy(String)
    /// A device, limited to its own module identities (``DeviceScopedAccess``).
    case device(String)
}
