import IoTHubProtocol
import Testing

@Suite("IoTHubSubscription")
struct IoTHubSubscriptionTests {
    @Test(
        "classifies filters as §3.4 does, first rule wins",
        arguments: [
            ("$iothub/methods/POST/#", IoTHubSubscription.methods),
            ("$iothub/methods/POST/reboot/#", .methods),
            ("$iothub/methods/POST/", .methods),
            ("$iothub/twin/PATCH/properties/desired/#", .desiredPropertyUpdates),
            ("$iothub/twin/PATCH/properties/desired/?$version=1", .desiredPropertyUpdates),
            ("devices/dev1/messages/devicebound/#", .cloudToDevice),
            ("devices/dev:1/messages/devicebound/#", .cloudToDevice),
            ("anything/messages/devicebound/#", .cloudToDevice),
            ("$iothub/twin/res/#", .twinResponse),
            ("$iothub/twin/res/+", .unknown),
            ("$iothub/twin/res/200/#", .unknown),
            ("devices/d/modules/m/#", .moduleMessages),
            ("devices/d/modules/m/inputs/#", .moduleMessages),
            ("devices/d/x/modules/m/y/#", .moduleMessages),
            ("devices/d/modules/m/+", .unknown),
            ("devices//modules/m/#", .unknown),
            ("devices/d/modules//#", .unknown),
            ("devices/modules/#", .unknown),
            ("devices/d/modules/m/inputs/#/", .unknown),
            ("devices/d/messages/events/#", .unknown),
            ("$iothub/methods/res/#", .unknown),
            ("#", .unknown),
            ("", .unknown),
            ("devices/d/modules/m/messages/devicebound/#", .cloudToDevice),
        ] as [(String, IoTHubSubscription)])
    func classifies(filter: String, expected: IoTHubSubscription) {
        #expect(IoTHubSubscription(topicFilter: filter) == expected)
    }

    @Test("filters a device needs")
    func deviceFilters() {
        #expect(IoTHubSubscription.requiredTopicFilters(deviceId: "dev1", moduleId: nil) == [
            "devices/dev1/messages/devicebound/#", "$iothub/methods/POST/#", "$iothub/twin/PATCH/properties/desired/#",
            "$iothub/twin/res/#",
        ])
    }

    @Test("filters a module needs")
    func moduleFilters() {
        #expect(IoTHubSubscription.requiredTopicFilters(deviceId: "edge", moduleId: "modA") == [
            "devices/edge/modules/modA/inputs/#", "$iothub/methods/POST/#", "$iothub/twin/PATCH/properties/desired/#",
            "$iothub/twin/res/#",
        ])
    }

    @Test("each capability's filter classifies back to the capability")
    func filtersClassifyBack() {
        for capability in IoTHubSubscription.allCases {
            for moduleId in [nil, "m"] as [String?] {
                guard let filter = IoTHubSubscription.topicFilter(for: capability, deviceId: "d", moduleId: moduleId) else {
                    #expect(
                        capability == .unknown || (capability == .cloudToDevice && moduleId != nil)
                            || (capability == .moduleMessages && moduleId == nil))
                    continue
                }
                #expect(IoTHubSubscription(topicFilter: filter) == capability, "\(filter)")
            }
        }
    }

    @Test("server topics match the filters a client subscribed with")
    func serverTopicsMatchFilters() throws {
        let c2d = IoTHubTopic.cloudToDevice(deviceId: "dev1", properties: [("a", "b")]).topicName
        #expect(c2d.hasPrefix(String(IoTHubSubscription.topicFilter(for: .cloudToDevice, deviceId: "dev1", moduleId: nil)!.dropLast())))
        let input = IoTHubTopic.moduleInput(deviceId: "e", moduleId: "m", inputName: "in", properties: []).topicName
        #expect(input.hasPrefix(String(IoTHubSubscription.topicFilter(for: .moduleMessages, deviceId: "e", moduleId: "m")!.dropLast())))
    }
}
