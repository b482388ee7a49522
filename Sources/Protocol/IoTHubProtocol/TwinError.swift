/// The error thrown when a twin document has the wrong shape or a patch cannot be applied.
public struct TwinError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem was found.
    public enum Code: String, Sendable, Hashable {
        /// A value that must be a JSON object is not one.
        case notAnObject
        /// `$version` is missing.
        case missingVersion
        /// `$version` is not a non-negative integer.
        case invalidVersion
        /// `desired` or `reported` is missing.
        case missingSection
    }

    /// What kind of problem was found.
    public let code: Code
    /// The path of the offending member (`desired.$version`, …).
    public let path: String
    /// A human-readable explanation naming the path.
    public let message: String

    /// Creates an error.
    public init(code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { message }
}
