import AziotClients
import EdgeDaemon
import Crypto
import EdgeTestSupport
import Foundation
import HubEmulatorTestSupport
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// The workload API as the `aziot-edged` binary serves it: a module's container reaches it through the socket edged
/// mounts at `/var/run/iotedge/workload.sock`, and every answer comes from keyd, certd and identityd.
@Suite("The workload API through aziot-edged: a module container signs, encrypts and gets certificates", .serialized)
struct WorkloadThroughEdgedTests {
    static let v = "api-version=2022-08-03"
    static let socket = "/var/run/iotedge/workload.sock"

    @Test(
        "sign with the module's hub key, encrypt/decrypt bound to the generation id, server and identity certificates from the Edge CA (openssl verify); another module's name and host callers are refused"
    )
    func moduleCallsWorkloadAPI() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            try await device.startEdged()
            _ = try await device.waitForAgentRunning()

            let name = device.moduleName("wl")
            let identity = try await device.asAgent("POST", "/identities?\(Self.v)", json: #"{"moduleId":"\#(name)","managedBy":"IotEdge"}"#)
            #expect(identity.status == 200, "\(identity.body)")
            let genId = try #require(try json(identity.body)["generationId"]?.stringValue)
            #expect(try await device.asAgent("POST", "/modules?\(Self.v)", json: EdgeTestDevice.moduleSpec(name)).status == 201)
            #expect(try await device.asAgent("POST", "/modules/\(name)/start?\(Self.v)").status == 204)

            // Sign: HMAC-SHA256 with the key IoT Hub holds for the module.
            let data = Data("the SDK signs this".utf8)
            let signed = try await curlInContainer(
                name, Self.socket, "POST", "/modules/\(name)/genid/\(genId)/sign?\(Self.v)",
                json: #"{"keyId":"primary","algo":"HMACSHA256","data":"\#(data.base64EncodedString())"}"#)
            #expect(signed.status == 200, "\(signed.body)")
            let hubKey = try #require(try await device.emulator.modulePrimaryKey(deviceId: device.deviceId, moduleId: name))
            let expected = HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: try #require(Data(base64Encoded: hubKey))))
            #expect(try json(signed.body)["digest"]?.stringValue == Data(expected).base64EncodedString())

            // Encrypt, then decrypt; a different generation id cannot open it.
            let iv = Data("0123456789ab".utf8).base64EncodedString()
            let plaintext = Data("module secret".utf8).base64EncodedString()
            let encrypted = try await curlInContainer(
                name, Self.socket, "POST", "/modules/\(name)/genid/\(genId)/encrypt?\(Self.v)",
                json: #"{"plaintext":"\#(plaintext)","initializationVector":"\#(iv)"}"#)
            #expect(encrypted.status == 200, "\(encrypted.body)")
            let ciphertext = try #require(try json(encrypted.body)["ciphertext"]?.stringValue)
            #expect(ciphertext != plaintext)
            let decrypted = try await curlInContainer(
                name, Self.socket, "POST", "/modules/\(name)/genid/\(genId)/decrypt?\(Self.v)",
                json: #"{"ciphertext":"\#(ciphertext)","initializationVector":"\#(iv)"}"#)
            #expect(try json(decrypted.body)["plaintext"]?.stringValue == plaintext, "\(decrypted.body)")
            let otherGeneration = try await curlInContainer(
                name, Self.socket, "POST", "/modules/\(name)/genid/other\(genId)/decrypt?\(Self.v)",
                json: #"{"ciphertext":"\#(ciphertext)","initializationVector":"\#(iv)"}"#)
            #expect(otherGeneration.status != 200, "the AAD binds the ciphertext to module and generation: \(otherGeneration.body)")

            // Certificates issued by the Edge CA, checked by openssl.
            let ca = try await CertClient(socketPath: device.socket("certd")).getCertificate(id: "aziot-edged-ca")
            let directory = "\(device.root)/certs"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try device.write("\(directory)/ca.pem", ca)
            let expiration = RFC3339.format(Date().addingTimeInterval(86_400))
            let server = try await curlInContainer(
                name, Self.socket, "POST", "/modules/\(name)/genid/\(genId)/certificate/server?\(Self.v)",
                json: #"{"commonName":"edge-test-host","expiration":"\#(expiration)"}"#)
            #expect(server.status == 201, "\(server.body)")
            try device.write("\(directory)/server.pem", try #require(try json(server.body)["certificate"]?.stringValue))
            try await Self.openssl(["verify", "-purpose", "sslserver", "-CAfile", "\(directory)/ca.pem", "\(directory)/server.pem"])
            #expect(try #require(try json(server.body)["privateKey"]?["bytes"]?.stringValue).contains("PRIVATE KEY"))

            let client = try await curlInContainer(
                name, Self.socket, "POST", "/modules/\(name)/certificate/identity?\(Self.v)", json: #"{"expiration":"\#(expiration)"}"#)
            #expect(client.status == 201, "\(client.body)")
            try device.write("\(directory)/identity.pem", try #require(try json(client.body)["certificate"]?.stringValue))
            try await Self.openssl(["verify", "-purpose", "sslclient", "-CAfile", "\(directory)/ca.pem", "\(directory)/identity.pem"])
            let text = try await Self.openssl(["x509", "-in", "\(directory)/identity.pem", "-noout", "-text"])
            // The reference's quirk (spec edgelet §3): a DNS SAN whose text is "URI: azureiot://…".
            #expect(text.contains("DNS:URI: azureiot://localhost/devices/\(device.deviceId)/modules/\(name)"), "\(text)")

            // Refusals: another module's name from this module's socket, edgeAgent naming this module, a host process.
            let sign = #"{"keyId":"primary","algo":"HMACSHA256","data":"\#(data.base64EncodedString())"}"#
            let other = try await curlInContainer(name, Self.socket, "POST", "/modules/\(device.agentName)/genid/\(genId)/sign?\(Self.v)", json: sign)
            #expect(other.status == 403 && other.body == #"{"message":"forbidden"}"#, "\(other.status) \(other.body)")
            let fromAgent = try await curlInContainer(device.agentName, Self.socket, "POST", "/modules/\(name)/genid/\(genId)/sign?\(Self.v)", json: sign)
            #expect(fromAgent.status == 403, "\(fromAgent.body)")
            let fromHost = try await curl(device.socket("workload"), "POST", "/modules/\(name)/genid/\(genId)/sign?\(Self.v)", json: sign)
            #expect(fromHost.status == 403, "\(fromHost.body)")

            // The module list on the workload socket is the management API's.
            let modules = try await curlInContainer(name, Self.socket, "GET", "/modules?\(Self.v)")
            let names = try json(modules.body)["modules"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(names.contains(name) && names.contains(device.agentName), "\(modules.body)")
        }
    }

    @discardableResult
    static func openssl(_ arguments: [String]) async throws -> String {
        let result = try await ChildProcess.run("openssl", arguments, timeout: .seconds(30))
        guard result.status == 0 else { throw TestFailure("openssl \(arguments.joined(separator: " ")): \(result.stdout)\(result.stderr)") }
        return result.stdout
    }
}
