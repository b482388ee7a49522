import Foundation
import GRDB
import IoTHubProtocol
import Logging

extension HubRegistry {
    /// Records a device-to-cloud message: assigns the next `sequenceNumber` and the `enqueuedTime`,
    /// persists it (keeping the newest ``telemetryRetention`` events) and delivers it to
    /// ``telemetryEvents()``. Returns the recorded event. A database failure is logged and the event is
    /// still delivered live.
    @discardableResult
    public func recordTelemetry(_ event: TelemetryEvent) -> TelemetryEvent {
        var recorded = event
        recorded.sequenceNumber = nextSequenceNumber
        recorded.enqueuedTime = HubTimestamp.string(from: Date())
        nextSequenceNumber += 1
        let sequenceNumber = recorded.sequenceNumber
        let document = recorded.json.jsonString
        do {
            try write("record telemetry") { db in
                try db.execute(
                    sql: "INSERT INTO telemetry (sequence_number, document) VALUES (?, ?)", arguments: [sequenceNumber, document])
                if sequenceNumber % 1_000 == 0 {
                    try db.execute(
                        sql: "DELETE FROM telemetry WHERE sequence_number <= ?", arguments: [sequenceNumber - Self.telemetryRetention])
                }
            }
        } catch {
            // Logged by write(_:_:); monitoring still sees the event live.
        }
        telemetrySubscribers.values.forEach { $0.yield(recorded) }
        return recorded
    }

    /// Recorded events with a sequence number greater than `sequenceNumber` (all retained ones when
    /// `nil`), oldest first, at most `limit`.
    public func telemetry(after sequenceNumber: Int64?, limit: Int) -> [TelemetryEvent] {
        guard limit > 0 else { return [] }
        do {
            return try read("read telemetry") { db in
                try Row.fetchAll(
                    db, sql: "SELECT sequence_number, document FROM telemetry WHERE sequence_number > ? ORDER BY sequence_number LIMIT ?",
                    arguments: [sequenceNumber ?? Int64.min, limit]
                ).map { row in
                    let number: Int64 = row["sequence_number"]
                    return try RegistryStore.decode(row["document"], table: "telemetry", key: String(number), TelemetryEvent.init(json:))
                }
            }
        } catch {
            return []
        }
    }

    /// Events recorded after this call, live. A consumer more than ``telemetryStreamBuffer`` events
    /// behind loses the oldest (visible as a gap in `sequenceNumber`, which
    /// ``telemetry(after:limit:)`` can fill).
    public func telemetryEvents() -> AsyncStream<TelemetryEvent> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: TelemetryEvent.self, bufferingPolicy: .bufferingNewest(Self.telemetryStreamBuffer))
        let id = makeSubscriberId()
        telemetrySubscribers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeTelemetrySubscriber(id) }
        }
        return stream
    }
}
