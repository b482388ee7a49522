import Testing
import UnixSocketHTTP

@Suite("Service endpoint URIs")
struct ServiceEndpointTests {
    @Test("unix, fd and http URIs parse and print back", arguments: [
        ("unix:///run/aziot/keyd.sock", ServiceEndpoint.unix(path: "/run/aziot/keyd.sock"), "unix:///run/aziot/keyd.sock"),
        ("fd://3", .fileDescriptor("3"), "fd://3"),
        ("fd://aziot-keyd.socket", .fileDescriptor("aziot-keyd.socket"), "fd://aziot-keyd.socket"),
        ("http://127.0.0.1", .tcp(host: "127.0.0.1", port: 80), "http://127.0.0.1:80"),
        ("http://localhost:8888", .tcp(host: "localhost", port: 8888), "http://localhost:8888"),
        ("http://[::1]:8080/", .tcp(host: "::1", port: 8080), "http://[::1]:8080"),
    ])
    func parses(uri: String, expected: ServiceEndpoint, printed: String) throws {
        let endpoint = try ServiceEndpoint(parsing: uri)
        #expect(endpoint == expected)
        #expect(endpoint.description == printed)
    }

    @Test("malformed URIs are refused with a reason", arguments: ["", "keyd.sock", "unix://relative.sock", "fd://", "http://host:99999", "http://:80", "https://x"])
    func refuses(uri: String) {
        do {
            _ = try ServiceEndpoint(parsing: uri)
            Issue.record("\(uri) was accepted")
        } catch {
            #expect(error.code == .endpoint)
            #expect(error.message.hasPrefix(uri.isEmpty ? ":" : uri))
        }
    }

    @Test("servers refuse TCP; systemd's socket wins over the configured path")
    func serverEndpoints() throws {
        let tcp = ServiceEndpoint.tcp(host: "127.0.0.1", port: 80)
        #expect(throws: UnixSocketHTTPError.self) { try tcp.serverEndpoint(systemdName: nil, environment: [:]) }
        let unix = ServiceEndpoint.unix(path: "/tmp/x.sock")
        #expect(try unix.serverEndpoint(systemdName: nil, environment: [:]) == .unixSocket(path: "/tmp/x.sock"))
        let activated = ["LISTEN_PID": "1", "LISTEN_FDS": "1"]
        // LISTEN_PID names another process: not ours, so the configured path is used.
        #expect(try unix.serverEndpoint(systemdName: nil, environment: activated) == .unixSocket(path: "/tmp/x.sock"))
        #expect(try ServiceEndpoint.fileDescriptor("7").serverEndpoint(systemdName: nil, environment: [:]) == .inheritedDescriptor(7))
        #expect(throws: UnixSocketHTTPError.self) { try ServiceEndpoint.fileDescriptor("named").serverEndpoint(systemdName: nil, environment: [:]) }
        #expect(throws: UnixSocketHTTPError.self) { try tcp.clientSocketPath() }
        #expect(try unix.clientSocketPath() == "/tmp/x.sock")
    }
}
