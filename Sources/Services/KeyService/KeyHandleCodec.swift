import Crypto
import Foundation

/// What a key handle names (the `key_id` of its signed payload).
enum KeyHandleSubject: Sendable, Equatable {
    /// `{"KeyPair":"<id>"}`.
    case keyPair(String)
    /// `{"Key":"<id>"}`.
    case key(String)
    /// `{"Derived":["<base handle>",[<derivation bytes>]]}`.
    case derived(baseHandle: String, derivationData: [UInt8])
}

extension KeyHandleSubject: Codable {
    private struct VariantKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: VariantKey.self)
        guard container.allKeys.count == 1, let variant = container.allKeys.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected exactly one variant"))
        }
        switch variant.stringValue {
        case "KeyPair":
            self = .keyPair(try container.decode(String.self, forKey: variant))
        case "Key":
            self = .key(try container.decode(String.self, forKey: variant))
        case "Derived":
            var pair = try container.nestedUnkeyedContainer(forKey: variant)
            let base = try pair.decode(String.self)
            let data = try pair.decode([UInt8].self)
            guard pair.isAtEnd else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "Derived has two elements"))
            }
            self = .derived(baseHandle: base, derivationData: data)
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown variant \(variant.stringValue)"))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: VariantKey.self)
        switch self {
        case .keyPair(let id):
            try container.encode(id, forKey: VariantKey(stringValue: "KeyPair"))
        case .key(let id):
            try container.encode(id, forKey: VariantKey(stringValue: "Key"))
        case .derived(let base, let data):
            var pair = container.nestedUnkeyedContainer(forKey: VariantKey(stringValue: "Derived"))
            try pair.encode(base)
            try pair.encode(data)
        }
    }
}

/// Mints and validates keyd key handles:
/// `sr=<b64(SR)>&sig=<b64(HMAC-SHA256(handle-validation-key, SR))>` with `SR` the compact JSON
/// `{"key_id":<subject>,"nonce":"<b64 of 64 random bytes>"}` (standard base64 with padding throughout).
enum KeyHandleCodec {
    private struct SignedPayload: Codable {
        // swiftlint:disable:next identifier_name
        var key_id: KeyHandleSubject
        var nonce: String
    }

    /// A new handle for `subject`, with a fresh nonce.
    static func mint(_ subject: KeyHandleSubject, validationKey: SymmetricKey) throws(KeyServiceError) -> String {
        var nonce = [UInt8](repeating: 0, count: 64)
        var generator = SystemRandomNumberGenerator()
        for index in nonce.indices { nonce[index] = generator.next() }
        let encoder = JSONEncoder()
        // Sorted keys put key_id before nonce, as serde writes them; slashes stay unescaped like serde_json's.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let payload: Data
        do {
            payload = try encoder.encode(SignedPayload(key_id: subject, nonce: Data(nonce).base64EncodedString()))
        } catch {
            throw .internalError("cannot encode a key handle payload: \(error)")
        }
        let signature = HMAC<SHA256>.authenticationCode(for: payload, using: validationKey)
        return "sr=\(payload.base64EncodedString())&sig=\(Data(signature).base64EncodedString())"
    }

    /// The subject of a handle whose signature verifies (in constant time) under `validationKey`; any defect →
    /// `400 parameter "handle" has an invalid value / invalid handle`.
    static func verify(_ handle: String, validationKey: SymmetricKey) throws(KeyServiceError) -> KeyHandleSubject {
        var payload: Data?
        var signature: Data?
        for part in handle.split(separator: "&", omittingEmptySubsequences: false) {
            if part.hasPrefix("sr=") {
                guard let decoded = Data(base64Encoded: String(part.dropFirst(3))) else { throw .invalidHandle }
                payload = decoded
            } else if part.hasPrefix("sig=") {
                guard let decoded = Data(base64Encoded: String(part.dropFirst(4))) else { throw .invalidHandle }
                signature = decoded
            }
        }
        guard let payload, let signature, String(validating: payload, as: UTF8.self) != nil else { throw .invalidHandle }
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: payload, using: validationKey) else {
            throw .invalidHandle
        }
        do {
            return try JSONDecoder().decode(SignedPayload.self, from: payload).key_id
        } catch {
            throw .invalidHandle
        }
    }
}
