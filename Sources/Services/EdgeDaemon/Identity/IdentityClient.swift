import Foundation
import IoTHubProtocol
public import NIOCore
import NIOHTTP1
public import NIOPosix
public import UnixSocketHTTP

/// The parts of aziot-identityd's API (`api-version=2020-09-01`) edged uses: the device identity, IoT Hub module
/// identities and reprovisioning.
public struct IdentityClient: Sendable {
    public let http: UnixSocketHTTPClient
    public let apiVersion: String

    public init(socketPath: String, apiVersion: String = "2020-09-01", eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.http = UnixSocketHTTPClient(socketPath: socketPath, host: "identityd.sock", eventLoopGroup: eventLoopGroup)
        self.apiVersion = apiVersion
    }

    /// `POST /identities/device` `{"type": "aziot"}`: the device's hub, id and gateway host.
    public func deviceIdentity() async throws(IdentityClientError) -> AziotIdentity {
        try identity(try await call(.POST, "/identities/device", body: ["type": "aziot"]))
    }

    /// `GET /identities/modules?type=aziot`.
    public func moduleIdentities() async throws(IdentityClientError) -> [AziotIdentity] {
        let json = try await call(.GET, "/identities/modules?type=aziot")
        guard let list = json["identities"]?.arrayValue else {
            throw IdentityClientError(status: nil, message: "identityd's module list has no identities array")
        }
        var result: [AziotIdentity] = []
        for item in list {
            guard let identity = try AziotIdentity(json: item) else {
                throw IdentityClientError(status: nil, message: "identityd listed an identity that is not an IoT Hub module identity")
            }
            result.append(identity)
        }
        return result
    }

    /// `GET /identities/modules/{id}?type=aziot` (identityd falls back to its backup when IoT Hub is unreachable).
    public func moduleIdentity(_ moduleId: String) async throws(IdentityClientError) -> AziotIdentity {
        try identity(try await call(.GET, "/identities/modules/\(Self.segment(moduleId))?type=aziot"))
    }

    /// `POST /identities/modules` `{"type": "aziot", "moduleId"}`.
    public func createModuleIdentity(_ moduleId: String) async throws(IdentityClientError) -> AziotIdentity {
        try identity(try await call(.POST, "/identities/modules", body: ["type": "aziot", "moduleId": .string(moduleId)]))
    }

    /// `PUT /identities/modules/{id}?type=aziot`: identityd re-reads the module from IoT Hub and pushes its keys.
    public func updateModuleIdentity(_ moduleId: String) async throws(IdentityClientError) -> AziotIdentity {
        try identity(
            try await call(.PUT, "/identities/modules/\(Self.segment(moduleId))?type=aziot", body: ["type": "aziot", "moduleId": .string(moduleId)])
        )
    }

    /// `DELETE /identities/modules/{id}?type=aziot`.
    public func deleteModuleIdentity(_ moduleId: String) async throws(IdentityClientError) {
        _ = try await call(.DELETE, "/identities/modules/\(Self.segment(moduleId))?type=aziot")
    }

    /// `POST /identities/device/reprovision` `{"type": "aziot"}`.
    public func reprovisionDevice() async throws(IdentityClientError) {
        _ = try await call(.POST, "/identities/device/reprovision", body: ["type": "aziot"])
    }

    private func identity(_ json: JSONValue) throws(IdentityClientError) -> AziotIdentity {
        guard let identity = try AziotIdentity(json: json) else {
            throw IdentityClientError(status: nil, message: "identityd answered with an identity that is not an IoT Hub identity")
        }
        return identity
    }

    /// Sends a request; a non-2xx answer throws with identityd's `message`. An empty success body is `null`.
    private func call(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws(IdentityClientError) -> JSONValue {
        let separator = path.contains("?") ? "&" : "?"
        let target = "\(path)\(separator)api-version=\(apiVersion)"
        var headers: HTTPHeaders = [:]
        var buffer: ByteBuffer?
        if let body {
            headers.add(name: "Content-Type", value: "application/json")
            buffer = ByteBuffer(bytes: body.jsonBytes)
        }
        let response: UnixSocketHTTPClient.Response
        do {
            response = try await http.request(method, target, headers: headers, body: buffer)
        } catch let error as UnixSocketHTTPError {
            throw IdentityClientError(status: nil, message: error.description, isConnectionError: error.code == .connect)
        } catch {
            throw IdentityClientError(status: nil, message: "\(error)", isConnectionError: true)
        }
        guard (200..<300).contains(response.status.code) else {
            let message = (try? JSONValue(parsing: response.body.readableBytesView))?["message"]?.stringValue ?? response.bodyText
            throw IdentityClientError(status: response.status, message: message)
        }
        guard response.body.readableBytes > 0 else { return .null }
        do {
            return try JSONValue(parsing: response.body.readableBytesView)
        } catch {
            throw IdentityClientError(status: nil, message: "identityd's answer is not JSON: \(error)")
        }
    }

    static func segment(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }
}
