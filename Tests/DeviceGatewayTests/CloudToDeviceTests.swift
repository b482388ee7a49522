import Foundation
import HubEmulator
import IoTHubProtocol
import MQTTClient
import MQTTProtocol
import MQTTTestSupport
import NIOCore
import Testing

/// The property bag of a C2D topic `devices/{d}/messages/devicebound/{bag}`.
func cloudToDeviceBag(_ message: PublishPacket, deviceId: String) throws -> PropertyBag {
    let prefix = "devices/\(deviceId)/messages/devicebound/"
    guard message.topic.hasPrefix(prefix) else { throw TestFailure("\(message.topic) is not a C2D topic of \(deviceId)") }
    return try PropertyBag(parsing: message.topic.dropFirst(prefix.count))
}

/// Connects a raw device (it never acknowledges anything), subscribes it to its C2D topic and returns the first
/// C2D message it receives.
func rawDeviceReceivingCloudToDevice(_ hub: GatewayHarness, deviceId: String, key: String) async throws -> (RawDevice, PublishPacket) {
    let raw = try await RawDevice(port: hub.port, pki: hub.pki)
    try await raw.send(
        .connect(
            ConnectPacket(
                clientID: deviceId, cleanSession: true, keepAlive: 60, username: sdkUsername(clientID: deviceId),
                password: Array(try sasToken(deviceId: deviceId, key: key).utf8))))
    guard case .connack(let connack) = try await raw.next(), connack.returnCode == .accepted else {
        throw TestFailure("the raw device was not accepted")
    }
    try await raw.send(
        .subscribe(SubscribePacket(packetID: 1, subscriptions: [.init(filter: "devices/\(deviceId)/messages/devicebound/#", qos: .atLeastOnce)])))
    // The SUBACK and the message may come in either order.
    for _ in 0..<2 {
        if case .publish(let message) = try await raw.next() { return (raw, message) }
    }
    throw TestFailure("the raw device received no C2D message")
}

@Suite("Device gateway: cloud-to-device messages")
struct CloudToDeviceTests {
    @Test("queued messages, one sent while offline, arrive in order with their properties and leave the queue once acknowledged")
    func delivery() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            try await hub.registry.enqueueCloudToDevice(
                deviceId: "dev1",
                CloudToDeviceMessage(
                    messageId: "m-offline", body: Array("one".utf8), contentType: "application/json", correlationId: "c-1",
                    properties: [("color", "red"), ("note", "a b/c&d")]))

            let (client, inbox) = try await hub.connectedDevice("dev1", key: fixedKey(1))
            #expect(try await client.subscribe(to: "devices/dev1/messages/devicebound/#") == .granted(.atLeastOnce))
            let first = try await inbox.next(topicPrefix: "devices/dev1/messages/devicebound/")

            try await hub.registry.enqueueCloudToDevice(
                deviceId: "dev1", CloudToDeviceMessage(messageId: "m-online", body: Array("two".utf8), properties: [("n", "2")]))
            let second = try await inbox.next(topicPrefix: "devices/dev1/messages/devicebound/")
            // A third one: the device keeps receiving for as long as it stays subscribed.
            try await hub.registry.enqueueCloudToDevice(deviceId: "dev1", CloudToDeviceMessage(messageId: "m-third", body: Array("three".utf8)))
            let third = try await inbox.next(topicPrefix: "devices/dev1/messages/devicebound/")

            #expect([first, second, third].map { String(buffer: $0.payload) } == ["one", "two", "three"])
            #expect([first, second, third].allSatisfy { $0.qos == .atLeastOnce })
            let bag = try cloudToDeviceBag(first, deviceId: "dev1")
            #expect(bag.value(forKey: "$.mid") == "m-offline")
            #expect(bag.value(forKey: "$.cid") == "c-1")
            #expect(bag.value(forKey: "$.ct") == "application/json")
            #expect(bag.value(forKey: "$.to") == "/devices/dev1/messages/devicebound")
            #expect(bag.value(forKey: "color") == "red")
            #expect(bag.value(forKey: "note") == "a b/c&d")
            let secondBag = try cloudToDeviceBag(second, deviceId: "dev1")
            #expect(secondBag.value(forKey: "$.mid") == "m-online" && secondBag.value(forKey: "n") == "2")
            #expect(try cloudToDeviceBag(third, deviceId: "dev1").value(forKey: "$.mid") == "m-third")

