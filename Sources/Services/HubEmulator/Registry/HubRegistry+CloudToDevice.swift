import Foundation
import GRDB
import IoTHubProtocol
import Logging

extension HubRegistry {
    /// Queues a cloud-to-device message for `deviceId`, durably. The registry sets `enqueuedTime`,
    /// resets `deliveryCount`, and gives a message without `messageId` a UUID. A message expires at its
    /// `expiryTime`, or after ``defaultCloudToDeviceTimeToLive`` without one; expired messages are dropped.
    ///
    /// Errors: `DeviceNotFound` (404); `DeviceMaximumQueueDepthExceeded` (403) when
    /// ``maxCloudToDeviceQueueDepth`` messages are already waiting (nothing is dropped to make room);
    /// `ArgumentInvalid` (400) for an `expiryTime` that is not an ISO-8601 UTC time.
    public func enqueueCloudToDevice(deviceId: String, _ message: CloudToDeviceMessage) throws(HubError) {
        let now = Date()
        var queued = message
        queued.enqueuedTime = HubTimestamp.string(from: now)
        queued.deliveryCount = 0
        if queued.messageId.isEmpty { queued.messageId = UUID().uuidString.lowercased() }
        var expiresAt = now.addingTimeInterval(Self.defaultCloudToDeviceTimeToLive)
        if let expiryTime = message.expiryTime {
            guard let date = HubTimestamp.date(from: expiryTime) else {
                throw HubError(.argumentInvalid, "expiryTime '\(expiryTime)' is not an ISO-8601 UTC time such as 2024-01-31T12:00:00Z")
            }
            expiresAt = date
        }
        let document = queued.json.jsonString
        let messageId = queued.messageId
        try write("queue a cloud-to-device message for \(deviceId)") { db in
            guard try RegistryStore.device(db, deviceId) != nil else { throw Self.deviceNotFound(deviceId) }
            try RegistryStore.purgeExpiredCloudToDevice(db, deviceId, now: now)
            let depth = try RegistryStore.cloudToDeviceCount(db, deviceId)
            guard depth < Self.maxCloudToDeviceQueueDepth else {
                throw HubError(
                    .deviceMaximumQueueDepthExceeded,
                    "Device '\(deviceId)' already has \(depth) cloud-to-device messages waiting, the maximum; "
                        + "the device must receive and complete some before more can be sent.")
            }
            try db.execute(
                sql: "INSERT INTO c2d_messages (device_id, message_id, expires_at, document) VALUES (?, ?, ?, ?)",
                arguments: [deviceId, messageId, expiresAt.timeIntervalSince1970, document])
        }
        cloudToDeviceSubscribers[deviceId]?.values.forEach { $0.yield() }
        logger.debug("cloud-to-device message queued", metadata: ["deviceId": "\(deviceId)", "messageId": "\(messageId)"])
    }

    /// The messages waiting for `deviceId`, oldest first (expired ones are dropped first). Empty for an
    /// unknown device.
    public func pendingCloudToDevice(deviceId: String) -> [CloudToDeviceMessage] {
        let now = Date()
        do {
            return try write("read the cloud-to-device queue of \(deviceId)") { db in
                try RegistryStore.purgeExpiredCloudToDevice(db, deviceId, now: now)
                return try Row.fetchAll(
                    db, sql: "SELECT id, document FROM c2d_messages WHERE device_id = ? ORDER BY id", arguments: [deviceId]
                ).map { row in
                    let id: Int64 = row["id"]
                    return try RegistryStore.decode(
                        row["document"], table: "c2d_messages", key: String(id), CloudToDeviceMessage.init(json:))
                }
            }
        } catch {
            return []
        }
    }

    /// Removes the oldest waiting message with `messageId` (the device acknowledged it). Returns whether
    /// there was one.
    public func completeCloudToDevice(deviceId: String, messageId: String) -> Bool {
        do {
            let removed = try write("complete cloud-to-device message \(messageId) of \(deviceId)") { db in
                try db.execute(
                    sql: """
                        DELETE FROM c2d_messages WHERE id = (
                            SELECT id FROM c2d_messages WHERE device_id = ? AND message_id = ? ORDER BY id LIMIT 1)
                        """,
                    arguments: [deviceId, messageId])
                return db.changesCount > 0
            }
            if removed {
                logger.debug("cloud-to-device message completed", metadata: ["deviceId": "\(deviceId)", "messageId": "\(messageId)"])
            }
            return removed
        } catch {
            return false
        }
    }

    /// A signal for each message queued for `deviceId` after this call (signals that arrive while the
    /// consumer is busy coalesce into one). Subscribe first, then read ``pendingCloudToDevice(deviceId:)``,
    /// so that no message falls between the two. The stream ends when the device is deleted.
    public func cloudToDeviceEnqueued(deviceId: String) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = makeSubscriberId()
        cloudToDeviceSubscribers[deviceId, default: [:]][id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeCloudToDeviceSubscriber(deviceId, id) }
        }
        return stream
    }
}
