import Foundation
import IoTHubProtocol
import MQTTTestSupport

/// One HTTP exchange made with curl over a Unix socket — from this process's host, or inside a container with
/// `docker exec` (then the caller's pid is a process of that container).
struct CurlAnswer: CustomStringConvertible {
    var status: Int
    var body: String

    var json: JSONValue? { try? JSONValue(parsing: body) }

    /// The `message` of an error body.
    var message: String? { json?["message"]?.stringValue }

    /// A string member of the JSON body.
    func string(_ key: String) -> String? { json?[key]?.stringValue }

    var description: String { "\(status) \(body)" }
}

enum Curl {
    /// curl's arguments for one request: `contentType` nil sends no Content-Type header at all (as the Python SDK's
    /// sign request does).
    static func arguments(socket: String, method: String, target: String, body: String?, contentType: String?) -> [String] {
        var arguments = ["-sS", "--max-time", "60", "--unix-socket", socket, "-w", "\n%{http_code}", "-X", method]
        if let body {
            // `-H "Content-Type:"` removes the header curl would add for --data-binary.
            arguments += ["--data-binary", body, "-H", contentType.map { "Content-Type: \($0)" } ?? "Content-Type:"]
        }
        arguments.append("http://workload.sock\(target)")
        return arguments
    }

    static func answer(_ result: (status: Int32, stdout: String, stderr: String), _ what: String) throws -> CurlAnswer {
        guard result.status == 0 else { throw TestFailure("\(what) failed (\(result.status)): \(result.stderr) \(result.stdout)") }
        var lines = result.stdout.components(separatedBy: "\n")
        let status = Int(lines.removeLast()) ?? 0
        return CurlAnswer(status: status, body: lines.joined(separator: "\n"))
    }

    /// From this test process's host.
    static func host(
        socket: String, _ method: String, _ target: String, body: String? = nil, contentType: String? = "application/json"
    ) async throws -> CurlAnswer {
        let result = try await ChildProcess.run("curl", arguments(socket: socket, method: method, target: target, body: body, contentType: contentType), timeout: .seconds(90))
        return try answer(result, "curl \(method) \(target)")
    }

    /// Inside container `container` (its host curl, bind-mounted with its libraries).
    static func inContainer(
        _ container: String, socket: String, _ method: String, _ target: String, body: String? = nil, contentType: String? = "application/json"
    ) async throws -> CurlAnswer {
        let curl = arguments(socket: socket, method: method, target: target, body: body, contentType: contentType)
        let result = try await ChildProcess.run("docker", ["exec", container, "/usr/bin/curl"] + curl, timeout: .seconds(90))
        return try answer(result, "docker exec \(container) curl \(method) \(target)")
    }
}
