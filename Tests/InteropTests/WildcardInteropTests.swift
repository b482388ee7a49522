import MQTTTestSupport
import Testing

@Suite("mosquitto_sub wildcard filters")
struct WildcardInteropTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var filter: String
        var matching: [String]
        var notMatching: [String]
        var testDescription: String { filter }
    }

    @Test(
        "a filter delivers exactly the matching topics",
        arguments: [
            Case(filter: "sensors/+/temp", matching: ["sensors/kitchen/temp", "sensors/garage/temp"], notMatching: ["sensors/temp", "sensors/kitchen/humidity", "sensors/a/b/temp", "other/kitchen/temp"]),
            Case(filter: "home/#", matching: ["home", "home/a", "home/a/b/c"], notMatching: ["homes", "house/a", "$SYS/home"]),
            Case(filter: "#", matching: ["a", "x/y"], notMatching: ["$SYS/broker/uptime"]),
            Case(filter: "+/status", matching: ["dev1/status", "dev2/status"], notMatching: ["dev1/status/extra", "status", "$internal/status"]),
        ]
    )
    func filter(testCase: Case) async throws {
        try await withBroker { broker in
            // The subscriber also listens on the marker topic, published last: every message published before
            // the marker that the filter matched has arrived by then, and nothing else may have.
            let markerTopic = "marker"
            let expected = testCase.matching.count + 1
            let subscriber = try await startSubscriber(broker, clientID: "wild", filters: [testCase.filter, markerTopic], qos: 1, count: expected)
            defer { subscriber.terminate() }
            var published: [String] = []
            for i in 0..<max(testCase.matching.count, testCase.notMatching.count) {
                if i < testCase.notMatching.count { published.append(testCase.notMatching[i]) }
                if i < testCase.matching.count { published.append(testCase.matching[i]) }
            }
            for topic in published {
                try await mosquittoPublish(broker, ["-t", topic, "-q", "1", "-m", "to \(topic)"])
            }
            try await mosquittoPublish(broker, ["-t", markerTopic, "-q", "1", "-m", "end"])
            #expect(try await subscriber.waitForExit() == 0)
            let deliveries = published.filter(testCase.matching.contains).map { "\($0)|to \($0)|1|0" } + ["marker|end|1|0"]
            #expect(subscriber.lines == deliveries)
        }
    }

    @Test("overlapping filters deliver a single copy")
    func overlapping() async throws {
        try await withBroker { broker in
            let subscriber = try await startSubscriber(broker, clientID: "overlap", filters: ["a/#", "a/+", "a/b", "#"], qos: 1, count: 2)
            defer { subscriber.terminate() }
            try await mosquittoPublish(broker, ["-t", "a/b", "-q", "1", "-m", "once"])
            try await mosquittoPublish(broker, ["-t", "z", "-q", "1", "-m", "marker"])
            #expect(try await subscriber.waitForExit() == 0)
            #expect(subscriber.lines == ["a/b|once|1|0", "z|marker|1|0"])
        }
    }
}
