/// An opaque key handle minted by keyd (`sr=…&sig=…`): a bearer capability for one key, key pair or derived key.
///
/// On the wire it is a plain JSON string. ``description`` hides the signature part so that a handle printed into a
/// log cannot be replayed.
public struct KeyHandle: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The handle exactly as keyd sent it.
    public var rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The handle with its signature replaced by `…`, safe to log.
    public var description: String {
        let parts = rawValue.split(separator: "&", omittingEmptySubsequences: false)
        guard parts.contains(where: { $0.hasPrefix("sig=") }) else { return "<key handle>" }
        return parts.map { $0.hasPrefix("sig=") ? "sig=…" : String($0) }.joined(separator: "&")
    }
}