            // Our client acknowledges each message as it arrives.
            #expect(await eventually { await hub.registry.pendingCloudToDevice(deviceId: "dev1").isEmpty })
            #expect(inbox.count(topicPrefix: "devices/dev1/messages/devicebound/") == 0, "each message once")
            await client.disconnect()
        }
    }

    @Test("a message the device does not acknowledge before its connection drops stays queued and arrives on the next connection")
    func unacknowledgedStaysQueued() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            try await hub.registry.enqueueCloudToDevice(deviceId: "dev1", CloudToDeviceMessage(messageId: "keep", body: Array("kept".utf8)))

            let (raw, message) = try await rawDeviceReceivingCloudToDevice(hub, deviceId: "dev1", key: fixedKey(1))
            #expect(String(buffer: message.payload) == "kept" && message.qos == .atLeastOnce)
            #expect(await hub.registry.pendingCloudToDevice(deviceId: "dev1").map(\.messageId) == ["keep"])
            await raw.drop()
            #expect(await shows(hub, "dev1", .disconnected))
            #expect(await hub.registry.pendingCloudToDevice(deviceId: "dev1").map(\.messageId) == ["keep"])

            let (client, inbox) = try await hub.connectedDevice("dev1", key: fixedKey(1))
            try await client.subscribe(to: "devices/dev1/messages/devicebound/#")
            let again = try await inbox.next(topicPrefix: "devices/dev1/messages/devicebound/")
            #expect(String(buffer: again.payload) == "kept")
            #expect(await eventually { await hub.registry.pendingCloudToDevice(deviceId: "dev1").isEmpty })
            await client.disconnect()
        }
    }
}

@Suite("Device gateway: subscriptions")
struct SubscriptionTests {
    @Test("a device may subscribe only to its own topics; another identity's are refused with 0x80")
    func deviceSubscriptions() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            try await hub.addDevice("dev2", primaryKey: fixedKey(2))
            let (client, inbox) = try await hub.connectedDevice("dev1", key: fixedKey(1))
            let codes = try await client.subscribe([
                .init(filter: "devices/dev2/messages/devicebound/#", qos: .atLeastOnce),
                .init(filter: "devices/dev1/messages/devicebound/#", qos: .atLeastOnce),
                .init(filter: "devices/dev2/modules/mod1/inputs/#", qos: .atLeastOnce),
                .init(filter: "$iothub/methods/POST/#", qos: .exactlyOnce),
                .init(filter: "$iothub/twin/res/#", qos: .atMostOnce),
            ])
            #expect(codes == [.failure, .granted(.atLeastOnce), .failure, .granted(.atLeastOnce), .granted(.atMostOnce)])

