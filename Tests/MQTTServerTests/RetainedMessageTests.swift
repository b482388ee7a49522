import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import NIOCore
import Testing

@Suite("Retained messages")
struct RetainedMessageTests {
    @Test("a retained message is delivered with RETAIN=1 to a new subscription")
    func deliveredOnSubscribe() async throws {
        try await withServer { server in
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("config/led", "on", qos: .atLeastOnce, retain: true)

            let late = try await server.connect("late")
            defer { late.close() }
            try await late.subscribe("config/led", qos: .atLeastOnce)
            let delivered = try await late.nextPublish()
            #expect(Delivery(delivered) == Delivery("config/led", "on", qos: .atLeastOnce, retain: true))
            #expect(delivered.packetID != nil)
        }
    }

    @Test("the retained copy's QoS is capped by the subscription")
    func retainedQoSCapped() async throws {
        try await withServer { server in
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("r", "x", qos: .atLeastOnce, retain: true)
            let late = try await server.connect("late")
            defer { late.close() }
            try await late.subscribe("r", qos: .atMostOnce)
            #expect(Delivery(try await late.nextPublish()) == Delivery("r", "x", qos: .atMostOnce, retain: true))
        }
    }

    @Test("normal routing of a retained PUBLISH to existing subscribers has RETAIN=0")
    func liveDeliveryNotRetainFlagged() async throws {
        try await withServer { server in
            let subscriber = try await server.connect("sub")
            defer { subscriber.close() }
            try await subscriber.subscribe("config/#", qos: .atLeastOnce)
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("config/led", "on", qos: .atLeastOnce, retain: true)
            #expect(Delivery(try await subscriber.nextPublish()) == Delivery("config/led", "on", qos: .atLeastOnce, retain: false))
        }
    }

    @Test("an empty retained payload clears the retained message (and is still routed live)")
    func emptyPayloadClears() async throws {
        try await withServer { server in
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("config/led", "on", qos: .atLeastOnce, retain: true)

            let live = try await server.connect("live")
            defer { live.close() }
            try await live.subscribe("config/led", qos: .atLeastOnce)
            #expect(try await live.nextPublish().retain)

            try await publisher.publish("config/led", "", qos: .atLeastOnce, retain: true, packetID: 2)
            let cleared = try await live.nextPublish()
            #expect(Delivery(cleared) == Delivery("config/led", "", qos: .atLeastOnce, retain: false))

            let late = try await server.connect("late")
            defer { late.close() }
            try await late.subscribe("config/led", qos: .atLeastOnce)
            try await publisher.publish("config/led", "marker", qos: .atLeastOnce, packetID: 3)
            #expect(Delivery(try await late.nextPublish()) == Delivery("config/led", "marker", qos: .atLeastOnce))
        }
    }

    @Test("a newer retained message replaces the older one; a non-retained one does not")
    func latestRetainedWins() async throws {
        try await withServer { server in
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("v", "1", qos: .atLeastOnce, retain: true, packetID: 1)
            try await publisher.publish("v", "2", qos: .atLeastOnce, retain: true, packetID: 2)
            try await publisher.publish("v", "3 not retained", qos: .atLeastOnce, retain: false, packetID: 3)
            let late = try await server.connect("late")
            defer { late.close() }
            try await late.subscribe("v", qos: .atLeastOnce)
            #expect(Delivery(try await late.nextPublish()) == Delivery("v", "2", qos: .atLeastOnce, retain: true))
            try await publisher.publish("v", "marker", packetID: 4)
            #expect(try await late.nextPublish().payloadString == "marker")
        }
    }

    @Test("a wildcard subscription receives every matching retained message, and only those")
    func wildcardRetained() async throws {
        try await withServer { server in
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            for topic in ["home/kitchen/temp", "home/garage/temp", "home/kitchen/humidity", "office/temp", "$SYS/home/temp"] {
                try await publisher.publish(topic, topic, qos: .atLeastOnce, retain: true)
            }
            let late = try await server.connect("late")
            defer { late.close() }
            try await late.subscribe("home/+/temp", qos: .atLeastOnce)
            let retained = try await late.publishes(2)
            #expect(Set(retained.map(\.topic)) == ["home/kitchen/temp", "home/garage/temp"])
            #expect(retained.allSatisfy { $0.retain })
            try await publisher.publish("home/marker/temp", "marker", packetID: 9)
            #expect(try await late.nextPublish().payloadString == "marker")

            let all = try await server.connect("all")
            defer { all.close() }
            try await all.subscribe("#", qos: .atMostOnce)
            let everything = try await all.publishes(4)
            #expect(Set(everything.map(\.topic)) == ["home/kitchen/temp", "home/garage/temp", "home/kitchen/humidity", "office/temp"])
        }
    }

    @Test("resubscribing delivers the retained message again")
    func resubscribe() async throws {
        try await withServer { server in
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("state", "s", qos: .atLeastOnce, retain: true)
            let client = try await server.connect("c")
            defer { client.close() }
            try await client.subscribe("state", qos: .atMostOnce, packetID: 1)
            #expect(try await client.nextPublish().retain)
            try await client.subscribe("state", qos: .atMostOnce, packetID: 2)
            #expect(try await client.nextPublish().retain)
        }
    }
}
