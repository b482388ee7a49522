public import UnixSocketHTTP

/// The management socket edged serves inside edgeAgent's socket directory.
public struct AgentManagementSocket: Sendable {
    public var agent: String
    /// The file name, e.g. `mgmt.sock`.
    public var socketName: String
    /// The management API's router (asked for when the socket starts).
    public var router: @Sendable () -> HTTPRouter
    public var maxConnections: Int

    public init(agent: String, socketName: String, router: @escaping @Sendable () -> HTTPRouter, maxConnections: Int) {
        self.agent = agent
        self.socketName = socketName
        self.router = router
        self.maxConnections = maxConnections
    }
}
