import MQTTBroker
import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import MQTTTransport
import NIOCore
import NIOSSL
import Testing

@Suite("TLS and client certificates")
struct TLSTests {
    enum ClientIdentity: Sendable, CaseIterable { case none, client1, rogue }

    private func clientContext(_ identity: ClientIdentity, pki: TestPKI, version: TLSVersion? = nil) throws -> NIOSSLContext {
        var configuration: TLSConfiguration
        switch identity {
        case .none:
            configuration = try MQTTTLSConfiguration.client(trustRootsPEMFile: pki.caPEM)
        case .client1:
            configuration = try MQTTTLSConfiguration.client(trustRootsPEMFile: pki.caPEM, certificateChainPEMFile: pki.clientPEM, privateKeyPEMFile: pki.clientKey)
        case .rogue:
            configuration = try MQTTTLSConfiguration.client(trustRootsPEMFile: pki.caPEM, certificateChainPEMFile: pki.roguePEM, privateKeyPEMFile: pki.rogueKey)
        }
        if let version {
            configuration.minimumTLSVersion = version
            configuration.maximumTLSVersion = version
        }
        return try NIOSSLContext(configuration: configuration)
    }

    private func serverTLS(_ pki: TestPKI, _ clientCertificates: MQTTTLSConfiguration.ClientCertificates, acceptAny: Bool) throws -> MQTTServerConfiguration.TLS {
        .init(
            configuration: try MQTTTLSConfiguration.server(
                certificateChainPEMFile: pki.serverChainPEM,
                privateKeyPEMFile: pki.serverKey,
                clientCertificates: clientCertificates
            ),
            acceptsAnyClientCertificate: acceptAny
        )
    }

    /// The connection must end without a CONNACK: the TLS handshake refused the client.
    private func expectRefusedAtTLS(_ client: TestClient) async {
        do {
            try await client.send(.connect(ConnectPacket(clientID: "tls-client")))
        } catch {
            return  // the handshake already failed
        }
        switch await client.event() {
        case .packet(let packet):
            Issue.record("expected the TLS handshake to fail, got \(packet)")
        case nil:
            Issue.record("expected the TLS handshake to fail, the connection stayed open")
        case .closed, .failed:
            break
        }
    }

    @Test("optional client certificates: the authenticator gets the presented chain (CN=client1), or none")
    func optionalCertificatesReachAuthenticator() async throws {
        let pki = try TestPKI.shared()
        let recorder = ConnectRecorder()
        try await withServer({ $0.tls = try serverTLS(pki, .optional, acceptAny: true) }, authenticator: recorder.authenticator()) { server in
            let withCertificate = try await server.open(tls: try clientContext(.client1, pki: pki))
            defer { withCertificate.close() }
            #expect(try await withCertificate.connect("with-cert").returnCode == .accepted)

            let withoutCertificate = try await server.open(tls: try clientContext(.none, pki: pki))
            defer { withoutCertificate.close() }
            #expect(try await withoutCertificate.connect("without-cert").returnCode == .accepted)

            let requests = Dictionary(uniqueKeysWithValues: recorder.all.map { ($0.clientID, $0) })
            let presented = try #require(requests["with-cert"]).peerCertificates
            #expect(!presented.isEmpty)
            #expect(presented.first.flatMap(commonName(of:)) == "client1")
            #expect(try #require(requests["without-cert"]).peerCertificates.isEmpty)

            try await withCertificate.subscribe("secure", qos: .atLeastOnce)
            try await withoutCertificate.publish("secure", "over TLS", qos: .atLeastOnce)
            #expect(try await withCertificate.nextPublish().payloadString == "over TLS")
        }
    }

