public import UnixSocketHTTP

/// Supplies the workload API: the routes served on a module's own workload socket, and on the shared (legacy)
/// socket. edged owns the sockets (where they are, when they listen, who may connect); the provider owns what they
/// answer. The workload API target plugs its router factory in here.
public protocol WorkloadSocketProvider: Sendable {
    /// The router for the socket dedicated to `module` (its container's `/var/run/iotedge/workload.sock`), or for
    /// the shared legacy socket when `module` is nil.
    func workloadRouter(forModule module: String?) -> HTTPRouter
}

/// A ``WorkloadSocketProvider`` from a closure.
public struct WorkloadRouterFactory: WorkloadSocketProvider {
    public let make: @Sendable (String?) -> HTTPRouter

    public init(_ make: @escaping @Sendable (String?) -> HTTPRouter) { self.make = make }

    public func workloadRouter(forModule module: String?) -> HTTPRouter { make(module) }

    /// A provider with no routes yet: every request with a known api-version is `404 not found`.
    public static let empty = WorkloadRouterFactory { _ in HTTPRouter(routes: [], knownVersions: Set(EdgeletAPIVersion.all)) }
}
