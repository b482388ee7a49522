extension IoTHubMessage {
    /// Builds a message from an inbound (client → hub) telemetry bag, as the hub does (§3.3):
    /// keys that name a system property accepted inbound (see ``SystemProperty/isAcceptedInbound``)
    /// become system properties, every other key becomes an application property under its decoded
    /// name. A repeated key keeps its last value; a system property written without a value is absent.
    /// `connectionDeviceId`/`connectionModuleId` (from the topic) are set when given.
    public init(
        body: [UInt8],
        inboundProperties bag: PropertyBag,
        connectionDeviceId: String? = nil,
        connectionModuleId: String? = nil
    ) {
        var system: [SystemProperty: String] = [:]
        var application = PropertyBag()
        for entry in bag.entries {
            if let property = SystemProperty(mqttName: entry.key), property.isAcceptedInbound {
                system[property] = entry.value
            } else {
                application.set(entry.value, forKey: entry.key)
            }
        }
        if let connectionDeviceId { system[.connectionDeviceId] = connectionDeviceId }
        if let connectionModuleId { system[.connectionModuleId] = connectionModuleId }
        self.init(body: body, systemProperties: system, applicationProperties: application)
    }

    /// Builds a message from an inbound telemetry topic (device or module): the topic's bag gives the
    /// properties and its ids give `connectionDeviceId`/`connectionModuleId`. `nil` for other topics.
    public init?(telemetry topic: IoTHubTopic, body: [UInt8]) {
        guard case .telemetry(let deviceId, let moduleId, let properties, _) = topic else { return nil }
        self.init(
            body: body, inboundProperties: properties, connectionDeviceId: deviceId, connectionModuleId: moduleId)
    }

    /// The outbound bag with application properties first, then the system properties listed in
    /// `order` that are present. A system property whose wire name equals an application key replaces
    /// that entry's value in place (the hub's `dict[wireName] = value`).
    public func outboundProperties(systemOrder order: [SystemProperty]) -> PropertyBag {
        var bag = applicationProperties.deduplicated()
        for property in order {
            if let value = systemProperties[property] {
                bag.set(value, forKey: property.mqttName)
            }
        }
        return bag
    }

    /// The bag for a module-input publish (§3.5): application properties, then
    /// ``SystemProperty/moduleInputOrder``. `$.on` and `$.ifid` are not forwarded.
    public var moduleInputProperties: PropertyBag {
        outboundProperties(systemOrder: SystemProperty.moduleInputOrder)
    }

    /// The bag for a C2D publish (§3.5): application properties, then ``SystemProperty/cloudToDeviceOrder``.
    public var cloudToDeviceProperties: PropertyBag {
        outboundProperties(systemOrder: SystemProperty.cloudToDeviceOrder)
    }

    /// The bag a device SDK (Python `azure-iot-device`) publishes for this message: system properties
    /// first in ``SystemProperty/deviceTelemetryOrder``, then application properties sorted by key in
    /// Unicode code-point order (as Python's `sorted`). Keys are not deduplicated across the two groups.
    public var deviceTelemetryProperties: PropertyBag {
        var bag = PropertyBag()
        for property in SystemProperty.deviceTelemetryOrder {
            if let value = systemProperties[property] {
                bag.append(key: property.mqttName, value: value)
            }
        }
        let custom = applicationProperties.deduplicated().entries.sorted {
            $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) { $0.value < $1.value }
        }
        bag.entries.append(contentsOf: custom)
        return bag
    }
}
