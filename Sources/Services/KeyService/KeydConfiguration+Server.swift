public import UnixSocketHTTP

extension KeydConfiguration {
    /// The HTTP server settings for this configuration: the socket systemd handed over (if the process was
    /// socket-activated), else the configured endpoint (default `unix:///run/aziot/keyd.sock`, mode 0660), with
    /// `max_requests` connections per caller uid.
    public func serverConfiguration(
        environment: [String: String] = ProcessEnvironment.current
    ) throws -> UnixSocketHTTPServerConfiguration {
        let serverEndpoint = try (endpoint ?? .unix(path: "/run/aziot/keyd.sock")).serverEndpoint(systemdName: "aziot-keyd.socket", environment: environment)
        return UnixSocketHTTPServerConfiguration(endpoint: serverEndpoint, maxConnectionsPerUID: maxRequests)
    }
}
