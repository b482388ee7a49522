import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import NIOCore
import Testing

/// One filter and, for a set of topics, whether the filter must match.
struct RoutingCase: Sendable, CustomTestStringConvertible {
    var filter: String
    var matching: [String]
    var notMatching: [String]

    var testDescription: String { filter }

    static let all: [RoutingCase] = [
        .init(filter: "a/b/c", matching: ["a/b/c"], notMatching: ["a/b", "a/b/c/d", "A/b/c", "a/b/c/", "/a/b/c"]),
        .init(filter: "sensors/+/temp", matching: ["sensors/1/temp", "sensors/kitchen/temp", "sensors//temp"], notMatching: ["sensors/temp", "sensors/1/2/temp", "sensors/1/temp/x", "other/1/temp"]),
        .init(filter: "+", matching: ["a", "b"], notMatching: ["a/b", "/a", "$SYS"]),
        .init(filter: "+/+", matching: ["a/b", "/a", "a/"], notMatching: ["a", "a/b/c", "$SYS/a"]),
        .init(filter: "home/#", matching: ["home", "home/a", "home/a/b/c", "home/"], notMatching: ["homes", "house/a", "$SYS/home"]),
        .init(filter: "#", matching: ["a", "a/b", "/", "x/y/z"], notMatching: ["$SYS/uptime", "$internal"]),
        .init(filter: "+/status/#", matching: ["dev/status", "dev/status/x/y"], notMatching: ["dev/state", "$SYS/status/x"]),
        .init(filter: "$SYS/#", matching: ["$SYS/uptime", "$SYS/a/b"], notMatching: ["SYS/uptime", "$SYSTEM/x"]),
        .init(filter: "$SYS/+", matching: ["$SYS/uptime"], notMatching: ["$SYS/a/b"]),
        .init(filter: "caf\u{E9}/+", matching: ["caf\u{E9}/x"], notMatching: ["cafe\u{301}/x"]),
    ]
}

@Suite("Topic routing")
struct TopicRoutingTests {
    @Test("filters deliver exactly the matching topics", arguments: RoutingCase.all)
    func filterMatching(testCase: RoutingCase) async throws {
        try await withServer { server in
            let subscriber = try await server.connect("sub")
            defer { subscriber.close() }
            try await subscriber.subscribe([(testCase.filter, .atLeastOnce), ("marker/end", .atLeastOnce)])
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            // Interleave matching and non-matching topics; a marker published last bounds what could arrive.
            var topics: [String] = []
            for i in 0..<max(testCase.matching.count, testCase.notMatching.count) {
                if i < testCase.notMatching.count { topics.append(testCase.notMatching[i]) }
                if i < testCase.matching.count { topics.append(testCase.matching[i]) }
            }
            for (i, topic) in topics.enumerated() {
                try await publisher.publish(topic, "p\(i)", qos: .atLeastOnce, packetID: UInt16(i + 1))
            }
            try await publisher.publish("marker/end", "end", qos: .atLeastOnce, packetID: 999)
            var received: [String] = []
            while true {
                let publish = try await subscriber.nextPublish()
                try await subscriber.send(.puback(packetID: publish.packetID ?? 0))
                if publish.topic == "marker/end" { break }
                received.append(publish.topic)
            }
            // Compared as UTF-8 bytes: String equality would call canonically equivalent topics equal.
            let expected = topics.filter { topic in testCase.matching.contains { Array($0.utf8) == Array(topic.utf8) } }
            #expect(received.map { Array($0.utf8) } == expected.map { Array($0.utf8) }, "got \(received), expected \(expected)")
        }
    }

    @Test("overlapping subscriptions deliver one copy, at the highest granted QoS")
    func overlappingSubscriptionsDeliverOnce() async throws {
        try await withServer { server in
            let subscriber = try await server.connect("sub")
            defer { subscriber.close() }
            try await subscriber.subscribe([("a/#", .atMostOnce), ("a/+", .atLeastOnce), ("a/b", .atMostOnce), ("#", .atMostOnce), ("+/b", .atMostOnce)])
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("a/b", "once", qos: .atLeastOnce)
            try await publisher.publish("z", "marker", qos: .atLeastOnce, packetID: 2)
            let first = try await subscriber.nextPublish()
            #expect(Delivery(first) == Delivery("a/b", "once", qos: .atLeastOnce))
            try await subscriber.send(.puback(packetID: first.packetID ?? 0))
            #expect(try await subscriber.nextPublish().payloadString == "marker")
        }
    }

    @Test("several subscribers each receive one copy")
    func fanOut() async throws {
        try await withServer { server in
            var subscribers: [TestClient] = []
            defer { subscribers.forEach { $0.close() } }
            for (i, filter) in ["fan/out", "fan/+", "fan/#", "#"].enumerated() {
                let subscriber = try await server.connect("sub\(i)")
                try await subscriber.subscribe(filter, qos: .atMostOnce)
                subscribers.append(subscriber)
            }
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("fan/out", "hello", qos: .atLeastOnce)
            try await publisher.publish("fan/out", "marker", qos: .atLeastOnce, packetID: 2)
            for subscriber in subscribers {
                #expect(try await subscriber.publishes(2).map(\.payloadString) == ["hello", "marker"])
            }
        }
    }

    @Test("an unsubscribed overlapping filter leaves the others in place")
    func unsubscribeOneOfOverlapping() async throws {
        try await withServer { server in
            let subscriber = try await server.connect("sub")
            defer { subscriber.close() }
            try await subscriber.subscribe([("a/+", .atMostOnce), ("a/#", .atMostOnce)])
            try await subscriber.send(.unsubscribe(UnsubscribePacket(packetID: 2, filters: ["a/+"])))
            #expect(try await subscriber.next() == .unsuback(packetID: 2))
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("a/b", "still", qos: .atLeastOnce)
            try await publisher.publish("a/b/c", "deep", qos: .atLeastOnce, packetID: 2)
            #expect(try await subscriber.publishes(2).map(\.payloadString) == ["still", "deep"])
        }
    }

    @Test("messages from one publisher on different topics keep their order")
    func orderAcrossTopics() async throws {
        try await withServer { server in
            let subscriber = try await server.connect("sub")
            defer { subscriber.close() }
            try await subscriber.subscribe("order/#", qos: .atLeastOnce)
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            var packets: [MQTTPacket] = []
            for i in 1...100 {
                let qos: QoS = i % 2 == 0 ? .atLeastOnce : .atMostOnce
                let packetID: UInt16? = qos == .atLeastOnce ? UInt16(i) : nil
                packets.append(.publish(PublishPacket(topic: "order/\(i % 7)", payload: ByteBuffer(string: "\(i)"), qos: qos, packetID: packetID)))
            }
            try await publisher.send(packets)
            var received: [String] = []
            while received.count < 100 {
                let publish = try await subscriber.nextPublish()
                received.append(publish.payloadString)
                if let id = publish.packetID { try await subscriber.send(.puback(packetID: id)) }
            }
            #expect(received == (1...100).map { "\($0)" })
        }
    }
}
