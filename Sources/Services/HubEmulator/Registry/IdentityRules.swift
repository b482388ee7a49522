import Foundation

/// IoT Hub's rules for identity ids and credentials, and the generators for the values the hub owns
/// (keys, etags, generation ids, scopes).
enum IdentityRules {
    /// The maximum length of a device or module id.
    static let maxIdLength = 128
    /// The characters IoT Hub allows in ids besides ASCII letters and digits.
    static let idPunctuation = Set("-:.+%_#*?!(),=@;$'")
    /// The ids of the system modules IoT Hub creates on every edge device.
    static let systemModuleIds = ["$edgeAgent", "$edgeHub"]
    /// The scheme of edge device scopes: `ms-azure-iot-edge://{deviceId}-{generationId}`.
    static let scopePrefix = "ms-azure-iot-edge://"

    /// Checks a device or module id: 1 to 128 ASCII letters, digits or `-:.+%_#*?!(),=@;$'`.
    static func validate(id: String, kind: String) throws(HubError) {
        guard !id.isEmpty else { throw HubError(.argumentInvalid, "the \(kind) id is empty") }
        guard id.utf8.count <= maxIdLength else {
            throw HubError(.argumentInvalid, "the \(kind) id \"\(id.prefix(16))…\" is longer than \(maxIdLength) characters")
        }
        for character in id where !(character.isASCII && (character.isLetter || character.isNumber) || idPunctuation.contains(character)) {
            throw HubError(
                .argumentInvalid,
                "the \(kind) id \"\(id)\" contains \"\(character)\"; ids may contain ASCII letters, digits and -:.+%_#*?!(),=@;$'")
        }
    }

    /// A new SAS key: 32 random bytes, base64.
    static func generateKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// Checks a given SAS key: base64 of 16 to 64 bytes, as IoT Hub requires.
    static func validate(key: String, name: String) throws(HubError) {
        guard let bytes = Base64.decode(key), (16...64).contains(bytes.count) else {
            throw HubError(.argumentInvalid, "authentication.symmetricKey.\(name) must be base64 of 16 to 64 bytes")
        }
    }

    /// Checks an X.509 thumbprint: 40 (SHA-1) or 64 (SHA-256) hex digits.
    static func validate(thumbprint: String, name: String) throws(HubError) {
        guard thumbprint.count == 40 || thumbprint.count == 64, thumbprint.allSatisfy(\.isHexDigit) else {
            throw HubError(
                .argumentInvalid, "authentication.x509Thumbprint.\(name) must be 40 (SHA-1) or 64 (SHA-256) hex digits")
        }
    }

    /// Completes and checks `requested` for a create (`existing` nil) or an update: SAS keys that are
    /// not given are kept from `existing` (when it was SAS too) or generated; credentials that do not
    /// apply to the type are cleared.
    static func resolve(
        _ requested: AuthenticationMechanism, existing: AuthenticationMechanism?
    ) throws(HubError) -> AuthenticationMechanism {
        var result = AuthenticationMechanism(type: requested.type)
        switch requested.type {
        case .sas:
            let kept = existing?.type == .sas ? existing?.symmetricKey : nil
            let primary = requested.symmetricKey.primaryKey ?? kept?.primaryKey ?? generateKey()
            let secondary = requested.symmetricKey.secondaryKey ?? kept?.secondaryKey ?? generateKey()
            try validate(key: primary, name: "primaryKey")
            try validate(key: secondary, name: "secondaryKey")
            result.symmetricKey = .init(primaryKey: primary, secondaryKey: secondary)
        case .selfSigned:
            guard let primary = requested.x509Thumbprint.primaryThumbprint else {
                throw HubError(.argumentInvalid, "authentication.x509Thumbprint.primaryThumbprint is required for selfSigned authentication")
            }
            try validate(thumbprint: primary, name: "primaryThumbprint")
            if let secondary = requested.x509Thumbprint.secondaryThumbprint {
                try validate(thumbprint: secondary, name: "secondaryThumbprint")
            }
            result.x509Thumbprint = requested.x509Thumbprint
        case .certificateAuthority, .none:
            break
        }
        return result
    }

    /// A new identity etag: base64 of a random decimal number, as IoT Hub's look (`MTA2NTU1MDM2Mw==`),
    /// guaranteed to differ from `previous`.
    static func newIdentityETag(previous: String?) -> String {
        var generator = SystemRandomNumberGenerator()
        while true {
            let etag = Base64.encode(Array(String(UInt32.random(in: 1 ... .max, using: &generator)).utf8))
            if etag != previous { return etag }
        }
    }

    /// A twin etag: base64 of the counter as a big-endian 64-bit integer (`AAAAAAAAAAE=` for 1).
    static func twinETag(_ counter: Int64) -> String {
        Base64.encode(withUnsafeBytes(of: counter.bigEndian) { Array($0) })
    }

    /// Whether an `If-Match` header value matches `etag`: `*` matches any; otherwise the value is
    /// compared after removing a weak `W/` prefix and surrounding quotes (the SDKs quote etags).
    static func matches(ifMatch: String, etag: String?) -> Bool {
        var value = Substring(ifMatch.trimmingCharacters(in: .whitespaces))
        if value.hasPrefix("W/") { value = value.dropFirst(2) }
        if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
        return value == "*" || value == etag.map { Substring($0) }
    }

    /// An edge device's own scope.
    static func scope(deviceId: String, generationId: String) -> String {
        "\(scopePrefix)\(deviceId)-\(generationId)"
    }
}
