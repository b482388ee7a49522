import HubEmulatorTestSupport
import Foundation
import IdentityService
import IoTHubProtocol
import MQTTTestSupport
import Testing

@Suite("local identities (§4.6), issued by a real certd and checked with openssl")
struct LocalIdentityTests {
    @Test("a principal's local identity, a created one for a non-principal, and the refusals")
    func localIdentities() async throws {
        let fixture = try IdentityFixture()
        defer { fixture.remove() }
        let certd = try await TestCertd.start(in: fixture.directory, localCAIds: ["localmod", "other"])
        defer { Task { await certd.stop() } }
        let config = try fixture.configuration(
            """
            [provisioning]
            source = "none"

            [localid]
            domain = "example.com"

            [[principal]]
            uid = 3001
            name = "localmod"
            idtype = ["local"]
            localid = { type = "x509", attributes = "server" }
            """)
        let service = fixture.service(config, options: fixture.options(emulator: nil), certs: certd.client)
        try await service.start()
        let api = try await APIServer.start(service, in: fixture.directory)
        defer { Task { await api.stop() } }

        // The module's own process asks for its local identity.
        let answer = try await api.curl("GET", "/identities/modules/localmod?api-version=2020-09-01&type=local", uid: 3001)
        #expect(answer.status == 200, "\(answer)")
        let identity = try JSONDecoder().decode(Identity.self, from: Data(answer.body.utf8))
        guard case .local(let local) = identity else {
            Issue.record("not a local identity: \(answer.body)")
            return
        }
        #expect(local.moduleId == "localmod")
        #expect(local.auth.privateKey.hasPrefix("-----BEGIN PRIVATE KEY-----"), "PKCS#8")
        #expect(local.auth.expiration.wholeMatch(of: #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00/#) != nil, "\(local.auth.expiration)")

        let work = fixture.directory
        try local.auth.certificate.write(toFile: work + "/local.pem", atomically: true, encoding: .utf8)
        try local.auth.privateKey.write(toFile: work + "/local.key", atomically: true, encoding: .utf8)
        let text = try await ChildProcess.run("openssl", ["x509", "-in", work + "/local.pem", "-noout", "-text"]).stdout
        #expect(text.contains("Subject: CN = localmod.my-device.example.com"), "\(text)")
        #expect(text.contains("X509v3 Basic Constraints: critical\n                CA:FALSE"))
        #expect(text.contains("X509v3 Key Usage: critical\n                Digital Signature, Non Repudiation, Key Encipherment"))
        #expect(text.contains("X509v3 Extended Key Usage: critical\n                TLS Web Client Authentication, TLS Web Server Authentication"))
        #expect(text.contains("Public-Key: (2048 bit)"))
        let verify = try await ChildProcess.run("openssl", ["verify", "-CAfile", certd.caPEMPath, work + "/local.pem"])
        #expect(verify.stdout.contains("OK"), "\(verify.stdout) \(verify.stderr)")
        let certKey = try await ChildProcess.run("openssl", ["x509", "-in", work + "/local.pem", "-noout", "-pubkey"]).stdout
        let privateKey = try await ChildProcess.run("openssl", ["pkey", "-in", work + "/local.key", "-pubout"]).stdout
        #expect(!certKey.isEmpty && certKey == privateKey, "the returned private key belongs to the certificate")
        let expiry = try await ChildProcess.run("openssl", ["x509", "-in", work + "/local.pem", "-noout", "-enddate"]).stdout
        #expect(!expiry.isEmpty)

        // Root creates a local identity for a module that is not a principal (client by default).
        let created = try await api.curl("POST", "/identities/modules?api-version=2020-09-01", body: #"{"type":"local","moduleId":"other","localIdOpts":{"type":"x509"}}"#)
        #expect(created.status == 200, "\(created)")
        guard case .local(let other) = try JSONDecoder().decode(Identity.self, from: Data(created.body.utf8)) else { return }
        try other.auth.certificate.write(toFile: work + "/other.pem", atomically: true, encoding: .utf8)
        let otherText = try await ChildProcess.run("openssl", ["x509", "-in", work + "/other.pem", "-noout", "-text"]).stdout
        #expect(otherText.contains("X509v3 Extended Key Usage: critical\n                TLS Web Client Authentication\n"))

        // Refusals: a principal's local identity cannot be created, a non-principal's cannot be read, others may not ask.
        let exists = try await api.curl("POST", "/identities/modules?api-version=2020-09-01", body: #"{"type":"local","moduleId":"localmod"}"#)
        #expect(exists.status == 400 && exists.message == "parameter \"moduleId\" has an invalid value\ncaused by: local identity for localmod already exists")
        let absent = try await api.curl("GET", "/identities/modules/other?api-version=2020-09-01&type=local")
        #expect(absent.status == 400 && absent.message == "parameter \"moduleId\" has an invalid value\ncaused by: local identity for other doesn't exist")
        let stranger = try await api.curl("GET", "/identities/modules/localmod?api-version=2020-09-01&type=local", uid: 3002)
        #expect(stranger.status == 401)
        // With source = "none" there is no device: aziot identities are not found.
        let device = try await api.curl("GET", "/identities/identity?api-version=2020-09-01")
        #expect(device.status == 400 && device.message == "device identity not found")
        #expect(try await api.curl("GET", "/identities/provisioning?api-version=2021-12-01").body == #"{"source":"none"}"#)
    }
}
