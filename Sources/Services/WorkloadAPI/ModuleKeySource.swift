public import AziotClients
import Foundation
import IoTHubProtocol
import NIOHTTP1
public import NIOPosix
public import NIOCore
public import UnixSocketHTTP

/// Where the workload API gets a module's SAS key: the key handle of the module identity's primary derived key.
public protocol ModuleKeySource: Sendable {
    /// The handle of the primary key of module `moduleId` (as IoT Hub names it, `$edgeHub` with its `$`); failures
    /// are `500`s with the reference's messages.
    func primaryKeyHandle(ofModule moduleId: String) async throws(WorkloadError) -> KeyHandle
}

/// Module key handles from aziot-identityd: `GET /identities/modules/{moduleId}?type=aziot` (api-version
/// `2020-09-01`), whose `spec.auth.keyHandle` is the handle of `HMAC-SHA256(master, "<module>:<genId>:primary")`.
public struct IdentitydModuleKeySource: ModuleKeySource {
    public let http: UnixSocketHTTPClient
    public let apiVersion: String

    public init(
        socketPath: String,
        apiVersion: String = "2020-09-01",
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.http = UnixSocketHTTPClient(socketPath: socketPath, host: "identityd.sock", eventLoopGroup: eventLoopGroup)
        self.apiVersion = apiVersion
    }

    /// The parts of identityd's identity JSON this reads.
    struct IdentityBody: Decodable {
        struct Spec: Decodable {
            struct Auth: Decodable { let keyHandle: String? }
            let auth: Auth?
        }
        let type: String
        let spec: Spec?
    }

    struct MessageBody: Decodable { let message: String }

    public func primaryKeyHandle(ofModule moduleId: String) async throws(WorkloadError) -> KeyHandle {
        let target = "/identities/modules/\(PercentEncoding.encode(moduleId))?api-version=\(PercentEncoding.encode(apiVersion))&type=aziot"
        let body: IdentityBody
        do {
            let response = try await http.request(.GET, target)
            let bytes = Data(response.body.readableBytesView)
            guard (200..<300).contains(response.status.code) else {
                let message = (try? JSONDecoder().decode(MessageBody.self, from: bytes).message) ?? response.bodyText
                throw WorkloadError.internalError("failed to get module identity for \(moduleId): identityd answered \(response.status.code): \(message)")
            }
            body = try JSONDecoder().decode(IdentityBody.self, from: bytes)
        } catch let error as WorkloadError {
            throw error
        } catch {
            throw .internalError("failed to get module identity for \(moduleId): \(error)")
        }
        guard body.type == "aziot" else { throw .internalError("invalid identity type") }
        guard let auth = body.spec?.auth else { throw .internalError("module identity missing auth") }
        guard let handle = auth.keyHandle else { throw .internalError("module identity missing key") }
        return KeyHandle(handle)
    }
}
