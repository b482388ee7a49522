import AziotClients
import Foundation
import MQTTTestSupport
import SwiftASN1
import Testing
import X509

@Suite("aziotd: keyd and certd as separate processes")
struct KeydCertdProcessTests {
    static let caAttributes: CertificateSigningRequest.Attributes = {
        var extensions = Certificate.Extensions()
        // A CA may sign certificates; 0 intermediates below it.
        try? extensions.append(Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: 0), critical: true))
        try? extensions.append(Certificate.Extension(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true), critical: true))
        var attributes = CertificateSigningRequest.Attributes()
        if let request = try? CertificateSigningRequest.Attribute(ExtensionRequest(extensions: extensions)) { attributes.insert(request) }
        return attributes
    }()

    /// A CSR for a keyd key pair, signed through keyd.
    static func csr(for handle: KeyHandle, client: KeyClient, commonName: String, attributes: CertificateSigningRequest.Attributes) async throws -> String {
        let key = try await KeydPrivateKey.load(handle: handle, client: client)
        let csr = try await CertificateSigningRequest(
            version: .v1,
            subject: DistinguishedName { CommonName(commonName) },
            asyncPrivateKey: Certificate.PrivateKey(key),
            attributes: attributes,
            signatureAlgorithm: key.defaultSignatureAlgorithm
        )
        return try csr.serializeAsPEM().pemString
    }

    @Test("an Edge CA self-signed with a keyd P-256 key, then an RSA server certificate it issues: openssl verifies both")
    func edgeCAAndServerCertificate() async throws {
        let device = try AziotDevice()
        defer { Task { await device.shutdown() } }
        try device.writeKeydConfig()
        try device.writeCertdConfig("""
            [cert_issuance]
            aziot-edged-ca = { method = "self_signed", common_name = "Swift Edge CA", expiry_days = 90 }
            """)
        try await device.start("keyd")
        try await device.start("certd")
        let keys = device.keyClient
        let certs = device.certClient

        let caKey = try await keys.createKeyPair(id: "aziot-edged-ca", preferredAlgorithms: "ec-p256")
        let caCSR = try await Self.csr(for: caKey, client: keys, commonName: "ignored", attributes: Self.caAttributes)
        let caPEM = try await certs.createCertificate(id: "aziot-edged-ca", csrPEM: caCSR)
        #expect(try await certs.getCertificate(id: "aziot-edged-ca") == caPEM)

        let serverKey = try await keys.createKeyPair(id: "edgehub-server", preferredAlgorithms: "rsa-2048")
        var serverExtensions = Certificate.Extensions()
        try serverExtensions.append(Certificate.Extension(SubjectAlternativeNames([.dnsName("edgehub"), .dnsName("my-device")]), critical: false))
        try serverExtensions.append(Certificate.Extension(try ExtendedKeyUsage([.serverAuth]), critical: false))
        var serverAttributes = CertificateSigningRequest.Attributes()
        serverAttributes.insert(try CertificateSigningRequest.Attribute(ExtensionRequest(extensions: serverExtensions)))
        let serverCSR = try await Self.csr(for: serverKey, client: keys, commonName: "edgehub", attributes: serverAttributes)
        let chain = try await certs.createCertificate(
            id: "edgehub-server", csrPEM: serverCSR, issuer: .init(certId: "aziot-edged-ca", privateKeyHandle: caKey.rawValue)
        )

        let work = device.root
        try device.write("\(work)/ca.pem", caPEM)
        try device.write("\(work)/chain.pem", chain)
        try device.write("\(work)/leaf.pem", String(chain[..<(chain.range(of: "-----END CERTIFICATE-----")!.upperBound)]) + "\n")
        #expect(try await openssl(["verify", "-CAfile", "\(work)/ca.pem", "\(work)/ca.pem"]).contains("OK"))
        #expect(try await openssl(["verify", "-CAfile", "\(work)/ca.pem", "-purpose", "sslserver", "\(work)/leaf.pem"]).contains("OK"))
        let caText = try await openssl(["x509", "-in", "\(work)/ca.pem", "-noout", "-text"])
        #expect(caText.contains("Subject: CN = Swift Edge CA"))
        #expect(caText.contains("CA:TRUE, pathlen:0"))
        #expect(caText.contains("Certificate Sign"))
        #expect(caText.contains("ecdsa-with-SHA256"))
        let leafText = try await openssl(["x509", "-in", "\(work)/leaf.pem", "-noout", "-text"])
        #expect(leafText.contains("DNS:edgehub, DNS:my-device"))
        #expect(leafText.contains("Public-Key: (2048 bit)"))
        #expect(leafText.contains("Issuer: CN = Swift Edge CA"))
        // The issued chain and the key files are where the reference keeps them.
        let keyFiles = try FileManager.default.contentsOfDirectory(atPath: device.home("keyd") + "/keys").sorted()
        #expect(keyFiles.count == 3)  // two key pairs and handle-validation-key
        #expect(keyFiles.contains { $0.hasPrefix("handlevalidationkey-") })
        #expect(try FileManager.default.contentsOfDirectory(atPath: device.home("certd") + "/certs").count == 2)
    }

    @Test("a principal dropped into keyd's config.d is picked up without a restart")
    func hotReloadOfPrincipals() async throws {
        let device = try AziotDevice()
        defer { Task { await device.shutdown() } }
        try device.writeKeydConfig()
        try await device.start("keyd")
        chmod(device.socket("keyd"), 0o666)
        func createAsAgent() async throws -> String {
            let result = try await ChildProcess.run("setpriv", [
                "--reuid=4242", "--regid=4242", "--clear-groups", "curl", "-sS", "--unix-socket", device.socket("keyd"),
                "-X", "POST", "-H", "Content-Type: application/json", "-d", #"{"keyId":"agent-key","usage":"sign"}"#,
                "-w", "\n%{http_code}", "http://keyd.sock/key?api-version=2021-05-01",
            ])
            return result.stdout
        }
        let refused = try await createAsAgent()
        #expect(refused.hasSuffix("401"))
        #expect(refused.contains("user 4242 is not authorized to access the key agent-key"))

        try device.write(device.dropIn("keyd", "50-agent.toml"), "[[principal]]\nuid = 4242\nkeys = [\"agent-*\"]\n")
        let reloaded = await eventually(timeout: .seconds(15)) { device.processes["keyd"]?.stderr.contains("Config update finished.") == true }
        #expect(reloaded)
        let accepted = try await createAsAgent()
        #expect(accepted.hasSuffix("200"))
        #expect(accepted.contains("keyHandle"))
    }

    @Test("unknown configuration keys stop the daemon with the key named; a bad drop-in at reload keeps the old config")
    func configErrors() async throws {
        let device = try AziotDevice()
        defer { Task { await device.shutdown() } }
        try device.writeKeydConfig("max_requets = 5\n")
        let child = try ChildProcess(AziotDevice.aziotd, ["keyd"], environment: device.environment("keyd"))
        #expect(try await child.waitForExit() == 1)
        // Appended after `[endpoints]`, so the typo sits in that table; the message names its full path.
        #expect(child.stderr.contains("unknown configuration key: endpoints.max_requets"))

        try device.writeKeydConfig()
        try await device.start("keyd")
        try device.write(device.dropIn("keyd", "60-broken.toml"), "[[principal]\nuid = \n")
        let warned = await eventually(timeout: .seconds(15)) { device.processes["keyd"]?.stderr.contains("keeping the previous configuration") == true }
        #expect(warned)
        _ = try await device.keyClient.createKey(id: "still-serving", usage: [.sign])
    }

    @Test("the service is chosen by the program name; SIGTERM stops it cleanly")
    func dispatchAndShutdown() async throws {
        let device = try AziotDevice()
        defer { Task { await device.shutdown() } }
        let link = "\(device.root)/aziot-keyd"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: AziotDevice.aziotd)
        try device.writeKeydConfig()
        let keyd = try await device.start("keyd", arguments: [], executable: link)
        #expect(keyd.stderr.contains("Starting service..."))
        #expect(keyd.stderr.contains("Version - "))
        #expect(keyd.stderr.contains("Starting server..."))
        _ = try await device.keyClient.createKey(id: "k", usage: [.sign])
        try await device.stop("keyd")

        let unknown = try await ChildProcess.run(AziotDevice.aziotd, ["tpmd"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("usage: aziotd keyd|certd|identityd"))
    }
}
