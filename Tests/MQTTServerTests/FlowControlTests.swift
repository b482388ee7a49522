import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import NIOCore
import Testing

@Suite("In-flight window and back-pressure")
struct FlowControlTests {
    private func qos1Publishes(_ range: ClosedRange<Int>, topic: String, payloadSize: Int = 0) -> [MQTTPacket] {
        range.map { i in
            var payload = ByteBuffer(string: "\(i)")
            if payloadSize > payload.readableBytes {
                payload.writeRepeatingByte(0x2E, count: payloadSize - payload.readableBytes)
            }
            return .publish(PublishPacket(topic: topic, payload: payload, qos: .atLeastOnce, packetID: UInt16(i)))
        }
    }

    /// Reads PUBACKs until none arrives for `quiet`; fails on any other packet.
    private func acksUntilQuiet(_ client: TestClient, limit: Int, quiet: Duration = .milliseconds(1500)) async throws -> [UInt16] {
        var acks: [UInt16] = []
        while acks.count < limit {
            switch await client.event(timeout: quiet) {
            case nil:
                return acks
            case .packet(.puback(let id)):
                acks.append(id)
            case let other?:
                throw TestFailure("expected PUBACK, got \(other)")
            }
        }
        return acks
    }

    /// The number leading the payload ("17...." → "17").
    private func number(_ publish: PublishPacket) -> String {
        String(publish.payloadString.prefix { $0.isNumber })
    }

    @Test("with inflightWindow 5, a subscriber that never acknowledges gets exactly 5 of 20 messages until it does")
    func inflightWindow() async throws {
        try await withServer({ $0.inflightWindow = 5 }) { server in
            let subscriber = try await server.connect("slow")
            defer { subscriber.close() }
            try await subscriber.subscribe("window", qos: .atLeastOnce)
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.send(qos1Publishes(1...20, topic: "window"))
            // Everything is accepted (the queue limit is far away), so all 20 are in the subscriber's session.
            #expect(try await acksUntilQuiet(publisher, limit: 20) == (1...20).map { UInt16($0) })

            let firstFive = try await subscriber.publishes(5)
            #expect(firstFive.map(\.payloadString) == ["1", "2", "3", "4", "5"])
            #expect(Set(firstFive.compactMap(\.packetID)).count == 5)
            try await subscriber.expectSilence(for: .milliseconds(500))
            #expect(server.server.session(for: "slow")?.queuedMessages == 20)

            // One acknowledgement opens one slot.
            try await subscriber.send(.puback(packetID: firstFive[2].packetID ?? 0))
            #expect(try await subscriber.nextPublish().payloadString == "6")
            try await subscriber.expectSilence(for: .milliseconds(300))

            // Acknowledge everything as it comes: the rest arrive, in order.
            var rest: [String] = []
            for publish in firstFive where publish.payloadString != "3" {
                try await subscriber.send(.puback(packetID: publish.packetID ?? 0))
            }
            while rest.count < 14 {
                let publish = try await subscriber.nextPublish()
                rest.append(publish.payloadString)
                try await subscriber.send(.puback(packetID: publish.packetID ?? 0))
            }
            #expect(rest == (7...20).map { "\($0)" })
            #expect(await eventually { server.server.session(for: "slow")?.queuedMessages == 1 })  // "6" is still unacknowledged
        }
    }

    @Test("a subscriber that does not acknowledge holds back the publisher's PUBACKs; nothing is lost once it does")
    func publisherAcksStall() async throws {
        let window = 2
        let maxQueued = 3
        try await withServer({
            $0.inflightWindow = window
            $0.maxQueuedMessages = maxQueued
        }) { server in
            let subscriber = try await server.connect("slow")
            defer { subscriber.close() }
            try await subscriber.subscribe("bp", qos: .atLeastOnce)
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.send(qos1Publishes(1...20, topic: "bp"))

            let early = try await acksUntilQuiet(publisher, limit: 20)
            #expect(early.count <= window + maxQueued, "PUBACKs must stall once the subscriber's queue is full, got \(early.count)")
            #expect(early == (1...early.count).map { UInt16($0) })

            // The subscriber catches up; the publisher's acknowledgements resume and every message arrives once.
            var received: [String] = []
            while received.count < 20 {
                let publish = try await subscriber.nextPublish()
                received.append(publish.payloadString)
                try await subscriber.send(.puback(packetID: publish.packetID ?? 0))
            }
            #expect(received == (1...20).map { "\($0)" })
            let late = try await acksUntilQuiet(publisher, limit: 20 - early.count)
            #expect(early + late == (1...20).map { UInt16($0) })
            try await subscriber.expectSilence(for: .milliseconds(300))
        }
    }

