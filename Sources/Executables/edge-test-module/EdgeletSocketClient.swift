import IoTHubProtocol
import NIOCore
import NIOHTTP1
import UnixSocketHTTP

/// One of edged's sockets (management or workload), named by its `unix://` URI as the environment gives it.
struct EdgeletSocketClient: Sendable {
    /// A status and the body: parsed JSON, the text when it is not JSON, null when empty.
    struct Answer: Sendable {
        var status: Int
        var body: JSONValue
    }

    let uri: String
    let apiVersion: String
    private let http: UnixSocketHTTPClient

    init(uri: String, apiVersion: String) throws(ModuleError) {
        guard uri.hasPrefix("unix://") else { throw ModuleError("\(uri) is not a unix:// URI") }
        self.uri = uri
        self.apiVersion = apiVersion
        http = UnixSocketHTTPClient(socketPath: String(uri.dropFirst("unix://".count)))
    }

    /// The body as bytes (a log stream), with the status; status 0 when no HTTP answer came.
    func raw(_ method: HTTPMethod, _ path: String) async -> (status: Int, body: ByteBuffer) {
        let target = path + (path.contains("?") ? "&" : "?") + "api-version=\(apiVersion)"
        do {
            let response = try await http.request(method, target)
            return (Int(response.status.code), response.body)
        } catch {
            return (0, ByteBuffer(string: "\(error)"))
        }
    }

    /// `path` without a query or with one (`?start=true`); the api-version is appended.
    func call(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async -> Answer {
        let target = path + (path.contains("?") ? "&" : "?") + "api-version=\(apiVersion)"
        let buffer = body.map { ByteBuffer(bytes: $0.jsonBytes) }
        do {
            let response = try await http.request(method, target, body: buffer)
            let text = response.bodyText
            let parsed: JSONValue
            if text.isEmpty {
                parsed = .null
            } else if let json = try? JSONValue(parsing: text) {
                parsed = json
            } else {
                parsed = .string(text)
            }
            return Answer(status: Int(response.status.code), body: parsed)
        } catch {
            // No HTTP answer (connection refused, closed early): status 0 and the error's text.
            return Answer(status: 0, body: .string("\(error)"))
        }
    }
}

/// A failure of the module itself (bad scenario, missing environment), with what to do about it.
struct ModuleError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension [String: String] {
    func required(_ name: String) throws(ModuleError) -> String {
        guard let value = self[name], !value.isEmpty else {
            throw ModuleError("the environment variable \(name) is not set (edged sets it for edgeAgent, edgeAgent for modules)")
        }
        return value
    }
}

/// The text of a Docker log stream as edged forwards it (§2.4): frames of an 8-byte header (stream, 3 zero bytes,
/// big-endian length) and a payload; a body that is not framed that way is taken as plain text (a TTY container).
enum DockerLogText {
    static func text(of body: ByteBuffer) -> String {
        var buffer = body
        var text = ""
        while buffer.readableBytes >= 8 {
            guard let header = buffer.readBytes(length: 8), header[0] <= 2, header[1] == 0, header[2] == 0, header[3] == 0 else {
                return String(buffer: body)
            }
            let length = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
            guard let payload = buffer.readString(length: length) else { return String(buffer: body) }
            text += payload
        }
        return text
    }
}
