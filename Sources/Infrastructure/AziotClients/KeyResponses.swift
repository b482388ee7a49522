public import Foundation

/// `{"keyHandle": …}`: the answer to creating or loading a key, key pair or derived key.
public struct KeyHandleResponse: Sendable, Hashable, Codable {
    public var keyHandle: KeyHandle
    public init(keyHandle: KeyHandle) { self.keyHandle = keyHandle }
}

/// `{"value": …}`: the answer to `POST /parameters/{name}`.
public struct KeyPairParameterResponse: Sendable, Hashable, Codable {
    public var value: String
    public init(value: String) { self.value = value }
}

/// `{"key": <b64>}`: the answer to `POST /derivedkey/export`.
public struct ExportDerivedKeyResponse: Sendable, Hashable, Codable {
    public var key: Data
    public init(key: Data) { self.key = key }

    enum CodingKeys: String, CodingKey { case key }
    public init(from decoder: any Decoder) throws {
        key = try decoder.container(keyedBy: CodingKeys.self).decodeBase64(forKey: .key)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeBase64(key, forKey: .key)
    }
}

/// `{"signature": <b64>}`: the answer to `POST /sign`.
public struct SignResponse: Sendable, Hashable, Codable {
    public var signature: Data
    public init(signature: Data) { self.signature = signature }

    enum CodingKeys: String, CodingKey { case signature }
    public init(from decoder: any Decoder) throws {
        signature = try decoder.container(keyedBy: CodingKeys.self).decodeBase64(forKey: .signature)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeBase64(signature, forKey: .signature)
    }
}

/// `{"ciphertext": <b64>}`: the answer to `POST /encrypt`.
public struct EncryptResponse: Sendable, Hashable, Codable {
    public var ciphertext: Data
    public init(ciphertext: Data) { self.ciphertext = ciphertext }

    enum CodingKeys: String, CodingKey { case ciphertext }
    public init(from decoder: any Decoder) throws {
        ciphertext = try decoder.container(keyedBy: CodingKeys.self).decodeBase64(forKey: .ciphertext)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeBase64(ciphertext, forKey: .ciphertext)
    }
}

/// `{"plaintext": <b64>}`: the answer to `POST /decrypt`.
public struct DecryptResponse: Sendable, Hashable, Codable {
    public var plaintext: Data
    public init(plaintext: Data) { self.plaintext = plaintext }

    enum CodingKeys: String, CodingKey { case plaintext }
    public init(from decoder: any Decoder) throws {
        plaintext = try decoder.container(keyedBy: CodingKeys.self).decodeBase64(forKey: .plaintext)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeBase64(plaintext, forKey: .plaintext)
    }
}
