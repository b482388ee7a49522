public import IoTHubProtocol

extension AuthenticationMechanism {
    /// SAS keys (`symmetricKey`): base64 strings of 16 to 64 bytes, `null` when not set.
    public struct SymmetricKey: Sendable, Hashable, Codable {
        /// The primary key.
        public var primaryKey: String?
        /// The secondary key.
        public var secondaryKey: String?

        /// Creates keys.
        public init(primaryKey: String? = nil, secondaryKey: String? = nil) {
            self.primaryKey = primaryKey
            self.secondaryKey = secondaryKey
        }

        /// `{"primaryKey": …, "secondaryKey": …}` (`null` members when not set).
        public var json: JSONValue {
            ["primaryKey": .optional(primaryKey), "secondaryKey": .optional(secondaryKey)]
        }

        public func encode(to encoder: any Encoder) throws {
            try json.encode(to: encoder)
        }
    }
}
