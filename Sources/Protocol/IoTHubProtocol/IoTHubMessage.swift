/// A device-to-cloud, module-to-module or cloud-to-device message as edgeHub models it (§2.1): a
/// body, system properties keyed by ``SystemProperty`` and ordered application properties.
///
/// Application properties are a ``PropertyBag`` whose keys are unique (the conversions below keep the
/// first position and the last value of a repeated key) and whose values may be `nil` (a bag key
/// written without `=`). All values are strings; there are no typed properties.
public struct IoTHubMessage: Sendable, Hashable {
    /// The maximum telemetry size the hub accepts (`MaxMessageSize`, 256 KiB), compared with ``routingSize``.
    public static let maxMessageSize = 262_144

    /// The payload.
    public var body: [UInt8]
    /// The system properties.
    public var systemProperties: [SystemProperty: String]
    /// The application (custom) properties in insertion order.
    public var applicationProperties: PropertyBag

    /// Creates a message.
    public init(
        body: [UInt8] = [],
        systemProperties: [SystemProperty: String] = [:],
        applicationProperties: PropertyBag = PropertyBag()
    ) {
        self.body = body
        self.systemProperties = systemProperties
        self.applicationProperties = applicationProperties
    }

    /// Reads or writes one system property.
    public subscript(system property: SystemProperty) -> String? {
        get { systemProperties[property] }
        set { systemProperties[property] = newValue }
    }

    /// The size the hub checks against ``maxMessageSize`` (§2.4): the sum over both property maps of key
    /// length plus value length in UTF-16 code units (system properties by their internal key), plus
    /// the body length in bytes.
    public var routingSize: Int {
        var size = body.count
        for (property, value) in systemProperties {
            size += property.rawValue.utf16.count + value.utf16.count
        }
        for entry in applicationProperties.entries {
            size += entry.key.utf16.count + (entry.value?.utf16.count ?? 0)
        }
        return size
    }

    /// Whether ``routingSize`` exceeds ``maxMessageSize``.
    public var isTooLarge: Bool { routingSize > Self.maxMessageSize }
}
