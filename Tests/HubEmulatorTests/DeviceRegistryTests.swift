import Foundation
import HubEmulator
import IoTHubProtocol
import Testing

@Suite("Device identities")
struct DeviceRegistryTests {
    @Test("creating a SAS device without keys generates two 32-byte keys and the hub's fields")
    func createGeneratesKeys() async throws {
        try await withRegistry { registry in
            let (device, created) = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            #expect(created)
            #expect(device.deviceId == "d1")
            #expect(device.authentication.type == .sas)
            #expect(base64Length(device.authentication.symmetricKey.primaryKey) == 32)
            #expect(base64Length(device.authentication.symmetricKey.secondaryKey) == 32)
            #expect(device.authentication.symmetricKey.primaryKey != device.authentication.symmetricKey.secondaryKey)
            #expect(device.authentication.x509Thumbprint == .init())
            #expect(device.generationId?.count == 18 && device.generationId?.allSatisfy(\.isNumber) == true)
            #expect(device.etag.flatMap { Data(base64Encoded: $0) } != nil)
            #expect(device.status == .enabled)
            #expect(device.connectionState == .disconnected)
            #expect(device.connectionStateUpdatedTime == "0001-01-01T00:00:00Z")
            #expect(device.lastActivityTime == HubTimestamp.never)
            #expect(device.cloudToDeviceMessageCount == 0)
            #expect(device.deviceScope == nil && device.parentScopes.isEmpty)
            #expect(try await registry.device("d1") == device)
        }
    }

    @Test("given keys are kept, and kept again by an update that sends none")
    func givenKeysAreKept() async throws {
        try await withRegistry { registry in
            let auth = AuthenticationMechanism.sas(primaryKey: fixedKey(1), secondaryKey: fixedKey(2))
            let (created, _) = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1", authentication: auth), ifMatch: nil)
            #expect(created.authentication.symmetricKey == .init(primaryKey: fixedKey(1), secondaryKey: fixedKey(2)))

            let (updated, wasCreated) = try await registry.createOrUpdateDevice(
                DeviceIdentity(deviceId: "d1", status: .disabled, statusReason: "maintenance"), ifMatch: "*")
            #expect(!wasCreated)
            #expect(updated.authentication.symmetricKey == created.authentication.symmetricKey)
            #expect(updated.status == .disabled && updated.statusReason == "maintenance")
            #expect(isHubTime(updated.statusUpdatedTime))
            #expect(updated.generationId == created.generationId)
        }
    }

    @Test("If-Match: a stale etag is 412, the current one (quoted or not) and * succeed, and every update changes the etag")
    func etagIsEnforced() async throws {
        try await withRegistry { registry in
            let (first, _) = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            let etag = try #require(first.etag)
            let (second, _) = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: "\"\(etag)\"")
            #expect(second.etag != first.etag)

            let stale = await hubError { _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: etag) }
            #expect(stale?.code == .preconditionFailed)
            #expect(stale?.httpStatus == 412)

