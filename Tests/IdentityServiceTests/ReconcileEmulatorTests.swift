import NIOHTTP1
import Foundation
import HubEmulator
import HubEmulatorTestSupport
@testable import IdentityService
import MQTTTestSupport
import Testing

/// Runs `body` with a fixture and an emulator in the fixture's directory; both are removed afterwards.
func withEmulator(_ body: (IdentityFixture, EmulatorHarness) async throws -> Void) async throws {
    let fixture = try IdentityFixture()
    defer { fixture.remove() }
    let emulator = try await EmulatorHarness.start(dataDirectory: fixture.directory + "/emulator")
    do {
        try await body(fixture, emulator)
    } catch {
        await emulator.stop()
        throw error
    }
    await emulator.stop()
}

@Suite("reconciliation of module identities against the IoT Hub emulator (§4.7)")
struct ReconcileEmulatorTests {
    @Test("first start creates the module principals in Hub with keys derived from the master key")
    func firstStart() async throws {
        try await withEmulator { fixture, emulator in
            try await fixture.addDevice("device1", to: emulator)
            let config = try fixture.manualConfiguration(principals: IdentityFixture.modulePrincipals(["mod1", "mod2"]))
            let service = fixture.service(config, options: fixture.options(emulator: emulator))
            try await service.start()

            #expect(try await emulator.moduleIds("device1") == ["mod1", "mod2"])
            let master = try #require(fixture.keys.key(IdentityService.masterKeyId))
            for id in ["mod1", "mod2"] {
                let module = try await emulator.registry.module(deviceId: "device1", moduleId: id)
                let generationId = try #require(module.generationId)
                #expect(module.authentication.symmetricKey.primaryKey == Data(hmacSHA256(key: master, "\(id):\(generationId):primary")).base64EncodedString())
                #expect(module.authentication.symmetricKey.secondaryKey == Data(hmacSHA256(key: master, "\(id):\(generationId):secondary")).base64EncodedString())
                // The identity a caller gets carries the primary derived-key handle.
                let identity = try #require(try await service.moduleIdentity(uid: 0, type: "aziot", moduleId: id).aziot)
                #expect(identity.genId == generationId && identity.moduleId == id && identity.deviceId == "device1")
                #expect(identity.hubName == "localhost" && identity.gatewayHost == "localhost")
                #expect(identity.auth?.type == "sas")
                let handle = try #require(identity.auth?.keyHandle)
                #expect(fixture.keys.reference(of: handle) == .derived(baseKey: IdentityService.masterKeyId, data: Array("\(id):\(generationId):primary".utf8)))
                // And its backup is on disk, without keys.
                #expect(fixture.store.readModule(hub: "localhost", deviceId: "device1", moduleId: id)?.generationId == generationId)
            }
            #expect(fixture.store.readDeviceInfo() == .device(DeviceInfo(hubName: "localhost", localGatewayHostname: "localhost", deviceId: "device1")))
            #expect(fixture.store.previousHubModules(for: DeviceInfo(hubName: "localhost", localGatewayHostname: "localhost", deviceId: "device1")) == ["mod1", "mod2"])
        }
    }

    @Test("restart: ours kept (same generation), dropped principals removed, foreign modules untouched, unknown namesakes recreated")
    func stateMachine() async throws {
        try await withEmulator { fixture, emulator in
            try await fixture.addDevice("device1", to: emulator)
            let first = try fixture.manualConfiguration(principals: IdentityFixture.modulePrincipals(["keep", "drop"]))
            try await fixture.service(first, options: fixture.options(emulator: emulator)).start()
            let keptGeneration = try await emulator.registry.module(deviceId: "device1", moduleId: "keep").generationId
            // Modules identityd did not create: a foreign one, and one named like a principal added later.
            _ = try await emulator.registry.createOrUpdateModule(ModuleIdentity(moduleId: "foreign", deviceId: "device1"), ifMatch: nil)
            let namesake = try await emulator.registry.createOrUpdateModule(ModuleIdentity(moduleId: "adopted", deviceId: "device1"), ifMatch: nil).module

            let second = try fixture.manualConfiguration(principals: IdentityFixture.modulePrincipals(["keep", "adopted", "new"]))
            try await fixture.service(second, options: fixture.options(emulator: emulator)).start()

            #expect(try await emulator.moduleIds("device1") == ["adopted", "foreign", "keep", "new"])
            #expect(try await emulator.registry.module(deviceId: "device1", moduleId: "keep").generationId == keptGeneration)
            let adopted = try await emulator.registry.module(deviceId: "device1", moduleId: "adopted")
            #expect(adopted.generationId != namesake.generationId, "an unknown module with a principal's name is recreated")
            #expect(fixture.store.readModule(hub: "localhost", deviceId: "device1", moduleId: "drop") == nil)
            #expect(fixture.store.previousHubModules(for: DeviceInfo(hubName: "localhost", localGatewayHostname: "localhost", deviceId: "device1")) == ["adopted", "keep", "new"])
        }
    }