            // dev2's messages stay with dev2; dev1 gets only its own.
            try await hub.registry.enqueueCloudToDevice(deviceId: "dev2", CloudToDeviceMessage(messageId: "for-dev2", body: []))
            try await hub.registry.enqueueCloudToDevice(deviceId: "dev1", CloudToDeviceMessage(messageId: "for-dev1", body: []))
            let received = try await inbox.next(topicPrefix: "devices/")
            #expect(try cloudToDeviceBag(received, deviceId: "dev1").value(forKey: "$.mid") == "for-dev1")
            #expect(await hub.registry.pendingCloudToDevice(deviceId: "dev2").map(\.messageId) == ["for-dev2"])
            await client.disconnect()
        }
    }

    @Test("a module may not subscribe to its device's C2D topic")
    func moduleSubscriptions() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            _ = try await hub.registry.createOrUpdateModule(
                ModuleIdentity(moduleId: "mod1", deviceId: "dev1", authentication: .sas(primaryKey: fixedKey(2))), ifMatch: nil)
            let (client, _) = try await hub.connectedDevice("dev1", moduleId: "mod1", key: fixedKey(2))
            let codes = try await client.subscribe([
                .init(filter: "devices/dev1/messages/devicebound/#", qos: .atLeastOnce),
                .init(filter: "$iothub/twin/PATCH/properties/desired/#", qos: .atLeastOnce),
            ])
            #expect(codes == [.failure, .granted(.atLeastOnce)])
            await client.disconnect()
        }
    }

    @Test("subscribing again to desired patches and C2D on the same connection does not deliver anything twice")
    func repeatedSubscription() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            let (client, inbox) = try await hub.connectedDevice("dev1", key: fixedKey(1))
            let filters: [SubscribePacket.Subscription] = [
                .init(filter: "$iothub/twin/PATCH/properties/desired/#", qos: .atLeastOnce),
                .init(filter: "devices/dev1/messages/devicebound/#", qos: .atLeastOnce),
            ]
            #expect(try await client.subscribe(filters) == [.granted(.atLeastOnce), .granted(.atLeastOnce)])
            #expect(try await client.subscribe(filters) == [.granted(.atLeastOnce), .granted(.atLeastOnce)])

            try await hub.registry.enqueueCloudToDevice(deviceId: "dev1", CloudToDeviceMessage(messageId: "once", body: Array("1".utf8)))
            _ = try await hub.registry.updateTwin(
                deviceId: "dev1", moduleId: nil, patch: try json(#"{"properties":{"desired":{"x":1}}}"#), ifMatch: nil)
            _ = try await inbox.next(topicPrefix: "devices/dev1/messages/devicebound/")
            _ = try await inbox.next(topicPrefix: "$iothub/twin/PATCH/properties/desired/")
            let duplicate = await eventually(timeout: .milliseconds(500)) { !inbox.all.isEmpty }
            #expect(!duplicate, "received again: \(inbox.all.map(\.topic))")
            await client.disconnect()
        }
    }

    @Test("after unsubscribing, C2D messages and desired patches are no longer sent")
    func unsubscribeStopsDelivery() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            let (client, inbox) = try await hub.connectedDevice("dev1", key: fixedKey(1))
            let filters = ["$iothub/twin/PATCH/properties/desired/#", "devices/dev1/messages/devicebound/#"]
            try await client.subscribe(filters.map { .init(filter: $0, qos: .atLeastOnce) })
            try await client.unsubscribe(filters)

            try await hub.registry.enqueueCloudToDevice(deviceId: "dev1", CloudToDeviceMessage(messageId: "held", body: []))
            _ = try await hub.registry.updateTwin(
                deviceId: "dev1", moduleId: nil, patch: try json(#"{"properties":{"desired":{"x":1}}}"#), ifMatch: nil)
            let delivered = await eventually(timeout: .milliseconds(500)) { !inbox.all.isEmpty }
            #expect(!delivered, "received: \(inbox.all.map(\.topic))")
            #expect(await hub.registry.pendingCloudToDevice(deviceId: "dev1").map(\.messageId) == ["held"])
            await client.disconnect()
        }
    }

    @Test("a device resuming its persistent session (clean session 0, as the Python SDK connects) keeps methods, desired patches and C2D")
    func persistentSession() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            let (first, _) = try await hub.connectedDevice("dev1", key: fixedKey(1), cleanSession: false)
            let codes = try await first.subscribe([
                .init(filter: "$iothub/methods/POST/#", qos: .atLeastOnce),
                .init(filter: "$iothub/twin/PATCH/properties/desired/#", qos: .atLeastOnce),
                .init(filter: "devices/dev1/messages/devicebound/#", qos: .atLeastOnce),
            ])
            #expect(codes == Array(repeating: .granted(.atLeastOnce), count: 3))
            await first.disconnect()
            #expect(await shows(hub, "dev1", .disconnected))

            // A new connection (e.g. the SDK renewing its SAS token) resumes the session and subscribes to nothing.
            let second = try hub.sasClient(deviceId: "dev1", key: fixedKey(1), cleanSession: false)
            let connack = try await second.connect()
            #expect(connack.sessionPresent)
            let inbox = Inbox(second)

            let gateway = hub.gateway
            async let result = gateway.invokeMethod(deviceId: "dev1", moduleId: nil, methodName: "ping", payload: nil, timeout: .seconds(10))
            let request = try await methodRequest(inbox)
            try await second.publish(topic: "$iothub/methods/res/200/?$rid=\(request.requestId)", payload: Array("\"pong\"".utf8))
            #expect(try await result.payload == "pong")

            let version = try await hub.registry.updateTwin(
                deviceId: "dev1", moduleId: nil, patch: try json(#"{"properties":{"desired":{"x":1}}}"#), ifMatch: nil
            ).properties.desired.version
            let patch = try await inbox.next(topicPrefix: "$iothub/twin/PATCH/properties/desired/")
            #expect(patch.topic.hasSuffix("?$version=\(version)"))

            try await hub.registry.enqueueCloudToDevice(deviceId: "dev1", CloudToDeviceMessage(messageId: "c2d", body: Array("hi".utf8)))
            let message = try await inbox.next(topicPrefix: "devices/dev1/messages/devicebound/")
            #expect(String(buffer: message.payload) == "hi")
            #expect(await eventually { await hub.registry.pendingCloudToDevice(deviceId: "dev1").isEmpty })
            await second.disconnect()
        }
    }
}

