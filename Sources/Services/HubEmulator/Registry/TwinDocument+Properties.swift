public import IoTHubProtocol

extension TwinDocument {
    /// The `properties` member of a twin: `{"desired": {…}, "reported": {…}}`, each section with its
    /// `$metadata` and `$version`.
    public struct Properties: Sendable, Hashable, Codable {
        /// The desired properties (written by the service).
        public var desired: TwinProperties
        /// The reported properties (written by the device or module).
        public var reported: TwinProperties

        /// Creates the properties (by default both sections empty at version 1).
        public init(desired: TwinProperties = TwinProperties(), reported: TwinProperties = TwinProperties()) {
            self.desired = desired
            self.reported = reported
        }

        /// Reads `{"desired": …, "reported": …}`; a missing section is empty at version 1, a section
        /// without `$version` is at version 1.
        public init(json: JSONValue, path: String = "properties") throws(HubError) {
            let fields = try JSONFields(json, path: path)
            self.init(
                desired: try Self.section(fields, "desired"),
                reported: try Self.section(fields, "reported"))
        }

        /// `{"desired": …, "reported": …}` as IoT Hub renders them (properties, `$metadata`, `$version`).
        public var json: JSONValue {
            ["desired": desired.json, "reported": reported.json]
        }

        public init(from decoder: any Decoder) throws {
            try self.init(json: JSONValue(from: decoder))
        }

        public func encode(to encoder: any Encoder) throws {
            try json.encode(to: encoder)
        }

        private static func section(_ fields: JSONFields, _ key: String) throws(HubError) -> TwinProperties {
            guard let sectionFields = try fields.object(key) else { return TwinProperties() }
            var object = sectionFields.object
            if object["$version"] == nil { object["$version"] = 1 }
            do {
                return try TwinProperties(json: .object(object), path: sectionFields.path)
            } catch {
                throw HubError(.argumentInvalid, error.message)
            }
        }
    }
}
