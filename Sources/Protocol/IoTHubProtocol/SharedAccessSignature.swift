import Crypto
public import Foundation

/// An IoT Hub shared access signature (SAS) token:
/// `SharedAccessSignature sr={url-encoded resource}&sig={url-encoded base64 signature}&se={unix seconds}[&skn={key name}]`.
///
/// - ``resource`` is kept **exactly as sent** (still URL-encoded, escape case preserved) because the
///   signature covers those bytes; ``audience`` decodes it.
/// - ``signature`` and ``keyName`` are stored decoded; ``expiryString`` keeps `se` as sent for signing.
/// - The signature is `base64(HMAC-SHA256(key: base64decode(key), data: UTF8(sr + "\n" + se)))`.
///
/// Parsing (``init(parsing:)``): surrounding whitespace is trimmed, then the token must split on
/// whitespace into exactly two parts, the first being `SharedAccessSignature` (case-sensitive). Fields
/// are split on `&` (empty fields are skipped) and each on its first `=`; field names are
/// case-insensitive and must not repeat; `sr`, `sig` and `se` are required; unknown fields are ignored;
/// an empty `skn=` counts as absent. Values other than `sr` are percent-decoded strictly (`+` stays `+`).
/// Parsing does not check expiry or the signature: see ``verify(primaryKey:secondaryKey:now:clockSkew:)``.
public struct SharedAccessSignature: Sendable, Hashable, CustomStringConvertible {
    /// The token prefix, `SharedAccessSignature`.
    public static let prefix = "SharedAccessSignature"
    /// The default clock-skew allowance for expiry checks: 5 minutes, as the hub uses.
    public static let defaultClockSkew: TimeInterval = 300

    /// The `sr` field exactly as sent (URL-encoded).
    public let resource: String
    /// The decoded `sig` field: the base64 HMAC-SHA256 signature.
    public let signature: String
    /// The `se` field: expiry in unix seconds.
    public let expiry: UInt64
    /// The decoded `se` field exactly as sent (used in the string to sign).
    public let expiryString: String
    /// The decoded `skn` field (the shared access policy name), if any.
    public let keyName: String?

    /// Creates a token from its parts; `resource` must already be URL-encoded.
    public init(resource: String, signature: String, expiry: UInt64, keyName: String? = nil) {
        self.init(resource: resource, signature: signature, expiryString: String(expiry), expiry: expiry, keyName: keyName)
    }

    init(resource: String, signature: String, expiryString: String, expiry: UInt64, keyName: String?) {
        self.resource = resource
        self.signature = signature
        self.expiryString = expiryString
        self.expiry = expiry
        self.keyName = keyName
    }

    /// Parses a token (see the type documentation for the exact rules).
    public init(parsing text: some StringProtocol) throws(SharedAccessSignatureError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = trimmed.split(omittingEmptySubsequences: false, whereSeparator: { $0.isWhitespace })
        guard parts.count == 2 else {
            throw SharedAccessSignatureError(
                code: .malformed,
                message: "token must be \"SharedAccessSignature <fields>\" (found \(parts.count) whitespace-separated parts)")
        }
        guard parts[0] == Self.prefix else {
            throw SharedAccessSignatureError(
                code: .malformed, message: "token must start with \"SharedAccessSignature\", not \"\(parts[0])\"")
        }
        var fields: [String: Substring] = [:]
        for field in parts[1].split(separator: "&", omittingEmptySubsequences: true) {
            guard let equals = field.firstIndex(of: "=") else {
                throw SharedAccessSignatureError(code: .malformed, message: "token field \"\(field)\" has no '='")
            }
            let name = field[..<equals].lowercased()
            guard fields[name] == nil else {
                throw SharedAccessSignatureError(code: .duplicateField, message: "duplicate token field \(name)")
            }
            fields[name] = field[field.index(after: equals)...]
        }
        func required(_ name: String) throws(SharedAccessSignatureError) -> Substring {
            guard let value = fields[name] else {
                throw SharedAccessSignatureError(code: .missingField, message: "token is missing the \(name) field")
            }
            guard !value.isEmpty else {
                throw SharedAccessSignatureError(code: .missingField, message: "token field \(name) is empty")
            }
            return value
        }
        func decoded(_ name: String, _ value: Substring) throws(SharedAccessSignatureError) -> String {
            do {
                return try PercentEncoding.decode(value)
            } catch {
                throw SharedAccessSignatureError(code: .invalidEncoding, message: "token field \(name): \(error.message)")
            }
        }
        let resource = String(try required("sr"))
        let signature = try decoded("sig", try required("sig"))
        let expiryString = try decoded("se", try required("se"))
        guard let expiry = Self.parseExpiry(expiryString) else {
            throw SharedAccessSignatureError(
                code: .invalidExpiry, message: "token expiry se=\"\(expiryString)\" is not a valid unix time in seconds")
        }
        var keyName: String?
        if let skn = fields["skn"], !skn.isEmpty {
            keyName = try decoded("skn", skn)
        }
        self.init(resource: resource, signature: signature, expiryString: expiryString, expiry: expiry, keyName: keyName)
    }

