import Crypto
import Foundation
import SwiftASN1
import X509

/// The emulator's own certificates, made on first start and kept in its data folder: a CA (`ca.pem`, which clients
/// trust) and a server certificate signed by it for the hub's host name, any further names (the DPS host name),
/// `localhost` and `127.0.0.1`. Later starts reuse them, so clients keep trusting the same CA; the server certificate
/// is made again (by the same CA) when the names change.
public struct EmulatorPKI: Sendable {
    public let caCertificatePath: String
    public let serverChainPath: String
    public let serverKeyPath: String

    /// Loads the PKI from `directory`, making it when absent or when the server certificate does not name
    /// `hostName` and `additionalNames`. The file `server-hostname` keeps `hostName` (the CLI reads the hub's name
    /// from it); `server-names` keeps every name of the certificate.
    public static func ensure(in directory: String, hostName: String, additionalNames: [String] = []) throws -> EmulatorPKI {
        let pki = EmulatorPKI(
            caCertificatePath: directory + "/ca.pem",
            serverChainPath: directory + "/server-chain.pem",
            serverKeyPath: directory + "/server.key.pem"
        )
        let files = FileManager.default
        let hostFile = directory + "/server-hostname"
        let namesFile = directory + "/server-names"
        var names = [hostName]
        for name in additionalNames where !names.contains(name) { names.append(name) }
        let existingHost = try? String(contentsOfFile: hostFile, encoding: .utf8)
        let existingNames = try? String(contentsOfFile: namesFile, encoding: .utf8)
        if files.fileExists(atPath: pki.caCertificatePath), files.fileExists(atPath: pki.serverKeyPath), existingHost == hostName,
            existingNames == names.joined(separator: "\n")
        {
            return pki
        }
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let caKey: P256.Signing.PrivateKey
        let caCertificate: Certificate
        if files.fileExists(atPath: directory + "/ca.key.pem"), let existing = try? loadCA(directory) {
            (caKey, caCertificate) = existing
        } else {
            (caKey, caCertificate) = try makeCA()
            try write(caKey.pemRepresentation + "\n", to: directory + "/ca.key.pem", mode: 0o600)
            try write(try caCertificate.serializeAsPEM().pemString + "\n", to: pki.caCertificatePath, mode: 0o644)
        }
        let serverKey = P256.Signing.PrivateKey()
        let server = try makeServerCertificate(hostNames: names, key: serverKey, caKey: caKey, ca: caCertificate)
        let chain = try server.serializeAsPEM().pemString + "\n" + caCertificate.serializeAsPEM().pemString + "\n"
        try write(chain, to: pki.serverChainPath, mode: 0o644)
        try write(serverKey.pemRepresentation + "\n", to: pki.serverKeyPath, mode: 0o600)
        try write(hostName, to: hostFile, mode: 0o644)
        try write(names.joined(separator: "\n"), to: namesFile, mode: 0o644)
        return pki
    }

    private static func loadCA(_ directory: String) throws -> (P256.Signing.PrivateKey, Certificate) {
        let key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: directory + "/ca.key.pem", encoding: .utf8))
        let certificate = try Certificate(pemEncoded: String(contentsOfFile: directory + "/ca.pem", encoding: .utf8))
        return (key, certificate)
    }

    private static func makeCA() throws -> (P256.Signing.PrivateKey, Certificate) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            CommonName("IoT Hub Emulator CA")
            OrganizationName("swift-iotedge")
        }
        let now = Date()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            },
            issuerPrivateKey: .init(key)
        )
        return (key, certificate)
    }

    private static func makeServerCertificate(hostNames: [String], key: P256.Signing.PrivateKey, caKey: P256.Signing.PrivateKey, ca: Certificate) throws -> Certificate {
        let hostName = hostNames[0]
        var names: [GeneralName] = hostNames.map { .dnsName($0) }
        if !hostNames.contains("localhost") { names.append(.dnsName("localhost")) }
        names.append(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])))
        let now = Date()
        return try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(825 * 86_400),
            issuer: ca.subject,
            subject: try DistinguishedName { CommonName(hostName) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyAgreement: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
                AuthorityKeyIdentifier(keyIdentifier: try ca.extensions.subjectKeyIdentifier?.keyIdentifier)
            },
            issuerPrivateKey: .init(caKey)
        )
    }

    private static func write(_ text: String, to path: String, mode: Int) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }
}
