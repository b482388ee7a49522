import AziotClients
import AziotConfig
import Foundation
import NIOHTTP1
public import Logging
import SwiftASN1
public import X509

/// aziot-certd's state and operations: stores PEM certificates, issues certificates from CSRs (self-signed, by
/// the local CA, or by an issuer the caller names), imports and deletes them, and checks who may modify which id.
/// Reading a certificate needs no authorization (certificates are public).
public actor CertService {
    public private(set) var configuration: CertdConfiguration
    let keys: any IssuerKeySource
    let issuer: CertificateIssuer
    let logger: Logger
    private var store: CertStore

    public init(configuration: CertdConfiguration, keys: any IssuerKeySource, issuer: CertificateIssuer = CertificateIssuer(), logger: Logger) {
        self.configuration = configuration
        self.keys = keys
        self.issuer = issuer
        self.logger = logger
        self.store = CertStore(homedir: configuration.homedirPath, preloaded: configuration.preloadedCerts)
    }

    /// Applies a re-read configuration: issuance options, preloaded certificates and principals change live.
    public func reload(_ configuration: CertdConfiguration) {
        self.configuration = configuration
        store = CertStore(homedir: configuration.homedirPath, preloaded: configuration.preloadedCerts)
    }

    /// Whether `uid` may create, import or delete `certId`: root always; others when a principal's pattern matches.
    public func isAuthorized(uid: UInt32, certId: String) -> Bool {
        uid == 0 || configuration.principals.contains { $0.uid == uid && $0.certs.contains { PrincipalPattern($0).matches(certId) } }
    }

    private func authorize(uid: UInt32, certId: String) throws(CertServiceError) {
        guard isAuthorized(uid: uid, certId: certId) else { throw .unauthorized(uid: uid, certId: certId) }
    }

    /// `GET /certificates/{certId}`.
    public func get(certId: String) throws -> String {
        guard let pem = try store.read(certId) else { throw CertServiceError.invalidParameter("id", "not found") }
        return pem
    }

    /// `PUT /certificates/{certId}`: stores the PEM as given (it must hold at least one certificate).
    public func importCertificate(certId: String, pem: String, uid: UInt32) throws -> String {
        try authorize(uid: uid, certId: certId)
        do {
            guard !(try Self.certificates(inPEM: pem)).isEmpty else { throw CertServiceError.invalidParameter("pem", "no certificate in the PEM") }
        } catch let error as CertServiceError {
            throw error
        } catch {
            throw CertServiceError.invalidParameter("pem", "\(error)")
        }
        try store.write(certId, pem: pem)
        logger.info("imported certificate \(certId)")
        return pem
    }

    /// `DELETE /certificates/{certId}`.
    public func delete(certId: String, uid: UInt32) throws {
        try authorize(uid: uid, certId: certId)
        try store.delete(certId)
        logger.info("deleted certificate \(certId)")
    }

    /// An issuer named in the request: its stored chain and a key handle.
    public struct NamedIssuer: Sendable {
        public var certId: String
        public var privateKeyHandle: String
        public init(certId: String, privateKeyHandle: String) {
            self.certId = certId
            self.privateKeyHandle = privateKeyHandle
        }
    }

    /// `POST /certificates`: issues, stores and returns the PEM chain (new certificate first).
    public func create(certId: String, csrPEM: String, issuer named: NamedIssuer?, uid: UInt32) async throws -> String {
        try authorize(uid: uid, certId: certId)
        let csr = try CertificateIssuer.parseCSR(csrPEM)
        let options = configuration.options(for: certId)
        let chain: [Certificate]
        let key: Certificate.PrivateKey
        if let named {
            guard let issuerPEM = try store.read(named.certId) else { throw CertServiceError.invalidParameter("issuer.certId", "not found") }
            chain = try Self.certificates(inPEM: issuerPEM)
            key = try await keyFromKeyd { try await keys.privateKey(handle: named.privateKeyHandle) }
        } else {
            guard let options else { throw CertServiceError.issuerRequired }
            switch options.method {
            case .selfSigned:
                chain = []
                key = try await keyFromKeyd { try await keys.privateKey(keyPairId: certId) }
                guard key.publicKey == csr.publicKey else {
                    throw CertServiceError.invalidParameter("csr", "a self-signed certificate's CSR must carry the public key of key pair \(certId)")
                }
            case .localCA:
                guard let localCA = configuration.localCA else {
                    throw CertServiceError.invalidParameter("certId", "cert_issuance.\(certId) uses local_ca but [cert_issuance.local_ca] is not configured")
                }
                guard let caPEM = try store.read(localCA.cert) else {
                    throw CertServiceError.invalidParameter("cert_issuance.local_ca.cert", "certificate \(localCA.cert) not found")
                }
                chain = try Self.certificates(inPEM: caPEM)
                key = try await keyFromKeyd { try await keys.privateKey(keyPairId: localCA.pk) }
            case .est:
                throw CertServiceError.invalidParameter("certId", "cert_issuance.\(certId) uses EST, which this build of certd does not support")
            }
        }
        let issued = try await issuer.issue(
            csr: csr,
            subjectOverride: named == nil ? options?.subject : nil,
            expiryDays: options?.expiryDays,
            issuerChain: chain,
            issuerKey: key
        )
        let pem = try Self.pem(issued)
        try store.write(certId, pem: pem)
        logger.info("issued certificate \(certId) (\(named.map { "issuer \($0.certId)" } ?? options?.method.rawValue ?? ""))")
        return pem
    }

    private func keyFromKeyd(_ body: () async throws -> Certificate.PrivateKey) async throws -> Certificate.PrivateKey {
        do {
            return try await body()
        } catch let error as CertServiceError {
            throw error
        } catch let error as KeyClientError where (400..<500).contains(error.status.code) {
            // The key is missing or the handle is bad: the caller can act on that.
            throw CertServiceError.invalidParameter("key", "keyd refused: \(error.message)")
        } catch {
            throw CertServiceError.keyService("keyd: \(error)")
        }
    }

    /// Every certificate in a PEM text, in order.
    public static func certificates(inPEM pem: String) throws -> [Certificate] {
        try PEMDocument.parseMultiple(pemString: pem).filter { $0.discriminator == "CERTIFICATE" }.map { try Certificate(pemDocument: $0) }
    }

    /// Certificates as one PEM text ending in a newline.
    public static func pem(_ certificates: [Certificate]) throws -> String {
        try certificates.map { try $0.serializeAsPEM().pemString }.joined(separator: "\n") + "\n"
    }
}
