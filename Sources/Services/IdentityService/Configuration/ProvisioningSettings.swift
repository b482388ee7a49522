import Foundation
import IoTHubProtocol
public import TOMLConfig

/// `[provisioning]`: how the device gets its IoT Hub identity.
public struct ProvisioningSettings: Sendable, Equatable {
    /// The parent edge device in a nested deployment: Hub REST goes to `https://<this>/…`, token audiences keep the
    /// hub's name, and DPS is refused.
    public var localGatewayHostname: String?
    public var source: Source

    public enum Source: Sendable, Equatable {
        case manual(Manual)
        case dps(DPS)
        /// No cloud identity: local identities only.
        case none
    }

    public init(source: Source, localGatewayHostname: String? = nil) {
        self.source = source
        self.localGatewayHostname = localGatewayHostname
    }

    /// `source = "manual"`: the hub and device are given.
    public struct Manual: Sendable, Equatable {
        public var iothubHostname: String
        public var deviceId: String
        public var authentication: Authentication

        public enum Authentication: Sendable, Equatable {
            /// `method = "sas"`: `device_id_pk` names the device's symmetric key in keyd.
            case sas(deviceIdPk: String)
            /// `method = "x509"`: the identity certificate (certd id) and its key pair (keyd id); `csrSubject` supplies
            /// extra DN attributes when identityd has to request the certificate (its CN is the device id).
            case x509(identityCert: String, identityPk: String, csrSubject: CSRSubject?)
            /// Our extension, `connection_string = "HostName=…;DeviceId=…;SharedAccessKey=…"`: the key is imported into
            /// keyd under ``ProvisioningSettings/connectionStringKeyId`` at provisioning, then used like `sas`.
            case connectionString(keyBytes: [UInt8])
        }

        public init(iothubHostname: String, deviceId: String, authentication: Authentication) {
            self.iothubHostname = iothubHostname
            self.deviceId = deviceId
            self.authentication = authentication
        }
    }

    /// `source = "dps"`: the Device Provisioning Service assigns hub and device id.
    public struct DPS: Sendable, Equatable {
        /// `global_endpoint`, e.g. `https://global.azure-devices-provisioning.net`.
        public var globalEndpoint: String
        public var scopeId: String
        public var attestation: Attestation
        /// `payload = { uri = "file:///…json" }`: JSON sent with the registration.
        public var payloadURI: String?

        public enum Attestation: Sendable, Equatable {
            /// `symmetric_key` names a keyd key: for a group enrollment, the already-derived device key.
            case symmetricKey(registrationId: String, symmetricKey: String)
            /// Mutual TLS with `identity_cert` (certd) and `identity_pk` (keyd); without `registration_id` the
            /// certificate's common name is the registration id.
            case x509(registrationId: CSRSubject?, identityCert: String, identityPk: String, autoRenew: ConfigTable?)
            /// TPM attestation through tpmd (parsed; this build has no tpmd client).
            case tpm(registrationId: String)
        }

        public init(globalEndpoint: String, scopeId: String, attestation: Attestation, payloadURI: String? = nil) {
            self.globalEndpoint = globalEndpoint
            self.scopeId = scopeId
            self.attestation = attestation
            self.payloadURI = payloadURI
        }
    }

    /// The keyd id a `connection_string`'s key is imported under: the id `aziotctl config apply` uses for the device key.
    public static let connectionStringKeyId = "device-id"

    init(reading reader: ConfigReader) throws(ConfigError) {
        localGatewayHostname = try reader.string("local_gateway_hostname")
        let sourceName = try reader.required("source", reader.string)
        switch sourceName {
        case "manual":
            source = .manual(try Self.readManual(reader))
        case "dps":
            source = .dps(try Self.readDPS(reader))
        case "none":
            source = .none
        default:
            throw reader.invalid("source", "expected \"manual\", \"dps\" or \"none\", found \"\(sourceName)\"")
        }
    }

