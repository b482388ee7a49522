public import Foundation

/// Body of `POST /key`: create-if-not-exists without ``keyBytes``, import (overwrite) with them.
public struct CreateKeyRequest: Sendable, Hashable, Codable {
    public var keyId: String
    public var usage: [KeyUsage]
    public var keyBytes: Data?

    public init(keyId: String, usage: [KeyUsage], keyBytes: Data? = nil) {
        self.keyId = keyId
        self.usage = usage
        self.keyBytes = keyBytes
    }

    enum CodingKeys: String, CodingKey { case keyId, usage, keyBytes }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        keyId = try container.decode(String.self, forKey: .keyId)
        let usageText = try container.decode(String.self, forKey: .usage)
        switch KeyUsage.parseList(usageText) {
        case .success(let usage): self.usage = usage
        case .failure(let error): throw DecodingError.dataCorruptedError(forKey: .usage, in: container, debugDescription: error.description)
        }
        keyBytes = try container.decodeBase64IfPresent(forKey: .keyBytes)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(keyId, forKey: .keyId)
        try container.encode(KeyUsage.formatList(usage), forKey: .usage)
        if let keyBytes { try container.encodeBase64(keyBytes, forKey: .keyBytes) }
    }
}

/// Body of `POST /keypair`.
public struct CreateKeyPairRequest: Sendable, Hashable, Codable {
    public var keyId: String
    /// Colon-separated `ec-p256`, `rsa-2048`, `rsa-4096`, `*`; nil means `*`.
    public var preferredAlgorithms: String?

    public init(keyId: String, preferredAlgorithms: String? = nil) {
        self.keyId = keyId
        self.preferredAlgorithms = preferredAlgorithms
    }
}

/// Body of `POST /keypair/{keyPairId}` (move `from` to the path's id).
public struct MoveKeyPairRequest: Sendable, Hashable, Codable {
    public var from: String
    public init(from: String) { self.from = from }
}

/// A body made of just a handle: `DELETE /key`, `DELETE /keypair`, `POST /parameters/{name}`, `POST /derivedkey/export`.
public struct KeyHandleRequest: Sendable, Hashable, Codable {
    public var keyHandle: KeyHandle
    public init(keyHandle: KeyHandle) { self.keyHandle = keyHandle }
}

/// Body of `POST /derivedkey`.
public struct CreateDerivedKeyRequest: Sendable, Hashable, Codable {
    public var baseKeyHandle: KeyHandle
    public var derivationData: Data

    public init(baseKeyHandle: KeyHandle, derivationData: Data) {
        self.baseKeyHandle = baseKeyHandle
        self.derivationData = derivationData
    }

    enum CodingKeys: String, CodingKey { case baseKeyHandle, derivationData }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        baseKeyHandle = try container.decode(KeyHandle.self, forKey: .baseKeyHandle)
        derivationData = try container.decodeBase64(forKey: .derivationData)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(baseKeyHandle, forKey: .baseKeyHandle)
        try container.encodeBase64(derivationData, forKey: .derivationData)
    }
}

/// Body of `POST /sign`: `{"keyHandle", "algorithm", "parameters": {…}}`.
public struct SignRequest: Sendable, Hashable, Codable {
    public var keyHandle: KeyHandle
    public var mechanism: KeySignMechanism

    public init(keyHandle: KeyHandle, mechanism: KeySignMechanism) {
        self.keyHandle = keyHandle
        self.mechanism = mechanism
    }

    enum CodingKeys: String, CodingKey { case keyHandle, algorithm, parameters }
    enum ParameterKeys: String, CodingKey { case digest, message }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        keyHandle = try container.decode(KeyHandle.self, forKey: .keyHandle)
        let algorithm = try container.decode(String.self, forKey: .algorithm)
        switch algorithm {
        case "ECDSA":
            let parameters = try container.nestedContainer(keyedBy: ParameterKeys.self, forKey: .parameters)
            mechanism = .ecdsa(digest: try parameters.decodeBase64(forKey: .digest))
        case "HMAC-SHA256":
            let parameters = try container.nestedContainer(keyedBy: ParameterKeys.self, forKey: .parameters)
            mechanism = .hmacSHA256(message: try parameters.decodeBase64(forKey: .message))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .algorithm, in: container, debugDescription: "unknown variant \"\(algorithm)\", expected ECDSA or HMAC-SHA256"
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(keyHandle, forKey: .keyHandle)
        try container.encode(mechanism.algorithm, forKey: .algorithm)
        var parameters = container.nestedContainer(keyedBy: ParameterKeys.self, forKey: .parameters)
        switch mechanism {
        case .ecdsa(let digest): try parameters.encodeBase64(digest, forKey: .digest)
        case .hmacSHA256(let message): try parameters.encodeBase64(message, forKey: .message)
        }
    }
}

