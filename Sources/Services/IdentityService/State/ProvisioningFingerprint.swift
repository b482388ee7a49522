import TOMLConfig

/// A fingerprint of the `[provisioning]` settings (our improvement on the reference, §12.3).
///
/// The reference, restarted with a valid DPS backup, never registers again, so a new ID scope, registration id,
/// endpoint or attestation is ignored until someone runs `aziotctl system reprovision`. We store this fingerprint next
/// to `device_info` whenever the device state is written; at startup a DPS backup is used only when the stored
/// fingerprint equals the current settings' one. A backup without a fingerprint (written by the reference) is adopted
/// as it is, and gets a fingerprint at the next reconciliation.
///
/// It is the SHA-256 of the settings as written to `prev_state` (endpoint, scope, attestation method and its ids,
/// payload URI, nested-mode gateway); the payload file's contents are not part of it.
public enum ProvisioningFingerprint {
    public static func of(_ settings: ProvisioningSettings) -> String {
        "sha256:" + Naming.sha256Hex(TOMLWriter.write(ConfigTable([("provisioning", .table(settings.configTable))])))
    }
}
