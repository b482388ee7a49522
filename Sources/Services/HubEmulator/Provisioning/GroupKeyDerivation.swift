import Crypto
import Foundation

/// The per-device key of a symmetric-key enrollment group: `base64(HMAC-SHA256(base64decode(groupKey),
/// UTF8(registrationId)))`. Devices of the group sign their DPS and IoT Hub tokens with it, and DPS gives the
/// device it creates these keys (derived from the group's primary and secondary keys).
public enum GroupKeyDerivation {
    /// The device key for `registrationId` under the base64 `groupKey`; nil when `groupKey` is not base64.
    public static func deviceKey(groupKey: String, registrationId: String) -> String? {
        guard let keyBytes = Data(base64Encoded: groupKey), !keyBytes.isEmpty else { return nil }
        let mac = HMAC<SHA256>.authenticationCode(for: Data(registrationId.utf8), using: SymmetricKey(data: keyBytes))
        return Data(mac).base64EncodedString()
    }
}
