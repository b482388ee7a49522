import MQTTBroker
import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import NIOCore
import Testing

@Suite("CONNECT and CONNACK")
struct ConnectTests {
    @Test("a valid CONNECT is answered with CONNACK 0 and the connection works")
    func acceptsConnect() async throws {
        try await withServer { server in
            let client = try await server.open()
            defer { client.close() }
            let ack = try await client.connect("c1")
            #expect(ack == ConnAckPacket(sessionPresent: false, returnCode: .accepted))
            try await client.ping()
            #expect(server.server.session(for: "c1") != nil)
        }
    }

    @Test("MQTT 3.1 (MQIsdp, level 3) is accepted")
    func acceptsMQTT31() async throws {
        try await withServer { server in
            let client = try await server.open()
            defer { client.close() }
            try await client.send(.connect(ConnectPacket(clientID: "old-client", protocolLevel: 3)))
            #expect(try await client.next() == .connack(ConnAckPacket(returnCode: .accepted)))
            try await client.ping()
        }
    }

    @Test("an MQTT 5 CONNECT gets CONNACK 1 and the connection is closed")
    func refusesMQTT5() async throws {
        try await withServer { server in
            let client = try await server.open()
            defer { client.close() }
            // A genuine MQTT 5 CONNECT: "MQTT", level 5, clean start, keep-alive 60, empty properties, client id "a".
            try await client.sendRaw([0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x00, 0x00, 0x01, 0x61])
            #expect(try await client.next() == .connack(ConnAckPacket(returnCode: .unacceptableProtocolVersion)))
            #expect(await client.waitForClose())
        }
    }

    @Test("unsupported protocol levels get CONNACK 1", arguments: [UInt8(2), 5, 6, 255])
    func refusesUnknownLevels(level: UInt8) async throws {
        try await withServer { server in
            let client = try await server.open()
            defer { client.close() }
            try await client.send(.connect(ConnectPacket(clientID: "x", protocolLevel: level)))
            #expect(try await client.next() == .connack(ConnAckPacket(returnCode: .unacceptableProtocolVersion)))
            #expect(await client.waitForClose())
            #expect(server.server.session(for: "x") == nil)
        }
    }

    @Test("an empty client id with CleanSession=0 gets CONNACK 2 and the connection is closed")
    func refusesEmptyClientIDWithPersistentSession() async throws {
        try await withServer { server in
            let client = try await server.open()
            defer { client.close() }
            let ack = try await client.connect("", cleanSession: false)
            #expect(ack.returnCode == .identifierRejected)
            #expect(!ack.sessionPresent)
            #expect(await client.waitForClose())
        }
    }

    @Test("an empty client id with CleanSession=1 is accepted under a generated id")
    func acceptsEmptyClientIDWithCleanSession() async throws {
        let recorder = ConnectRecorder()
        try await withServer(authenticator: recorder.authenticator()) { server in
            let first = try await server.open()
            defer { first.close() }
            let second = try await server.open()
            defer { second.close() }
            #expect(try await first.connect("").returnCode == .accepted)
            #expect(try await second.connect("").returnCode == .accepted)
            let ids = recorder.all.map(\.clientID)
            #expect(ids.count == 2)
            #expect(ids.allSatisfy { !$0.isEmpty })
            #expect(Set(ids).count == 2, "two anonymous clients must not share a session: \(ids)")
            // Neither took the other over.
            try await first.ping()
            try await second.ping()
        }
    }

    @Test(
        "the authenticator's refusal code is sent and the connection closed",
        arguments: [ConnectReturnCode.notAuthorized, .badUsernameOrPassword, .serverUnavailable, .identifierRejected]
    )
    func authenticatorRefuses(code: ConnectReturnCode) async throws {
        try await withServer(authenticator: { _ in .refuse(code) }) { server in
            let client = try await server.open()
            defer { client.close() }
            let ack = try await client.connect("refused", cleanSession: false)
            #expect(ack == ConnAckPacket(sessionPresent: false, returnCode: code))
            #expect(await client.waitForClose())
            #expect(server.server.session(for: "refused") == nil)
        }
    }

    @Test("an authenticator that 'refuses' with code 0 still refuses, with 5")
    func refusalWithAcceptedCodeBecomesNotAuthorized() async throws {
        try await withServer(authenticator: { _ in .refuse(.accepted) }) { server in
            let client = try await server.open()
            defer { client.close() }
            #expect(try await client.connect("c").returnCode == .notAuthorized)
            #expect(await client.waitForClose())
        }
    }

    @Test("the authenticator sees what the CONNECT carried")
    func authenticatorSeesConnectFields() async throws {
        let recorder = ConnectRecorder()
        try await withServer(authenticator: recorder.authenticator()) { server in
            let client = try await server.open()
            defer { client.close() }
            let will = ConnectPacket.Will(topic: "wills/dev", payload: ByteBuffer(string: "gone"), qos: .atLeastOnce, retain: true)
            let ack = try await client.connect("dev-1", cleanSession: false, keepAlive: 42, will: will, username: "hub/dev-1/?api-version=1", password: Array("secret".utf8))
            #expect(ack.returnCode == .accepted)
            let request = try #require(recorder.all.first)
            #expect(request.clientID == "dev-1")
            #expect(request.username == "hub/dev-1/?api-version=1")
            #expect(request.password == Array("secret".utf8))
            #expect(!request.cleanSession)
            #expect(request.keepAlive == 42)
            #expect(request.will == will)
            #expect(request.peerCertificates.isEmpty)
            #expect(request.remoteAddress?.ipAddress == "127.0.0.1")
        }
    }

