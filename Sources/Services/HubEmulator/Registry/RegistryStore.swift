import Foundation
import GRDB
import IoTHubProtocol

/// Row-level reads and writes of identities and queued messages, used inside the registry's
/// transactions.
enum RegistryStore {
    // MARK: Devices

    static func device(_ db: Database, _ deviceId: String) throws -> DeviceIdentity? {
        guard let text = try String.fetchOne(db, sql: "SELECT document FROM devices WHERE device_id = ?", arguments: [deviceId])
        else { return nil }
        var device = try decode(text, table: "devices", key: deviceId, DeviceIdentity.init(json:))
        device.cloudToDeviceMessageCount = try cloudToDeviceCount(db, deviceId)
        return device
    }

    static func devices(_ db: Database, limit: Int?) throws -> [DeviceIdentity] {
        let rows = try Row.fetchAll(
            db, sql: "SELECT device_id, document FROM devices ORDER BY rowid LIMIT ?", arguments: [limit ?? -1])
        let counts = try Dictionary(
            uniqueKeysWithValues: Row.fetchAll(
                db, sql: "SELECT device_id, COUNT(*) AS count FROM c2d_messages GROUP BY device_id"
            ).map { (row: Row) -> (String, Int) in (row["device_id"], row["count"]) })
        return try rows.map { row in
            let deviceId: String = row["device_id"]
            var device = try decode(row["document"], table: "devices", key: deviceId, DeviceIdentity.init(json:))
            device.cloudToDeviceMessageCount = counts[deviceId] ?? 0
            return device
        }
    }

    static func save(_ db: Database, device: DeviceIdentity) throws {
        var stored = device
        stored.cloudToDeviceMessageCount = 0
        try db.execute(
            sql: """
                INSERT INTO devices (device_id, is_edge, device_scope, document) VALUES (?, ?, ?, ?)
                ON CONFLICT (device_id) DO UPDATE SET
                    is_edge = excluded.is_edge, device_scope = excluded.device_scope, document = excluded.document
                """,
            arguments: [device.deviceId, device.capabilities.iotEdge, device.deviceScope, stored.json.jsonString])
    }

    /// Whether `scope` is the scope of an existing edge device other than `except`.
    static func isEdgeScope(_ db: Database, _ scope: String, except deviceId: String) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT 1 FROM devices WHERE is_edge = 1 AND device_scope = ? AND device_id <> ?",
            arguments: [scope, deviceId]) ?? false
    }

    // MARK: Modules

    static func module(_ db: Database, _ deviceId: String, _ moduleId: String) throws -> ModuleIdentity? {
        guard
            let text = try String.fetchOne(
                db, sql: "SELECT document FROM modules WHERE device_id = ? AND module_id = ?", arguments: [deviceId, moduleId])
        else { return nil }
        return try decode(text, table: "modules", key: "\(deviceId)/\(moduleId)", ModuleIdentity.init(json:))
    }

    static func modules(_ db: Database, _ deviceId: String) throws -> [ModuleIdentity] {
        try Row.fetchAll(
            db, sql: "SELECT module_id, document FROM modules WHERE device_id = ? ORDER BY rowid", arguments: [deviceId]
        ).map { row in
            let moduleId: String = row["module_id"]
            return try decode(row["document"], table: "modules", key: "\(deviceId)/\(moduleId)", ModuleIdentity.init(json:))
        }
    }

    static func save(_ db: Database, module: ModuleIdentity) throws {
        try db.execute(
            sql: """
                INSERT INTO modules (device_id, module_id, document) VALUES (?, ?, ?)
                ON CONFLICT (device_id, module_id) DO UPDATE SET document = excluded.document
                """,
            arguments: [module.deviceId, module.moduleId, module.json.jsonString])
    }

    // MARK: Cloud-to-device

    static func cloudToDeviceCount(_ db: Database, _ deviceId: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM c2d_messages WHERE device_id = ?", arguments: [deviceId]) ?? 0
    }

    /// Drops the device's messages whose time to live has passed.
    static func purgeExpiredCloudToDevice(_ db: Database, _ deviceId: String, now: Date) throws {
        try db.execute(
            sql: "DELETE FROM c2d_messages WHERE device_id = ? AND expires_at <= ?",
            arguments: [deviceId, now.timeIntervalSince1970])
    }

    // MARK: Decoding

    /// Parses a stored JSON document; failures are ``StoredDataError``s (never request errors).
    static func decode<T>(_ text: String, table: String, key: String, _ make: (JSONValue) throws(HubError) -> T) throws -> T {
        do {
            return try make(JSONValue(parsing: text))
        } catch {
            throw StoredDataError(table: table, key: key, underlying: "\(error)")
        }
    }
}
