import Foundation
public import NIOCore
public import NIOHTTP1
public import NIOPosix
public import UnixSocketHTTP

/// A client of the Certificates Service (aziot-certd) HTTP API over its Unix socket (`api-version=2020-09-01`).
/// Certificates travel as PEM text, the new certificate first, then its issuer chain.
public struct CertClient: Sendable {
    public let apiVersion: String
    public let http: UnixSocketHTTPClient

    public init(
        socketPath: String,
        apiVersion: String = "2020-09-01",
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.apiVersion = apiVersion
        self.http = UnixSocketHTTPClient(socketPath: socketPath, host: "certd.sock", eventLoopGroup: eventLoopGroup)
    }

    /// The certificate that signs a new one when certd's configuration does not say.
    public struct Issuer: Codable, Sendable, Hashable {
        public var certId: String
        public var privateKeyHandle: String
        public init(certId: String, privateKeyHandle: String) {
            self.certId = certId
            self.privateKeyHandle = privateKeyHandle
        }
    }

    struct CreateRequest: Encodable {
        let certId: String
        let csr: String
        let issuer: Issuer?
    }

    struct PEMBody: Codable {
        let pem: String
    }

    /// `POST /certificates`: issues a certificate for a PEM CSR and stores it under `certId`.
    public func createCertificate(id: String, csrPEM: String, issuer: Issuer? = nil) async throws -> String {
        let response: PEMBody = try await json.call(.POST, "/certificates", body: CreateRequest(certId: id, csr: csrPEM, issuer: issuer))
        return response.pem
    }

    /// `PUT /certificates/{certId}`: stores a PEM as given.
    public func importCertificate(id: String, pem: String) async throws -> String {
        let response: PEMBody = try await json.call(.PUT, "/certificates/\(JSONOverUnixSocket.pathSegment(id))", body: PEMBody(pem: pem))
        return response.pem
    }

    /// `GET /certificates/{certId}`.
    public func getCertificate(id: String) async throws -> String {
        let response: PEMBody = try await json.call(.GET, "/certificates/\(JSONOverUnixSocket.pathSegment(id))", body: PEMBody?.none)
        return response.pem
    }

    /// `DELETE /certificates/{certId}`.
    public func deleteCertificate(id: String) async throws {
        _ = try await json.send(.DELETE, "/certificates/\(JSONOverUnixSocket.pathSegment(id))", body: PEMBody?.none)
    }

    private var json: JSONOverUnixSocket {
        JSONOverUnixSocket(http: http, apiVersion: apiVersion) { CertClientError(status: $0, message: $1) }
    }
}

/// certd answered with an error status (or a success body that does not decode).
public struct CertClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: HTTPResponseStatus
    public let message: String

    public init(status: HTTPResponseStatus, message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "certd answered \(status.code): \(message)" }
}
