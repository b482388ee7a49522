import Foundation
import IoTHubProtocol
public import Logging

/// Why identityd provisions and reconciles (`Provisioning starting. Reason: <this>`).
public enum ReprovisionTrigger: String, Sendable, CustomStringConvertible {
    /// Process start: manual settings applied; DPS uses a valid backup (same provisioning settings) or registers.
    case startup = "Startup"
    /// `POST /identities/device/reprovision`: backups dropped, fresh registration.
    case api = "Api"
    /// The configuration changed on disk: reconciliation only.
    case configurationFileUpdate = "ConfigurationFileUpdate"

    public var description: String { rawValue }
}

/// Settings of an ``IdentityService`` that are not in identityd's configuration file.
public struct IdentityServiceOptions: Sendable {
    public var cloud: CloudClientOptions

    public init(cloud: CloudClientOptions = CloudClientOptions()) {
        self.cloud = cloud
    }
}

/// aziot-identityd's state and operations (§4): provisions the device (manual or DPS), reconciles the module
/// identities of the principals with IoT Hub, keeps the reference's backups so it can start and serve offline, and
/// answers identity requests with key handles from keyd.
///
/// Concurrency: provisioning, reconciliation and module writes run one at a time (``exclusively(_:)``); reads (device
/// identity, module identity, lists, provisioning info) do not wait for them, so a slow DPS or Hub call delays only
/// the writes queued behind it, not every request as the reference's global mutex does.
public actor IdentityService {
    public private(set) var configuration: IdentitydConfiguration
    public private(set) var authorization: CallerAuthorization
    let keys: any IdentityKeyClient
    let certs: any IdentityCertClient
    let options: IdentityServiceOptions
    let logger: Logger
    let store: IdentityStateStore
    /// The provisioned device; nil before provisioning, with `source = "none"`, or after a failed reprovision.
    public private(set) var device: ProvisionedDevice?

    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public static let masterKeyId = "aziot_identityd_master_id"

    public init(
        configuration: IdentitydConfiguration,
        keyClient: any IdentityKeyClient,
        certClient: any IdentityCertClient,
        options: IdentityServiceOptions = IdentityServiceOptions(),
        logger: Logger
    ) {
        self.configuration = configuration
        self.authorization = CallerAuthorization(configuration: configuration)
        self.keys = keyClient
        self.certs = certClient
        self.options = options
        self.logger = logger
        self.store = IdentityStateStore(homedir: configuration.homedir, logger: logger)
        for ignored in configuration.ignoredDaemonPrincipals {
            logger.warning(
                "Principal \"\(ignored.name)\" is not authorized. Please ensure there is only one principal without a type in the config.toml")
        }
    }

    // MARK: Lifecycle

    /// The startup sequence's provisioning (§4.9 step 4–5): creates the home directory, provisions with trigger
    /// `Startup` and reconciles. Throws when the device could not be provisioned and no valid backup exists (the
    /// daemon then exits; systemd restarts it).
    public func start() async throws {
        do {
            try store.createHomeDirectory()
        } catch {
            logger.error("Failed to create home directory: \(error)")
            throw IdentityServiceError.internal("could not create home directory \(store.homedir): \(error)")
        }
        do {
            try await reprovision(trigger: .startup)
        } catch {
            logger.error("Failed to provision with IoT Hub, and no valid device backup was found: \(IdentityServiceError.wrap(error).message)")
            throw error
        }
    }

    /// Applies a re-read configuration (principals, local identities, every setting), then reconciles with trigger
    /// `ConfigurationFileUpdate`; a failed reconciliation is logged and identityd keeps running.
    public func reload(_ configuration: IdentitydConfiguration) async {
        self.configuration = configuration
        authorization = CallerAuthorization(configuration: configuration)
        do {
            try await reprovision(trigger: .configurationFileUpdate)
        } catch {
            logger.warning("Failed to reprovision device. Running offline. Reprovisioning failure reason: \(IdentityServiceError.wrap(error).message).")
        }
    }

    // MARK: Provisioning and reconciliation

    /// Provisions for `trigger` and reconciles module identities (§4.7).
    public func reprovision(trigger: ReprovisionTrigger) async throws {
        try await exclusively {
            logger.info("Provisioning starting. Reason: \(trigger)")
            switch trigger {
            case .configurationFileUpdate:
                break
            case .api:
                clearDevice()
                try await provisionDevice(useBackup: false)
            case .startup:
                try await provisionDevice(useBackup: true)
            }
            logger.info("Provisioning complete.")
            logger.info("Identity reconciliation started. Reason: \(trigger)")
            do {
                try await reconcileHubIdentities()
            } catch let error as IdentityServiceError {
                guard case .hubClient = error, trigger != .api else { throw error }
                if error.isNetwork {
                    logger.warning("Network not available for Identity reconciliation. Using offline backup from last run.")
                    return
                }
                logger.info("Could not reconcile Identities with current device data. Reprovisioning.")
                do {
                    try await provisionDevice(useBackup: false)
                } catch let failure as IdentityServiceError where failure.isNetwork {
                    logger.warning("Reprovisioning failed to communicate with DPS. Using offline backup from last run.")
                    return
                }
                try await reconcileHubIdentities()
            }
            logger.info("Identity reconciliation complete.")
        }
    }

    /// Forgets the device and its backups (before an explicit reprovision).
    private func clearDevice() {
        store.removeDeviceInfo()
        if let device { store.removeModules(hub: device.hubName, deviceId: device.deviceId) }
        device = nil
    }

    private func setDevice(_ device: ProvisionedDevice) {
        store.prepareDevice(hub: device.hubName, deviceId: device.deviceId)
        self.device = device
    }

    /// Provisions from the configuration. With `useBackup`, DPS is skipped when `device_info` is valid and was made
    /// with the same provisioning settings (see ``ProvisioningFingerprint``).
    func provisionDevice(useBackup: Bool) async throws {
        let settings = configuration.provisioning
        switch settings.source {
        case .manual(let manual):
            let credentials: DeviceCredentials
            switch manual.authentication {
            case .sas(let keyId):
                credentials = .sharedPrivateKey(keyId: keyId)
            case .connectionString(let keyBytes):
                do {
                    _ = try await keys.importKey(id: ProvisioningSettings.connectionStringKeyId, bytes: keyBytes, usage: "sign")
                } catch {
                    throw IdentityServiceError.keyClient("cannot import the connection string's key into keyd: \(error)")
                }
                credentials = .sharedPrivateKey(keyId: ProvisioningSettings.connectionStringKeyId)
            case .x509(let cert, let pk, let subject):
                let csrSubject = subject?.replacingCommonName(manual.deviceId) ?? .commonName(manual.deviceId)
                credentials = try await identityCredentials(certId: cert, keyId: pk, subject: csrSubject)
            }
            let device = ProvisionedDevice(
                hubName: manual.iothubHostname,
                gatewayHost: settings.localGatewayHostname ?? manual.iothubHostname,
                deviceId: manual.deviceId,
                credentials: credentials
            )
            setDevice(device)
            logger.info("Updated device info for \(device.deviceId).")
        case .dps(let dps):
            guard settings.localGatewayHostname == nil else { throw IdentityServiceError.dpsNotSupportedInNestedMode }
            let registrationId: String
            let credentials: DeviceCredentials
            switch dps.attestation {
            case .symmetricKey(let id, let key):
                registrationId = id
                credentials = .sharedPrivateKey(keyId: key)
            case .x509(let subject, let cert, let pk, _):
                credentials = try await identityCredentials(certId: cert, keyId: pk, subject: subject)
                if let subject {
                    registrationId = subject.commonName
                } else {
                    guard case .x509(_, _, let identity) = credentials else { throw IdentityServiceError.internal("no certificate") }
                    registrationId = try Self.commonName(ofLeafIn: identity.certificateChainPEM)
                }
            case .tpm:
                throw IdentityServiceError.internal("DPS TPM attestation needs aziot-tpmd, which this build does not include")
            }
            if useBackup, let backup = backupDevice(credentials: credentials) {
                setDevice(backup)
                logger.info("Provisioned with backup for \(backup.deviceId).")
                return
            }
            let payload = try loadPayload(dps.payloadURI)
            let client = DPSClient(http: httpClient(), endpoint: dps.globalEndpoint, pollInterval: options.cloud.dpsPollInterval, logger: logger)
            let assignment: DPSClient.Assignment
            do {
                assignment = try await client.register(
                    scopeId: dps.scopeId, registrationId: registrationId, payload: payload, credentials: credentials, keys: keys)
            } catch let error as CloudError {
                throw IdentityServiceError.dpsClient(error)
            }
            setDevice(ProvisionedDevice(hubName: assignment.assignedHub, gatewayHost: assignment.assignedHub, deviceId: assignment.deviceId, credentials: credentials))
            logger.info("Successfully provisioned with DPS.")
        case .none:
            logger.info("Skipping provisioning with IoT Hub.")
        }
    }

    /// The device of a valid `device_info` backup made with the current provisioning settings.
    private func backupDevice(credentials: DeviceCredentials) -> ProvisionedDevice? {
        guard case .device(let info)? = store.readDeviceInfo() else { return nil }
        let current = ProvisioningFingerprint.of(configuration.provisioning)
        if let stored = store.readFingerprint(), stored != current {
            logger.info("The provisioning settings changed since device \(info.deviceId) was registered; registering with DPS again.")
            return nil
        }
        return ProvisionedDevice(hubName: info.hubName, gatewayHost: info.localGatewayHostname, deviceId: info.deviceId, credentials: credentials)
    }

    /// Makes IoT Hub's module identities match the `module` principals (§4.7, ``ReconcilePlan``), then writes
    /// `device_info`, `prev_state` and the provisioning fingerprint.
    func reconcileHubIdentities() async throws {
        guard let device else {
            logger.info("reconcilation skipped since device is not provisioned")
            return
        }
        // One configuration throughout, even if a reload replaces it meanwhile (its own reconciliation follows).
        let configuration = self.configuration
        let current = device.deviceInfo
        let previous = store.previousHubModules(for: current)
        let hubModules = try await listModulesFromHub(device)
        let plan = ReconcilePlan(hubModules: hubModules.map(\.moduleId), desired: configuration.hubModuleNames, previous: previous)
        for step in plan.steps {
            switch step {
            case .remove(let module), .deleteForRecreation(let module):
                try await deleteHubModule(module, device: device)
            case .keep:
                break
            case .create(let module):
                _ = try await createHubModule(module, device: device)
            }
            logger.info("\(ReconcilePlan.logLine(step))")
        }
        do {
            try store.writeDeviceInfo(current)
            try store.writePrevState(configuration)
            try store.writeFingerprint(ProvisioningFingerprint.of(configuration.provisioning))
        } catch {
            throw IdentityServiceError.internal("could not save device information state: \(error)")
        }
    }

    // MARK: Serialization of writes

    /// Runs `body` when no other provisioning, reconciliation or module write is running (FIFO).
    func exclusively<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        }
        busy = true
        defer {
            if waiters.isEmpty {
                busy = false
            } else {
                waiters.removeFirst().resume()
            }
        }
        return try await body()
    }

    // MARK: Helpers

    func httpClient() -> CloudHTTPClient {
        CloudHTTPClient(
            options: options.cloud, timeout: .seconds(configuration.cloudTimeoutSeconds), retries: configuration.cloudRetries, logger: logger)
    }

    func hubClient(_ device: ProvisionedDevice) -> HubModuleClient {
        HubModuleClient(
            http: httpClient(), device: device, keys: keys, port: options.cloud.hubPort)
    }

    /// The JSON of `payload = { uri = "file:///…" }`.
    func loadPayload(_ uri: String?) throws -> JSONValue? {
        guard let uri else { return nil }
        let path = String(uri.dropFirst("file://".count)).removingPercentEncoding ?? String(uri.dropFirst("file://".count))
        guard let data = FileManager.default.contents(atPath: path) else {
            logger.error("Error loading DPS payload: \(uri)")
            throw IdentityServiceError.invalidParameter("provisioning.payload", "cannot read \(path)")
        }
        do {
            return try JSONValue(parsing: Array(data))
        } catch {
            logger.error("Error loading DPS payload: \(uri)")
            throw IdentityServiceError.invalidParameter("provisioning.payload", "\(error)")
        }
    }
}
