/// Every MQTT topic an IoT Hub client and the hub exchange (§3.3–3.8), parsed into a value and rendered
/// back with ``topicName``.
///
/// Device ids, module ids, input names and method names are kept **verbatim** as they appear in the
/// topic segment (no percent-decoding), as the C# hub does. Note that the Python SDK percent-encodes
/// device and module ids in its topics (`quote(id, safe="")`), so an id with characters outside the
/// RFC 3986 unreserved set appears encoded; use ``identityMatches(topicSegment:identity:)`` to
/// compare a topic id with an authenticated identity. Property bags and query values (`$rid`) are
/// decoded when parsed and encoded when rendered.
///
/// Rendering does not validate: components must not contain `/` (IoT Hub ids cannot), and a method or
/// input name must not contain `?`.
public enum IoTHubTopic: Sendable, Hashable, CustomStringConvertible {
    /// Telemetry from a device or module: `devices/{d}[/modules/{m}]/messages/events[/{bag}][/]`.
    /// `trailingSlash` records whether the topic ends with `/` (all eight forms of §3.3 are accepted).
    case telemetry(deviceId: String, moduleId: String?, properties: PropertyBag, trailingSlash: Bool)
    /// A C2D message to a device: `devices/{d}/messages/devicebound/{bag}`.
    case cloudToDevice(deviceId: String, properties: PropertyBag)
    /// A message delivered to a module input: `devices/{d}/modules/{m}/inputs/{input}/{bag}`.
    case moduleInput(deviceId: String, moduleId: String, inputName: String, properties: PropertyBag)
    /// A twin GET request: `$iothub/twin/GET/?$rid={rid}`.
    case twinGet(requestId: String)
    /// A reported-properties patch: `$iothub/twin/PATCH/properties/reported/?$rid={rid}[&$version=N]`.
    case twinPatchReported(requestId: String, version: Int64?)
    /// A twin response: `$iothub/twin/res/{status}/?$rid={rid}[&$version=N]`.
    case twinResponse(status: Int, requestId: String, version: Int64?)
    /// A desired-properties patch: `$iothub/twin/PATCH/properties/desired/?$version={n}`.
    case twinDesiredPatch(version: Int64)
    /// A direct-method request: `$iothub/methods/POST/{name}/?$rid={rid}`.
    case methodRequest(name: String, requestId: String)
    /// A direct-method response: `$iothub/methods/res/{status}/?$rid={rid}`.
    case methodResponse(status: MethodResponseStatus, requestId: String)

    /// The topic string for the wire.
    public var topicName: String {
        switch self {
        case .telemetry(let deviceId, let moduleId, let properties, let trailingSlash):
            var topic = Self.identityPrefix(deviceId: deviceId, moduleId: moduleId) + "/messages/events"
            if !properties.isEmpty { topic += "/" + properties.encoded }
            if trailingSlash { topic += "/" }
            return topic
        case .cloudToDevice(let deviceId, let properties):
            return "devices/\(deviceId)/messages/devicebound/\(properties.encoded)"
        case .moduleInput(let deviceId, let moduleId, let inputName, let properties):
            return "devices/\(deviceId)/modules/\(moduleId)/inputs/\(inputName)/\(properties.encoded)"
        case .twinGet(let requestId):
            return "$iothub/twin/GET/" + Self.query(requestId: requestId, version: nil)
        case .twinPatchReported(let requestId, let version):
            return "$iothub/twin/PATCH/properties/reported/" + Self.query(requestId: requestId, version: version)
        case .twinResponse(let status, let requestId, let version):
            return "$iothub/twin/res/\(status)/" + Self.query(requestId: requestId, version: version)
        case .twinDesiredPatch(let version):
            return "$iothub/twin/PATCH/properties/desired/?$version=\(version)"
        case .methodRequest(let name, let requestId):
            return "$iothub/methods/POST/\(name)/" + Self.query(requestId: requestId, version: nil)
        case .methodResponse(let status, let requestId):
            return "$iothub/methods/res/\(status)/" + Self.query(requestId: requestId, version: nil)
        }
    }

    public var description: String { topicName }

    private static func identityPrefix(deviceId: String, moduleId: String?) -> String {
        var prefix = "devices/\(deviceId)"
        if let moduleId { prefix += "/modules/\(moduleId)" }
        return prefix
    }

    private static func query(requestId: String, version: Int64?) -> String {
        var query = "?$rid=\(PercentEncoding.encode(requestId))"
        if let version { query += "&$version=\(version)" }
        return query
    }

    /// The device id in the topic, for device-scoped topics.
    public var deviceId: String? {
        switch self {
        case .telemetry(let deviceId, _, _, _), .cloudToDevice(let deviceId, _), .moduleInput(let deviceId, _, _, _):
            deviceId
        default:
            nil
        }
    }

    /// The module id in the topic, for module-scoped topics.
    public var moduleId: String? {
        switch self {
        case .telemetry(_, let moduleId, _, _): moduleId
        case .moduleInput(_, let moduleId, _, _): moduleId
        default: nil
        }
    }

    /// The request id (`$rid`), for twin and method topics that carry one.
    public var requestId: String? {
        switch self {
        case .twinGet(let rid), .twinPatchReported(let rid, _), .twinResponse(_, let rid, _),
            .methodRequest(_, let rid), .methodResponse(_, let rid):
            rid
        default:
            nil
        }
    }

    /// The property bag, for message topics.
    public var properties: PropertyBag? {
        switch self {
        case .telemetry(_, _, let properties, _), .cloudToDevice(_, let properties),
            .moduleInput(_, _, _, let properties):
            properties
        default:
            nil
        }
    }

    /// Whether an id taken verbatim from a topic segment names `identity`: equal as is, equal to the
    /// identity percent-encoded (the Python SDK form), or equal after percent-decoding the segment.
    public static func identityMatches(topicSegment: String, identity: String) -> Bool {
        if topicSegment == identity { return true }
        if topicSegment == PercentEncoding.encode(identity) { return true }
        if let decoded = try? PercentEncoding.decode(topicSegment), decoded == identity { return true }
        return false
    }

    /// The telemetry topic the Python device SDK publishes for `message` (external-clients §1.3): the
    /// ids percent-encoded, the bag from ``IoTHubMessage/deviceTelemetryProperties``, and a trailing
    /// `/` only when the bag is empty.
    public static func sdkTelemetry(for message: IoTHubMessage, deviceId: String, moduleId: String? = nil) -> IoTHubTopic {
        let bag = message.deviceTelemetryProperties
        return .telemetry(
            deviceId: PercentEncoding.encode(deviceId),
            moduleId: moduleId.map { PercentEncoding.encode($0) },
            properties: bag,
            trailingSlash: bag.isEmpty)
    }
}
