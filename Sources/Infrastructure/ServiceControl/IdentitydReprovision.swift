import Foundation
import NIOCore
import NIOHTTP1
import UnixSocketHTTP

/// `system reprovision`: asks aziot-identityd to provision the device again.
public enum IdentitydReprovision {
    /// identityd's socket: `AZIOT_IDENTITYD_SOCKET`, else `/run/aziot/identityd.sock`.
    public static func socket(environment: [String: String]) -> String {
        environment["AZIOT_IDENTITYD_SOCKET"] ?? "/run/aziot/identityd.sock"
    }

    /// `POST /identities/device/reprovision?api-version=<apiVersion>` with `{"type":"aziot"}`.
    public static func reprovision(socket: String, apiVersion: String) async throws(ServiceControlError) {
        let client = UnixSocketHTTPClient(socketPath: socket, host: "identityd.sock")
        let response: UnixSocketHTTPClient.Response
        do {
            response = try await client.request(
                .POST, "/identities/device/reprovision?api-version=\(apiVersion)", body: ByteBuffer(string: #"{"type":"aziot"}"#))
        } catch {
            throw ServiceControlError("Failed to reprovision: \(error)")
        }
        guard (200..<300).contains(response.status.code) else {
            throw ServiceControlError("Failed to reprovision: \(response.status.code) \(message(in: response.bodyText))")
        }
    }

    /// The `message` of an error body, else the body itself.
    public static func message(in body: String) -> String {
        struct ErrorBody: Decodable { var message: String }
        if let decoded = try? JSONDecoder().decode(ErrorBody.self, from: Data(body.utf8)) { return decoded.message }
        return body
    }
}