    private static func parseExpiry(_ text: String) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return UInt64(text)
    }

    /// Generates a token.
    ///
    /// - Parameters:
    ///   - resource: the **raw** resource, e.g. `myhub.azure-devices.net/devices/dev1` (for identities
    ///     build it with ``SASAudience/resource``); it is percent-encoded here, leaving only RFC 3986
    ///     unreserved characters, as the SDKs do.
    ///   - key: the base64 symmetric key.
    ///   - expiry: unix seconds.
    ///   - keyName: the policy name for `skn`, if any.
    /// - Throws: ``SharedAccessSignatureError`` `.invalidKey` if `key` is not valid base64.
    public static func make(
        resource: String, key: String, expiry: UInt64, keyName: String? = nil
    ) throws(SharedAccessSignatureError) -> SharedAccessSignature {
        make(resource: resource, keyBytes: try decodeKey(key), expiry: expiry, keyName: keyName)
    }

    /// Generates a token from raw key bytes (see ``make(resource:key:expiry:keyName:)``).
    public static func make(
        resource: String, keyBytes: [UInt8], expiry: UInt64, keyName: String? = nil
    ) -> SharedAccessSignature {
        let encodedResource = PercentEncoding.encode(resource)
        let expiryString = String(expiry)
        let signature = computeSignature(encodedResource: encodedResource, expiry: expiryString, keyBytes: keyBytes)
        return SharedAccessSignature(
            resource: encodedResource, signature: signature, expiryString: expiryString, expiry: expiry, keyName: keyName)
    }

    /// Computes `base64(HMAC-SHA256(keyBytes, UTF8(encodedResource + "\n" + expiry)))`.
    public static func computeSignature(encodedResource: String, expiry: String, keyBytes: [UInt8]) -> String {
        let message = Array((encodedResource + "\n" + expiry).utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: keyBytes))
        return Data(mac).base64EncodedString()
    }

    static func decodeKey(_ key: String) throws(SharedAccessSignatureError) -> [UInt8] {
        guard !key.isEmpty, let data = Data(base64Encoded: key) else {
            throw SharedAccessSignatureError(code: .invalidKey, message: "signing key is not valid base64")
        }
        return [UInt8](data)
    }

    /// The string the signature covers: `resource + "\n" + expiryString`.
    public var stringToSign: String { resource + "\n" + expiryString }

    /// The expiry as a date.
    public var expiryDate: Date { Date(timeIntervalSince1970: TimeInterval(expiry)) }

    /// The token rendered for the wire: `SharedAccessSignature sr=…&sig=…&se=…[&skn=…]`.
    public var description: String {
        var text = "\(Self.prefix) sr=\(resource)&sig=\(PercentEncoding.encode(signature))&se=\(PercentEncoding.encode(expiryString))"
        if let keyName { text += "&skn=\(PercentEncoding.encode(keyName))" }
        return text
    }
}
