import IoTHubProtocol
import Testing

@Suite("IoTHubMessage")
struct IoTHubMessageTests {
    @Test("system property wire names (§2.2)")
    func wireNames() {
        let expected: [SystemProperty: String] = [
            .messageId: "$.mid", .correlationId: "$.cid", .to: "$.to", .userId: "$.uid", .absoluteExpiryTime: "$.exp",
            .contentType: "$.ct", .contentEncoding: "$.ce", .messageSchema: "$.schema", .creationTime: "$.ctime",
            .outputName: "$.on", .interfaceId: "$.ifid", .componentName: "$.sub", .connectionDeviceId: "$.cdid",
            .connectionModuleId: "$.cmid", .operation: "iothub-operation", .ack: "ack",
        ]
        #expect(SystemProperty.allCases.count == expected.count)
        for property in SystemProperty.allCases {
            #expect(property.mqttName == expected[property])
            #expect(SystemProperty(mqttName: property.mqttName) == property)
        }
        #expect(SystemProperty(mqttName: "%24.mid") == nil)
        #expect(SystemProperty(mqttName: "$.MID") == nil)
        #expect(SystemProperty(mqttName: "iothub-ack") == nil)
        #expect(SystemProperty.messageId.rawValue == "messageId")
        #expect(SystemProperty.correlationId.rawValue == "cid")
        #expect(SystemProperty.absoluteExpiryTime.rawValue == "absolute-expiry-time")
        #expect(SystemProperty.interfaceId.rawValue == "iothub-interface-id")
        #expect(SystemProperty.componentName.rawValue == "dt-subject")
    }