@Suite("Device gateway: restart")
struct RestartTests {
    @Test("after the registry and the gateway restart on the same file, the device connects again and undelivered C2D messages arrive")
    func restart() async throws {
        let file = try RegistryFile()
        defer { file.remove() }
        var hub: GatewayHarness? = try await GatewayHarness.start(on: file)
        try await hub!.addDevice("dev1", primaryKey: fixedKey(1))
        let (client, _) = try await hub!.connectedDevice("dev1", key: fixedKey(1))
        try await client.publish(topic: "$iothub/twin/PATCH/properties/reported/?$rid=1", payload: Array(#"{"fw":"1.0"}"#.utf8))
        await client.disconnect()
        #expect(await shows(hub!, "dev1", .disconnected))
        // One message delivered but never acknowledged, one queued while the device is away.
        try await hub!.registry.enqueueCloudToDevice(deviceId: "dev1", CloudToDeviceMessage(messageId: "unacked", body: Array("1".utf8)))
        let (raw, _) = try await rawDeviceReceivingCloudToDevice(hub!, deviceId: "dev1", key: fixedKey(1))
        await raw.drop()
        #expect(await shows(hub!, "dev1", .disconnected))
        try await hub!.registry.enqueueCloudToDevice(deviceId: "dev1", CloudToDeviceMessage(messageId: "offline", body: Array("2".utf8)))
        await hub!.stop()
        hub = nil

        let restarted = try await GatewayHarness.start(on: file)
        let (device, inbox) = try await restarted.connectedDevice("dev1", key: fixedKey(1))
        #expect(try await device.subscribe(to: "devices/dev1/messages/devicebound/#") == .granted(.atLeastOnce))
        let first = try await inbox.next(topicPrefix: "devices/dev1/messages/devicebound/")
        let second = try await inbox.next(topicPrefix: "devices/dev1/messages/devicebound/")
        #expect(try [first, second].map { try cloudToDeviceBag($0, deviceId: "dev1").value(forKey: "$.mid") } == ["unacked", "offline"])
        #expect(await eventually { await restarted.registry.pendingCloudToDevice(deviceId: "dev1").isEmpty })
        #expect(try await restarted.registry.twin(deviceId: "dev1", moduleId: nil).properties.reported.properties == ["fw": "1.0"])
        await device.disconnect()
        await restarted.stop()
    }
}
