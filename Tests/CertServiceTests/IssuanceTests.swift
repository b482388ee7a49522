import CertService
import Crypto
import SwiftASN1
import Foundation
import MQTTTestSupport
import NIOHTTP1
import Testing
import UnixSocketHTTP
import X509

@Suite("certd issuance, checked with openssl")
struct IssuanceTests {
    static let caExtensions = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"]

    @Test("a self-signed CA, then a server certificate from the local CA: openssl verifies the chain, SANs, usages and dates")
    func selfSignedThenLocalCA() async throws {
        let work = try Workspace()
        defer { work.remove() }
        var keys = SoftwareKeys()
        keys.keyPairs["local-ca"] = try await work.makeKey("ca")
        let config = try certdConfiguration(homedir: work.file("home"), extra: """
            [cert_issuance]
            local-ca = { method = "self_signed", common_name = "Test Edge CA", expiry_days = 90 }
            server = { method = "local_ca", expiry_days = 3650 }
            [cert_issuance.local_ca]
            cert = "local-ca"
            pk = "local-ca"
            """)
        let service = CertService(configuration: config, keys: keys, logger: quietLogger)

        let caPEM = try await service.create(
            certId: "local-ca", csrPEM: try await work.makeCSR("ca", subject: "/CN=ignored", extensions: Self.caExtensions), issuer: nil, uid: 0
        )
        try work.write("ca.pem", caPEM)
        let caText = try await work.openssl(["x509", "-in", work.file("ca.pem"), "-noout", "-text"])
        #expect(caText.contains("Subject: CN = Test Edge CA"))
        #expect(caText.contains("Issuer: CN = Test Edge CA"))
        #expect(caText.contains("CA:TRUE"))
        #expect(caText.contains("X509v3 Subject Key Identifier"))
        #expect(caText.contains("ecdsa-with-SHA256"))
        let caVerify = try await work.openssl(["verify", "-CAfile", work.file("ca.pem"), work.file("ca.pem")])
        #expect(caVerify.contains("OK"))

        _ = try await work.makeKey("server", rsa: true)
        let serverCSR = try await work.makeCSR(
            "server", subject: "/CN=edgehub",
            extensions: ["subjectAltName=DNS:edgehub,DNS:my-device.local,IP:127.0.0.1", "extendedKeyUsage=serverAuth"]
        )
        let chainPEM = try await service.create(certId: "server", csrPEM: serverCSR, issuer: nil, uid: 0)
        let chain = try CertService.certificates(inPEM: chainPEM)
        #expect(chain.count == 2)
        try work.write("leaf.pem", try CertService.pem([chain[0]]))
        let verify = try await work.openssl(["verify", "-CAfile", work.file("ca.pem"), "-purpose", "sslserver", work.file("leaf.pem")])
        #expect(verify.contains("leaf.pem: OK"))
        let leafText = try await work.openssl(["x509", "-in", work.file("leaf.pem"), "-noout", "-text"])
        #expect(leafText.contains("DNS:edgehub, DNS:my-device.local, IP Address:127.0.0.1"))
        #expect(leafText.contains("TLS Web Server Authentication"))
        #expect(leafText.contains("Subject: CN = edgehub"))
        #expect(leafText.contains("X509v3 Authority Key Identifier"))
        // Ten years asked for, but never past the CA's 90 days.
        #expect(chain[0].notValidAfter == chain[1].notValidAfter)
        #expect(try await service.get(certId: "server") == chainPEM)
        // Stored under the reference's file name.
        #expect(FileManager.default.fileExists(atPath: work.file("home/certs/server-\(sha256Hex("server")).cer")))
    }