    @Test("a refused client's pipelined PUBLISH is never routed")
    func refusedClientCannotPublish() async throws {
        try await withServer(authenticator: { request in request.clientID == "intruder" ? .refuse(.notAuthorized) : .accept(request.clientID) }) { server in
            let subscriber = try await server.connect("sub")
            defer { subscriber.close() }
            try await subscriber.subscribe("t", qos: .atLeastOnce)

            let intruder = try await server.open()
            defer { intruder.close() }
            let publish = PublishPacket(topic: "t", payload: ByteBuffer(string: "forged"), qos: .atLeastOnce, packetID: 1)
            try await intruder.send(.connect(ConnectPacket(clientID: "intruder")), .publish(publish), .subscribe(SubscribePacket(packetID: 2, subscriptions: [.init(filter: "#", qos: .atMostOnce)])))
            #expect(try await intruder.next() == .connack(ConnAckPacket(returnCode: .notAuthorized)))
            #expect(await intruder.waitForClose())

            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("t", "marker", qos: .atLeastOnce)
            #expect(try await subscriber.nextPublish().payloadString == "marker")
        }
    }

    @Test(
        "a first packet other than CONNECT closes the connection",
        arguments: [
            MQTTPacket.pingreq,
            .subscribe(SubscribePacket(packetID: 1, subscriptions: [.init(filter: "#", qos: .atMostOnce)])),
            .publish(PublishPacket(topic: "t", payload: ByteBuffer(string: "x"))),
            .disconnect,
        ]
    )
    func firstPacketMustBeConnect(packet: MQTTPacket) async throws {
        try await withServer { server in
            let client = try await server.open()
            defer { client.close() }
            try await client.send(packet)
            let event = await client.event()
            guard case .closed = event else {
                Issue.record("expected the connection to close, got \(event.map { "\($0)" } ?? "nothing")")
                return
            }
            try await ensureServerStillServes(server)
        }
    }

    @Test("a second CONNECT on a connection closes it")
    func secondConnectCloses() async throws {
        try await withServer { server in
            let client = try await server.connect("twice")
            defer { client.close() }
            try await client.send(.connect(ConnectPacket(clientID: "twice")))
            let event = await client.event()
            guard case .closed = event else {
                Issue.record("expected the connection to close, got \(event.map { "\($0)" } ?? "nothing")")
                return
            }
        }
    }

    @Test("a second CONNECT coalesced with the first closes the connection after CONNACK")
    func coalescedSecondConnectCloses() async throws {
        try await withServer { server in
            let client = try await server.open()
            defer { client.close() }
            try await client.send(.connect(ConnectPacket(clientID: "a")), .connect(ConnectPacket(clientID: "b")))
            #expect(try await client.next() == .connack(ConnAckPacket(returnCode: .accepted)))
            let event = await client.event()
            guard case .closed = event else {
                Issue.record("expected the connection to close, got \(event.map { "\($0)" } ?? "nothing")")
                return
            }
        }
    }

    @Test("no CONNECT within connectTimeout closes the connection")
    func connectTimeout() async throws {
        // Timeouts in these tests leave a loaded 2-core machine seconds to send a CONNECT in time.
        try await withServer({ $0.connectTimeout = .seconds(5) }) { server in
            let client = try await server.open()
            defer { client.close() }
            #expect(await client.waitForClose(timeout: .seconds(20)))
            try await ensureServerStillServes(server)
        }
    }

    @Test("a partial CONNECT does not stop the connect timeout")
    func partialConnectTimesOut() async throws {
        // Long enough for a loaded CI machine to send the partial bytes before the timeout.
        try await withServer({ $0.connectTimeout = .seconds(5) }) { server in
            let client = try await server.open()
            defer { client.close() }
            let bytes = MQTTPacket.connect(ConnectPacket(clientID: "slowloris")).bytes
            // On a starved machine the server may close before these bytes arrive: closing is what is asserted.
            try? await client.sendRaw(Array(bytes.prefix(5)))
            #expect(await client.waitForClose(timeout: .seconds(20)))
        }
    }

    @Test("the connect timeout does not close a client that connected in time")
    func connectTimeoutSparesConnectedClients() async throws {
        // Long enough for a loaded CI machine to connect in time; the wait then outlasts the timeout.
        try await withServer({ $0.connectTimeout = .seconds(5) }) { server in
            let client = try await server.connect("quick")
            defer { client.close() }
            try await Task.sleep(for: .seconds(6))
            try await client.ping()
        }
    }
}

/// A fresh client can still connect, subscribe, publish and receive.
func ensureServerStillServes(_ server: TestServer) async throws {
    let client = try await server.connect("healthy-\(UInt32.random(in: 0...UInt32.max))")
    defer { client.close() }
    try await client.subscribe("health/check", qos: .atLeastOnce)
    try await client.publish("health/check", "ok", qos: .atLeastOnce, packetID: 7)
    let delivery = try await client.nextPublish()
    #expect(delivery.topic == "health/check")
    #expect(delivery.payloadString == "ok")
}