    @Test("a configuration change on disk reconciles without provisioning again")
    func configurationUpdate() async throws {
        try await withEmulator { fixture, emulator in
            try await fixture.addDevice("device1", to: emulator)
            let service = fixture.service(try fixture.manualConfiguration(principals: IdentityFixture.modulePrincipals(["a"])), options: fixture.options(emulator: emulator))
            try await service.start()
            await service.reload(try fixture.manualConfiguration(principals: IdentityFixture.modulePrincipals(["b"])))
            #expect(try await emulator.moduleIds("device1") == ["b"])
            // The new principal can read its own identity.
            let identity = try await service.callerIdentity(uid: 2001)
            #expect(identity.aziot?.moduleId == "b")
        }
    }

    @Test("another device's prev_state does not count: the modules are recreated for the new device")
    func deviceChange() async throws {
        try await withEmulator { fixture, emulator in
            try await fixture.addDevice("device1", to: emulator)
            try await fixture.service(try fixture.manualConfiguration(principals: IdentityFixture.modulePrincipals(["m"])), options: fixture.options(emulator: emulator)).start()
            // device2 already has a module "m" (not ours as far as identityd knows) and the device key changes too.
            let key2 = (0..<32).map { _ in UInt8.random(in: 0...255) }
            try await emulator.addDevice("device2", key: key2)
            fixture.keys.setKey("device-id", key2)
            let stale = try await emulator.registry.createOrUpdateModule(ModuleIdentity(moduleId: "m", deviceId: "device2"), ifMatch: nil).module
            let config = try fixture.manualConfiguration(deviceId: "device2", principals: IdentityFixture.modulePrincipals(["m"]))
            try await fixture.service(config, options: fixture.options(emulator: emulator)).start()
            #expect(try await emulator.registry.module(deviceId: "device2", moduleId: "m").generationId != stale.generationId)
            // The old device's module backups are gone with its directory.
            #expect(!FileManager.default.fileExists(atPath: fixture.store.deviceDirectory(hub: "localhost", deviceId: "device1")))
        }
    }

    @Test("prefer_module_identity_cache: module reads come from the backups first; without it Hub's answer wins")
    func preferCache() async throws {
        try await withEmulator { fixture, emulator in
            try await fixture.addDevice("device1", to: emulator)
            let cached = try fixture.configuration(
                "prefer_module_identity_cache = true\n[provisioning]\nsource = \"manual\"\niothub_hostname = \"localhost\"\ndevice_id = \"device1\"\n[provisioning.authentication]\nmethod = \"sas\"\ndevice_id_pk = \"device-id\"\n"
                    + IdentityFixture.modulePrincipals(["m"]))
            let service = fixture.service(cached, options: fixture.options(emulator: emulator))
            try await service.start()
            // The module disappears from Hub behind identityd's back.
            try await emulator.registry.deleteModule(deviceId: "device1", moduleId: "m", ifMatch: "*")
            #expect(try await service.moduleIdentity(uid: 0, type: "aziot", moduleId: "m").aziot?.moduleId == "m")
            #expect(try await service.moduleIdentities(uid: 0, type: "aziot").count == 1)
            // Without the preference, Hub is asked: the module is not found and its backup goes.
            let fresh = fixture.service(try fixture.manualConfiguration(principals: IdentityFixture.modulePrincipals(["m"])), options: fixture.options(emulator: emulator))
            try await fresh.start()
            #expect(try await emulator.moduleIds("device1") == ["m"], "reconciliation created it again")
            try await emulator.registry.deleteModule(deviceId: "device1", moduleId: "m", ifMatch: "*")
            let gone = await thrownError { _ = try await fresh.moduleIdentity(uid: 0, type: "aziot", moduleId: "m") }
            #expect((gone as? IdentityServiceError)?.message == "module identity not found")
            #expect(fixture.store.readModule(hub: "localhost", deviceId: "device1", moduleId: "m") == nil)
        }
    }

