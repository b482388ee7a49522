import Foundation
import HubEmulator
import IoTHubProtocol
import Testing

@Suite("Module identities")
struct ModuleRegistryTests {
    @Test("module create, read, list, update with If-Match and delete")
    func crud() async throws {
        try await withRegistry { registry in
            _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            let (created, wasCreated) = try await registry.createOrUpdateModule(
                ModuleIdentity(moduleId: "m1", deviceId: "d1", managedBy: "iotEdge"), ifMatch: nil)
            #expect(wasCreated)
            #expect(created.managedBy == "iotEdge")
            #expect(created.authentication.type == .sas)
            #expect(base64Length(created.authentication.symmetricKey.primaryKey) == 32)
            #expect(created.generationId != nil && created.etag != nil)
            #expect(created.connectionState == .disconnected && created.cloudToDeviceMessageCount == 0)
            #expect(try await registry.module(deviceId: "d1", moduleId: "m1") == created)

            let keys = AuthenticationMechanism.sas(primaryKey: fixedKey(7), secondaryKey: fixedKey(8))
            let (given, _) = try await registry.createOrUpdateModule(
                ModuleIdentity(moduleId: "m2", deviceId: "d1", authentication: keys), ifMatch: nil)
            #expect(given.authentication == keys)
            #expect(try await registry.modules(deviceId: "d1").map(\.moduleId) == ["m1", "m2"])

            let exists = await hubError { _ = try await registry.createOrUpdateModule(ModuleIdentity(moduleId: "m1", deviceId: "d1"), ifMatch: nil) }
            #expect(exists?.code == .moduleAlreadyExistsOnDevice && exists?.httpStatus == 409)
            #expect(exists?.jsonBody["Message"]?.stringValue?.hasPrefix("ErrorCode:ModuleAlreadyExistsOnDevice;") == true)
            let stale = await hubError {
                _ = try await registry.createOrUpdateModule(ModuleIdentity(moduleId: "m1", deviceId: "d1"), ifMatch: "\"bogus\"")
            }
            #expect(stale?.code == .preconditionFailed)

            let (updated, wasCreatedAgain) = try await registry.createOrUpdateModule(
                ModuleIdentity(moduleId: "m1", deviceId: "d1", managedBy: "me"), ifMatch: "\"\(created.etag ?? "")\"")
            #expect(!wasCreatedAgain)
            #expect(updated.managedBy == "me" && updated.etag != created.etag && updated.generationId == created.generationId)
            #expect(updated.authentication.symmetricKey == created.authentication.symmetricKey)

            try await registry.deleteModule(deviceId: "d1", moduleId: "m1", ifMatch: updated.etag)
            let gone = await hubError { _ = try await registry.module(deviceId: "d1", moduleId: "m1") }
            #expect(gone?.code == .moduleNotFound && gone?.httpStatus == 404)
            let twinGone = await hubError { _ = try await registry.twin(deviceId: "d1", moduleId: "m1") }
            #expect(twinGone?.code == .moduleNotFound)
            let deleteAgain = await hubError { try await registry.deleteModule(deviceId: "d1", moduleId: "m1", ifMatch: nil) }
            #expect(deleteAgain?.code == .moduleNotFound)
            #expect(try await registry.modules(deviceId: "d1").map(\.moduleId) == ["m2"])
        }
    }

    @Test("modules need an existing device and a valid, non-reserved id")
    func refusals() async throws {
        try await withRegistry { registry in
            let noDevice = await hubError {
                _ = try await registry.createOrUpdateModule(ModuleIdentity(moduleId: "m1", deviceId: "ghost"), ifMatch: nil)
            }
            #expect(noDevice?.code == .deviceNotFound)
            let listNoDevice = await hubError { _ = try await registry.modules(deviceId: "ghost") }
            #expect(listNoDevice?.code == .deviceNotFound)
            _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            let reserved = await hubError {
                _ = try await registry.createOrUpdateModule(ModuleIdentity(moduleId: "$edgeHub", deviceId: "d1"), ifMatch: nil)
            }
            #expect(reserved?.code == .argumentInvalid)
            let badId = await hubError { _ = try await registry.createOrUpdateModule(ModuleIdentity(moduleId: "a b", deviceId: "d1"), ifMatch: nil) }
            #expect(badId?.code == .argumentInvalid)
            let updateMissing = await hubError {
                _ = try await registry.createOrUpdateModule(ModuleIdentity(moduleId: "m9", deviceId: "d1"), ifMatch: "*")
            }
            #expect(updateMissing?.code == .moduleNotFound)
        }
    }

    @Test("an edge device's system modules can be updated with new keys, as the identity service does")
    func updateSystemModule() async throws {
        try await withRegistry { registry in
            _ = try await registry.createOrUpdateDevice(
                DeviceIdentity(deviceId: "edge", capabilities: DeviceCapabilities(iotEdge: true)), ifMatch: nil)
            let keys = AuthenticationMechanism.sas(primaryKey: fixedKey(9), secondaryKey: fixedKey(10))
            let (agent, created) = try await registry.createOrUpdateModule(
                ModuleIdentity(moduleId: "$edgeAgent", deviceId: "edge", authentication: keys), ifMatch: "*")
            #expect(!created)
            #expect(agent.authentication == keys)
        }
    }
}