    private static func readManual(_ reader: ConfigReader) throws(ConfigError) -> Manual {
        if let connectionString = try reader.string("connection_string") {
            for conflicting in ["iothub_hostname", "device_id", "authentication"] where reader.contains(conflicting) {
                throw reader.invalid(conflicting, "give either connection_string or iothub_hostname, device_id and [provisioning.authentication]")
            }
            let parsed: IoTHubConnectionString
            do {
                parsed = try IoTHubConnectionString(parsing: connectionString)
            } catch {
                throw reader.invalid("connection_string", "\(error)")
            }
            guard let deviceId = parsed.deviceId, parsed.moduleId == nil, let key = parsed.sharedAccessKey else {
                throw reader.invalid("connection_string", "a device connection string with HostName, DeviceId and SharedAccessKey is required")
            }
            guard let keyBytes = Self.decodeBase64(key), !keyBytes.isEmpty else {
                throw reader.invalid("connection_string", "SharedAccessKey is not base64")
            }
            return Manual(iothubHostname: parsed.hostName, deviceId: deviceId, authentication: .connectionString(keyBytes: keyBytes))
        }
        let hostname = try reader.required("iothub_hostname", reader.string)
        let deviceId = try reader.required("device_id", reader.string)
        guard let auth = try reader.table("authentication") else {
            throw ConfigError(.missingKey, "\(reader.keyPath("authentication")): missing required table")
        }
        let method = try auth.required("method", auth.string)
        switch method {
        case "sas":
            return Manual(iothubHostname: hostname, deviceId: deviceId, authentication: .sas(deviceIdPk: try auth.required("device_id_pk", auth.string)))
        case "x509":
            return Manual(
                iothubHostname: hostname,
                deviceId: deviceId,
                authentication: .x509(
                    identityCert: try auth.required("identity_cert", auth.string),
                    identityPk: try auth.required("identity_pk", auth.string),
                    csrSubject: try CSRSubject.read("csr_subject", of: auth)
                )
            )
        default:
            throw auth.invalid("method", "expected \"sas\" or \"x509\", found \"\(method)\"")
        }
    }

    private static func readDPS(_ reader: ConfigReader) throws(ConfigError) -> DPS {
        let endpoint = try reader.required("global_endpoint", reader.string)
        guard let url = URL(string: endpoint), let scheme = url.scheme, ["http", "https"].contains(scheme.lowercased()), url.host != nil else {
            throw reader.invalid("global_endpoint", "expected an http(s) URL, found \"\(endpoint)\"")
        }
        let scopeId = try reader.required("scope_id", reader.string)
        var payloadURI: String?
        if let payload = try reader.table("payload") {
            let uri = try payload.required("uri", payload.string)
            guard uri.hasPrefix("file://") else { throw payload.invalid("uri", "the payload must be a file:// URI, found \"\(uri)\"") }
            payloadURI = uri
        }
        guard let attestation = try reader.table("attestation") else {
            throw ConfigError(.missingKey, "\(reader.keyPath("attestation")): missing required table")
        }
        let method = try attestation.required("method", attestation.string)
        let parsed: DPS.Attestation
        switch method {
        case "symmetric_key":
            parsed = .symmetricKey(
                registrationId: try attestation.required("registration_id", attestation.string),
                symmetricKey: try attestation.required("symmetric_key", attestation.string)
            )
        case "x509":
            var autoRenew: ConfigTable?
            if let renew = try attestation.table("identity_auto_renew") {
                autoRenew = try Self.readAutoRenew(renew)
            }
            parsed = .x509(
                registrationId: try CSRSubject.read("registration_id", of: attestation),
                identityCert: try attestation.required("identity_cert", attestation.string),
                identityPk: try attestation.required("identity_pk", attestation.string),
                autoRenew: autoRenew
            )
        case "tpm":
            parsed = .tpm(registrationId: try attestation.required("registration_id", attestation.string))
        default:
            throw attestation.invalid("method", "expected \"symmetric_key\", \"x509\" or \"tpm\", found \"\(method)\"")
        }
        return DPS(globalEndpoint: endpoint, scopeId: scopeId, attestation: parsed, payloadURI: payloadURI)
    }

    /// `[identity_auto_renew]`: `rotate_key`, `threshold`, `retry`, kept as written (renewal itself is not done by
    /// this build).
    private static func readAutoRenew(_ reader: ConfigReader) throws(ConfigError) -> ConfigTable {
        var table = ConfigTable()
        if let rotate = try reader.boolean("rotate_key") { table["rotate_key"] = .boolean(rotate) }
        for key in ["threshold", "retry"] {
            if let value = try reader.string(key) {
                guard Self.isRenewalPolicy(value) else {
                    throw reader.invalid(key, "expected \"<1-99>%\", \"<n>min\" or \"<n>day\", found \"\(value)\"")
                }
                table[key] = .string(value)
            }
        }
        return table
    }

    static func isRenewalPolicy(_ text: String) -> Bool {
        if text.hasSuffix("%"), let value = Int(text.dropLast()) { return (1...99).contains(value) }
        for unit in ["min", "day"] where text.hasSuffix(unit) {
            if let value = Int(text.dropLast(unit.count)) { return value > 0 }
        }
        return false
    }

    /// Standard base64, padded or not (the reference's super-config accepts unpadded keys).
    static func decodeBase64(_ text: String) -> [UInt8]? {
        var padded = text
        while padded.count % 4 != 0 { padded += "=" }
        return Data(base64Encoded: padded).map { [UInt8]($0) }
    }
}