    @Test("a flood towards a subscriber that does not acknowledge is not buffered without bound")
    func floodIsBounded() async throws {
        let total = 3000
        try await withServer({
            $0.inflightWindow = 10
            $0.maxQueuedMessages = 10
        }) { server in
            let subscriber = try await server.connect("slow")
            defer { subscriber.close() }
            try await subscriber.subscribe("flood", qos: .atLeastOnce)
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            // 3000 × 1 KiB, written at once: the server must stop reading rather than queue them all.
            publisher.sendWithoutWaiting(qos1Publishes(1...total, topic: "flood", payloadSize: 1024))
            let early = try await acksUntilQuiet(publisher, limit: total)
            #expect(early.count <= 20)
            let queued = try #require(server.server.session(for: "slow")?.queuedMessages)
            #expect(queued < total, "the server read and queued every message (\(queued)) instead of pushing back")

            var count = 0
            var inOrder = true
            while count < total {
                let publish = try await subscriber.nextPublish()
                count += 1
                if number(publish) != "\(count)" { inOrder = false }
                try await subscriber.send(.puback(packetID: publish.packetID ?? 0))
            }
            #expect(inOrder)
            let late = try await acksUntilQuiet(publisher, limit: total - early.count)
            #expect(early.count + late.count == total)
        }
    }

    @Test("a QoS 0 subscriber that stops reading its socket holds back the publisher; nothing is lost once it reads")
    func qos0SubscriberNotReading() async throws {
        let total = 200
        let payloadSize = 64 * 1024
        try await withServer({ $0.maxQueuedMessages = 4 }) { server in
            let subscriber = try await server.connect("deaf", receiveBufferSize: 64 * 1024)
            defer { subscriber.close() }
            try await subscriber.subscribe("bulk", qos: .atMostOnce)
            try await subscriber.setReading(false)

            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            // 200 × 64 KiB = 12.5 MiB, far more than the socket buffers between the server and the subscriber.
            publisher.sendWithoutWaiting(qos1Publishes(1...total, topic: "bulk", payloadSize: payloadSize))
            let early = try await acksUntilQuiet(publisher, limit: total, quiet: .seconds(2))
            #expect(server.server.session(for: "deaf")?.queuedMessages ?? 0 < total)
            #expect(early.count < total, "every message was acknowledged while the subscriber read nothing: the server buffered them")

            try await subscriber.setReading(true)
            var received: [String] = []
            while received.count < total {
                let publish = try await subscriber.nextPublish()
                #expect(publish.payload.readableBytes == payloadSize)
                received.append(number(publish))
            }
            #expect(received == (1...total).map { "\($0)" })
            let late = try await acksUntilQuiet(publisher, limit: total - early.count, quiet: .seconds(10))
            #expect(early + late == (1...total).map { UInt16($0) })
        }
    }

    @Test("one slow subscriber does not lose messages of a fast one")
    func fastAndSlowSubscribers() async throws {
        try await withServer({
            $0.inflightWindow = 2
            $0.maxQueuedMessages = 2
        }) { server in
            let slow = try await server.connect("slow")
            defer { slow.close() }
            try await slow.subscribe("both", qos: .atLeastOnce)
            let fast = try await server.connect("fast")
            defer { fast.close() }
            try await fast.subscribe("both", qos: .atLeastOnce)
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.send(qos1Publishes(1...30, topic: "both"))

            var fastReceived: [String] = []
            var slowReceived: [String] = []
            while fastReceived.count < 30 {
                let publish = try await fast.nextPublish()
                fastReceived.append(publish.payloadString)
                try await fast.send(.puback(packetID: publish.packetID ?? 0))
                if fastReceived.count % 5 == 0 {
                    // The slow one acknowledges now and then.
                    while case .packet(.publish(let p))? = await slow.event(timeout: .milliseconds(50)) {
                        slowReceived.append(p.payloadString)
                        try await slow.send(.puback(packetID: p.packetID ?? 0))
                    }
                }
            }
            while slowReceived.count < 30 {
                let publish = try await slow.nextPublish()
                slowReceived.append(publish.payloadString)
                try await slow.send(.puback(packetID: publish.packetID ?? 0))
            }
            #expect(fastReceived == (1...30).map { "\($0)" })
            #expect(slowReceived == (1...30).map { "\($0)" })
            #expect(try await acksUntilQuiet(publisher, limit: 30) == (1...30).map { UInt16($0) })
        }
    }
}
