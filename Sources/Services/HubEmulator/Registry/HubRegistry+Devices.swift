import Foundation
import GRDB
import IoTHubProtocol
import Logging

extension HubRegistry {
    /// Creates a device (`ifMatch` nil) or updates one (`ifMatch` its etag or `*`), as
    /// `PUT /devices/{id}` does.
    ///
    /// The caller sets `status`, `statusReason`, `authentication`, `capabilities` and, for a leaf device,
    /// `deviceScope` (the parent edge's scope) or, for an edge device, `parentScopes`; the hub's members
    /// are ignored and filled in. SAS keys that are not given are generated on create and kept on
    /// update. A new device gets its twin; a device that is (or becomes) an edge device gets the
    /// `$edgeAgent` and `$edgeHub` modules.
    ///
    /// Errors: `DeviceAlreadyExists` (409) to create an existing device, `DeviceNotFound` (404) to update
    /// a missing one, `PreconditionFailed` (412) for a stale etag, `ArgumentInvalid` (400) for bad ids,
    /// keys, thumbprints or scopes.
    public func createOrUpdateDevice(_ device: DeviceIdentity, ifMatch: String?) throws(HubError) -> (device: DeviceIdentity, created: Bool) {
        try IdentityRules.validate(id: device.deviceId, kind: "device")
        let now = Date()
        let time = HubTimestamp.string(from: now)
        // Hub-owned ids are drawn before the transaction: one for the device, one per system module.
        let deviceGenerationId = newGenerationId(now: now)
        let moduleGenerationIds = IdentityRules.systemModuleIds.map { _ in newGenerationId(now: now) }
        let result = try write("save device \(device.deviceId)") { db in
            let existing = try RegistryStore.device(db, device.deviceId)
            if let existing {
                guard let ifMatch else {
                    throw HubError(.deviceAlreadyExists, "A device with ID '\(device.deviceId)' is already registered.")
                }
                guard IdentityRules.matches(ifMatch: ifMatch, etag: existing.etag) else {
                    throw HubError(.preconditionFailed, "Precondition failed: the etag '\(ifMatch)' does not match device '\(device.deviceId)'.")
                }
            } else if ifMatch != nil {
                throw HubError(.deviceNotFound, "Device '\(device.deviceId)' is not registered; create it without If-Match.")
            }
            var stored = existing ?? DeviceIdentity(deviceId: device.deviceId)
            stored.generationId = stored.generationId ?? deviceGenerationId
            stored.etag = IdentityRules.newIdentityETag(previous: existing?.etag)
            if existing != nil, stored.status != device.status { stored.statusUpdatedTime = time }
            stored.status = device.status
            stored.statusReason = device.statusReason
            stored.authentication = try IdentityRules.resolve(device.authentication, existing: existing?.authentication)
            stored.capabilities = device.capabilities
            try Self.resolveScopes(db, requested: device, into: &stored)
            try RegistryStore.save(db, device: stored)
            if existing == nil {
                try TwinRecord.new(deviceId: device.deviceId, moduleId: nil, time: time).save(db)
            }
            var systemModules: [String] = []
            if stored.capabilities.iotEdge {
                for (moduleId, generationId) in zip(IdentityRules.systemModuleIds, moduleGenerationIds) {
                    guard try RegistryStore.module(db, stored.deviceId, moduleId) == nil else { continue }
                    let module = ModuleIdentity(
                        moduleId: moduleId, deviceId: stored.deviceId, generationId: generationId,
                        etag: IdentityRules.newIdentityETag(previous: nil),
                        authentication: try IdentityRules.resolve(.sas(), existing: nil))
                    try RegistryStore.save(db, module: module)
                    try TwinRecord.new(deviceId: stored.deviceId, moduleId: moduleId, time: time).save(db)
                    systemModules.append(moduleId)
                }
            }
            stored.cloudToDeviceMessageCount = try RegistryStore.cloudToDeviceCount(db, stored.deviceId)
            return (device: stored, created: existing == nil, systemModules: systemModules)
        }
        logger.info(
            result.created ? "device created" : "device updated",
            metadata: [
                "deviceId": "\(device.deviceId)", "edge": "\(result.device.capabilities.iotEdge)",
                "auth": "\(result.device.authentication.type.rawValue)",
            ])
        for moduleId in result.systemModules {
            logger.info("system module created", metadata: ["deviceId": "\(device.deviceId)", "moduleId": "\(moduleId)"])
        }
        return (result.device, result.created)
    }

