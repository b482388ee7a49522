public import Foundation

/// The SAS tokens identityd signs for DPS and IoT Hub (§4.4.1), byte for byte as the reference builds them:
/// - audience `{scopeId}/registrations/{registrationId}` (DPS) or `{hub}/devices/{deviceId}` (Hub), lower-cased,
///   then percent-encoded with the URL path set plus `=` (so `/` stays as it is);
/// - `se` = now + 30 s; the signature is HMAC-SHA256 over `"<encoded audience>\n<se>"`, made by keyd;
/// - `SharedAccessSignature sr=<encoded audience>&sig=<form-encoded base64>&se=<se>` plus `&skn=registration` for DPS.
public enum CloudSASToken {
    /// The token lifetime.
    public static let lifetime: TimeInterval = 30

    public enum Audience: Sendable, Equatable {
        case registration(scopeId: String, registrationId: String)
        case hub(hostname: String, deviceId: String)

        var text: String {
            switch self {
            case .registration(let scopeId, let registrationId): "\(scopeId)/registrations/\(registrationId)"
            case .hub(let hostname, let deviceId): "\(hostname)/devices/\(deviceId)"
            }
        }

        var isRegistration: Bool {
            if case .registration = self { return true }
            return false
        }
    }

    /// The `sr` value: the lower-cased audience, percent-encoded.
    public static func encodedResource(_ audience: Audience) -> String {
        pathSegmentEncode(audience.text.lowercased())
    }

    /// The bytes keyd signs.
    public static func stringToSign(encodedResource: String, expiry: UInt64) -> [UInt8] {
        Array("\(encodedResource)\n\(expiry)".utf8)
    }

    /// Builds a token with `sign` (keyd's `/sign` HMAC-SHA256 on the key handle).
    public static func make(
        audience: Audience,
        now: Date = Date(),
        sign: ([UInt8]) async throws -> [UInt8]
    ) async throws -> String {
        let expiry = UInt64(now.timeIntervalSince1970 + lifetime)
        let resource = encodedResource(audience)
        let signature = try await sign(stringToSign(encodedResource: resource, expiry: expiry))
        var token = "SharedAccessSignature sr=\(resource)&sig=\(formEncode(Base64.encode(signature)))&se=\(expiry)"
        if audience.isRegistration { token += "&skn=registration" }
        return token
    }

    /// Percent-encodes C0 controls, DEL, non-ASCII bytes, space, `"`, `#`, `<`, `>`, `?`, `` ` ``, `{`, `}` and `=`.
    /// The reference uses this set for SAS audiences and for the device and module ids in Hub REST paths.
    public static func pathSegmentEncode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            let encode = byte < 0x20 || byte >= 0x7F || " \"#<>?`{}=".utf8.contains(byte)
            output += encode ? String(format: "%%%02X", byte) : String(UnicodeScalar(byte))
        }
        return output
    }

    /// `application/x-www-form-urlencoded` byte serialization: letters, digits and `*-._` stay, space becomes `+`,
    /// everything else `%XX`.
    static func formEncode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                output += String(UnicodeScalar(byte))
            case UInt8(ascii: " "):
                output += "+"
            default:
                output += String(format: "%%%02X", byte)
            }
        }
        return output
    }
}
