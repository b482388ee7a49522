/// Why a configuration could not be read: which file, which key, and what was wrong with it.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is, for code that reacts to it.
    public enum Code: Sendable, Equatable {
        /// A file is not valid TOML.
        case syntax
        /// A file or directory could not be read.
        case unreadable
        /// A required key is absent.
        case missingKey
        /// A key holds a value of the wrong type or an invalid value.
        case invalidValue
        /// Keys that no part of the service reads (typos, misplaced sections).
        case unknownKeys
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
