import Foundation
import GRDB
public import IoTHubProtocol
import Logging

extension HubRegistry {
    /// The twin of a device (`moduleId` nil) or module, in the service shape (`GET /twins/{id}[/modules/{mid}]`).
    /// Errors: `DeviceNotFound`, `ModuleNotFound` (404).
    public func twin(deviceId: String, moduleId: String?) throws(HubError) -> TwinDocument {
        try read("read twin \(IdentityKey(deviceId: deviceId, moduleId: moduleId))") { db in
            let loaded = try Self.loadTwin(db, deviceId: deviceId, moduleId: moduleId)
            return Self.document(loaded.record, device: loaded.device, module: loaded.module)
        }
    }

    /// Updates tags and desired properties with merge patches, as `PATCH /twins/{id}[/modules/{mid}]`
    /// does: `patch` is `{"tags": {…}, "properties": {"desired": {…}}}` (either part optional; `null`
    /// deletes; `properties.reported`, `$version` and `$metadata` are ignored). A desired change
    /// increments the desired `$version`, stamps `$metadata` and is delivered to
    /// ``desiredPropertyPatches(deviceId:moduleId:)`` as the device receives it (the patch plus `$version`).
    /// Any change increments the twin `version` and changes its `etag`.
    ///
    /// Errors: `DeviceNotFound`, `ModuleNotFound` (404), `PreconditionFailed` (412) when `ifMatch` is not
    /// `*` or the twin's etag, `ArgumentInvalid` (400) for a malformed patch or a broken twin limit.
    public func updateTwin(deviceId: String, moduleId: String?, patch: JSONValue, ifMatch: String?) throws(HubError) -> TwinDocument {
        let change = try TwinChange(body: patch, replacing: false)
        return try applyTwinChange(change, deviceId: deviceId, moduleId: moduleId, ifMatch: ifMatch)
    }

    /// Replaces tags and desired properties, as `PUT /twins/{id}[/modules/{mid}]` does: `twin` is
    /// `{"tags": {…}, "properties": {"desired": {…}}}` and a missing part is replaced by `{}`. When the
    /// desired properties change, their `$version` increments and the device receives a patch that
    /// turns its old desired properties into the new ones (removed members as `null`). Errors as for
    /// ``updateTwin(deviceId:moduleId:patch:ifMatch:)``.
    public func replaceTwin(deviceId: String, moduleId: String?, twin: JSONValue, ifMatch: String?) throws(HubError) -> TwinDocument {
        let change = try TwinChange(body: twin, replacing: true)
        return try applyTwinChange(change, deviceId: deviceId, moduleId: moduleId, ifMatch: ifMatch)
    }

    /// Applies a reported-properties patch from the device or module itself
    /// (`$iothub/twin/PATCH/properties/reported/`), after checking it with `ReportedPropertiesValidator`
    /// (IoT Hub's limits). Returns the new reported `$version`, which increments on every patch.
    /// Errors: `ArgumentInvalid` (400) for an invalid patch or a reported document over 32 KiB,
    /// `DeviceNotFound`, `ModuleNotFound` (404).
    public func updateReportedProperties(deviceId: String, moduleId: String?, patch: JSONValue) throws(HubError) -> Int {
        let object: JSONObject
        do {
            try ReportedPropertiesValidator().validate(patch)
            object = patch.objectValue ?? JSONObject()
        } catch {
            throw HubError(.argumentInvalid, error.message)
        }
        let time = HubTimestamp.string(from: Date())
        let key = IdentityKey(deviceId: deviceId, moduleId: moduleId)
        return try write("update reported properties of \(key)") { db in
            var record = try Self.loadTwin(db, deviceId: deviceId, moduleId: moduleId).record
            var reported = try record.reported.applying(patch: object, versionRule: .increment)
            reported.metadata = TwinMetadata.updated(
                old: record.reported.metadata, patch: object, properties: reported.properties, time: time, version: nil)
            try Self.checkSize(reported.properties, "reported properties")
            record.reported = reported
            record.version += 1
            try record.save(db)
            return Int(reported.version)
        }
    }

