/// The capability a SUBSCRIBE topic filter gives a client, as the hub classifies filters (§3.4), plus
/// the filters a device or module subscribes to for each capability.
///
/// Classification is by string form, first rule wins:
/// 1. starts with `$iothub/methods/POST/` → ``methods``;
/// 2. starts with `$iothub/twin/PATCH/properties/desired/` → ``desiredPropertyUpdates``;
/// 3. ends with `messages/devicebound/#` → ``cloudToDevice``;
/// 4. equals `$iothub/twin/res/#` → ``twinResponse``;
/// 5. matches `^devices/.+/modules/.+/#$` → ``moduleMessages``;
/// 6. anything else → ``unknown``.
public enum IoTHubSubscription: String, Sendable, Hashable, CaseIterable {
    /// Direct-method requests.
    case methods
    /// Desired-property patches.
    case desiredPropertyUpdates
    /// Cloud-to-device messages.
    case cloudToDevice
    /// Twin responses.
    case twinResponse
    /// Module-input (module-to-module) messages.
    case moduleMessages
    /// A filter the hub does not recognise; it delivers nothing the hub generates.
    case unknown

    /// Classifies a SUBSCRIBE topic filter (see the type documentation).
    public init(topicFilter filter: String) {
        if filter.hasPrefix("$iothub/methods/POST/") {
            self = .methods
        } else if filter.hasPrefix("$iothub/twin/PATCH/properties/desired/") {
            self = .desiredPropertyUpdates
        } else if filter.hasSuffix("messages/devicebound/#") {
            self = .cloudToDevice
        } else if filter == "$iothub/twin/res/#" {
            self = .twinResponse
        } else if Self.isModuleMessagesFilter(filter) {
            self = .moduleMessages
        } else {
            self = .unknown
        }
    }

    /// `^devices/.+/modules/.+/#$`, where `.+` may span `/`.
    private static func isModuleMessagesFilter(_ filter: String) -> Bool {
        let utf8 = Array(filter.utf8)
        let prefix = Array("devices/".utf8)
        let suffix = Array("/#".utf8)
        let marker = Array("/modules/".utf8)
        guard utf8.count >= prefix.count + suffix.count + marker.count + 2,
              utf8.starts(with: prefix), utf8.suffix(suffix.count).elementsEqual(suffix)
        else { return false }
        let middle = Array(utf8[prefix.count..<(utf8.count - suffix.count)])
        // Need middle = X + "/modules/" + Y with X and Y non-empty.
        guard middle.count >= marker.count + 2 else { return false }
        for start in 1...(middle.count - marker.count - 1) where middle[start..<(start + marker.count)].elementsEqual(marker) {
            return true
        }
        return false
    }

    /// The topic filter a client subscribes to for this capability, with ids inserted verbatim
    /// (pass percent-encoded ids to mimic the Python SDK). `nil` when the capability does not apply
    /// (C2D for a module, module messages for a device, ``unknown``).
    public static func topicFilter(for capability: IoTHubSubscription, deviceId: String, moduleId: String?) -> String? {
        switch capability {
        case .methods: "$iothub/methods/POST/#"
        case .desiredPropertyUpdates: "$iothub/twin/PATCH/properties/desired/#"
        case .twinResponse: "$iothub/twin/res/#"
        case .cloudToDevice: moduleId == nil ? "devices/\(deviceId)/messages/devicebound/#" : nil
        case .moduleMessages: moduleId.map { "devices/\(deviceId)/modules/\($0)/inputs/#" }
        case .unknown: nil
        }
    }

    /// Every filter a device (C2D, methods, desired patches, twin responses) or a module (inputs,
    /// methods, desired patches, twin responses) needs to use all features.
    public static func requiredTopicFilters(deviceId: String, moduleId: String?) -> [String] {
        let capabilities: [IoTHubSubscription] =
            moduleId == nil
            ? [.cloudToDevice, .methods, .desiredPropertyUpdates, .twinResponse]
            : [.moduleMessages, .methods, .desiredPropertyUpdates, .twinResponse]
        return capabilities.compactMap { topicFilter(for: $0, deviceId: deviceId, moduleId: moduleId) }
    }
}
