public import IoTHubProtocol

extension AuthenticationMechanism {
    /// X.509 thumbprints (`x509Thumbprint`): SHA-1 (40) or SHA-256 (64) hex digits, `null` when not set.
    public struct X509Thumbprint: Sendable, Hashable, Codable {
        /// The primary thumbprint.
        public var primaryThumbprint: String?
        /// The secondary thumbprint.
        public var secondaryThumbprint: String?

        /// Creates thumbprints.
        public init(primaryThumbprint: String? = nil, secondaryThumbprint: String? = nil) {
            self.primaryThumbprint = primaryThumbprint
            self.secondaryThumbprint = secondaryThumbprint
        }

        /// `{"primaryThumbprint": …, "secondaryThumbprint": …}` (`null` members when not set).
        public var json: JSONValue {
            ["primaryThumbprint": .optional(primaryThumbprint), "secondaryThumbprint": .optional(secondaryThumbprint)]
        }

        public func encode(to encoder: any Encoder) throws {
            try json.encode(to: encoder)
        }
    }
}