    @Test("module identity API against Hub: create, get, update (keys re-derived), list, delete")
    func moduleOperations() async throws {
        try await withEmulator { fixture, emulator in
            try await fixture.addDevice("device1", to: emulator)
            let service = fixture.service(try fixture.manualConfiguration(), options: fixture.options(emulator: emulator))
            try await service.start()
            let created = try #require(try await service.createModuleIdentity(uid: 0, type: "aziot", moduleId: "api1", localIdOptions: nil).aziot)
            #expect(created.moduleId == "api1" && created.auth?.keyHandle != nil && created.genId != nil)
            let listed = try await service.moduleIdentities(uid: 0, type: "aziot")
            #expect(listed.compactMap { $0.aziot?.moduleId } == ["api1"])
            #expect(listed.allSatisfy { $0.aziot?.auth == nil }, "lists carry no keys")
            // Someone changed the keys in Hub; an update puts the derived ones back.
            var module = try await emulator.registry.module(deviceId: "device1", moduleId: "api1")
            module.authentication = .sas(primaryKey: Data(repeating: 1, count: 32).base64EncodedString(), secondaryKey: Data(repeating: 2, count: 32).base64EncodedString())
            _ = try await emulator.registry.createOrUpdateModule(module, ifMatch: "*")
            let updated = try #require(try await service.updateModuleIdentity(uid: 0, type: "aziot", moduleId: "api1").aziot)
            let master = try #require(fixture.keys.key(IdentityService.masterKeyId))
            let gen = try #require(updated.genId)
            #expect(try await emulator.registry.module(deviceId: "device1", moduleId: "api1").authentication.symmetricKey.primaryKey
                == Data(hmacSHA256(key: master, "api1:\(gen):primary")).base64EncodedString())
            try await service.deleteModuleIdentity(uid: 0, type: "aziot", moduleId: "api1")
            #expect(try await emulator.moduleIds("device1").isEmpty)
            #expect(fixture.store.readModule(hub: "localhost", deviceId: "device1", moduleId: "api1") == nil)
            // Gone from Hub and from the backups: not found, 400.
            let missing = await thrownError { _ = try await service.moduleIdentity(uid: 0, type: "aziot", moduleId: "api1") }
            #expect((missing as? IdentityServiceError)?.message == "module identity not found")
            let empty = await thrownError { _ = try await service.createModuleIdentity(uid: 0, type: "aziot", moduleId: "  ", localIdOptions: nil) }
            #expect((empty as? IdentityServiceError)?.status == .badRequest)
        }
    }
}

@Suite("identityd with device tokens only (green once the emulator accepts device-scoped SAS tokens)")
struct DeviceTokenTests {
    @Test("a wrong device key: Hub refuses (401), identityd provisions again, fails again and does not start")
    func wrongDeviceKey() async throws {
        try await withEmulator { fixture, emulator in
            try await fixture.addDevice("device1", to: emulator)
            fixture.keys.setKey("device-id", Array(repeating: 9, count: 32))
            let service = fixture.service(try fixture.manualConfiguration(principals: IdentityFixture.modulePrincipals(["m"])), options: fixture.options(emulator: emulator))
            let error = await thrownError { try await service.start() }
            guard case .hubClient(let cause)? = error as? IdentityServiceError else {
                Issue.record("expected a Hub client error, got \(String(describing: error))")
                return
            }
            #expect(cause.status == 401, "\(cause)")
            #expect(fixture.store.readDeviceInfo() == nil, "no device state without a successful reconciliation")
        }
    }

    @Test("the device SAS token identityd sends is accepted by the emulator for the module REST API")
    func deviceTokenAccepted() async throws {
        try await withEmulator { fixture, emulator in
            try await fixture.addDevice("device1", to: emulator)
            let service = fixture.service(try fixture.manualConfiguration(), options: fixture.options(emulator: emulator))
            try await service.start()
            _ = try await service.createModuleIdentity(uid: 0, type: "aziot", moduleId: "m1", localIdOptions: nil)
            #expect(try await emulator.moduleIds("device1") == ["m1"])
        }
    }
}
