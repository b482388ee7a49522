import Foundation
import HubEmulator
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// Module identity REST as identityd calls it (`api-version=2017-11-08-preview`), authenticated as the device itself:
/// a SAS token for `{hub}/devices/{deviceId}` signed with the device key (no `skn`), or the device's X.509 client
/// certificate. Allowed for that device's module routes only.
@Suite("Module identities with device credentials")
struct DeviceScopedModuleTests {
    private let api = "api-version=2017-11-08-preview"

    @Test("create (200 with generationId), update with If-Match * storing exactly the given keys, get, list, delete (204)")
    func ownModules() async throws {
        try await withEmulator { emulator in
            _ = try await emulator.server.registry.createOrUpdateDevice(
                DeviceIdentity(
                    deviceId: "edge-1", authentication: .sas(primaryKey: fixedKey(1), secondaryKey: fixedKey(2)), capabilities: .init(iotEdge: true)),
                ifMatch: nil)
            // identityd lower-cases the audience before encoding it; the device id here is lower-case anyway.
            let auth = "Authorization: \(try await opensslToken(audience: "\(testHubName)/devices/edge-1", key: fixedKey(2)))"

            let created = try await emulator.curl(
                "PUT", "/devices/edge-1/modules/telemetry?\(api)", headers: [auth], body: #"{"moduleId":"telemetry","deviceId":"edge-1"}"#)
            #expect(created.status == 200, "\(created)")
            #expect(created.json?["generationId"]?.stringValue?.isEmpty == false)
            #expect(created.json?["moduleId"]?.stringValue == "telemetry")

            let keys = #"{"primaryKey":"\#(fixedKey(7))","secondaryKey":"\#(fixedKey(8))"}"#
            let updated = try await emulator.curl(
                "PUT", "/devices/edge-1/modules/telemetry?\(api)", headers: [auth, "If-Match: *"],
                body: #"{"moduleId":"telemetry","deviceId":"edge-1","authentication":{"type":"sas","symmetricKey":\#(keys)}}"#)
            #expect(updated.status == 200, "\(updated)")
            #expect(updated.json?["generationId"] == created.json?["generationId"])
            let stored = try await emulator.server.registry.module(deviceId: "edge-1", moduleId: "telemetry")
            #expect(stored.authentication.type == .sas)
            #expect(stored.authentication.symmetricKey.primaryKey == fixedKey(7))
            #expect(stored.authentication.symmetricKey.secondaryKey == fixedKey(8))

            let read = try await emulator.curl("GET", "/devices/edge-1/modules/telemetry?\(api)", headers: [auth])
            #expect(read.status == 200)
            #expect(read.json?["authentication"]?["symmetricKey"]?["primaryKey"]?.stringValue == fixedKey(7))
            let list = try await emulator.curl("GET", "/devices/edge-1/modules?\(api)", headers: [auth])
            #expect(list.status == 200)
            #expect(list.json?.arrayValue?.compactMap { $0["moduleId"]?.stringValue } == ["$edgeAgent", "$edgeHub", "telemetry"])
            let deleted = try await emulator.curl("DELETE", "/devices/edge-1/modules/telemetry?\(api)", headers: [auth, "If-Match: *"])
            #expect(deleted.status == 204, "\(deleted)")
            let gone = try await emulator.curl("GET", "/devices/edge-1/modules/telemetry?\(api)", headers: [auth])
            #expect(gone.status == 404)
            // A create of an existing module without If-Match is IoT Hub's 409.
            _ = try await emulator.curl("PUT", "/devices/edge-1/modules/m2?\(api)", headers: [auth], body: #"{"moduleId":"m2","deviceId":"edge-1"}"#)
            let again = try await emulator.curl(
                "PUT", "/devices/edge-1/modules/m2?\(api)", headers: [auth], body: #"{"moduleId":"m2","deviceId":"edge-1"}"#)
            #expect(again.status == 409)
        }
    }

    @Test("refused: another device's modules, the device itself, twins, other verbs, a wrong key, a disabled device, a module token")
    func refusals() async throws {
        try await withEmulator { emulator in
            let registry = emulator.server.registry
            _ = try await registry.createOrUpdateDevice(
                DeviceIdentity(deviceId: "edge-1", authentication: .sas(primaryKey: fixedKey(1), secondaryKey: fixedKey(2))), ifMatch: nil)
            _ = try await registry.createOrUpdateDevice(
                DeviceIdentity(deviceId: "edge-2", authentication: .sas(primaryKey: fixedKey(3), secondaryKey: fixedKey(4))), ifMatch: nil)
            _ = try await registry.createOrUpdateModule(ModuleIdentity(moduleId: "m", deviceId: "edge-2"), ifMatch: nil)
            let auth = "Authorization: \(try await opensslToken(audience: "\(testHubName)/devices/edge-1", key: fixedKey(1)))"
            let refusedRequests: [(String, String, String?)] = [
                ("GET", "/devices/edge-2/modules?\(api)", nil),
                ("GET", "/devices/edge-2/modules/m?\(api)", nil),
                ("PUT", "/devices/edge-2/modules/x?\(api)", #"{"moduleId":"x","deviceId":"edge-2"}"#),
                ("DELETE", "/devices/edge-2/modules/m?\(api)", nil),
                ("GET", "/devices/edge-1?\(api)", nil),
                ("PUT", "/devices/edge-1?\(api)", #"{"deviceId":"edge-1"}"#),
                ("GET", "/devices?\(api)", nil),
                ("GET", "/twins/edge-1?\(api)", nil),
                ("PATCH", "/twins/edge-1/modules/m?\(api)", #"{"properties":{"desired":{"a":1}}}"#),
                ("POST", "/twins/edge-1/methods?\(api)", #"{"methodName":"reboot"}"#),
                ("POST", "/devices/edge-1/applyConfigurationContent?\(api)", #"{"modulesContent":{}}"#),
                ("GET", "/enrollments/edge-1?api-version=2021-06-01", nil),
            ]
            for (method, path, body) in refusedRequests {
                let answer = try await emulator.curl(method, path, headers: [auth], body: body)
                #expect(answer.status == 401, "\(method) \(path): \(answer)")
            }
            #expect(try await registry.module(deviceId: "edge-2", moduleId: "m").moduleId == "m")

            let wrongKey = "Authorization: \(try await opensslToken(audience: "\(testHubName)/devices/edge-1", key: fixedKey(3)))"
            #expect(try await emulator.curl("GET", "/devices/edge-1/modules?\(api)", headers: [wrongKey]).status == 401)
            let otherHub = "Authorization: \(try await opensslToken(audience: "otherhub.local/devices/edge-1", key: fixedKey(1)))"
            #expect(try await emulator.curl("GET", "/devices/edge-1/modules?\(api)", headers: [otherHub]).status == 401)
            let dpsAudience = "Authorization: \(try await opensslToken(audience: "\(testDPSHostName)/devices/edge-1", key: fixedKey(1)))"
            #expect(try await emulator.curl("GET", "/devices/edge-1/modules?\(api)", headers: [dpsAudience]).status == 401)
            _ = try await registry.createOrUpdateModule(
                ModuleIdentity(moduleId: "m", deviceId: "edge-1", authentication: .sas(primaryKey: fixedKey(5), secondaryKey: fixedKey(6))),
                ifMatch: nil)
            let moduleToken = "Authorization: \(try await opensslToken(audience: "\(testHubName)/devices/edge-1/modules/m", key: fixedKey(5)))"
            #expect(try await emulator.curl("GET", "/devices/edge-1/modules/m?\(api)", headers: [moduleToken]).status == 401)
            #expect(try await emulator.curl("GET", "/devices/edge-1/modules?\(api)").status == 401)

            var device = try await registry.device("edge-1")
            device.status = .disabled
            _ = try await registry.createOrUpdateDevice(device, ifMatch: "*")
            #expect(try await emulator.curl("GET", "/devices/edge-1/modules?\(api)", headers: [auth]).status == 401)
        }
    }

    @Test("an X.509 edge device manages its modules over mutual TLS: thumbprint and CA-authenticated (CA from --device-ca)")
    func mutualTLS() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("DPSTests-ca-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let ca = try TestCertificate.authority("Edge CA")
        try ca.pem.write(toFile: scratch + "/ca.pem", atomically: true, encoding: .utf8)
        try await withEmulator(deviceCAFiles: [scratch + "/ca.pem"]) { emulator in
            let registry = emulator.server.registry
            let selfSigned = try TestCertificate.device("edge-thumb")
            _ = try await registry.createOrUpdateDevice(
                DeviceIdentity(
                    deviceId: "edge-thumb", authentication: .selfSigned(primaryThumbprint: selfSigned.sha256Thumbprint),
                    capabilities: .init(iotEdge: true)),
                ifMatch: nil)
            let thumbFiles = try selfSigned.write(to: scratch, name: "edge-thumb")
            let created = try await emulator.curl(
                "PUT", "/devices/edge-thumb/modules/filter?\(api)", body: #"{"moduleId":"filter","deviceId":"edge-thumb"}"#,
                clientCertificate: thumbFiles)
            #expect(created.status == 200, "\(created)")
            #expect(try await emulator.curl("GET", "/devices/edge-thumb/modules?\(api)", clientCertificate: thumbFiles).status == 200)
            #expect(try await emulator.curl("GET", "/devices/edge-thumb?\(api)", clientCertificate: thumbFiles).status == 401)

            let issued = try TestCertificate.device("edge-ca", issuer: ca)
            _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "edge-ca", authentication: .certificateAuthority), ifMatch: nil)
            let caFiles = try issued.write(to: scratch, name: "edge-ca")
            #expect(try await emulator.curl("GET", "/devices/edge-ca/modules?\(api)", clientCertificate: caFiles).status == 200)
            // Certificates are bound to their device: neither opens another device's modules.
            #expect(try await emulator.curl("GET", "/devices/edge-ca/modules?\(api)", clientCertificate: thumbFiles).status == 401)
            #expect(try await emulator.curl("GET", "/devices/edge-thumb/modules?\(api)", clientCertificate: caFiles).status == 401)
            let stranger = try TestCertificate.device("edge-ca", issuer: try TestCertificate.authority("Other CA"))
            let strangerFiles = try stranger.write(to: scratch, name: "stranger")
            #expect(try await emulator.curl("GET", "/devices/edge-ca/modules?\(api)", clientCertificate: strangerFiles).status == 401)
        }
    }
}