    /// The device `deviceId`; `DeviceNotFound` if there is none.
    public func device(_ deviceId: String) throws(HubError) -> DeviceIdentity {
        let device = try read("read device \(deviceId)") { db in try RegistryStore.device(db, deviceId) }
        guard let device else { throw Self.deviceNotFound(deviceId) }
        return device
    }

    /// The devices in creation order, at most `top` of them (all when `nil`).
    public func devices(top: Int?) -> [DeviceIdentity] {
        if let top, top <= 0 { return [] }
        do {
            return try read("list devices") { db in try RegistryStore.devices(db, limit: top) }
        } catch {
            return []
        }
    }

    /// Deletes a device with its modules, twins and cloud-to-device queue, and ends its desired-property
    /// and cloud-to-device streams. `ifMatch` nil or `*` deletes unconditionally; errors:
    /// `DeviceNotFound` (404), `PreconditionFailed` (412).
    public func deleteDevice(_ deviceId: String, ifMatch: String?) throws(HubError) {
        try write("delete device \(deviceId)") { db in
            guard let existing = try RegistryStore.device(db, deviceId) else { throw Self.deviceNotFound(deviceId) }
            if let ifMatch, !IdentityRules.matches(ifMatch: ifMatch, etag: existing.etag) {
                throw HubError(.preconditionFailed, "Precondition failed: the etag '\(ifMatch)' does not match device '\(deviceId)'.")
            }
            for table in ["c2d_messages", "twins", "modules", "devices"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE device_id = ?", arguments: [deviceId])
            }
        }
        finishSubscribers(deviceId: deviceId, moduleId: nil)
        logger.info("device deleted", metadata: ["deviceId": "\(deviceId)"])
    }

    static func deviceNotFound(_ deviceId: String) -> HubError {
        HubError(.deviceNotFound, "Device '\(deviceId)' is not registered.")
    }

    /// Applies IoT Hub's scope rules to `stored`: an edge device's `deviceScope` is its own,
    /// `ms-azure-iot-edge://{deviceId}-{generationId}`, and its `parentScopes` name at most one other edge
    /// device; a leaf device's `deviceScope` is its parent edge's scope (or none) and its `parentScopes`
    /// is `[deviceScope]`.
    private static func resolveScopes(_ db: Database, requested: DeviceIdentity, into stored: inout DeviceIdentity) throws {
        let requestedParents = requested.parentScopes.filter { !$0.isEmpty }
        guard requestedParents.count <= 1 else {
            throw HubError(.argumentInvalid, "parentScopes may name at most one parent edge device")
        }
        func checkParent(_ scope: String, _ member: String) throws {
            guard try RegistryStore.isEdgeScope(db, scope, except: stored.deviceId) else {
                throw HubError(.argumentInvalid, "\(member) '\(scope)' is not the scope of an edge device in this hub")
            }
        }
        if stored.capabilities.iotEdge {
            let requestedScope = requested.deviceScope.flatMap { $0.isEmpty ? nil : $0 }
            let ownScope = IdentityRules.scope(deviceId: stored.deviceId, generationId: stored.generationId ?? "")
            if let requestedScope, requestedScope != ownScope {
                throw HubError(
                    .argumentInvalid,
                    "an edge device's deviceScope is its own ('\(ownScope)'); set parentScopes to place it under a parent edge device")
            }
            for scope in requestedParents { try checkParent(scope, "parentScopes") }
            stored.deviceScope = ownScope
            stored.parentScopes = requestedParents
        } else {
            // A leaf device names its parent by deviceScope; parentScopes, if sent, must agree.
            // A former edge device's own scope, sent back unchanged, is not a parent.
            let formerOwnScope = IdentityRules.scope(deviceId: stored.deviceId, generationId: stored.generationId ?? "")
            let requestedScope =
                requested.deviceScope.flatMap { $0.isEmpty || $0 == formerOwnScope ? nil : $0 } ?? requestedParents.first
            if let requestedScope, !requestedParents.isEmpty, requestedParents != [requestedScope] {
                throw HubError(.argumentInvalid, "a leaf device's parentScopes must be [deviceScope]")
            }
            if let requestedScope { try checkParent(requestedScope, "deviceScope") }
            stored.deviceScope = requestedScope
            stored.parentScopes = requestedScope.map { [$0] } ?? []
        }
    }
}
