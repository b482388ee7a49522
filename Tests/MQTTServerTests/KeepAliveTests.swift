import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import NIOCore
import Testing

/// The server closes a connection that sends nothing for 1.5 × its keep-alive (MQTT 3.1.1 §3.1.2.10,
/// edgeHub spec §3.2). These tests never assert how fast something happens, only that it does or does not.
@Suite("Keep-alive")
struct KeepAliveTests {
    @Test("PINGREQ is answered with PINGRESP")
    func pingResponse() async throws {
        try await withServer { server in
            let client = try await server.connect("pinger")
            defer { client.close() }
            for _ in 0..<3 {
                try await client.send(.pingreq)
                #expect(try await client.next() == .pingresp)
            }
        }
    }

    // Keep-alive 3 s (4.5 s timeout) with pings every 0.5 s: a loaded 2-core machine can delay a ping by a second or
    // two without making the test wrong.
    @Test("keep-alive 3 s: PINGREQs every 0.5 s keep the connection open; silence closes it")
    func silenceCloses() async throws {
        try await withServer { server in
            let client = try await server.connect("sleepy", keepAlive: 3)
            defer { client.close() }
            // 6 s of pings, well past the 4.5 s timeout: each must be answered.
            for _ in 0..<12 {
                try await Task.sleep(for: .milliseconds(500))
                try await client.ping()
            }
            // Silence: the server must close the connection.
            #expect(await client.waitForClose(timeout: .seconds(10)))
            try await server.waitForSessionGone("sleepy")
        }
    }

    @Test("keep-alive 3 s: other packets count as activity too")
    func publishesCountAsActivity() async throws {
        try await withServer { server in
            let client = try await server.connect("busy", keepAlive: 3)
            defer { client.close() }
            for i in 0..<12 {
                try await Task.sleep(for: .milliseconds(500))
                try await client.publish("busy/topic", "\(i)", qos: .atLeastOnce, packetID: UInt16(i + 1))
            }
            try await client.ping()
            #expect(await client.waitForClose(timeout: .seconds(10)))
        }
    }

    @Test("keep-alive 0 is bounded by maxKeepAlive")
    func zeroKeepAliveBoundedByMaximum() async throws {
        // 3 s: long enough for a loaded machine to ping right after CONNACK, before the bound closes the connection.
        try await withServer({ $0.maxKeepAlive = .seconds(3) }) { server in
            let client = try await server.connect("forever", keepAlive: 0)
            defer { client.close() }
            try await client.ping()
            #expect(await client.waitForClose(timeout: .seconds(10)))
        }
    }

    @Test("a long keep-alive is bounded by maxKeepAlive")
    func longKeepAliveBoundedByMaximum() async throws {
        try await withServer({ $0.maxKeepAlive = .seconds(1) }) { server in
            let client = try await server.connect("long", keepAlive: 3600)
            defer { client.close() }
            #expect(await client.waitForClose(timeout: .seconds(10)))
        }
    }

    @Test("keep-alive 0 without maxKeepAlive never times out")
    func zeroKeepAliveDisablesTimeout() async throws {
        try await withServer { server in
            let client = try await server.connect("forever", keepAlive: 0)
            defer { client.close() }
            try await client.expectSilence(for: .seconds(2))
            try await client.ping()
        }
    }

    @Test("the will is published when the keep-alive expires")
    func willOnKeepAliveExpiry() async throws {
        try await withServer { server in
            let watcher = try await server.connect("watcher")
            defer { watcher.close() }
            try await watcher.subscribe("status/+", qos: .atLeastOnce)
            let will = ConnectPacket.Will(topic: "status/sleepy", payload: ByteBuffer(string: "timed out"), qos: .atLeastOnce)
            let client = try await server.connect("sleepy", keepAlive: 1, will: will)
            defer { client.close() }
            #expect(await client.waitForClose(timeout: .seconds(10)))
            let delivered = try await watcher.nextPublish()
            #expect(Delivery(delivered) == Delivery("status/sleepy", "timed out", qos: .atLeastOnce))
        }
    }

    @Test("a publisher held back by a slow subscriber is not disconnected for the server's own silence")
    func backPressureDoesNotExpireKeepAlive() async throws {
        try await withServer({
            $0.inflightWindow = 1
            $0.maxQueuedMessages = 1
            $0.maxPendingInboundAcks = 4
        }) { server in
            let subscriber = try await server.connect("stalled")
            defer { subscriber.close() }
            try await subscriber.subscribe("flood", qos: .atLeastOnce)

            let publisher = try await server.connect("flooder", keepAlive: 1)
            defer { publisher.close() }
            let count = 40
            try await publisher.send((1...count).map { i in
                .publish(PublishPacket(topic: "flood", payload: ByteBuffer(string: "\(i)"), qos: .atLeastOnce, packetID: UInt16(i)))
            })
            // The server stops reading the publisher (its acknowledgements wait for the subscriber). The publisher
            // keeps its side of the keep-alive contract by pinging; the server cannot see the pings yet.
            for _ in 0..<6 {
                try await Task.sleep(for: .milliseconds(500))
                try await publisher.send(.pingreq)
            }
            // Now the subscriber catches up: everything flows, and the publisher was never dropped.
            var received: [String] = []
            while received.count < count {
                let publish: PublishPacket
                do {
                    publish = try await subscriber.nextPublish()
                } catch {
                    throw TestFailure("subscriber, after \(received.count) messages: \(error)")
                }
                received.append(publish.payloadString)
                try await subscriber.send(.puback(packetID: publish.packetID ?? 0))
            }
            #expect(received == (1...count).map { "\($0)" })
            var acks: [UInt16] = []
            var pongs = 0
            while acks.count < count || pongs < 6 {
                let packet: MQTTPacket
                do {
                    packet = try await publisher.next()
                } catch {
                    throw TestFailure("publisher, after \(acks.count) PUBACKs and \(pongs) PINGRESPs: \(error)")
                }
                switch packet {
                case .puback(let id): acks.append(id)
                case .pingresp: pongs += 1
                case let other: Issue.record("unexpected \(other)")
                }
            }
            #expect(acks == (1...count).map { UInt16($0) })
        }
    }
}
