import Foundation
import HubEmulator
import IoTHubProtocol
import Testing

@Suite("Cloud-to-device queues")
struct CloudToDeviceTests {
    @Test("messages queue oldest first with their properties in order, and complete by message id")
    func enqueuePendingComplete() async throws {
        try await withRegistry { registry in
            _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            let first = CloudToDeviceMessage(
                messageId: "m-1", body: Array("one".utf8), contentType: "application/json", contentEncoding: "utf-8",
                correlationId: "c-1", userId: "u", ack: "full", properties: [("zeta", "1"), ("alpha", "2"), ("flag", nil)])
            try await registry.enqueueCloudToDevice(deviceId: "d1", first)
            try await registry.enqueueCloudToDevice(deviceId: "d1", CloudToDeviceMessage(body: Array("two".utf8)))

            let pending = await registry.pendingCloudToDevice(deviceId: "d1")
            #expect(pending.count == 2)
            #expect(pending[0].messageId == "m-1" && pending[0].body == Array("one".utf8))
            #expect(pending[0].properties.keys == ["zeta", "alpha", "flag"])
            #expect(pending[0].properties.value(forKey: "flag") == nil && pending[0].properties.contains(key: "flag"))
            #expect(pending[0].contentType == "application/json" && pending[0].correlationId == "c-1" && pending[0].ack == "full")
            #expect(isHubTime(pending[0].enqueuedTime) && pending[0].deliveryCount == 0)
            #expect(UUID(uuidString: pending[1].messageId) != nil, "a message without id gets a UUID")
            #expect(try await registry.device("d1").cloudToDeviceMessageCount == 2)

            let delivered = pending[0].iotHubMessage(deviceId: "d1")
            #expect(delivered[system: .to] == "/devices/d1/messages/devicebound")
            #expect(delivered[system: .messageId] == "m-1" && delivered[system: .ack] == "full")

            #expect(await registry.completeCloudToDevice(deviceId: "d1", messageId: "m-1"))
            #expect(await !registry.completeCloudToDevice(deviceId: "d1", messageId: "m-1"))
            #expect(await registry.pendingCloudToDevice(deviceId: "d1").map(\.body) == [Array("two".utf8)])
            #expect(await registry.pendingCloudToDevice(deviceId: "ghost").isEmpty)
        }
    }

    @Test("the queue holds 50 messages; the 51st is DeviceMaximumQueueDepthExceeded and nothing is dropped")
    func queueLimit() async throws {
        try await withRegistry { registry in
            _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            for index in 0..<HubRegistry.maxCloudToDeviceQueueDepth {
                try await registry.enqueueCloudToDevice(deviceId: "d1", CloudToDeviceMessage(messageId: "m\(index)", body: []))
            }
            let full = await hubError { try await registry.enqueueCloudToDevice(deviceId: "d1", CloudToDeviceMessage(messageId: "m50", body: [])) }
            #expect(full?.code == .deviceMaximumQueueDepthExceeded && full?.httpStatus == 403)
            let pending = await registry.pendingCloudToDevice(deviceId: "d1")
            #expect(pending.count == 50 && pending.first?.messageId == "m0" && pending.last?.messageId == "m49")
            #expect(await registry.completeCloudToDevice(deviceId: "d1", messageId: "m0"))
            try await registry.enqueueCloudToDevice(deviceId: "d1", CloudToDeviceMessage(messageId: "m50", body: []))
        }
    }

    @Test("unknown devices, bad and past expiry times")
    func refusalsAndExpiry() async throws {
        try await withRegistry { registry in
            let unknown = await hubError { try await registry.enqueueCloudToDevice(deviceId: "ghost", CloudToDeviceMessage(body: [])) }
            #expect(unknown?.code == .deviceNotFound)
            _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            let badExpiry = await hubError {
                try await registry.enqueueCloudToDevice(deviceId: "d1", CloudToDeviceMessage(body: [], expiryTime: "tomorrow"))
            }
            #expect(badExpiry?.code == .argumentInvalid)
            try await registry.enqueueCloudToDevice(
                deviceId: "d1", CloudToDeviceMessage(messageId: "old", body: [], expiryTime: "2001-01-01T00:00:00Z"))
            try await registry.enqueueCloudToDevice(
                deviceId: "d1", CloudToDeviceMessage(messageId: "new", body: [], expiryTime: "2999-01-01T00:00:00.1234567Z"))
            #expect(await registry.pendingCloudToDevice(deviceId: "d1").map(\.messageId) == ["new"])
        }
    }

    @Test("subscribers are signalled when a message is queued")
    func signal() async throws {
        try await withRegistry { registry in
            _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            let signals = await registry.cloudToDeviceEnqueued(deviceId: "d1")
            try await registry.enqueueCloudToDevice(deviceId: "d1", CloudToDeviceMessage(body: [1]))
            let received: [Void] = try await next(1, of: signals)
            #expect(received.count == 1)
        }
    }
}
