import GRDB
import IoTHubProtocol

/// A twin as the registry stores it (table `twins`, one row per device or module; `module_id` is the
/// empty string for a device twin): the counters and the three JSON documents.
struct TwinRecord {
    var deviceId: String
    var moduleId: String?
    /// Every change of tags, desired or reported increments it; IoT Hub starts new twins at 2.
    var version: Int64
    /// Changes of tags or desired increment it; the twin etag is derived from it.
    var etagCounter: Int64
    var tags: JSONObject
    var desired: TwinProperties
    var reported: TwinProperties

    /// A new twin, as IoT Hub creates one with its identity.
    static func new(deviceId: String, moduleId: String?, time: String) -> TwinRecord {
        TwinRecord(
            deviceId: deviceId, moduleId: moduleId, version: 2, etagCounter: 1, tags: JSONObject(),
            desired: TwinProperties(version: 1, metadata: TwinMetadata.initial(time: time)),
            reported: TwinProperties(version: 1, metadata: TwinMetadata.initial(time: time)))
    }

    var etag: String { IdentityRules.twinETag(etagCounter) }

    static func fetch(_ db: Database, deviceId: String, moduleId: String?) throws -> TwinRecord? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT version, etag_counter, tags, desired, reported FROM twins WHERE device_id = ? AND module_id = ?",
                arguments: [deviceId, moduleId ?? ""])
        else { return nil }
        let tags: String = row["tags"]
        let desired: String = row["desired"]
        let reported: String = row["reported"]
        do {
            return TwinRecord(
                deviceId: deviceId, moduleId: moduleId, version: row["version"], etagCounter: row["etag_counter"],
                tags: try JSONValue(parsing: tags).objectValue ?? JSONObject(),
                desired: try TwinProperties(json: JSONValue(parsing: desired), path: "desired"),
                reported: try TwinProperties(json: JSONValue(parsing: reported), path: "reported"))
        } catch {
            throw StoredDataError(table: "twins", key: deviceId + (moduleId.map { "/" + $0 } ?? ""), underlying: "\(error)")
        }
    }

    func save(_ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO twins (device_id, module_id, version, etag_counter, tags, desired, reported)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (device_id, module_id) DO UPDATE SET
                    version = excluded.version, etag_counter = excluded.etag_counter,
                    tags = excluded.tags, desired = excluded.desired, reported = excluded.reported
                """,
            arguments: [
                deviceId, moduleId ?? "", version, etagCounter, JSONValue.object(tags).jsonString, desired.json.jsonString,
                reported.json.jsonString,
            ])
    }
}
