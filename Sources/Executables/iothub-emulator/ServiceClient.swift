import AsyncHTTPClient
import Foundation
import IoTHubProtocol
import NIOCore
import NIOHTTP1
import NIOSSL

/// The CLI's way to the running emulator: its HTTPS service API, trusting the emulator's CA, each request signed
/// with a fresh `iothubowner` SAS token.
struct ServiceClient {
    let baseURL: String
    let hostName: String
    let policy: SharedAccessPolicyFile
    let client: HTTPClient

    struct SharedAccessPolicyFile: Decodable {
        var name: String
        var primaryKey: String
    }

    /// Everything from the emulator's data folder: its CA, its host name, its owner policy.
    init(dataDirectory: String, httpsPort: Int) throws {
        guard let policies = FileManager.default.contents(atPath: dataDirectory + "/policies.json") else {
            throw CLIError("no emulator data in \(dataDirectory); start one with `iothub-emulator start --data-dir \(dataDirectory)`")
        }
        let decoded = try JSONDecoder().decode([SharedAccessPolicyFile].self, from: policies)
        guard let owner = decoded.first(where: { $0.name == "iothubowner" }) ?? decoded.first else {
            throw CLIError("\(dataDirectory)/policies.json holds no policy")
        }
        policy = owner
        hostName = (try? String(contentsOfFile: dataDirectory + "/server-hostname", encoding: .utf8)) ?? "localhost"
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(dataDirectory + "/ca.pem")
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        baseURL = "https://localhost:\(httpsPort)"
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    /// Sends a request; returns the JSON answer (null for 204). A non-2xx answer becomes a ``CLIError`` with IoT
    /// Hub's message.
    @discardableResult
    func send(
        _ method: HTTPMethod, _ path: String, body: JSONValue? = nil, query: String = "", apiVersion: String = "2021-04-12",
        timeout: TimeAmount = .seconds(330)
    ) async throws -> JSONValue {
        let separator = query.isEmpty ? "" : "&"
        var request = HTTPClientRequest(url: "\(baseURL)/\(path)?\(query)\(separator)api-version=\(apiVersion)")
        request.method = method
        request.headers.add(name: "Authorization", value: token())
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            request.body = .bytes(ByteBuffer(string: body.jsonString))
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
        } catch {
            throw CLIError("cannot reach the emulator at \(baseURL): \(error); is `iothub-emulator start` running?")
        }
        let bytes = try await response.body.collect(upTo: 16 << 20)
        let text = String(buffer: bytes)
        guard (200..<300).contains(Int(response.status.code)) else {
            let answer = try? JSONValue(parsing: text)
            let message = answer?["Message"]?.stringValue ?? answer?["message"]?.stringValue ?? text
            throw CLIError("\(response.status.code) \(response.status.reasonPhrase): \(message)")
        }
        return text.isEmpty ? .null : try JSONValue(parsing: text)
    }

    private func token() -> String {
        let expiry = UInt64(Date().timeIntervalSince1970) + 3600
        return (try? SharedAccessSignature.make(resource: hostName, key: policy.primaryKey, expiry: expiry, keyName: policy.name).description) ?? ""
    }
}

/// A CLI failure with a message for the user.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
