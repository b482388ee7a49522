import Foundation
import IdentityService
import IoTHubProtocol
import MQTTTestSupport
import UnixSocketHTTP

/// identityd's API on a Unix socket (mode 0666, so that other uids can reach it), called with curl.
struct APIServer {
    let socketPath: String
    let server: UnixSocketHTTPServer

    static func start(_ service: IdentityService, in directory: String) async throws -> APIServer {
        let socketPath = directory + "/identityd.sock"
        let server = UnixSocketHTTPServer(
            configuration: .init(endpoint: .unixSocket(path: socketPath), socketMode: 0o666),
            router: IdentityServiceAPI.router(service),
            logger: makeTestLogger(label: "identityd-api")
        )
        try await server.start()
        return APIServer(socketPath: socketPath, server: server)
    }

    func stop() async { await server.stop() }

    struct Answer: CustomStringConvertible {
        var status: Int
        var body: String

        /// The body as JSON.
        var json: JSONValue? { try? JSONValue(parsing: body) }
        /// The `message` of an error body.
        var message: String? {
            guard case .object(let object)? = json, case .string(let message)? = object["message"] else { return nil }
            return message
        }

        var description: String { "\(status) \(body)" }
    }

    /// `curl` (as another uid through `setpriv` when `uid` is given) and the status and body it got.
    func curl(_ method: String, _ target: String, body: String? = nil, contentType: String? = "application/json", uid: UInt32? = nil) async throws -> Answer {
        var arguments = ["-sS", "--unix-socket", socketPath, "-w", "\n%{http_code}", "-X", method]
        if let body {
            if let contentType { arguments += ["-H", "Content-Type: \(contentType)"] }
            arguments += ["--data-binary", body]
        }
        arguments.append("http://identityd.sock\(target)")
        var command = "curl"
        if let uid {
            arguments = ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", try executablePath("curl")] + arguments
            command = "setpriv"
        }
        let result = try await ChildProcess.run(command, arguments)
        guard result.status == 0 else { throw TestFailure("curl failed (\(result.status)): \(result.stderr)") }
        var lines = result.stdout.components(separatedBy: "\n")
        let status = Int(lines.removeLast()) ?? 0
        return Answer(status: status, body: lines.joined(separator: "\n"))
    }
}