/// Body of `POST /encrypt`: `{"keyHandle", "algorithm", "parameters"?, "plaintext"}`.
public struct EncryptRequest: Sendable, Hashable, Codable {
    public var keyHandle: KeyHandle
    public var mechanism: KeyEncryptMechanism
    public var plaintext: Data

    public init(keyHandle: KeyHandle, mechanism: KeyEncryptMechanism, plaintext: Data) {
        self.keyHandle = keyHandle
        self.mechanism = mechanism
        self.plaintext = plaintext
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: KeyEncryptMechanism.CodingKeys.self)
        keyHandle = try container.decode(KeyHandle.self, forKey: .keyHandle)
        mechanism = try KeyEncryptMechanism(from: container)
        plaintext = try container.decodeBase64(forKey: .plaintext)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: KeyEncryptMechanism.CodingKeys.self)
        try container.encode(keyHandle, forKey: .keyHandle)
        try mechanism.encode(to: &container)
        try container.encodeBase64(plaintext, forKey: .plaintext)
    }
}

/// Body of `POST /decrypt`: `{"keyHandle", "algorithm", "parameters"?, "ciphertext"}`.
public struct DecryptRequest: Sendable, Hashable, Codable {
    public var keyHandle: KeyHandle
    public var mechanism: KeyEncryptMechanism
    public var ciphertext: Data

    public init(keyHandle: KeyHandle, mechanism: KeyEncryptMechanism, ciphertext: Data) {
        self.keyHandle = keyHandle
        self.mechanism = mechanism
        self.ciphertext = ciphertext
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: KeyEncryptMechanism.CodingKeys.self)
        keyHandle = try container.decode(KeyHandle.self, forKey: .keyHandle)
        mechanism = try KeyEncryptMechanism(from: container)
        ciphertext = try container.decodeBase64(forKey: .ciphertext)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: KeyEncryptMechanism.CodingKeys.self)
        try container.encode(keyHandle, forKey: .keyHandle)
        try mechanism.encode(to: &container)
        try container.encodeBase64(ciphertext, forKey: .ciphertext)
    }
}

extension KeyEncryptMechanism {
    enum CodingKeys: String, CodingKey { case keyHandle, algorithm, parameters, plaintext, ciphertext }
    enum ParameterKeys: String, CodingKey { case iv, aad }

    /// Reads `algorithm` and, for `AEAD`, `parameters` (the RSA mechanisms have none; any value there is ignored).
    init(from container: KeyedDecodingContainer<CodingKeys>) throws {
        let algorithm = try container.decode(String.self, forKey: .algorithm)
        switch algorithm {
        case "AEAD":
            let parameters = try container.nestedContainer(keyedBy: ParameterKeys.self, forKey: .parameters)
            self = .aead(iv: try parameters.decodeBase64(forKey: .iv), aad: try parameters.decodeBase64(forKey: .aad))
        case "RSA-PKCS1":
            self = .rsaPKCS1
        case "RSA-NO-PADDING":
            self = .rsaNoPadding
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .algorithm, in: container,
                debugDescription: "unknown variant \"\(algorithm)\", expected one of AEAD, RSA-PKCS1, RSA-NO-PADDING"
            )
        }
    }

    func encode(to container: inout KeyedEncodingContainer<CodingKeys>) throws {
        try container.encode(algorithm, forKey: .algorithm)
        if case .aead(let iv, let aad) = self {
            var parameters = container.nestedContainer(keyedBy: ParameterKeys.self, forKey: .parameters)
            try parameters.encodeBase64(iv, forKey: .iv)
            try parameters.encodeBase64(aad, forKey: .aad)
        }
    }
}
