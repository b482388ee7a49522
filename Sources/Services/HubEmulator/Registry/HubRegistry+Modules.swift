import Foundation
import GRDB
import IoTHubProtocol
import Logging

extension HubRegistry {
    /// Creates a module (`ifMatch` nil) or updates one (`ifMatch` its etag or `*`), as
    /// `PUT /devices/{id}/modules/{mid}` does. The caller sets `managedBy` and `authentication` (a
    /// missing authentication is SAS with generated keys); the hub's members are filled in. A new
    /// module gets its twin. Ids starting with `$` are reserved for the hub's system modules, which can
    /// be updated (e.g. to set their keys) but not created.
    ///
    /// Errors: `DeviceNotFound` (404), `ModuleAlreadyExistsOnDevice` (409) to create an existing module,
    /// `ModuleNotFound` (404) to update a missing one, `PreconditionFailed` (412), `ArgumentInvalid` (400).
    public func createOrUpdateModule(_ module: ModuleIdentity, ifMatch: String?) throws(HubError) -> (module: ModuleIdentity, created: Bool) {
        try IdentityRules.validate(id: module.deviceId, kind: "device")
        try IdentityRules.validate(id: module.moduleId, kind: "module")
        let now = Date()
        let time = HubTimestamp.string(from: now)
        let generationId = newGenerationId(now: now)
        let result = try write("save module \(module.deviceId)/\(module.moduleId)") { db in
            guard try RegistryStore.device(db, module.deviceId) != nil else { throw Self.deviceNotFound(module.deviceId) }
            let existing = try RegistryStore.module(db, module.deviceId, module.moduleId)
            if let existing {
                guard let ifMatch else {
                    throw HubError(
                        .moduleAlreadyExistsOnDevice,
                        "A module with ID '\(module.moduleId)' is already registered on device '\(module.deviceId)'.")
                }
                guard IdentityRules.matches(ifMatch: ifMatch, etag: existing.etag) else {
                    throw HubError(
                        .preconditionFailed,
                        "Precondition failed: the etag '\(ifMatch)' does not match module '\(module.deviceId)/\(module.moduleId)'.")
                }
            } else {
                if ifMatch != nil { throw Self.moduleNotFound(module.deviceId, module.moduleId) }
                if module.moduleId.hasPrefix("$") {
                    throw HubError(
                        .argumentInvalid,
                        "module ids starting with '$' are reserved for IoT Edge's system modules, which the hub creates on edge devices")
                }
            }
            var stored = existing ?? ModuleIdentity(moduleId: module.moduleId, deviceId: module.deviceId, generationId: generationId)
            stored.etag = IdentityRules.newIdentityETag(previous: existing?.etag)
            stored.managedBy = module.managedBy
            stored.authentication = try IdentityRules.resolve(module.authentication, existing: existing?.authentication)
            stored.cloudToDeviceMessageCount = 0
            try RegistryStore.save(db, module: stored)
            if existing == nil {
                try TwinRecord.new(deviceId: module.deviceId, moduleId: module.moduleId, time: time).save(db)
            }
            return (module: stored, created: existing == nil)
        }
        logger.info(
            result.created ? "module created" : "module updated",
            metadata: ["deviceId": "\(module.deviceId)", "moduleId": "\(module.moduleId)"])
        return result
    }

    /// The module `moduleId` of device `deviceId`; `DeviceNotFound` or `ModuleNotFound` (404).
    public func module(deviceId: String, moduleId: String) throws(HubError) -> ModuleIdentity {
        try read("read module \(deviceId)/\(moduleId)") { db in
            guard try RegistryStore.device(db, deviceId) != nil else { throw Self.deviceNotFound(deviceId) }
            guard let module = try RegistryStore.module(db, deviceId, moduleId) else {
                throw Self.moduleNotFound(deviceId, moduleId)
            }
            return module
        }
    }

    /// The modules of device `deviceId` in creation order; `DeviceNotFound` (404).
    public func modules(deviceId: String) throws(HubError) -> [ModuleIdentity] {
        try read("list modules of \(deviceId)") { db in
            guard try RegistryStore.device(db, deviceId) != nil else { throw Self.deviceNotFound(deviceId) }
            return try RegistryStore.modules(db, deviceId)
        }
    }

    /// Deletes a module and its twin and ends its desired-property streams. `ifMatch` nil or `*` deletes
    /// unconditionally. An edge device's `$edgeAgent` and `$edgeHub` cannot be deleted (they go with
    /// the device). Errors: `DeviceNotFound`, `ModuleNotFound` (404), `PreconditionFailed` (412),
    /// `ArgumentInvalid` (400).
    public func deleteModule(deviceId: String, moduleId: String, ifMatch: String?) throws(HubError) {
        try write("delete module \(deviceId)/\(moduleId)") { db in
            guard let device = try RegistryStore.device(db, deviceId) else { throw Self.deviceNotFound(deviceId) }
            guard let existing = try RegistryStore.module(db, deviceId, moduleId) else {
                throw Self.moduleNotFound(deviceId, moduleId)
            }
            if let ifMatch, !IdentityRules.matches(ifMatch: ifMatch, etag: existing.etag) {
                throw HubError(
                    .preconditionFailed, "Precondition failed: the etag '\(ifMatch)' does not match module '\(deviceId)/\(moduleId)'.")
            }
            if device.capabilities.iotEdge, IdentityRules.systemModuleIds.contains(moduleId) {
                throw HubError(
                    .argumentInvalid, "'\(moduleId)' is a system module of edge device '\(deviceId)' and cannot be deleted")
            }
            try db.execute(sql: "DELETE FROM twins WHERE device_id = ? AND module_id = ?", arguments: [deviceId, moduleId])
            try db.execute(sql: "DELETE FROM modules WHERE device_id = ? AND module_id = ?", arguments: [deviceId, moduleId])
        }
        finishSubscribers(deviceId: deviceId, moduleId: moduleId)
        logger.info("module deleted", metadata: ["deviceId": "\(deviceId)", "moduleId": "\(moduleId)"])
    }

    static func moduleNotFound(_ deviceId: String, _ moduleId: String) -> HubError {
        HubError(.moduleNotFound, "Module '\(moduleId)' is not registered on device '\(deviceId)'.")
    }
}
