import HubEmulatorTestSupport
import Foundation
import IdentityService
import IoTHubProtocol
import MQTTTestSupport
import Testing

@Suite("identityd's HTTP API through a real Unix socket, called with curl (§4.1)")
struct HTTPAPITests {
    /// A manual SAS device on the emulator with a module principal (uid 2001) and a device reader (uid 2002).
    static func run(_ body: (APIServer, IdentityFixture, EmulatorHarness) async throws -> Void) async throws {
        try await withEmulator { fixture, emulator in
            try await fixture.addDevice("device1", to: emulator)
            let principals = IdentityFixture.modulePrincipals(["mod1"]) + "\n[[principal]]\nuid = 2002\nname = \"reader\"\nidtype = [\"device\"]\n"
            let service = fixture.service(try fixture.manualConfiguration(principals: principals), options: fixture.options(emulator: emulator))
            try await service.start()
            let api = try await APIServer.start(service, in: fixture.directory)
            do {
                try await body(api, fixture, emulator)
            } catch {
                await api.stop()
                throw error
            }
            await api.stop()
        }
    }

    @Test("identities by caller: root gets the device, a module process its module, an unknown uid 401")
    func callerIdentity() async throws {
        try await Self.run { api, fixture, _ in
            let device = try await api.curl("GET", "/identities/identity?api-version=2020-09-01")
            #expect(device.status == 200, "\(device)")
            guard case .object(let top)? = device.json, case .object(let spec)? = top["spec"], case .object(let auth)? = spec["auth"] else {
                Issue.record("unexpected body \(device.body)")
                return
            }
            #expect(top["type"] == "aziot")
            #expect(spec["hubName"] == "localhost" && spec["gatewayHost"] == "localhost" && spec["deviceId"] == "device1")
            #expect(spec["moduleId"] == nil && spec["genId"] == nil)
            #expect(auth["type"] == "sas")
            guard case .string(let handle)? = auth["keyHandle"] else {
                Issue.record("no key handle")
                return
            }
            #expect(fixture.keys.reference(of: handle) == .key("device-id"))

            let module = try await api.curl("GET", "/identities/identity?api-version=2022-08-01", uid: 2001)
            #expect(module.status == 200, "\(module)")
            guard case .object(let moduleTop)? = module.json, case .object(let moduleSpec)? = moduleTop["spec"] else { return }
            #expect(moduleSpec["moduleId"] == "mod1" && moduleSpec["genId"] != nil)

            let reader = try await api.curl("POST", "/identities/device?api-version=2020-09-01", body: #"{"type":"aziot"}"#, uid: 2002)
            #expect(reader.status == 200, "\(reader)")
            let readerModule = try await api.curl("GET", "/identities/modules/mod1?api-version=2020-09-01&type=aziot", uid: 2002)
            #expect(readerModule.status == 401 && readerModule.message == "authorization error")

            let unknown = try await api.curl("GET", "/identities/identity?api-version=2020-09-01", uid: 4242)
            #expect(unknown.status == 401, "\(unknown)")
            #expect(unknown.body == #"{"message":"authorization error"}"#)
            let otherModule = try await api.curl("GET", "/identities/modules/mod1?api-version=2020-09-01&type=aziot", uid: 4242)
            #expect(otherModule.status == 401)
            // The trust bundle is for everyone, and empty.
            let trust = try await api.curl("GET", "/trust-bundle?api-version=2020-09-01", uid: 4242)
            #expect(trust.status == 200 && trust.body == #"{"certificate":""}"#)
        }
    }

    @Test("module routes: the type query parameter's rules, create, get, update, list, delete, not found")
    func moduleRoutes() async throws {
        try await Self.run { api, _, emulator in
            let missing = try await api.curl("GET", "/identities/modules?api-version=2020-09-01")
            #expect(missing.status == 400)
            #expect(missing.message == "parameter \"type\" has an invalid value\ncaused by: missing parameter")
            let local = try await api.curl("GET", "/identities/modules?api-version=2020-09-01&type=local")
            #expect(local.status == 400 && local.message == "parameter \"type\" has an invalid value\ncaused by: invalid type: local")
            let unknownGet = try await api.curl("GET", "/identities/modules/mod1?api-version=2020-09-01&type=x509")
            #expect(unknownGet.status == 400 && unknownGet.message == "parameter \"type\" has an invalid value\ncaused by: invalid type: x509")
            let noTypeDelete = try await api.curl("DELETE", "/identities/modules/mod1?api-version=2020-09-01")
            #expect(noTypeDelete.status == 400 && noTypeDelete.message?.hasSuffix("missing parameter") == true)

            let created = try await api.curl("POST", "/identities/modules?api-version=2020-09-01", body: #"{"type":"aziot","moduleId":"api2"}"#)
            #expect(created.status == 200, "\(created)")
            #expect(try await emulator.moduleIds("device1") == ["api2", "mod1"])
            let list = try await api.curl("GET", "/identities/modules?api-version=2021-12-01&type=aziot")
            #expect(list.status == 200)
            guard case .object(let listTop)? = list.json, case .array(let identities)? = listTop["identities"] else {
                Issue.record("unexpected list \(list.body)")
                return
            }
            #expect(identities.count == 2)
            let get = try await api.curl("GET", "/identities/modules/api2?api-version=2020-09-01&type=aziot")
            #expect(get.status == 200, "\(get)")
            let put = try await api.curl("PUT", "/identities/modules/api2?api-version=2020-09-01&type=aziot", body: #"{"type":"aziot","moduleId":"api2"}"#)
            #expect(put.status == 200, "\(put)")
            let putText = try await api.curl("PUT", "/identities/modules/api2?api-version=2020-09-01&type=aziot", body: "x", contentType: "text/plain")
            #expect(putText.status == 415 && putText.message == "request body must be application/json")
            let putBroken = try await api.curl("PUT", "/identities/modules/api2?api-version=2020-09-01&type=aziot", body: "{")
            #expect(putBroken.status == 422)
            let delete = try await api.curl("DELETE", "/identities/modules/api2?api-version=2020-09-01&type=aziot")
            #expect(delete.status == 204 && delete.body.isEmpty, "\(delete)")
            let gone = try await api.curl("GET", "/identities/modules/api2?api-version=2020-09-01&type=aziot")
            #expect(gone.status == 400, "\(gone)")
            #expect(gone.message == "module identity not found")
            // A module id with characters to encode travels through both paths (ours and Hub's).
            let odd = try await api.curl("POST", "/identities/modules?api-version=2020-09-01", body: #"{"type":"aziot","moduleId":"a=b:c"}"#)
            #expect(odd.status == 200, "\(odd)")
            let oddGet = try await api.curl("GET", "/identities/modules/a%3Db%3Ac?api-version=2020-09-01&type=aziot")
            #expect(oddGet.status == 200, "\(oddGet)")
            #expect(try await emulator.moduleIds("device1").contains("a=b:c"))
            // An id IoT Hub refuses: its error comes back as a Hub client error (404), as in the reference.
            let refused = try await api.curl("POST", "/identities/modules?api-version=2020-09-01", body: #"{"type":"aziot","moduleId":"a b"}"#)
            #expect(refused.status == 404 && refused.message?.hasPrefix("Hub client error\ncaused by: ") == true, "\(refused)")
        }
    }

    @Test("device, provisioning, reprovision and the http-common error shapes")
    func deviceAndErrors() async throws {
        try await Self.run { api, _, _ in
            let device = try await api.curl("POST", "/identities/device?api-version=2020-09-01", body: #"{"type":""}"#)
            #expect(device.status == 200, "\(device)")
            let noBody = try await api.curl("POST", "/identities/device?api-version=2020-09-01")
            #expect(noBody.status == 400 && noBody.message == "missing request body")
            let noType = try await api.curl("POST", "/identities/device?api-version=2020-09-01", body: "{}")
            #expect(noType.status == 422)

            let provisioning = try await api.curl("GET", "/identities/provisioning?api-version=2021-12-01", uid: 4242)
            #expect(provisioning.status == 200 && provisioning.body == #"{"source":"manual","auth":"sas"}"#, "\(provisioning)")
            let oldVersion = try await api.curl("GET", "/identities/provisioning?api-version=2020-09-01")
            #expect(oldVersion.status == 404 && oldVersion.message == "not found")

            let reprovision = try await api.curl("POST", "/identities/device/reprovision?api-version=2021-12-01", body: #"{"type":"aziot"}"#)
            #expect(reprovision.status == 204, "\(reprovision)")
            let bare = try await api.curl("POST", "/identities/device/reprovision?api-version=2021-12-01")
            #expect(bare.status == 204, "\(bare)")
            let denied = try await api.curl("POST", "/identities/device/reprovision?api-version=2021-12-01", uid: 2001)
            #expect(denied.status == 401)

            #expect(try await api.curl("GET", "/identities/identity").message == "api-version not specified")
            let invalid = try await api.curl("GET", "/identities/identity?api-version=2019-01-01")
            #expect(invalid.status == 400 && invalid.message == "invalid api-version \"2019-01-01\"")
            let method = try await api.curl("PATCH", "/identities/device?api-version=2020-09-01")
            #expect(method.status == 400 && method.message == "method not allowed")
            #expect(try await api.curl("GET", "/identities/nothing?api-version=2020-09-01").status == 404)
        }
    }
}
