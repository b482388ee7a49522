import Foundation
import HubEmulator
import IoTHubProtocol
import MQTTClient
import MQTTProtocol
import MQTTTestSupport
import NIOCore
import Testing

@Suite("Device gateway: telemetry")
struct TelemetryTests {
    @Test("telemetry is acknowledged and recorded with its body, system properties and application properties")
    func telemetryRecorded() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            let (client, _) = try await hub.connectedDevice("dev1", key: fixedKey(1))
            let body = Array(#"{"temperature":42}"#.utf8)
            // Returns once PUBACKed.
            try await client.publish(
                topic: "devices/dev1/messages/events/%24.ct=application%2Fjson&%24.ce=utf-8&alert=high%20temp", payload: body, qos: .atLeastOnce)

            let events = await hub.registry.telemetry(after: nil, limit: 10)
            try #require(events.count == 1)
            let event = events[0]
            #expect(event.deviceId == "dev1" && event.moduleId == nil)
            #expect(event.systemProperties.value(forKey: SystemProperty.connectionDeviceId.rawValue) == "dev1")
            #expect(event.body == body)
            #expect(event.systemProperties.value(forKey: SystemProperty.contentType.rawValue) == "application/json")
            #expect(event.systemProperties.value(forKey: SystemProperty.contentEncoding.rawValue) == "utf-8")
            #expect(event.applicationProperties == [("alert", "high temp")])
            await client.disconnect()
        }
    }

    @Test("a module's telemetry is recorded with its module id")
    func moduleTelemetry() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            _ = try await hub.registry.createOrUpdateModule(
                ModuleIdentity(moduleId: "mod1", deviceId: "dev1", authentication: .sas(primaryKey: fixedKey(2))), ifMatch: nil)
            let (client, _) = try await hub.connectedDevice("dev1", moduleId: "mod1", key: fixedKey(2))
            try await client.publish(topic: "devices/dev1/modules/mod1/messages/events/%24.on=out1&p=1", payload: Array("x".utf8))
            let events = await hub.registry.telemetry(after: nil, limit: 10)
            try #require(events.count == 1)
            #expect(events[0].deviceId == "dev1" && events[0].moduleId == "mod1")
            #expect(events[0].systemProperties.value(forKey: SystemProperty.connectionModuleId.rawValue) == "mod1")
            #expect(events[0].applicationProperties == [("p", "1")])
            await client.disconnect()
        }
    }

    @Test("a device id with a reserved character connects and publishes with the ids percent-encoded, as the Python SDK does")
    func encodedDeviceId() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev:1", primaryKey: fixedKey(1))
            let (client, inbox) = try await hub.connectedDevice("dev:1", key: fixedKey(1))
            try await client.publish(topic: "devices/dev%3A1/messages/events/k=v", payload: Array("x".utf8))
            let events = await hub.registry.telemetry(after: nil, limit: 10)
            #expect(events.map(\.deviceId) == ["dev:1"])
            // The connection's identity, not the topic's encoded form.
            #expect(events.first?.systemProperties.value(forKey: SystemProperty.connectionDeviceId.rawValue) == "dev:1")
            #expect(try await client.subscribe(to: "devices/dev%3A1/messages/devicebound/#") == .granted(.atLeastOnce))
            try await hub.registry.enqueueCloudToDevice(deviceId: "dev:1", CloudToDeviceMessage(messageId: "c", body: Array("hi".utf8)))
            let message = try await inbox.next(topicPrefix: "devices/")
            #expect(String(buffer: message.payload) == "hi")
            await client.disconnect()
        }
    }

    struct ForeignTopic: Sendable, CustomTestStringConvertible {
        var moduleId: String?
        var topic: String
        var testDescription: String { "\(moduleId.map { "dev1/\($0)" } ?? "dev1") → \(topic)" }
    }

    @Test(
        "publishing on another identity's telemetry topic closes the connection and records nothing",
        arguments: [
            ForeignTopic(moduleId: nil, topic: "devices/dev2/messages/events/alert=1"),
            ForeignTopic(moduleId: nil, topic: "devices/dev1/modules/mod1/messages/events/"),
            ForeignTopic(moduleId: "mod1", topic: "devices/dev1/messages/events/"),
            ForeignTopic(moduleId: nil, topic: "devices/dev1/messages/devicebound/x=1"),
        ])
    func foreignTelemetry(_ foreign: ForeignTopic) async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            try await hub.addDevice("dev2", primaryKey: fixedKey(2))
            _ = try await hub.registry.createOrUpdateModule(
                ModuleIdentity(moduleId: "mod1", deviceId: "dev1", authentication: .sas(primaryKey: fixedKey(3))), ifMatch: nil)
            let key = foreign.moduleId == nil ? fixedKey(1) : fixedKey(3)
            let (intruder, _) = try await hub.connectedDevice("dev1", moduleId: foreign.moduleId, key: key)
            // QoS 0: a QoS 1 publish of our client would wait for a PUBACK that never comes.
            try await intruder.publish(topic: foreign.topic, payload: Array("spoofed".utf8), qos: .atMostOnce)
            #expect(await eventually { !intruder.isConnected }, "the gateway must close the connection")

            // A legitimate message recorded afterwards is the only one.
            let (dev2, _) = try await hub.connectedDevice("dev2", key: fixedKey(2))
            try await dev2.publish(topic: "devices/dev2/messages/events/", payload: Array("genuine".utf8))
            let events = await hub.registry.telemetry(after: nil, limit: 10)
            #expect(events.map(\.body) == [Array("genuine".utf8)])
            #expect(events.map(\.deviceId) == ["dev2"])
            await dev2.disconnect()
        }
    }
}

