import Foundation
import Logging

extension IdentityService {
    // MARK: Hub module operations (§4.2), backups kept in step

    /// Hub's module list for the device; every listed module's backup is refreshed.
    func listModulesFromHub(_ device: ProvisionedDevice) async throws -> [HubModule] {
        let modules: [HubModule]
        do {
            modules = try await hubClient(device).list()
        } catch let error as CloudError {
            throw IdentityServiceError.hubClient(error)
        }
        for module in modules {
            store.writeModule(hub: device.hubName, deviceId: device.deviceId, moduleId: module.moduleId, module)
        }
        return modules
    }

    /// One module from Hub; refreshes its backup, or removes it when Hub says the module does not exist (then the
    /// module is not found, `400`, rather than served from a stale backup).
    func getModuleFromHub(_ moduleId: String, device: ProvisionedDevice) async throws -> HubModule {
        do {
            let module = try await hubClient(device).get(moduleId)
            store.writeModule(hub: device.hubName, deviceId: device.deviceId, moduleId: module.moduleId, module)
            return module
        } catch let error as CloudError {
            if error.status == 404 {
                store.writeModule(hub: device.hubName, deviceId: device.deviceId, moduleId: moduleId, nil)
                throw IdentityServiceError.moduleNotFound
            }
            throw IdentityServiceError.hubClient(error)
        }
    }

    /// Creates the module in Hub, then sets its derived SAS keys (`If-Match: *`), and backs it up.
    func createHubModule(_ moduleId: String, device: ProvisionedDevice) async throws -> Identity {
        let client = hubClient(device)
        let created: HubModule
        do {
            created = try await client.create(moduleId)
        } catch let error as CloudError {
            throw IdentityServiceError.hubClient(error)
        }
        return try await setDerivedKeys(of: created, device: device, client: client)
    }

    /// Reads the module from Hub, sets its derived SAS keys again, and backs it up.
    func updateHubModule(_ moduleId: String, device: ProvisionedDevice) async throws -> Identity {
        let current = try await getModuleFromHub(moduleId, device: device)
        return try await setDerivedKeys(of: current, device: device, client: hubClient(device))
    }

    private func setDerivedKeys(of module: HubModule, device: ProvisionedDevice, client: HubModuleClient) async throws -> Identity {
        let keys = try await derivedKeys(for: module)
        let updated: HubModule
        do {
            updated = try await client.update(module.moduleId, authentication: .sas(primaryKey: keys.primary, secondaryKey: keys.secondary))
        } catch let error as CloudError {
            if error.status == 404 { throw IdentityServiceError.moduleNotFound }
            throw IdentityServiceError.hubClient(error)
        }
        store.writeModule(hub: device.hubName, deviceId: device.deviceId, moduleId: updated.moduleId, updated)
        return moduleIdentity(updated, device: device, keyHandle: keys.primaryHandle)
    }

    /// Deletes the module in Hub (`If-Match: *`) and its backup.
    func deleteHubModule(_ moduleId: String, device: ProvisionedDevice) async throws {
        do {
            try await hubClient(device).delete(moduleId)
        } catch let error as CloudError {
            if error.status == 404 {
                store.writeModule(hub: device.hubName, deviceId: device.deviceId, moduleId: moduleId, nil)
                throw IdentityServiceError.moduleNotFound
            }
            throw IdentityServiceError.hubClient(error)
        }
        store.writeModule(hub: device.hubName, deviceId: device.deviceId, moduleId: moduleId, nil)
    }

    nonisolated func moduleIdentity(_ module: HubModule, device: ProvisionedDevice, keyHandle: String?) -> Identity {
        .aziot(
            AziotIdentity(
                hubName: device.hubName,
                gatewayHost: device.gatewayHost,
                deviceId: module.deviceId,
                moduleId: module.moduleId,
                genId: module.generationId,
                auth: keyHandle.map { AuthenticationInfo(type: "sas", keyHandle: $0) }
            ))
    }

    static func checkModuleName(_ moduleId: String) throws {
        if moduleId.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw IdentityServiceError.invalidParameter("module_id", "module name cannot be empty")
        }
    }

    func requireDevice() throws -> ProvisionedDevice {
        guard let device else { throw IdentityServiceError.deviceNotFound }
        return device
    }

    // MARK: Identities served to callers

    /// The module's identity with its primary derived-key handle: from Hub (backup when Hub cannot be reached), or
    /// from the backup first with `prefer_module_identity_cache`.
    func aziotModuleIdentity(_ moduleId: String) async throws -> Identity {
        try Self.checkModuleName(moduleId)
        let device = try requireDevice()
        let module: HubModule
        if configuration.preferModuleIdentityCache, let cached = store.readModule(hub: device.hubName, deviceId: device.deviceId, moduleId: moduleId) {
            module = cached
        } else {
            do {
                module = try await getModuleFromHub(moduleId, device: device)
            } catch let error as IdentityServiceError {
                guard case .hubClient(let cause) = error else { throw error }
                guard let backup = store.readModule(hub: device.hubName, deviceId: device.deviceId, moduleId: moduleId) else {
                    throw IdentityServiceError.hubClient(CloudError(cause.kind, "module \(moduleId) not found (\(cause.message))"))
                }
                logger.info("IoT Hub unavailable (\(cause)); serving module \(moduleId) from its backup")
                module = backup
            }
        }
        let keys = try await derivedKeys(for: module)
        return moduleIdentity(module, device: device, keyHandle: keys.primaryHandle)
    }

    /// The device's modules without keys: from Hub (backups when Hub cannot be reached), or backups first with
    /// `prefer_module_identity_cache`.
    func aziotModuleIdentities() async throws -> [Identity] {
        let device = try requireDevice()
        let fromBackups = { [store] () throws -> [Identity] in
            try store.listModules(hub: device.hubName, deviceId: device.deviceId).map { self.moduleIdentity($0, device: device, keyHandle: nil) }
        }
        if configuration.preferModuleIdentityCache, let cached = try? fromBackups() {
            return cached
        }
        do {
            return try await listModulesFromHub(device).map { moduleIdentity($0, device: device, keyHandle: nil) }
        } catch let error as IdentityServiceError {
            guard case .hubClient(let cause) = error, !configuration.preferModuleIdentityCache else { throw error }
            do {
                return try fromBackups()
            } catch {
                throw IdentityServiceError.hubClient(CloudError(cause.kind, "\(cause.message); no module backups: \(error)"))
            }
        }
    }

    /// The device identity with a key handle for SAS, a key-pair handle and certificate id for X.509.
    func deviceIdentityValue() async throws -> Identity {
        let device = try requireDevice()
        let auth: AuthenticationInfo
        switch device.credentials {
        case .sharedPrivateKey(let keyId):
            do {
                auth = AuthenticationInfo(type: "sas", keyHandle: try await keys.loadKey(id: keyId))
            } catch {
                throw IdentityServiceError.keyClient("\(error)")
            }
        case .x509(let certId, let keyId, _):
            do {
                auth = AuthenticationInfo(type: "x509", keyHandle: try await keys.loadKeyPair(id: keyId), certId: certId)
            } catch {
                throw IdentityServiceError.keyClient("\(error)")
            }
        case .tpm:
            auth = AuthenticationInfo(type: "tpm")
        }
        return .aziot(AziotIdentity(hubName: device.hubName, gatewayHost: device.gatewayHost, deviceId: device.deviceId, auth: auth))
    }
}