    /// The desired-property changes of a device (`moduleId` nil) or module, each as the patch the
    /// device receives on `$iothub/twin/PATCH/properties/desired/?$version=…`: the changed members
    /// (`null` for removed ones) plus `"$version"`. Changes made after this call are delivered in
    /// order, none dropped; the stream ends when the identity is deleted or the registry goes away.
    public func desiredPropertyPatches(deviceId: String, moduleId: String?) -> AsyncStream<JSONValue> {
        let key = IdentityKey(deviceId: deviceId, moduleId: moduleId)
        let (stream, continuation) = AsyncStream.makeStream(of: JSONValue.self, bufferingPolicy: .unbounded)
        let id = makeSubscriberId()
        desiredSubscribers[key, default: [:]][id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeDesiredSubscriber(key, id) }
        }
        return stream
    }

    // MARK: Implementation

    private func applyTwinChange(_ change: TwinChange, deviceId: String, moduleId: String?, ifMatch: String?) throws(HubError) -> TwinDocument {
        let key = IdentityKey(deviceId: deviceId, moduleId: moduleId)
        let time = HubTimestamp.string(from: Date())
        let (document, notification) = try write("update twin of \(key)") { db -> (TwinDocument, JSONValue?) in
            let loaded = try Self.loadTwin(db, deviceId: deviceId, moduleId: moduleId)
            var record = loaded.record
            if let ifMatch, !IdentityRules.matches(ifMatch: ifMatch, etag: record.etag) {
                throw HubError(.preconditionFailed, "Precondition failed: the etag '\(ifMatch)' does not match the twin of '\(key)'.")
            }
            var changed = false
            if let tags = change.tags {
                let newTags = change.replacing ? tags : JSONValue.object(record.tags).merging(patch: .object(tags)).objectValue ?? JSONObject()
                if change.replacing ? newTags != record.tags : !tags.isEmpty {
                    try Self.checkSize(newTags, "tags")
                    record.tags = newTags
                    changed = true
                }
            }
            var notification: JSONValue?
            if let desired = change.desired {
                let old = record.desired
                let devicePatch = change.replacing ? TwinMetadata.replacementPatch(old: old.properties, new: desired) : desired
                if change.replacing ? desired != old.properties : !desired.isEmpty {
                    var new = try old.applying(patch: devicePatch, versionRule: .increment)
                    new.metadata = TwinMetadata.updated(
                        old: old.metadata, patch: change.replacing ? desired : devicePatch, properties: new.properties,
                        time: time, version: new.version)
                    try Self.checkSize(new.properties, "desired properties")
                    record.desired = new
                    var patch = devicePatch
                    patch["$version"] = .int(new.version)
                    notification = .object(patch)
                    changed = true
                }
            }
            if changed {
                record.version += 1
                record.etagCounter += 1
                try record.save(db)
            }
            return (Self.document(record, device: loaded.device, module: loaded.module), notification)
        }
        if let notification {
            desiredSubscribers[key]?.values.forEach { $0.yield(notification) }
            logger.debug("desired properties changed", metadata: ["identity": "\(key)", "patch": "\(notification.jsonString)"])
        }
        return document
    }

    /// Loads a twin with its identity, or throws `DeviceNotFound` / `ModuleNotFound`.
    static func loadTwin(_ db: Database, deviceId: String, moduleId: String?) throws -> (
        record: TwinRecord, device: DeviceIdentity, module: ModuleIdentity?
    ) {
        guard let device = try RegistryStore.device(db, deviceId) else { throw deviceNotFound(deviceId) }
        var module: ModuleIdentity?
        if let moduleId {
            guard let found = try RegistryStore.module(db, deviceId, moduleId) else { throw moduleNotFound(deviceId, moduleId) }
            module = found
        }
        guard let record = try TwinRecord.fetch(db, deviceId: deviceId, moduleId: moduleId) else {
            throw StoredDataError(table: "twins", key: "\(IdentityKey(deviceId: deviceId, moduleId: moduleId))", underlying: "missing")
        }
        return (record, device, module)
    }

    /// The service shape of a twin: the record plus the identity fields IoT Hub copies onto twins.
    static func document(_ record: TwinRecord, device: DeviceIdentity, module: ModuleIdentity?) -> TwinDocument {
        let properties = TwinDocument.Properties(desired: record.desired, reported: record.reported)
        if let module {
            return TwinDocument(
                deviceId: device.deviceId, moduleId: module.moduleId, etag: record.etag, deviceEtag: module.etag,
                status: .enabled, statusUpdateTime: HubTimestamp.never, connectionState: module.connectionState,
                lastActivityTime: module.lastActivityTime, cloudToDeviceMessageCount: 0,
                authenticationType: module.authentication.type, x509Thumbprint: module.authentication.x509Thumbprint,
                modelId: "", version: record.version, tags: record.tags, properties: properties)
        }
        return TwinDocument(
            deviceId: device.deviceId, etag: record.etag, deviceEtag: device.etag, status: device.status,
            statusReason: device.statusReason, statusUpdateTime: device.statusUpdatedTime,
            connectionState: device.connectionState, lastActivityTime: device.lastActivityTime,
            cloudToDeviceMessageCount: device.cloudToDeviceMessageCount, authenticationType: device.authentication.type,
            x509Thumbprint: device.authentication.x509Thumbprint, modelId: "", version: record.version, tags: record.tags,
            properties: properties, capabilities: device.capabilities, deviceScope: device.deviceScope,
            parentScopes: device.parentScopes)
    }

    static func checkSize(_ object: JSONObject, _ name: String) throws(HubError) {
        let size = JSONValue.object(object).jsonBytes.count
        if size > maxTwinSectionSize {
            throw HubError(.argumentInvalid, "the \(name) would be \(size) bytes, more than IoT Hub's limit of \(maxTwinSectionSize)")
        }
    }
}