@Suite("Device gateway: twin")
struct TwinTests {
    @Test("twin GET answers 200 with desired and reported properties and their versions, without $metadata")
    func twinGet() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            let desired = try await hub.registry.updateTwin(
                deviceId: "dev1", moduleId: nil, patch: try json(#"{"tags":{"site":"north"},"properties":{"desired":{"interval":5}}}"#),
                ifMatch: nil
            ).properties.desired.version
            let reported = try await hub.registry.updateReportedProperties(deviceId: "dev1", moduleId: nil, patch: try json(#"{"ready":true}"#))

            let (client, inbox) = try await hub.connectedDevice("dev1", key: fixedKey(1))
            #expect(try await client.subscribe(to: "$iothub/twin/res/#") == .granted(.atLeastOnce))
            try await client.publish(topic: "$iothub/twin/GET/?$rid=1", payload: Array(" ".utf8))
            let response = try await inbox.next(topicPrefix: "$iothub/twin/res/")
            #expect(response.topic == "$iothub/twin/res/200/?$rid=1")

            let body = try json(response.payload)
            #expect(body.objectValue?.keys.sorted() == ["desired", "reported"], "properties only, no tags")
            #expect(body["desired"]?["interval"] == 5)
            #expect(body["desired"]?["$version"] == .int(desired))
            #expect(body["desired"]?["$metadata"] == nil)
            #expect(body["reported"]?["ready"] == true)
            #expect(body["reported"]?["$version"] == .int(Int64(reported)))
            #expect(body["reported"]?["$metadata"] == nil)
            await client.disconnect()
        }
    }

    @Test("a module's twin GET answers with the module's twin")
    func moduleTwinGet() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            _ = try await hub.registry.createOrUpdateModule(
                ModuleIdentity(moduleId: "mod1", deviceId: "dev1", authentication: .sas(primaryKey: fixedKey(2))), ifMatch: nil)
            _ = try await hub.registry.updateReportedProperties(deviceId: "dev1", moduleId: nil, patch: try json(#"{"who":"device"}"#))
            _ = try await hub.registry.updateReportedProperties(deviceId: "dev1", moduleId: "mod1", patch: try json(#"{"who":"module"}"#))
            let (client, inbox) = try await hub.connectedDevice("dev1", moduleId: "mod1", key: fixedKey(2))
            try await client.subscribe(to: "$iothub/twin/res/#")
            try await client.publish(topic: "$iothub/twin/GET/?$rid=m", payload: Array(" ".utf8))
            let response = try await inbox.next(topicPrefix: "$iothub/twin/res/")
            #expect(response.topic == "$iothub/twin/res/200/?$rid=m")
            #expect(try json(response.payload)["reported"]?["who"] == "module")
            await client.disconnect()
        }
    }

    @Test("a reported patch answers 204 with the new version and is stored; invalid patches answer 400 and change nothing")
    func reportedPatch() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            let before = try await hub.registry.twin(deviceId: "dev1", moduleId: nil).properties.reported.version
            let (client, inbox) = try await hub.connectedDevice("dev1", key: fixedKey(1))
            try await client.subscribe(to: "$iothub/twin/res/#")

            try await client.publish(topic: "$iothub/twin/PATCH/properties/reported/?$rid=2", payload: Array(#"{"temp":21}"#.utf8))
            let accepted = try await inbox.next(topicPrefix: "$iothub/twin/res/")
            #expect(accepted.topic == "$iothub/twin/res/204/?$rid=2&$version=\(before + 1)")
            #expect(accepted.payload.readableBytes == 0)
            let twin = try await hub.registry.twin(deviceId: "dev1", moduleId: nil)
            #expect(twin.properties.reported.properties == ["temp": 21])
            #expect(twin.properties.reported.version == before + 1)

            // 11 nested levels, one more than IoT Hub allows (edgeHub's own test case).
            var deep = "{}"
            for level in stride(from: 11, through: 1, by: -1) { deep = #"{"level\#(level)":\#(deep)}"# }
            let invalid: [(rid: String, body: String)] = [("3", #"{"bad$key":1}"#), ("4", deep), ("5", "not json"), ("6", "[1,2]")]
            for (rid, body) in invalid {
                try await client.publish(topic: "$iothub/twin/PATCH/properties/reported/?$rid=\(rid)", payload: Array(body.utf8))
                let refused = try await inbox.next(topicPrefix: "$iothub/twin/res/")
                #expect(refused.topic == "$iothub/twin/res/400/?$rid=\(rid)", "patch \(body)")
            }
            let after = try await hub.registry.twin(deviceId: "dev1", moduleId: nil)
            #expect(after.properties.reported.properties == ["temp": 21])
            #expect(after.properties.reported.version == before + 1)
            #expect(client.isConnected)
            await client.disconnect()
        }
    }

    @Test("desired-property changes reach the subscribed device as patches with $version, in order")
    func desiredPatches() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            let (client, inbox) = try await hub.connectedDevice("dev1", key: fixedKey(1))
            #expect(try await client.subscribe(to: "$iothub/twin/PATCH/properties/desired/#") == .granted(.atLeastOnce))

            // Right after the SUBACK, as a service would: no patch may be lost.
            let first = try await hub.registry.updateTwin(
                deviceId: "dev1", moduleId: nil, patch: try json(#"{"properties":{"desired":{"interval":10,"mode":"eco"}}}"#), ifMatch: nil
            ).properties.desired.version
            let second = try await hub.registry.updateTwin(
                deviceId: "dev1", moduleId: nil, patch: try json(#"{"properties":{"desired":{"mode":null}}}"#), ifMatch: nil
            ).properties.desired.version

            let patch1 = try await inbox.next(topicPrefix: "$iothub/twin/PATCH/properties/desired/")
            #expect(patch1.topic == "$iothub/twin/PATCH/properties/desired/?$version=\(first)")
            let body1 = try json(patch1.payload)
            #expect(body1["interval"] == 10 && body1["mode"] == "eco" && body1["$version"] == .int(first))

            let patch2 = try await inbox.next(topicPrefix: "$iothub/twin/PATCH/properties/desired/")
            #expect(patch2.topic == "$iothub/twin/PATCH/properties/desired/?$version=\(second)")
            let body2 = try json(patch2.payload)
            #expect(body2["mode"] == .null && body2["$version"] == .int(second))
            await client.disconnect()
        }
    }
}
