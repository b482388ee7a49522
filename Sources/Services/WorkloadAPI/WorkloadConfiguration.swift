/// What the workload API needs to know about the device and the ids it uses in keyd and certd. Every id defaults to the
/// reference's value; `hubName` and `deviceId` come from identityd's device identity at aziot-edged start-up.
public struct WorkloadConfiguration: Sendable, Equatable {
    /// The IoT Hub host name, used in identity certificates' SAN (`azureiot://<hub>/devices/<device>/modules/<m>`).
    public var hubName: String
    /// The device id, used in identity certificates' SAN.
    public var deviceId: String
    /// certd id of the Edge CA certificate, the issuer of every module certificate (`[edge_ca] cert`).
    public var edgeCACertId: String
    /// keyd id of the Edge CA key pair (`[edge_ca] key`).
    public var edgeCAKeyId: String
    /// certd id served by `GET /trust-bundle` (`trust_bundle_cert`).
    public var trustBundleCertId: String
    /// certd id served by `GET /manifest-trust-bundle` (`manifest_trust_bundle_cert`); may be absent.
    public var manifestTrustBundleCertId: String
    /// keyd id of the AES-256-GCM key behind encrypt/decrypt, created on first use. Changing it makes every secret
    /// a module has stored undecryptable.
    public var masterEncryptionKeyId: String

    public static let defaultEdgeCAId = "aziot-edged-ca"
    public static let defaultTrustBundleCertId = "aziot-edged-trust-bundle"
    public static let defaultManifestTrustBundleCertId = "aziot-edged-manifest-trust-bundle"
    public static let defaultMasterEncryptionKeyId = "iotedge_master_encryption_id"

    public init(
        hubName: String,
        deviceId: String,
        edgeCACertId: String = WorkloadConfiguration.defaultEdgeCAId,
        edgeCAKeyId: String = WorkloadConfiguration.defaultEdgeCAId,
        trustBundleCertId: String = WorkloadConfiguration.defaultTrustBundleCertId,
        manifestTrustBundleCertId: String = WorkloadConfiguration.defaultManifestTrustBundleCertId,
        masterEncryptionKeyId: String = WorkloadConfiguration.defaultMasterEncryptionKeyId
    ) {
        self.hubName = hubName
        self.deviceId = deviceId
        self.edgeCACertId = edgeCACertId
        self.edgeCAKeyId = edgeCAKeyId
        self.trustBundleCertId = trustBundleCertId
        self.manifestTrustBundleCertId = manifestTrustBundleCertId
        self.masterEncryptionKeyId = masterEncryptionKeyId
    }
}
