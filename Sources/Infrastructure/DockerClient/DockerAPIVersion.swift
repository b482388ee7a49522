/// A Docker Engine API version such as `1.41`, ordered numerically (`1.9 < 1.41`).
public struct DockerAPIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let major: Int
    public let minor: Int

    /// The newest version this client is written against (Docker 20.10, Debian 12's engine). Newer engines serve it
    /// unchanged; older ones are spoken to in their own version.
    public static let supported = DockerAPIVersion(major: 1, minor: 41)

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `MAJOR.MINOR`; `nil` for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0 else { return nil }
        self.init(major: major, minor: minor)
    }

    public static func < (lhs: DockerAPIVersion, rhs: DockerAPIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    public var description: String { "\(major).\(minor)" }

    /// The path prefix, e.g. `/v1.41`.
    public var pathPrefix: String { "/v\(major).\(minor)" }
}
