import AziotClients
import Crypto
import EdgeTestSupport
import Foundation
import HubEmulatorTestSupport
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// A module container made by the stand-in agent runs `edge-test-module workload all --other <agent>`: every workload
/// call a module SDK makes, through the socket edged mounted for it, then the same calls naming another module.
@Suite("A module (edge-test-module workload) uses the workload API through its own socket", .serialized)
struct WorkloadModuleTests {
    @Test("sign (HMAC with the hub's module key), encrypt/decrypt, server and identity certificates from the Edge CA (openssl verify), trust bundle; 403 naming another module")
    func workloadCalls() async throws {
        let name = "wl-\(String(UUID().uuidString.prefix(6)).lowercased())"
        try await withAgentDeviceNamingAgent(name) { device, lines in
            let summary = lines.map(\.jsonString).joined(separator: "\n")
            func mine(_ op: String) throws -> JSONValue {
                try #require(lines.first { $0["op"]?.stringValue == op && $0["target"] == "self" }, "\(op) missing: \(summary)")
            }

            // Sign: the digest is HMAC-SHA256 of the data with the key IoT Hub holds for this module.
            let sign = try mine("sign")
            #expect(sign["status"] == 200 && sign["module"] == .string(name), "\(sign.jsonString)")
            let signedText = try #require(sign["data"]?.stringValue)
            let data = try #require(Data(base64Encoded: signedText))
            let hubKey = try #require(try await device.emulator.modulePrimaryKey(deviceId: device.deviceId, moduleId: name))
            let expected = HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: try #require(Data(base64Encoded: hubKey))))
            #expect(sign["body"]?["digest"]?.stringValue == Data(expected).base64EncodedString(), "\(sign.jsonString)")

            // Encrypt, then decrypt gives the plaintext back.
            let encrypt = try mine("encrypt")
            #expect(encrypt["status"] == 200, "\(encrypt.jsonString)")
            let ciphertext = try #require(encrypt["body"]?["ciphertext"]?.stringValue)
            #expect(ciphertext != encrypt["plaintext"]?.stringValue)
            let decrypt = try mine("decrypt")
            #expect(decrypt["status"] == 200 && decrypt["body"]?["plaintext"] == encrypt["plaintext"], "\(decrypt.jsonString)")

            // Certificates issued by the Edge CA that certd holds, verified by openssl.
            let ca = try await CertClient(socketPath: device.socket("certd")).getCertificate(id: "aziot-edged-ca")
            let directory = "\(device.root)/certs"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try device.write("\(directory)/ca.pem", ca)
            let server = try mine("server-cert")
            #expect(server["status"] == 201, "\(server.jsonString)")
            try device.write("\(directory)/server.pem", try #require(server["body"]?["certificate"]?.stringValue))
            try await openssl(["verify", "-purpose", "sslserver", "-CAfile", "\(directory)/ca.pem", "\(directory)/server.pem"])
            let serverText = try await openssl(["x509", "-in", "\(directory)/server.pem", "-noout", "-subject", "-ext", "subjectAltName"])
            #expect(serverText.contains("CN = edge-test-host") && serverText.contains("DNS:\(name)"), "\(serverText)")
            #expect(try #require(server["body"]?["privateKey"]?["bytes"]?.stringValue).contains("PRIVATE KEY"))

            let identity = try mine("identity-cert")
            #expect(identity["status"] == 201, "\(identity.jsonString)")
            try device.write("\(directory)/identity.pem", try #require(identity["body"]?["certificate"]?.stringValue))
            try await openssl(["verify", "-purpose", "sslclient", "-CAfile", "\(directory)/ca.pem", "\(directory)/identity.pem"])
            let identityText = try await openssl(["x509", "-in", "\(directory)/identity.pem", "-noout", "-subject"])
            #expect(identityText.contains("CN = \(name)"), "\(identityText)")

            // The trust bundle is what certd holds as aziot-edged-trust-bundle.
            let bundle = try mine("trust-bundle")
            #expect(bundle["status"] == 200, "\(bundle.jsonString)")
            let expectedBundle = try trustBundle(of: device).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(bundle["body"]?["certificate"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) == expectedBundle, "\(bundle.jsonString)")
            #expect(try mine("manifest-trust-bundle")["status"] == 200)
            let listed = try mine("modules")["body"]?["modules"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(listed.contains(name), "\(listed)")

            // The same calls naming another module (the agent) from this module's socket: forbidden, each of them.
            let refused = lines.filter { $0["target"] == "other" }
            #expect(Set(refused.compactMap { $0["op"]?.stringValue }) == ["sign", "encrypt", "decrypt", "server-cert", "identity-cert"], "\(summary)")
            for line in refused {
                #expect(line["status"] == 403 && line["body"] == ["message": "forbidden"], "\(line.jsonString)")
                #expect(line["module"] == .string(device.agentName))
            }
        }
    }

    /// The agent creates the identity and the module running `workload all --other <agent>`; the module's lines.
    private func withAgentDeviceNamingAgent(_ name: String, _ body: (EdgeTestDevice, [JSONValue]) async throws -> Void) async throws {
        let scenario = { (device: EdgeTestDevice) -> JSONValue? in
            [
                "steps": [
                    ["op": "createIdentity", "module": .string(name)],
                    [
                        "op": "create", "module": .string(name), "image": .string(TestModuleImage.name), "pull": "never",
                        "cmd": ["workload", "all", "--other", .string(device.agentName)], "env": ["RuntimeLogLevel": "debug"],
                        "createOptions": ["HostConfig": ["NetworkMode": "host"]],
                    ],
                    ["op": "start", "module": .string(name)],
                ]
            ]
        }
        try await withAgentDevice(scenario: scenario) { device in
            let agentLines = try await device.waitForDone(device.agentName)
            #expect(step(agentLines, "done")?["failures"] == 0, "\(agentLines.map(\.jsonString))")
            let lines = try await device.waitForDone(name, timeout: .seconds(60))
            try await body(device, lines)
        }
    }
}
