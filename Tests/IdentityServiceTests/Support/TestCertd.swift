import CertService
import Crypto
import Foundation
import IdentityService
import Logging
import MQTTTestSupport
import NIOCore
import NIOHTTP1
import SwiftASN1
import TOMLConfig
import UnixSocketHTTP
import X509

/// A real certd (the `CertService` of this repository) serving its HTTP API on a Unix socket in a temporary
/// directory, with a local CA made here; identityd reaches it through ``CertdOverSocket``.
struct TestCertd {
    let directory: String
    let socketPath: String
    let server: UnixSocketHTTPServer
    let caCertificate: Certificate
    let caPEMPath: String
    var client: CertdOverSocket { CertdOverSocket(socketPath: socketPath) }

    /// The local CA's key, for certd's `local_ca` issuance.
    struct CAKey: IssuerKeySource {
        let key: P256.Signing.PrivateKey
        func privateKey(keyPairId: String) async throws -> Certificate.PrivateKey { Certificate.PrivateKey(key) }
        func privateKey(handle: String) async throws -> Certificate.PrivateKey { Certificate.PrivateKey(key) }
    }

    /// Starts certd issuing every id in `localCAIds` from its local CA.
    static func start(in parent: String, localCAIds: [String]) async throws -> TestCertd {
        let directory = parent + "/certd"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let caKey = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("identityd test local CA") }
        let now = Date()
        let ca = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(caKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(365 * 86_400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(caKey.publicKey))
            },
            issuerPrivateKey: .init(caKey)
        )
        let caPEMPath = directory + "/local-ca.pem"
        try (try ca.serializeAsPEM().pemString + "\n").write(toFile: caPEMPath, atomically: true, encoding: .utf8)
        var toml = """
            homedir_path = "\(directory)/home"

            [preloaded_certs]
            local-ca = "file://\(caPEMPath)"

            [cert_issuance.local_ca]
            cert = "local-ca"
            pk = "local-ca"

            """
        for id in localCAIds { toml += "[cert_issuance.\"\(id)\"]\nmethod = \"local_ca\"\n" }
        let configuration = try CertdConfiguration(try ConfigTable(toml: toml))
        let service = CertService(configuration: configuration, keys: CAKey(key: caKey), logger: makeTestLogger(label: "certd"))
        let socketPath = directory + "/certd.sock"
        let server = UnixSocketHTTPServer(
            configuration: .init(endpoint: .unixSocket(path: socketPath)), router: CertServiceAPI.router(service), logger: makeTestLogger(label: "certd")
        )
        try await server.start()
        return TestCertd(directory: directory, socketPath: socketPath, server: server, caCertificate: ca, caPEMPath: caPEMPath)
    }

    func stop() async { await server.stop() }
}

/// identityd's certd client for the tests: the HTTP API of §3.1 over the Unix socket.
struct CertdOverSocket: IdentityCertClient {
    let socketPath: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private struct PEMBody: Codable { let pem: String }
    private struct CreateBody: Encodable {
        let certId: String
        let csr: String
    }

    private var client: UnixSocketHTTPClient { UnixSocketHTTPClient(socketPath: socketPath, host: "certd.sock") }

    private func send(_ method: HTTPMethod, _ path: String, _ body: (some Encodable)?, expect: HTTPResponseStatus) async throws -> UnixSocketHTTPClient.Response {
        let buffer = try body.map { ByteBuffer(bytes: try JSONEncoder().encode($0)) }
        let response = try await client.request(method, path + "?api-version=2020-09-01", body: buffer)
        guard response.status == expect else { throw Failure(description: "certd \(method) \(path): \(response.status.code) \(response.bodyText)") }
        return response
    }

    func createCertificate(id: String, csrPEM: String) async throws -> String {
        let response = try await send(.POST, "/certificates", CreateBody(certId: id, csr: csrPEM), expect: .created)
        return try JSONDecoder().decode(PEMBody.self, from: Data(response.body.readableBytesView)).pem
    }

    func getCertificate(id: String) async throws -> String {
        let response = try await send(.GET, "/certificates/\(id)", PEMBody?.none, expect: .ok)
        return try JSONDecoder().decode(PEMBody.self, from: Data(response.body.readableBytesView)).pem
    }

    func importCertificate(id: String, pem: String) async throws {
        _ = try await send(.PUT, "/certificates/\(id)", PEMBody(pem: pem), expect: .created)
    }

    func deleteCertificate(id: String) async throws {
        _ = try await send(.DELETE, "/certificates/\(id)", PEMBody?.none, expect: .noContent)
    }
}
