import GRDB

/// The registry's database schema, as `DatabaseMigrator` migrations. JSON documents are stored as TEXT
/// (rendered with `JSONValue.jsonString`, so member order survives); the columns beside them exist for
/// lookups and ordering. Add a migration for every change; never edit one that has shipped.
enum RegistrySchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: devices, modules, twins, cloud-to-device queues, telemetry") { db in
            try db.execute(
                sql: """
                    CREATE TABLE devices (
                        device_id TEXT PRIMARY KEY NOT NULL,
                        is_edge INTEGER NOT NULL,
                        device_scope TEXT,
                        document TEXT NOT NULL
                    );
                    CREATE INDEX devices_by_scope ON devices(device_scope) WHERE device_scope IS NOT NULL;
                    CREATE TABLE modules (
                        device_id TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,
                        module_id TEXT NOT NULL,
                        document TEXT NOT NULL,
                        PRIMARY KEY (device_id, module_id)
                    );
                    CREATE TABLE twins (
                        device_id TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,
                        module_id TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        etag_counter INTEGER NOT NULL,
                        tags TEXT NOT NULL,
                        desired TEXT NOT NULL,
                        reported TEXT NOT NULL,
                        PRIMARY KEY (device_id, module_id)
                    );
                    CREATE TABLE c2d_messages (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        device_id TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,
                        message_id TEXT NOT NULL,
                        expires_at REAL NOT NULL,
                        document TEXT NOT NULL
                    );
                    CREATE INDEX c2d_messages_by_device ON c2d_messages(device_id, id);
                    CREATE TABLE telemetry (
                        sequence_number INTEGER PRIMARY KEY NOT NULL,
                        document TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2: DPS enrollments, enrollment groups and device registrations") { db in
            // Registration and group ids are case-insensitive in DPS.
            try db.execute(
                sql: """
                    CREATE TABLE dps_enrollments (
                        registration_id TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
                        document TEXT NOT NULL
                    );
                    CREATE TABLE dps_enrollment_groups (
                        enrollment_group_id TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
                        attestation_type TEXT NOT NULL,
                        document TEXT NOT NULL
                    );
                    CREATE TABLE dps_registrations (
                        registration_id TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
                        document TEXT NOT NULL
                    );
                    """)
        }
        return migrator
    }
}
