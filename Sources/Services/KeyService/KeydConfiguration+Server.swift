public import UnixSocketHTTP

extension KeydConfiguration {
    /// The HTTP server settings for this configuration: the socket systemd handed over (if the process was
    /// socket-activated), else the configured endpoint (default `unix:///run/aziot/keyd.sock`, mode 0660), with
    /// `max_requests` connections per caller uid.
    public func serverConfiguration(
        environment: [String: String] = ProcessEnvironment.current
    ) throws -> UnixSocketHTTPServerConfiguration {
        let endpointName: String?
        if case .fileDescriptor(let name) = endpoint, Int32(name) == nil { endpointName = name } else { endpointName = nil }
        let serverEndpoint: UnixSocketHTTPServerConfiguration.Endpoint
        if let inherited = try SystemdSocketActivation.listenDescriptor(named: endpointName, environment: environment) {
            serverEndpoint = .inheritedDescriptor(inherited)
        } else {
            switch endpoint ?? .defaultSocket {
            case .unixSocket(let path):
                serverEndpoint = .unixSocket(path: path)
            case .fileDescriptor(let name):
                guard let descriptor = Int32(name) else {
                    throw KeyServiceError.configuration(
                        "[endpoints] aziot_keyd = \"fd://\(name)\" names a systemd socket, but the process was not socket-activated"
                    )
                }
                serverEndpoint = .inheritedDescriptor(descriptor)
            }
        }
        return UnixSocketHTTPServerConfiguration(endpoint: serverEndpoint, maxConnectionsPerUID: maxRequests)
    }
}
