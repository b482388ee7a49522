/// What a symmetric key may be used for (`usage` of `POST /key`, a comma-separated list on the wire).
public enum KeyUsage: String, Sendable, Hashable, CaseIterable {
    case derive
    case encrypt
    case sign

    /// Parses `derive,sign`. Every comma-separated token must be a known usage (an empty string is one empty token,
    /// so it is rejected too), as keyd does.
    public static func parseList(_ text: String) -> Result<[KeyUsage], KeyUsageParseError> {
        var usages: [KeyUsage] = []
        for token in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let usage = KeyUsage(rawValue: String(token)) else { return .failure(KeyUsageParseError(token: String(token))) }
            usages.append(usage)
        }
        return .success(usages)
    }

    /// `derive,sign`.
    public static func formatList(_ usages: [KeyUsage]) -> String {
        usages.map(\.rawValue).joined(separator: ",")
    }
}

/// A `usage` token that is not `derive`, `encrypt` or `sign`.
public struct KeyUsageParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let token: String
    public var description: String { "invalid value: string \"\(token)\", expected KeyUsage (derive, encrypt or sign)" }
}
