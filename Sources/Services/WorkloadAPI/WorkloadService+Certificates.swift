import AziotClients
import Foundation
import Logging
import SwiftASN1
import X509

extension WorkloadService {
    /// A server certificate for module `moduleId`: cert id `aziot-edged/module/<module without $>:<genId>:server`,
    /// `CN=<commonName>`, SANs = the common name (an IP SAN when it is an IP address, else DNS) and the module name
    /// without `$` (DNS), extended key usage serverAuth; issued by the Edge CA.
    public func serverCertificate(moduleId: String, genId: String, commonName: String) async throws(WorkloadError) -> ModuleCertificate {
        let module = WorkloadAPI.containerName(ofModule: moduleId)
        let commonNameSAN: ModuleCSR.AlternativeName = ModuleCSR.ipAddressBytes(commonName) != nil ? .ip(commonName) : .dns(commonName)
        return try await issue(
            certId: "aziot-edged/module/\(module):\(genId):server",
            commonName: commonName,
            alternativeNames: [commonNameSAN, .dns(module)],
            usage: .serverAuth
        )
    }

    /// An identity (client) certificate for module `moduleId` (kept with its `$`): cert id
    /// `aziot-edged/module/<moduleId>:identity`, `CN=<moduleId>`, one DNS-type SAN whose text is
    /// `URI: azureiot://<hub>/devices/<device>/modules/<moduleId>` (the reference's form, kept for compatibility),
    /// extended key usage clientAuth; issued by the Edge CA.
    public func identityCertificate(moduleId: String) async throws(WorkloadError) -> ModuleCertificate {
        try await issue(
            certId: "aziot-edged/module/\(moduleId):identity",
            commonName: moduleId,
            alternativeNames: [.dns("URI: azureiot://\(configuration.hubName)/devices/\(configuration.deviceId)/modules/\(moduleId)")],
            usage: .clientAuth
        )
    }

    /// A fresh key pair and CSR, signed by the Edge CA through certd (which sets the validity: 30 days unless its
    /// `cert_issuance` says otherwise, never past the CA's own expiry).
    func issue(
        certId: String, commonName: String, alternativeNames: [ModuleCSR.AlternativeName], usage: ExtendedKeyUsage.Usage
    ) async throws(WorkloadError) -> ModuleCertificate {
        let request = try ModuleCSR(commonName: commonName, alternativeNames: alternativeNames, usage: usage)
        let caKey: KeyHandle
        do {
            caKey = try await keys.loadKeyPair(id: configuration.edgeCAKeyId)
        } catch {
            logger.warning("Edge CA key \(configuration.edgeCAKeyId): \(error)")
            throw .internalError("failed to get edge CA key")
        }
        let pem: String
        do {
            pem = try await certs.createCertificate(
                id: certId,
                csrPEM: request.csrPEM,
                issuer: CertClient.Issuer(certId: configuration.edgeCACertId, privateKeyHandle: caKey.rawValue)
            )
        } catch {
            logger.warning("certd could not issue \(certId): \(error)")
            throw .internalError("failed to create cert \(certId)")
        }
        let leaf: Certificate
        do {
            guard let first = try PEMDocument.parseMultiple(pemString: pem).first else { throw WorkloadError.internalError("failed to parse cert") }
            leaf = try Certificate(pemDocument: first)
        } catch {
            throw .internalError("failed to parse cert")
        }
        return ModuleCertificate(privateKeyPEM: request.privateKeyPEM, certificatePEM: pem, expiration: leaf.notValidAfter)
    }
}
