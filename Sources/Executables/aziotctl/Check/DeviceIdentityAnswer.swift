import IoTHubProtocol
import NIOHTTP1
import UnixSocketHTTP

/// identityd's answer to `GET /identities/identity`.
enum DeviceIdentityAnswer: Sendable {
    case identity(hubName: String, gatewayHost: String?)
    case unavailable(String)

    static func fetch(socket: String) async -> DeviceIdentityAnswer {
        let client = UnixSocketHTTPClient(socketPath: socket, host: "identityd.sock")
        let response: UnixSocketHTTPClient.Response
        do {
            response = try await withTimeout(CheckContext.requestTimeout) {
                try await client.request(.GET, "/identities/identity?api-version=2020-09-01")
            }
        } catch {
            return .unavailable("identityd could not be asked for the device identity: \(error)")
        }
        guard response.status.code == 200 else {
            return .unavailable("identityd answered \(response.status.code) to GET /identities/identity: \(errorMessage(response.bodyText))")
        }
        guard let body = try? JSONValue(parsing: response.bodyText), let spec = body["spec"], let hub = spec["hubName"]?.stringValue else {
            return .unavailable("identityd's identity has no spec.hubName")
        }
        return .identity(hubName: hub, gatewayHost: spec["gatewayHost"]?.stringValue)
    }
}

/// The `message` of a `{"message": …}` error body, else the body.
func errorMessage(_ body: String) -> String {
    if let value = try? JSONValue(parsing: body), let message = value["message"]?.stringValue { return message }
    return body
}
