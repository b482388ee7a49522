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