    @Test("inbound bag: $.x keys become system properties, the rest application properties")
    func inbound() throws {
        let bag = try PropertyBag(
            parsing: "%24.mid=m-1&%24.ct=application%2Fjson&%24.ce=utf-8&a%2Fb=x%26y%3Dz&alert=high%20temp&%24.on=out&iothub-operation=op&ack=full&%24.unknown=1&flag")
        let message = IoTHubMessage(body: Array("{}".utf8), inboundProperties: bag, connectionDeviceId: "dev1", connectionModuleId: "modA")
        #expect(message.systemProperties == [
            .messageId: "m-1", .contentType: "application/json", .contentEncoding: "utf-8", .outputName: "out",
            .operation: "op", .ack: "full", .connectionDeviceId: "dev1", .connectionModuleId: "modA",
        ])
        #expect(message.applicationProperties == [("a/b", "x&y=z"), ("alert", "high temp"), ("$.unknown", "1"), ("flag", nil)])
        #expect(message[system: .messageId] == "m-1")
        #expect(message.body == Array("{}".utf8))
    }

    @Test("inbound $.cdid/$.cmid from a client are application properties; the topic ids win")
    func inboundSpoofedConnectionIds() throws {
        let bag = try PropertyBag(parsing: "%24.cdid=evil&%24.cmid=evil")
        let message = IoTHubMessage(body: [], inboundProperties: bag, connectionDeviceId: "real")
        #expect(message.systemProperties == [.connectionDeviceId: "real"])
        #expect(message.applicationProperties == [("$.cdid", "evil"), ("$.cmid", "evil")])
        // Going out, the system value replaces the application entry in place (C# dict semantics).
        #expect(message.moduleInputProperties.encoded == "%24.cdid=real&%24.cmid=evil")
    }

    @Test("repeated keys keep the last value; a system key without value is absent")
    func inboundDuplicates() throws {
        let bag = try PropertyBag(parsing: "a=1&%24.mid=x&b=2&a=3&%24.mid&%24.cid=c1&%24.cid=c2")
        let message = IoTHubMessage(body: [], inboundProperties: bag)
        #expect(message.applicationProperties == [("a", "3"), ("b", "2")])
        #expect(message.systemProperties == [.correlationId: "c2"])
    }

    @Test("from a telemetry topic")
    func fromTopic() throws {
        let topic = try IoTHubTopic(parsing: "devices/edgedev1/modules/modA/messages/events/%24.on=output1&%24.mid=o-1&p=1")
        let message = try #require(IoTHubMessage(telemetry: topic, body: [1, 2]))
        #expect(message.systemProperties == [
            .outputName: "output1", .messageId: "o-1", .connectionDeviceId: "edgedev1", .connectionModuleId: "modA",
        ])
        #expect(message.applicationProperties == [("p", "1")])
        #expect(IoTHubMessage(telemetry: .twinGet(requestId: "1"), body: []) == nil)
    }

    @Test("module-input bag: the §3.5 example")
    func moduleInputExample() {
        let message = IoTHubMessage(
            body: [],
            systemProperties: [.contentType: "application/json", .connectionDeviceId: "D1", .connectionModuleId: "Sender", .outputName: "out"],
            applicationProperties: [("Foo", "Bar")])
        let topic = IoTHubTopic.moduleInput(deviceId: "D1", moduleId: "M1", inputName: "input1", properties: message.moduleInputProperties)
        #expect(topic.topicName == "devices/D1/modules/M1/inputs/input1/Foo=Bar&%24.ct=application%2Fjson&%24.cdid=D1&%24.cmid=Sender")
    }

    @Test("module-input bag order with every system property; $.on and $.ifid are not forwarded")
    func moduleInputOrder() {
        var system: [SystemProperty: String] = [:]
        for property in SystemProperty.allCases { system[property] = "v" }
        let message = IoTHubMessage(body: [], systemProperties: system, applicationProperties: [("z", "1"), ("a", "2")])
        #expect(message.moduleInputProperties.keys == [
            "z", "a", "$.ce", "$.ct", "$.schema", "$.to", "$.uid", "$.cid", "$.mid", "$.cdid", "$.cmid", "$.sub",
            "$.exp", "$.ctime", "iothub-operation", "ack",
        ])
        #expect(message.cloudToDeviceProperties.keys == [
            "z", "a", "$.mid", "$.to", "$.cid", "$.exp", "$.uid", "$.ct", "$.ce", "$.schema", "$.ctime", "$.sub",
            "$.cdid", "$.cmid", "iothub-operation", "ack",
        ])
    }

    @Test("C2D bag")
    func cloudToDevice() {
        let message = IoTHubMessage(
            body: Array("hi".utf8),
            systemProperties: [.messageId: "abc", .to: "/devices/dev1/messages/deviceBound", .ack: "full"],
            applicationProperties: [("color", "red")])
        let topic = IoTHubTopic.cloudToDevice(deviceId: "dev1", properties: message.cloudToDeviceProperties)
        #expect(topic.topicName == "devices/dev1/messages/devicebound/color=red&%24.mid=abc&%24.to=%2Fdevices%2Fdev1%2Fmessages%2FdeviceBound&ack=full")
    }

    @Test("the Python SDK telemetry topic, byte for byte (external-clients §1.5)")
    func sdkTelemetry() {
        var message = IoTHubMessage(body: Array(#"{"temp": 21.5}"#.utf8))
        message[system: .messageId] = "m-1"
        message[system: .contentType] = "application/json"
        message[system: .contentEncoding] = "utf-8"
        message.applicationProperties.set("high temp", forKey: "alert")
        message.applicationProperties.set("x&y=z", forKey: "a/b")
        #expect(
            IoTHubTopic.sdkTelemetry(for: message, deviceId: "dev1").topicName
                == "devices/dev1/messages/events/%24.mid=m-1&%24.ct=application%2Fjson&%24.ce=utf-8&a%2Fb=x%26y%3Dz&alert=high%20temp")
        #expect(IoTHubTopic.sdkTelemetry(for: IoTHubMessage(body: Array("plain".utf8)), deviceId: "dev1").topicName == "devices/dev1/messages/events/")
    }

    @Test("the Python SDK output topic (send_message_to_output)")
    func sdkOutput() {
        let message = IoTHubMessage(
            body: [], systemProperties: [.outputName: "output1", .messageId: "o-1"], applicationProperties: [("p", "1")])
        #expect(
            IoTHubTopic.sdkTelemetry(for: message, deviceId: "edgedev1", moduleId: "modA").topicName
                == "devices/edgedev1/modules/modA/messages/events/%24.on=output1&%24.mid=o-1&p=1")
    }

    @Test("SDK order: all Python system properties, then custom sorted by code point; ids encoded")
    func sdkOrder() {
        var system: [SystemProperty: String] = [:]
        for property in [SystemProperty.absoluteExpiryTime, .interfaceId, .contentEncoding, .contentType, .userId, .correlationId, .messageId, .outputName] {
            system[property] = "v"
        }
        let message = IoTHubMessage(
            body: [], systemProperties: system, applicationProperties: [("b", "1"), ("B", "2"), ("é", "3"), ("a", "4"), ("Z", "5")])
        #expect(message.deviceTelemetryProperties.keys == [
            "$.on", "$.mid", "$.cid", "$.uid", "$.ct", "$.ce", "$.ifid", "$.exp", "B", "Z", "a", "b", "é",
        ])
        let topic = IoTHubTopic.sdkTelemetry(for: IoTHubMessage(), deviceId: "dev:1", moduleId: "m$1")
        #expect(topic.topicName == "devices/dev%3A1/modules/m%241/messages/events/")
    }

    @Test("an inbound bag round-trips through the SDK bag")
    func inboundSdkRoundTrip() throws {
        let original = IoTHubMessage(
            body: [],
            systemProperties: [.messageId: "m", .correlationId: "c", .contentType: "text/plain; charset=utf-8", .outputName: "o"],
            applicationProperties: [("a", "1"), ("b", "x y"), ("日本", "😀")])
        let topic = try IoTHubTopic(parsing: IoTHubTopic.sdkTelemetry(for: original, deviceId: "d").topicName)
        let received = try #require(IoTHubMessage(telemetry: topic, body: []))
        var expected = original
        expected[system: .connectionDeviceId] = "d"
        #expect(received == expected)
    }

    @Test("routing size counts UTF-16 key and value lengths plus body bytes (§2.4)")
    func routingSize() {
        let message = IoTHubMessage(
            body: [1, 2, 3], systemProperties: [.messageId: "ab"], applicationProperties: [("k", "é😀"), ("n", nil)])
        // "messageId"(9) + "ab"(2) + "k"(1) + "é😀"(1 + 2) + "n"(1) + body 3
        #expect(message.routingSize == 19)
        #expect(!message.isTooLarge)
        let big = IoTHubMessage(body: Array(repeating: 0, count: IoTHubMessage.maxMessageSize))
        #expect(!big.isTooLarge)
        var bigger = big
        bigger.applicationProperties.set(nil, forKey: "x")
        #expect(bigger.isTooLarge)
    }
}