            let (third, _) = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: second.etag)
            let (fourth, _) = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: "\"*\"")
            #expect(Set([first.etag, second.etag, third.etag, fourth.etag]).count == 4)

            let deleteStale = await hubError { try await registry.deleteDevice("d1", ifMatch: etag) }
            #expect(deleteStale?.code == .preconditionFailed)
            try await registry.deleteDevice("d1", ifMatch: fourth.etag)
        }
    }

    @Test("errors carry IoT Hub's codes, statuses and JSON error body")
    func errors() async throws {
        try await withRegistry { registry in
            let missingError = await hubError { _ = try await registry.device("nope") }
            let missing = try #require(missingError)
            #expect(missing.code == .deviceNotFound && missing.code.number == 404_001 && missing.httpStatus == 404)
            let body = missing.jsonBody
            #expect(body.objectValue?.keys == ["Message", "ExceptionMessage"])
            let message = try #require(body["Message"]?.stringValue)
            #expect(message.hasPrefix("ErrorCode:DeviceNotFound;"))
            #expect(message.contains("nope"))
            let exception = try #require(body["ExceptionMessage"]?.stringValue)
            #expect(exception.wholeMatch(of: #/Tracking ID:[0-9a-f]{32}-G:0-TimeStamp:\d\d/\d\d/\d{4} \d\d:\d\d:\d\d/#) != nil)

            _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            let exists = await hubError { _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil) }
            #expect(exists?.code == .deviceAlreadyExists && exists?.httpStatus == 409)
            #expect(exists?.jsonBody["Message"]?.stringValue?.hasPrefix("ErrorCode:DeviceAlreadyExists;") == true)

            let updateMissing = await hubError { _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d2"), ifMatch: "*") }
            #expect(updateMissing?.code == .deviceNotFound)
            let deleteMissing = await hubError { try await registry.deleteDevice("d2", ifMatch: nil) }
            #expect(deleteMissing?.code == .deviceNotFound)

            let badId = await hubError { _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "a/b"), ifMatch: nil) }
            #expect(badId?.code == .argumentInvalid && badId?.httpStatus == 400)
            let longId = await hubError {
                _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: String(repeating: "x", count: 129)), ifMatch: nil)
            }
            #expect(longId?.code == .argumentInvalid)
            let badKey = await hubError {
                _ = try await registry.createOrUpdateDevice(
                    DeviceIdentity(deviceId: "d3", authentication: .sas(primaryKey: "c2hvcnQ=")), ifMatch: nil)
            }
            #expect(badKey?.code == .argumentInvalid)
            let badThumbprint = await hubError {
                _ = try await registry.createOrUpdateDevice(
                    DeviceIdentity(deviceId: "d3", authentication: .selfSigned(primaryThumbprint: "xyz")), ifMatch: nil)
            }
            #expect(badThumbprint?.code == .argumentInvalid)
            #expect(await registry.devices(top: nil).map(\.deviceId) == ["d1"])
        }
    }

    @Test("X.509 devices keep their thumbprints and have no keys")
    func x509Devices() async throws {
        try await withRegistry { registry in
            let sha1 = String(repeating: "AB", count: 20)
            let sha256 = String(repeating: "0f", count: 32)
            let (selfSigned, _) = try await registry.createOrUpdateDevice(
                DeviceIdentity(deviceId: "x1", authentication: .selfSigned(primaryThumbprint: sha1, secondaryThumbprint: sha256)),
                ifMatch: nil)
            #expect(selfSigned.authentication.type == .selfSigned)
            #expect(selfSigned.authentication.x509Thumbprint == .init(primaryThumbprint: sha1, secondaryThumbprint: sha256))
            #expect(selfSigned.authentication.symmetricKey == .init())

            let (ca, _) = try await registry.createOrUpdateDevice(
                DeviceIdentity(
                    deviceId: "x2",
                    authentication: AuthenticationMechanism(type: .certificateAuthority, symmetricKey: .init(primaryKey: fixedKey(3)))),
                ifMatch: nil)
            #expect(ca.authentication == .certificateAuthority)
            let twin = try await registry.twin(deviceId: "x1", moduleId: nil)
            #expect(twin.authenticationType == .selfSigned)
            #expect(twin.x509Thumbprint?.primaryThumbprint == sha1)
        }
    }

    @Test("devices(top:) lists in creation order")
    func listing() async throws {
        try await withRegistry { registry in
            for id in ["c", "a", "b"] {
                _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: id), ifMatch: nil)
            }
            #expect(await registry.devices(top: nil).map(\.deviceId) == ["c", "a", "b"])
            #expect(await registry.devices(top: 2).map(\.deviceId) == ["c", "a"])
            #expect(await registry.devices(top: 0).isEmpty)
        }
    }

    @Test("deleting a device deletes its modules, twins and cloud-to-device queue; recreating starts afresh")
    func deleteCascades() async throws {
        try await withRegistry { registry in
            let (first, _) = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            _ = try await registry.createOrUpdateModule(ModuleIdentity(moduleId: "m1", deviceId: "d1"), ifMatch: nil)
            _ = try await registry.updateTwin(deviceId: "d1", moduleId: nil, patch: json(#"{"tags":{"a":1}}"#), ifMatch: nil)
            try await registry.enqueueCloudToDevice(deviceId: "d1", CloudToDeviceMessage(body: Array("hi".utf8)))
            let patches = await registry.desiredPropertyPatches(deviceId: "d1", moduleId: nil)

            try await registry.deleteDevice("d1", ifMatch: nil)
            let deviceGone = await hubError { _ = try await registry.device("d1") }
            let twinGone = await hubError { _ = try await registry.twin(deviceId: "d1", moduleId: nil) }
            let moduleGone = await hubError { _ = try await registry.module(deviceId: "d1", moduleId: "m1") }
            #expect(deviceGone?.code == .deviceNotFound)
            #expect(twinGone?.code == .deviceNotFound)
            #expect(moduleGone?.code == .deviceNotFound)
            #expect(await registry.pendingCloudToDevice(deviceId: "d1").isEmpty)
            var iterator = patches.makeAsyncIterator()
            #expect(await iterator.next() == nil, "the deleted device's desired stream ends")

            let (second, created) = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            #expect(created)
            #expect(second.generationId != first.generationId)
            #expect(try await registry.modules(deviceId: "d1").isEmpty)
            #expect(try await registry.twin(deviceId: "d1", moduleId: nil).tags.isEmpty)
        }
    }

    @Test("an edge device gets $edgeAgent and $edgeHub with SAS keys and its own scope; leaf devices name it as parent")
    func edgeDevice() async throws {
        try await withRegistry { registry in
            let (edge, _) = try await registry.createOrUpdateDevice(
                DeviceIdentity(deviceId: "edge1", capabilities: DeviceCapabilities(iotEdge: true)), ifMatch: nil)
            let scope = "ms-azure-iot-edge://edge1-\(try #require(edge.generationId))"
            #expect(edge.deviceScope == scope)
            #expect(edge.parentScopes.isEmpty)

            let modules = try await registry.modules(deviceId: "edge1")
            #expect(modules.map(\.moduleId) == ["$edgeAgent", "$edgeHub"])
            for module in modules {
                #expect(module.deviceId == "edge1")
                #expect(module.authentication.type == .sas)
                #expect(base64Length(module.authentication.symmetricKey.primaryKey) == 32)
                #expect(module.generationId != nil && module.generationId != edge.generationId)
                let twin = try await registry.twin(deviceId: "edge1", moduleId: module.moduleId)
                #expect(twin.moduleId == module.moduleId && twin.properties.desired.version == 1)
            }
            let undeletable = await hubError { try await registry.deleteModule(deviceId: "edge1", moduleId: "$edgeHub", ifMatch: nil) }
            #expect(undeletable?.code == .argumentInvalid)
            let edgeTwin = try await registry.twin(deviceId: "edge1", moduleId: nil)
            #expect(edgeTwin.capabilities == DeviceCapabilities(iotEdge: true) && edgeTwin.deviceScope == scope)

            let (leaf, _) = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "leaf1", deviceScope: scope), ifMatch: nil)
            #expect(leaf.deviceScope == scope && leaf.parentScopes == [scope])
            #expect(try await registry.modules(deviceId: "leaf1").isEmpty)

            let (child, _) = try await registry.createOrUpdateDevice(
                DeviceIdentity(deviceId: "edge2", capabilities: DeviceCapabilities(iotEdge: true), parentScopes: [scope]), ifMatch: nil)
            #expect(child.parentScopes == [scope] && child.deviceScope != scope)

            let unknownParent = await hubError {
                _ = try await registry.createOrUpdateDevice(
                    DeviceIdentity(deviceId: "leaf2", deviceScope: "ms-azure-iot-edge://ghost-1"), ifMatch: nil)
            }
            #expect(unknownParent?.code == .argumentInvalid)

            // A device that becomes an edge device gets the system modules then.
            _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "late"), ifMatch: nil)
            _ = try await registry.createOrUpdateDevice(
                DeviceIdentity(deviceId: "late", capabilities: DeviceCapabilities(iotEdge: true)), ifMatch: "*")
            #expect(try await registry.modules(deviceId: "late").map(\.moduleId) == ["$edgeAgent", "$edgeHub"])
        }
    }

    @Test("connection state changes the state and times but not the etag")
    func connectionState() async throws {
        try await withRegistry { registry in
            let (device, _) = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            _ = try await registry.createOrUpdateModule(ModuleIdentity(moduleId: "m1", deviceId: "d1"), ifMatch: nil)
            await registry.setConnectionState(deviceId: "d1", moduleId: nil, connected: true)
            await registry.setConnectionState(deviceId: "d1", moduleId: "m1", connected: true)
            await registry.setConnectionState(deviceId: "ghost", moduleId: nil, connected: true)
            let connected = try await registry.device("d1")
            #expect(connected.connectionState == .connected)
            #expect(isHubTime(connected.connectionStateUpdatedTime) && isHubTime(connected.lastActivityTime))
            #expect(connected.etag == device.etag)
            #expect(try await registry.module(deviceId: "d1", moduleId: "m1").connectionState == .connected)
            #expect(try await registry.twin(deviceId: "d1", moduleId: "m1").connectionState == .connected)
            await registry.setConnectionState(deviceId: "d1", moduleId: nil, connected: false)
            #expect(try await registry.twin(deviceId: "d1", moduleId: nil).connectionState == .disconnected)
        }
    }
}
