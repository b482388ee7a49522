import Foundation
import IoTHubProtocol

/// A hub-level shared access policy (such as `iothubowner`) that service clients sign their SAS tokens with.
public struct SharedAccessPolicy: Sendable, Hashable, Codable {
    public var name: String
    public var primaryKey: String
    public var secondaryKey: String

    public init(name: String, primaryKey: String, secondaryKey: String) {
        self.name = name
        self.primaryKey = primaryKey
        self.secondaryKey = secondaryKey
    }

    /// A policy with two fresh 32-byte keys.
    public static func generate(name: String) -> SharedAccessPolicy {
        func key() -> String { Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString() }
        return SharedAccessPolicy(name: name, primaryKey: key(), secondaryKey: key())
    }

    /// The service connection string for this policy on `hostName`.
    public func connectionString(hostName: String) -> String {
        "HostName=\(hostName);SharedAccessKeyName=\(name);SharedAccessKey=\(primaryKey)"
    }
}
