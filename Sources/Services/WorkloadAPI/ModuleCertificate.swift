public import Foundation
public import IoTHubProtocol

/// A certificate issued to a module with its private key: the body of `201` answers to the certificate routes,
/// `{"privateKey":{"type":"key","bytes":"<PKCS#8 PEM>"},"certificate":"<PEM chain>","expiration":"<RFC 3339>"}` —
/// plain PEM text, not base64, in that member order.
public struct ModuleCertificate: Sendable, Equatable {
    /// The new private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), ending with a newline.
    public var privateKeyPEM: String
    /// The leaf followed by the Edge CA chain, as certd returned it.
    public var certificatePEM: String
    /// The leaf's notAfter.
    public var expiration: Date

    public init(privateKeyPEM: String, certificatePEM: String, expiration: Date) {
        self.privateKeyPEM = privateKeyPEM
        self.certificatePEM = certificatePEM
        self.expiration = expiration
    }

    public var jsonValue: JSONValue {
        [
            "privateKey": ["type": "key", "bytes": .string(privateKeyPEM)],
            "certificate": .string(certificatePEM),
            "expiration": .string(Self.rfc3339(expiration)),
        ]
    }

    /// `2025-01-31T12:00:00+00:00`: UTC with a `+00:00` offset and no fraction (certificate times are whole seconds).
    public static func rfc3339(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        let year = String(parts.year ?? 0)
        let paddedYear = String(repeating: "0", count: max(0, 4 - year.count)) + year
        return "\(paddedYear)-\(two(parts.month))-\(two(parts.day))T\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second))+00:00"
    }
}