    @Test("an issuer named by the caller (cert id + key handle) signs; expiry defaults to 30 days")
    func namedIssuer() async throws {
        let work = try Workspace()
        defer { work.remove() }
        var keys = SoftwareKeys()
        keys.keyPairs["ca"] = try await work.makeKey("ca")
        keys.handles["sr=ca-handle"] = keys.keyPairs["ca"]
        // The CA lives a year, so the module certificate's 30 days are never cut short by the CA's own expiry.
        let config = try certdConfiguration(homedir: work.file("home"), extra: "[cert_issuance]\nca = { method = \"self_signed\", expiry_days = 365 }\n")
        let service = CertService(configuration: config, keys: keys, logger: quietLogger)
        let caPEM = try await service.create(
            certId: "ca", csrPEM: try await work.makeCSR("ca", subject: "/CN=Workload CA", extensions: Self.caExtensions), issuer: nil, uid: 0
        )
        _ = try await work.makeKey("module")
        let moduleCSR = try await work.makeCSR("module", subject: "/CN=module1", extensions: ["extendedKeyUsage=clientAuth"])
        let pem = try await service.create(
            certId: "module1", csrPEM: moduleCSR, issuer: .init(certId: "ca", privateKeyHandle: "sr=ca-handle"), uid: 0
        )
        let chain = try CertService.certificates(inPEM: pem)
        #expect(chain.count == 2)
        #expect(chain[0].subject.description == "CN=module1")
        let lifetime = chain[0].notValidAfter.timeIntervalSince(chain[0].notValidBefore)
        #expect(abs(lifetime - 30 * 86_400) < 5)
        try work.write("ca.pem", caPEM)
        try work.write("module.pem", try CertService.pem([chain[0]]))
        let verify = try await work.openssl(["verify", "-CAfile", work.file("ca.pem"), "-purpose", "sslclient", work.file("module.pem")])
        #expect(verify.contains("OK"))
    }

    @Test("refusals: no issuer configured, CSR not signed by its key, self-signed CSR for another key, unknown issuer, EST")
    func refusals() async throws {
        let work = try Workspace()
        defer { work.remove() }
        var keys = SoftwareKeys()
        keys.keyPairs["self"] = try await work.makeKey("self")
        _ = try await work.makeKey("other")
        let config = try certdConfiguration(homedir: work.file("home"), extra: """
            [cert_issuance]
            self = { method = "self_signed" }
            est-cert = { method = "est" }
            """)
        let service = CertService(configuration: config, keys: keys, logger: quietLogger)
        let otherCSR = try await work.makeCSR("other", subject: "/CN=other")

        #expect(await failure { _ = try await service.create(certId: "unconfigured", csrPEM: otherCSR, issuer: nil, uid: 0) }
            == "400 issuer is required for locally-issued certs")
        #expect(await failure { _ = try await service.create(certId: "self", csrPEM: otherCSR, issuer: nil, uid: 0) }?
            .hasPrefix("400 parameter \"csr\" has an invalid value\ncaused by: a self-signed certificate's CSR must carry") == true)
        #expect(await failure { _ = try await service.create(certId: "x", csrPEM: otherCSR, issuer: .init(certId: "nope", privateKeyHandle: "h"), uid: 0) }
            == "400 parameter \"issuer.certId\" has an invalid value\ncaused by: not found")
        #expect(await failure { _ = try await service.create(certId: "est-cert", csrPEM: otherCSR, issuer: nil, uid: 0) }?
            .contains("EST") == true)
        #expect(await failure { _ = try await service.create(certId: "self", csrPEM: "not a csr", issuer: nil, uid: 0) }?
            .hasPrefix("400 parameter \"csr\"") == true)

        // Flip one bit of the CSR's signature: the CSR no longer verifies with its own key.
        let csr = try CertificateSigningRequest(pemEncoded: otherCSR)
        var der = try csr.serializeAsPEM().derBytes
        der[der.count - 3] ^= 0x01
        let tampered = PEMDocument(type: "CERTIFICATE REQUEST", derBytes: der).pemString
        #expect(await failure { _ = try await service.create(certId: "self", csrPEM: tampered, issuer: nil, uid: 0) }
            == "400 parameter \"csr\" has an invalid value\ncaused by: the CSR's signature does not verify with its own public key")
        #expect(await failure { _ = try await service.get(certId: "never-made") } == "400 parameter \"id\" has an invalid value\ncaused by: not found")
    }
}

/// The status and message of the ``HTTPResponseError`` `body` throws, or nil when it does not throw.
func failure(_ body: () async throws -> Void) async -> String? {
    do {
        try await body()
        return nil
    } catch let error as any HTTPResponseError {
        return "\(error.status.code) \(error.message)"
    } catch {
        return "unexpected \(error)"
    }
}

func sha256Hex(_ text: String) -> String {
    SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
}