    @Test("optional client certificates: a certificate from an unknown CA is handed over for the authenticator to refuse")
    func authenticatorDecidesOnUnknownCA() async throws {
        let pki = try TestPKI.shared()
        let recorder = ConnectRecorder()
        let authenticator = recorder.authenticator { request in
            request.peerCertificates.first.flatMap(commonName(of:)) == "rogue" ? .refuse(.notAuthorized) : .accept(request.clientID)
        }
        try await withServer({ $0.tls = try serverTLS(pki, .optional, acceptAny: true) }, authenticator: authenticator) { server in
            let rogue = try await server.open(tls: try clientContext(.rogue, pki: pki))
            defer { rogue.close() }
            #expect(try await rogue.connect("rogue").returnCode == .notAuthorized)
            #expect(await rogue.waitForClose())
            #expect(recorder.all.first?.peerCertificates.first.flatMap(commonName(of:)) == "rogue")
        }
    }

    @Test("required client certificates: a certificate of the trusted CA is accepted and reaches the authenticator")
    func requiredCertificateAccepted() async throws {
        let pki = try TestPKI.shared()
        let recorder = ConnectRecorder()
        try await withServer({ $0.tls = try serverTLS(pki, .required(trustRootsPEMFile: pki.caPEM), acceptAny: false) }, authenticator: recorder.authenticator()) { server in
            let client = try await server.open(tls: try clientContext(.client1, pki: pki))
            defer { client.close() }
            #expect(try await client.connect("client1").returnCode == .accepted)
            try await client.ping()
            let presented = try #require(recorder.all.first).peerCertificates
            #expect(presented.first.flatMap(commonName(of:)) == "client1")
        }
    }

    @Test("required client certificates: no certificate, or one from another CA, fails the handshake", arguments: [ClientIdentity.none, .rogue])
    func requiredCertificateRefused(identity: ClientIdentity) async throws {
        let pki = try TestPKI.shared()
        let recorder = ConnectRecorder()
        try await withServer({ $0.tls = try serverTLS(pki, .required(trustRootsPEMFile: pki.caPEM), acceptAny: false) }, authenticator: recorder.authenticator()) { server in
            let client = try await server.open(tls: try clientContext(identity, pki: pki))
            defer { client.close() }
            await expectRefusedAtTLS(client)
            #expect(recorder.all.isEmpty, "the authenticator must never see an unverified client")
            // The listener still serves a proper client.
            let good = try await server.open(tls: try clientContext(.client1, pki: pki))
            defer { good.close() }
            #expect(try await good.connect("good").returnCode == .accepted)
        }
    }

    @Test("TLS 1.2 and TLS 1.3 both carry MQTT", arguments: [TLSVersion.tlsv12, .tlsv13])
    func tlsVersions(version: TLSVersion) async throws {
        let pki = try TestPKI.shared()
        try await withServer({ $0.tls = try serverTLS(pki, .none, acceptAny: false) }) { server in
            let client = try await server.open(tls: try clientContext(.none, pki: pki, version: version))
            defer { client.close() }
            #expect(try await client.connect("v").returnCode == .accepted)
            let negotiated = try await client.channel.nioSSL_tlsVersion().get()
            #expect(negotiated == version)
            try await client.subscribe("tls", qos: .atLeastOnce)
            try await client.publish("tls", String(repeating: "z", count: 100_000), qos: .atLeastOnce)
            #expect(try await client.nextPublish().payload.readableBytes == 100_000)
        }
    }

    @Test("TLS 1.1 is refused")
    func tls11Refused() async throws {
        let pki = try TestPKI.shared()
        try await withServer({ $0.tls = try serverTLS(pki, .none, acceptAny: false) }) { server in
            let client = try await server.open(tls: try clientContext(.none, pki: pki, version: .tlsv11))
            defer { client.close() }
            await expectRefusedAtTLS(client)
        }
    }

    @Test("plain MQTT against the TLS listener is closed, and the listener keeps serving")
    func plainAgainstTLS() async throws {
        let pki = try TestPKI.shared()
        try await withServer({ $0.tls = try serverTLS(pki, .none, acceptAny: false) }) { server in
            let plain = try await server.open()
            defer { plain.close() }
            try await plain.send(.connect(ConnectPacket(clientID: "plain")))
            #expect(await plain.waitForClose())
            let secure = try await server.open(tls: try clientContext(.none, pki: pki))
            defer { secure.close() }
            #expect(try await secure.connect("secure").returnCode == .accepted)
        }
    }
}
