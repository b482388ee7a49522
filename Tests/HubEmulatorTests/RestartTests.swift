import Foundation
import HubEmulator
import IoTHubProtocol
import Testing

@Suite("Restart")
struct RestartTests {
    @Test("closing and reopening the file keeps devices, modules, twins, undelivered C2D messages and telemetry")
    func reopen() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }

        var registry: HubRegistry? = try fixture.open()
        let (device, _) = try await registry!.createOrUpdateDevice(
            DeviceIdentity(deviceId: "d1", authentication: .sas(primaryKey: fixedKey(1), secondaryKey: fixedKey(2))), ifMatch: nil)
        let (edge, _) = try await registry!.createOrUpdateDevice(
            DeviceIdentity(deviceId: "edge", capabilities: DeviceCapabilities(iotEdge: true)), ifMatch: nil)
        let (module, _) = try await registry!.createOrUpdateModule(ModuleIdentity(moduleId: "m1", deviceId: "d1"), ifMatch: nil)
        _ = try await registry!.updateTwin(
            deviceId: "d1", moduleId: nil, patch: json(#"{"tags":{"site":"north"},"properties":{"desired":{"interval":5}}}"#), ifMatch: nil)
        _ = try await registry!.updateReportedProperties(deviceId: "d1", moduleId: "m1", patch: json(#"{"ready":true}"#))
        try await registry!.enqueueCloudToDevice(
            deviceId: "d1", CloudToDeviceMessage(messageId: "keep", body: Array("hello".utf8), properties: [("b", "1"), ("a", "2")]))
        try await registry!.enqueueCloudToDevice(deviceId: "d1", CloudToDeviceMessage(messageId: "done", body: []))
        #expect(await registry!.completeCloudToDevice(deviceId: "d1", messageId: "done"))
        let event = await registry!.recordTelemetry(TelemetryEvent(deviceId: "d1", body: [42]))
        let devicesBefore = await registry!.devices(top: nil)
        let twinBefore = try await registry!.twin(deviceId: "d1", moduleId: nil)
        let edgeModulesBefore = try await registry!.modules(deviceId: "edge")
        registry = nil

        let reopened = try fixture.open()
        #expect(await reopened.devices(top: nil) == devicesBefore)
        #expect(try await reopened.device("d1").authentication == device.authentication)
        #expect(try await reopened.device("edge") == edge)
        #expect(try await reopened.module(deviceId: "d1", moduleId: "m1") == module)
        #expect(try await reopened.modules(deviceId: "edge") == edgeModulesBefore)
        let twin = try await reopened.twin(deviceId: "d1", moduleId: nil)
        #expect(twin == twinBefore)
        #expect(twin.json == twinBefore.json && twin.tags == ["site": "north"] && twin.properties.desired.version == 2)
        let moduleTwin = try await reopened.twin(deviceId: "d1", moduleId: "m1")
        #expect(moduleTwin.properties.reported.properties == ["ready": true] && moduleTwin.properties.reported.version == 2)

        let pending = await reopened.pendingCloudToDevice(deviceId: "d1")
        #expect(pending.map(\.messageId) == ["keep"])
        #expect(pending.first?.body == Array("hello".utf8) && pending.first?.properties.keys == ["b", "a"])

        #expect(await reopened.telemetry(after: nil, limit: 10) == [event])
        let next = await reopened.recordTelemetry(TelemetryEvent(deviceId: "d1", body: []))
        #expect(next.sequenceNumber == event.sequenceNumber + 1)

        // Changes after the restart continue from the stored versions and etags.
        let patched = try await reopened.updateTwin(
            deviceId: "d1", moduleId: nil, patch: json(#"{"properties":{"desired":{"interval":10}}}"#), ifMatch: twinBefore.etag)
        #expect(patched.properties.desired.version == 3 && patched.version == twinBefore.version + 1)
    }
}
