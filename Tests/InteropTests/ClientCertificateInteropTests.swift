import MQTTServer
import MQTTTestSupport
import MQTTTransport
import Testing

@Suite("mosquitto clients with X.509 client certificates")
struct ClientCertificateInteropTests {
    private func certificateArguments(_ pki: TestPKI) -> [String] {
        ["--cert", pki.clientPEM, "--key", pki.clientKey]
    }

    @Test("required client certificates: --cert/--key of the test CA connect, and the authenticator sees CN=client1")
    func requiredCertificateAccepted() async throws {
        let pki = try TestPKI.shared()
        let recorder = ConnectRecorder()
        try await withBroker({ $0.tls = try serverTLS(pki, clientCertificates: .required(trustRootsPEMFile: pki.caPEM)) }, authenticator: recorder.authenticator()) { broker in
            let subscriber = try await startSubscriber(broker, clientID: "cert-sub", filters: ["interop/x509"], qos: 1, count: 1, extra: certificateArguments(pki), pki: pki)
            defer { subscriber.terminate() }
            try await mosquittoPublish(broker, certificateArguments(pki) + ["-i", "cert-pub", "-t", "interop/x509", "-q", "1", "-m", "signed"], pki: pki)
            #expect(try await subscriber.waitForExit() == 0)
            #expect(subscriber.lines == ["interop/x509|signed|1|0"])
            for clientID in ["cert-sub", "cert-pub"] {
                let certificate = recorder.request(for: clientID)?.peerCertificates.first
                #expect(certificate.flatMap(commonName(of:)) == "client1", "\(clientID)")
            }
        }
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var arguments: @Sendable (TestPKI) -> [String]
        var testDescription: String { name }
    }

    @Test(
        "required client certificates: no certificate, or one from another CA, is refused and nothing is published",
        arguments: [
            Refusal(name: "no certificate") { _ in [] },
            Refusal(name: "self-signed certificate") { pki in ["--cert", pki.roguePEM, "--key", pki.rogueKey] },
        ]
    )
    func requiredCertificateRefused(refusal: Refusal) async throws {
        let pki = try TestPKI.shared()
        let recorder = ConnectRecorder()
        try await withBroker({ $0.tls = try serverTLS(pki, clientCertificates: .required(trustRootsPEMFile: pki.caPEM)) }, authenticator: recorder.authenticator()) { broker in
            let subscriber = try await startSubscriber(broker, clientID: "cert-sub", filters: ["interop/x509"], qos: 1, count: 1, extra: certificateArguments(pki), pki: pki)
            defer { subscriber.terminate() }
            let refused = try await ChildProcess.run(
                "mosquitto_pub",
                broker.clientArguments(pki) + refusal.arguments(pki) + ["-i", "intruder", "-t", "interop/x509", "-q", "1", "-m", "forged"]
            )
            #expect(refused.status != 0, "mosquitto_pub succeeded: \(refused.stdout) \(refused.stderr)")
            #expect(recorder.request(for: "intruder") == nil, "the authenticator never sees an unverified client")
            // The listener still serves certified clients, and the forged message never arrived.
            try await mosquittoPublish(broker, certificateArguments(pki) + ["-t", "interop/x509", "-q", "1", "-m", "genuine"], pki: pki)
            #expect(try await subscriber.waitForExit() == 0)
            #expect(subscriber.lines == ["interop/x509|genuine|1|0"])
        }
    }

    @Test("optional client certificates: the authenticator sees mosquitto_pub's certificate, or none without --cert")
    func optionalCertificate() async throws {
        let pki = try TestPKI.shared()
        let recorder = ConnectRecorder()
        try await withBroker({ $0.tls = try serverTLS(pki, clientCertificates: .optional, acceptsAnyClientCertificate: true) }, authenticator: recorder.authenticator()) { broker in
            try await mosquittoPublish(broker, certificateArguments(pki) + ["-i", "with-cert", "-t", "t", "-m", "x"], pki: pki)
            try await mosquittoPublish(broker, ["-i", "without-cert", "-t", "t", "-m", "x"], pki: pki)
            try await mosquittoPublish(broker, ["--cert", pki.roguePEM, "--key", pki.rogueKey, "-i", "rogue", "-t", "t", "-m", "x"], pki: pki)
            #expect(recorder.request(for: "with-cert")?.peerCertificates.first.flatMap(commonName(of:)) == "client1")
            #expect(recorder.request(for: "without-cert")?.peerCertificates.isEmpty == true)
            #expect(recorder.request(for: "rogue")?.peerCertificates.first.flatMap(commonName(of:)) == "rogue")
        }
    }
}
