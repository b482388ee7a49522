public import Foundation
import GRDB
import IoTHubProtocol
public import Logging

/// The IoT Hub emulator's registry: device and module identities, their twins, cloud-to-device queues
/// and recorded telemetry, persisted in one SQLite database (GRDB, WAL mode) that survives restarts.
///
/// Every change is one transaction, so a crash never leaves half an update; with WAL and
/// `synchronous=NORMAL` a committed change survives a killed process (a power loss may lose the last
/// few). Values cross the API in IoT Hub's REST shapes (``DeviceIdentity``, ``ModuleIdentity``,
/// ``TwinDocument``), and failures are ``HubError``s carrying IoT Hub's error codes and HTTP statuses.
///
/// IoT Hub behaviours reproduced:
/// - creating a device creates its twin; deleting it deletes its modules, twins and C2D queue;
/// - SAS keys that are not given are generated (32 random bytes, base64); `generationId` is set on create;
/// - identity etags change on every update; `If-Match` (`*`, quoted or not) is enforced with 412;
/// - an edge device (`capabilities.iotEdge`) gets the `$edgeAgent` and `$edgeHub` module identities and
///   its own scope `ms-azure-iot-edge://{deviceId}-{generationId}`; a leaf device's `parentScopes` follow
///   its `deviceScope`;
/// - twins: desired `$version` increments on every desired change and reported `$version` on every
///   reported change; `$metadata` carries `$lastUpdated` (and `$lastUpdatedVersion` on desired); merge
///   patches where `null` deletes;
/// - cloud-to-device queues hold at most ``maxCloudToDeviceQueueDepth`` (50) messages per device.
public actor HubRegistry {
    /// IoT Hub's per-device cloud-to-device queue limit; one more is `DeviceMaximumQueueDepthExceeded`.
    public static let maxCloudToDeviceQueueDepth = 50
    /// IoT Hub's default cloud-to-device time to live, used when a message has no expiry time (1 hour).
    public static let defaultCloudToDeviceTimeToLive: TimeInterval = 3_600
    /// How many telemetry events are kept for `monitor-events` (older ones are pruned).
    public static let telemetryRetention: Int64 = 100_000
    /// How many live telemetry events a slow ``telemetryEvents()`` consumer may lag behind before the
    /// oldest are dropped from its stream (a gap in `sequenceNumber`; ``telemetry(after:limit:)`` fills it).
    public static let telemetryStreamBuffer = 10_000
    /// The largest tags, desired or reported document IoT Hub accepts (32 KiB of compact JSON).
    static let maxTwinSectionSize = 32 * 1024

    let database: DatabaseQueue
    let logger: Logger
    /// The last generation id handed out (.NET ticks), kept strictly increasing.
    var lastGenerationTicks: Int64 = 0
    var nextSequenceNumber: Int64
    var nextSubscriberId = 0
    var desiredSubscribers: [IdentityKey: [Int: AsyncStream<JSONValue>.Continuation]] = [:]
    var cloudToDeviceSubscribers: [String: [Int: AsyncStream<Void>.Continuation]] = [:]
    var telemetrySubscribers: [Int: AsyncStream<TelemetryEvent>.Continuation] = [:]

    /// Opens (creating if needed) the registry database at `path` and brings its schema up to date.
    public init(path: String, logger: Logger) throws {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(10)
        configuration.label = "HubRegistry"
        let database = try DatabaseQueue(path: path, configuration: configuration)
        try RegistrySchema.migrator.migrate(database)
        let lastSequenceNumber = try database.read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(sequence_number) FROM telemetry") ?? 0
        }
        self.database = database
        self.logger = logger
        self.nextSequenceNumber = lastSequenceNumber + 1
        logger.debug("registry opened", metadata: ["path": "\(path)"])
    }

    deinit {
        for continuations in desiredSubscribers.values { continuations.values.forEach { $0.finish() } }
        for continuations in cloudToDeviceSubscribers.values { continuations.values.forEach { $0.finish() } }
        telemetrySubscribers.values.forEach { $0.finish() }
    }

    // MARK: Transactions

    /// Runs `body` in a write transaction; a ``HubError`` thrown inside passes through, any other
    /// failure (SQLite, unreadable rows) becomes a `ServerError`.
    func write<T>(_ operation: String, _ body: (Database) throws -> T) throws(HubError) -> T {
        do {
            return try database.write(body)
        } catch let error as HubError {
            throw error
        } catch {
            throw storageFailure(operation, error)
        }
    }

    /// Runs `body` in a read transaction (errors as in ``write(_:_:)``).
    func read<T>(_ operation: String, _ body: (Database) throws -> T) throws(HubError) -> T {
        do {
            return try database.read(body)
        } catch let error as HubError {
            throw error
        } catch {
            throw storageFailure(operation, error)
        }
    }

    private func storageFailure(_ operation: String, _ error: any Error) -> HubError {
        logger.error("registry database failure", metadata: ["operation": "\(operation)", "error": "\(error)"])
        return HubError(.serverError, "the emulator's registry database failed to \(operation): \(error)")
    }

    // MARK: Hub-owned values

    /// A new generation id: .NET ticks of now, as IoT Hub's look (`637121074930370650`), strictly increasing.
    func newGenerationId(now: Date) -> String {
        lastGenerationTicks = max(HubTimestamp.ticks(from: now), lastGenerationTicks + 1)
        return String(lastGenerationTicks)
    }

    // MARK: Subscribers

    func makeSubscriberId() -> Int {
        nextSubscriberId += 1
        return nextSubscriberId
    }

    func removeDesiredSubscriber(_ key: IdentityKey, _ id: Int) {
        desiredSubscribers[key]?[id] = nil
        if desiredSubscribers[key]?.isEmpty == true { desiredSubscribers[key] = nil }
    }

    func removeCloudToDeviceSubscriber(_ deviceId: String, _ id: Int) {
        cloudToDeviceSubscribers[deviceId]?[id] = nil
        if cloudToDeviceSubscribers[deviceId]?.isEmpty == true { cloudToDeviceSubscribers[deviceId] = nil }
    }

    func removeTelemetrySubscriber(_ id: Int) {
        telemetrySubscribers[id] = nil
    }

    /// Ends the streams of a deleted identity (a device's includes its modules').
    func finishSubscribers(deviceId: String, moduleId: String?) {
        for key in desiredSubscribers.keys where key.deviceId == deviceId && (moduleId == nil || key.moduleId == moduleId) {
            desiredSubscribers.removeValue(forKey: key)?.values.forEach { $0.finish() }
        }
        if moduleId == nil {
            cloudToDeviceSubscribers.removeValue(forKey: deviceId)?.values.forEach { $0.finish() }
        }
    }
}
