import DockerClient
import Foundation
import MQTTTestSupport
import Testing

/// `GET /events` from the real engine.
@Suite struct EventsTests {
    @Test func streamSeesCreateStartAndDieOfATestContainer() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("events")
        let before = Date()
        let filters: DockerFilters = ["type": ["container"], "label": ["\(DockerTest.label)=\(name)"]]
        // From `before`: what happens between Docker's answer and its subscription is replayed, not missed.
        let stream = try await client.events(since: .date(before), filters: filters)
        let events = try await withDeadline(.seconds(60), "create, start and die events") {
            // Read concurrently with the container's life.
            async let seen: [DockerEvent] = {
                var seen: [DockerEvent] = []
                for try await event in stream {
                    seen.append(event)
                    if event.action == "die" { break }
                }
                return seen
            }()
            try await DockerTest.withContainer(client, name: name, options: DockerTest.options(name, "exit 7")) { id in
                _ = try await DockerTest.waitForExit(client, id)
            }
            return try await seen
        }
        let actions = events.map(\.action)
        #expect(actions == ["create", "start", "die"])
        #expect(events.allSatisfy { $0.type == "container" && $0.attributes["name"] == name })
        #expect(events.allSatisfy { $0.attributes[DockerTest.label] == name })
        #expect(events.last?.attributes["exitCode"] == "7")
        #expect(events.allSatisfy { $0.time >= Int64(before.timeIntervalSince1970) - 1 && $0.timeNano > 0 })
        #expect(Set(events.map(\.actorID)).count == 1)

        // Replayed with since and until: the same events and the stream ends by itself.
        let replay = try await withDeadline(.seconds(30), "replayed events") {
            var replayed: [DockerEvent] = []
            let stream = try await client.events(since: .date(before.addingTimeInterval(-1)), until: .date(Date()), filters: filters)
            for try await event in stream { replayed.append(event) }
            return replayed
        }
        #expect(replay.map(\.action).prefix(3) == ["create", "start", "die"])
        #expect(replay.map(\.action).contains("destroy"))
    }

    @Test func eventFiltersByAction() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("events-die")
        let filters: DockerFilters = ["type": ["container"], "event": ["die"], "label": ["\(DockerTest.label)=\(name)"]]
        let stream = try await client.events(since: .date(Date()), filters: filters)
        let first = try await withDeadline(.seconds(60), "a die event") {
            async let event: DockerEvent? = {
                for try await event in stream { return event }
                return nil
            }()
            try await DockerTest.withContainer(client, name: name, options: DockerTest.options(name, "exit 0")) { id in
                _ = try await DockerTest.waitForExit(client, id)
            }
            return try await event
        }
        #expect(first?.action == "die")
        #expect(first?.attributes["name"] == name)
    }
}
