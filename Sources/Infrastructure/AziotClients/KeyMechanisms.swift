public import Foundation

/// `POST /sign`'s `algorithm` and `parameters`.
public enum KeySignMechanism: Sendable, Hashable {
    /// `ECDSA` with a key pair over a digest the caller already computed; the signature is DER `ECDSA-Sig-Value`.
    case ecdsa(digest: Data)
    /// `HMAC-SHA256` with a symmetric or derived key over a message; the signature is 32 bytes.
    case hmacSHA256(message: Data)

    /// The `algorithm` value.
    public var algorithm: String {
        switch self {
        case .ecdsa: "ECDSA"
        case .hmacSHA256: "HMAC-SHA256"
        }
    }
}

/// `POST /encrypt`'s and `POST /decrypt`'s `algorithm` and `parameters`.
public enum KeyEncryptMechanism: Sendable, Hashable {
    /// `AEAD` (AES-GCM) with a symmetric or derived key.
    case aead(iv: Data, aad: Data)
    /// `RSA-PKCS1`: the RSA private-key operation over PKCS#1 v1.5 type 1 padded data (an RSA signature).
    case rsaPKCS1
    /// `RSA-NO-PADDING`: the raw RSA private-key operation; the caller pads.
    case rsaNoPadding

    /// The `algorithm` value.
    public var algorithm: String {
        switch self {
        case .aead: "AEAD"
        case .rsaPKCS1: "RSA-PKCS1"
        case .rsaNoPadding: "RSA-NO-PADDING"
        }
    }
}

/// A `/parameters/{name}` name. The known ones are constants; any other name can be sent (keyd answers 400).
public struct KeyPairParameter: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    /// `ECDSA` or `RSA`.
    public static let algorithm = KeyPairParameter(rawValue: "algorithm")
    /// Base64 of the DER-encoded curve OID (EC only).
    public static let ecCurveOID = KeyPairParameter(rawValue: "ec-curve-oid")
    /// Base64 of the compressed public point (EC only).
    public static let ecPoint = KeyPairParameter(rawValue: "ec-point")
    /// Base64 of the big-endian modulus (RSA only).
    public static let rsaModulus = KeyPairParameter(rawValue: "rsa-modulus")
    /// Base64 of the big-endian public exponent (RSA only).
    public static let rsaExponent = KeyPairParameter(rawValue: "rsa-exponent")
}
