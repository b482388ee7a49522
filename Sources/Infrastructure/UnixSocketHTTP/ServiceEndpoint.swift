/// An aziot connector URI, as written in `[endpoints]` sections: `unix:///run/aziot/keyd.sock`, `fd://3` or
/// `fd://aziot-keyd.socket` (an inherited descriptor, by number or systemd name), `http://host[:port]`.
public enum ServiceEndpoint: Sendable, Equatable, CustomStringConvertible {
    case unix(path: String)
    case fileDescriptor(String)
    case tcp(host: String, port: Int)

    public init(parsing uri: String) throws(UnixSocketHTTPError) {
        if uri.hasPrefix("unix://") {
            let path = String(uri.dropFirst("unix://".count))
            guard path.hasPrefix("/") else {
                throw UnixSocketHTTPError(.endpoint, "\(uri): a unix:// endpoint needs an absolute path, e.g. unix:///run/aziot/keyd.sock")
            }
            self = .unix(path: path)
        } else if uri.hasPrefix("fd://") {
            let name = String(uri.dropFirst("fd://".count))
            guard !name.isEmpty else { throw UnixSocketHTTPError(.endpoint, "\(uri): name a descriptor number or systemd socket name") }
            self = .fileDescriptor(name)
        } else if uri.hasPrefix("http://") {
            var rest = Substring(uri.dropFirst("http://".count))
            if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
            var host = rest
            var port = 80
            if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                host = rest[rest.index(after: rest.startIndex)..<close]
                let after = rest[rest.index(after: close)...]
                if after.hasPrefix(":") {
                    guard let parsed = Int(after.dropFirst()), (1...65535).contains(parsed) else {
                        throw UnixSocketHTTPError(.endpoint, "\(uri): invalid port")
                    }
                    port = parsed
                }
            } else if let colon = rest.lastIndex(of: ":") {
                host = rest[..<colon]
                guard let parsed = Int(rest[rest.index(after: colon)...]), (1...65535).contains(parsed) else {
                    throw UnixSocketHTTPError(.endpoint, "\(uri): invalid port")
                }
                port = parsed
            }
            guard !host.isEmpty else { throw UnixSocketHTTPError(.endpoint, "\(uri): missing host") }
            self = .tcp(host: String(host), port: port)
        } else {
            throw UnixSocketHTTPError(.endpoint, "\(uri): expected a unix://, fd:// or http:// URI")
        }
    }

    public var description: String {
        switch self {
        case .unix(let path): "unix://\(path)"
        case .fileDescriptor(let name): "fd://\(name)"
        case .tcp(let host, let port): host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
        }
    }

    /// The listening endpoint for a server: a socket handed over by systemd first (the descriptor named
    /// `systemdName` when there are several), else this endpoint. TCP is refused: local APIs are authorized by
    /// peer credentials, which only Unix sockets have.
    public func serverEndpoint(
        systemdName: String?,
        environment: [String: String] = ProcessEnvironment.current
    ) throws -> UnixSocketHTTPServerConfiguration.Endpoint {
        if let inherited = try SystemdSocketActivation.listenDescriptor(named: systemdName, environment: environment) {
            return .inheritedDescriptor(inherited)
        }
        switch self {
        case .unix(let path):
            return .unixSocket(path: path)
        case .fileDescriptor(let name):
            if let number = Int32(name) { return .inheritedDescriptor(number) }
            guard let named = try SystemdSocketActivation.listenDescriptor(named: name, environment: environment) else {
                throw UnixSocketHTTPError(.endpoint, "fd://\(name): the process was not started by systemd socket activation")
            }
            return .inheritedDescriptor(named)
        case .tcp:
            throw UnixSocketHTTPError(.endpoint, "\(self): servers listen on Unix sockets only, so that callers can be identified; use unix:///path")
        }
    }

    /// The socket path a client connects to.
    public func clientSocketPath() throws(UnixSocketHTTPError) -> String {
        guard case .unix(let path) = self else {
            throw UnixSocketHTTPError(.endpoint, "\(self): clients of the local services connect over unix:// sockets only")
        }
        return path
    }
}
