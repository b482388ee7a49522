import Foundation
import HubEmulator
import IoTHubProtocol
import Testing

@Suite("Telemetry")
struct TelemetryTests {
    @Test("recorded events get increasing sequence numbers and enqueued times, and read back in pages")
    func sequenceAndPaging() async throws {
        try await withRegistry { registry in
            var message = IoTHubMessage(body: Array("{\"t\":21}".utf8), applicationProperties: [("b", "2"), ("a", "1")])
            message[system: .contentType] = "application/json"
            message[system: .messageId] = "mid"
            let first = await registry.recordTelemetry(TelemetryEvent(deviceId: "d1", moduleId: "m1", message: message))
            let second = await registry.recordTelemetry(TelemetryEvent(deviceId: "d2", body: [0xff]))
            let third = await registry.recordTelemetry(TelemetryEvent(deviceId: "d3", body: []))
            #expect(first.sequenceNumber >= 1)
            #expect(second.sequenceNumber == first.sequenceNumber + 1 && third.sequenceNumber == second.sequenceNumber + 1)
            #expect(isHubTime(first.enqueuedTime))
            #expect(first.systemProperties.keys == ["messageId", "contentType"])
            #expect(first.applicationProperties.keys == ["b", "a"])

            let all = await registry.telemetry(after: nil, limit: 10)
            #expect(all == [first, second, third])
            #expect(await registry.telemetry(after: first.sequenceNumber, limit: 1) == [second])
            #expect(await registry.telemetry(after: third.sequenceNumber, limit: 10).isEmpty)
            #expect(await registry.telemetry(after: nil, limit: 0).isEmpty)
        }
    }

    @Test("the live stream delivers events recorded after subscribing, in order")
    func liveStream() async throws {
        try await withRegistry { registry in
            _ = await registry.recordTelemetry(TelemetryEvent(deviceId: "before", body: []))
            let live = await registry.telemetryEvents()
            let recorded = [
                await registry.recordTelemetry(TelemetryEvent(deviceId: "d1", body: [1])),
                await registry.recordTelemetry(TelemetryEvent(deviceId: "d1", moduleId: "m", body: [2])),
            ]
            let received = try await next(2, of: live)
            #expect(received == recorded)
        }
    }
}
