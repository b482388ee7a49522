import Foundation
import MQTTServer
import MQTTTestSupport
import Testing

@Suite("mosquitto_pub / mosquitto_sub: publish and subscribe")
struct PublishSubscribeInteropTests {
    @Test("plain TCP: messages at QoS 0 and 1 arrive with topic, payload and QoS", arguments: [0, 1])
    func plain(qos: Int) async throws {
        try await withBroker { broker in
            let subscriber = try await startSubscriber(broker, clientID: "sub", filters: ["interop/plain"], qos: qos, count: 3)
            defer { subscriber.terminate() }
            for message in ["first", "second message", "third:|;"] {
                try await mosquittoPublish(broker, ["-t", "interop/plain", "-q", "\(qos)", "-m", message])
            }
            #expect(try await subscriber.waitForExit() == 0)
            #expect(subscriber.lines == ["first", "second message", "third:|;"].map { "interop/plain|\($0)|\(qos)|0" })
        }
    }

    @Test("a QoS 2 publish from mosquitto_pub is delivered once, at QoS 1, to a QoS 2 subscription")
    func qos2() async throws {
        try await withBroker { broker in
            let subscriber = try await startSubscriber(broker, clientID: "sub", filters: ["interop/q2"], qos: 2, count: 2)
            defer { subscriber.terminate() }
            try await mosquittoPublish(broker, ["-t", "interop/q2", "-q", "2", "-m", "exactly"])
            try await mosquittoPublish(broker, ["-t", "interop/q2", "-q", "0", "-m", "marker"])
            #expect(try await subscriber.waitForExit() == 0)
            #expect(subscriber.lines == ["interop/q2|exactly|1|0", "interop/q2|marker|0|0"])
        }
    }

    @Test("TLS: mosquitto's clients connect with the test CA, at TLS 1.2 and TLS 1.3", arguments: ["tlsv1.2", "tlsv1.3"])
    func tls(version: String) async throws {
        let pki = try TestPKI.shared()
        try await withBroker({ $0.tls = try serverTLS(pki) }) { broker in
            let subscriber = try await startSubscriber(broker, clientID: "sub", filters: ["interop/tls"], qos: 1, count: 2, extra: ["--tls-version", version], pki: pki)
            defer { subscriber.terminate() }
            try await mosquittoPublish(broker, ["--tls-version", version, "-t", "interop/tls", "-q", "1", "-m", "secret"], pki: pki)
            try await mosquittoPublish(broker, ["--tls-version", version, "-t", "interop/tls", "-q", "0", "-m", "also secret"], pki: pki)
            #expect(try await subscriber.waitForExit() == 0)
            #expect(subscriber.lines == ["interop/tls|secret|1|0", "interop/tls|also secret|0|0"])
        }
    }

    @Test("TLS: a client that does not trust the server's CA does not connect")
    func tlsUntrustedServer() async throws {
        let pki = try TestPKI.shared()
        try await withBroker({ $0.tls = try serverTLS(pki) }) { broker in
            // The rogue certificate is not the CA that signed the server certificate.
            let result = try await ChildProcess.run(
                "mosquitto_pub",
                ["-V", "mqttv311", "-h", "localhost", "-p", "\(broker.port)", "--cafile", pki.roguePEM, "-t", "x", "-m", "y"]
            )
            #expect(result.status != 0)
        }
    }

    struct Bulk: Sendable, CustomTestStringConvertible {
        var qos: Int
        var tls: Bool
        var testDescription: String { "QoS \(qos)\(tls ? " over TLS" : "")" }
    }

    @Test(
        "500 messages from mosquitto_pub -l all arrive, in order",
        arguments: [Bulk(qos: 0, tls: false), Bulk(qos: 1, tls: false), Bulk(qos: 1, tls: true)]
    )
    func manyMessages(bulk: Bulk) async throws {
        let pki = try TestPKI.shared()
        let count = 500
        let lines = (1...count).map { "message \($0) " + String(repeating: "x", count: $0 % 50) }
        let input = try temporaryFile(Data((lines.joined(separator: "\n") + "\n").utf8))
        defer { try? FileManager.default.removeItem(atPath: input) }
        try await withBroker({ if bulk.tls { $0.tls = try serverTLS(pki) } }) { broker in
            let subscriber = try await startSubscriber(broker, clientID: "bulk-sub", filters: ["interop/bulk"], qos: bulk.qos, count: count, pki: pki)
            defer { subscriber.terminate() }
            try await mosquittoPublish(broker, ["-t", "interop/bulk", "-q", "\(bulk.qos)", "-l"], pki: pki, stdinFile: input)
            #expect(try await subscriber.waitForExit(timeout: .seconds(60)) == 0)
            let received = subscriber.lines
            #expect(received.count == count)
            #expect(received == lines.map { "interop/bulk|\($0)|\(bulk.qos)|0" })
        }
    }

    @Test("binary and empty payloads survive the trip")
    func payloads() async throws {
        let binary = Data((0...255).map { UInt8($0) })
        let file = try temporaryFile(binary)
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await withBroker { broker in
            let subscriber = try ChildProcess("mosquitto_sub", broker.clientArguments() + ["-i", "raw", "-t", "interop/raw", "-q", "1", "-C", "2", "-W", "30", "-F", "%l:%x"])
            defer { subscriber.terminate() }
            try await broker.waitForSubscriptions("raw", ["interop/raw"])
            try await mosquittoPublish(broker, ["-t", "interop/raw", "-q", "1", "-f", file])
            try await mosquittoPublish(broker, ["-t", "interop/raw", "-q", "1", "-n"])
            #expect(try await subscriber.waitForExit() == 0)
            let hex = binary.map { String(format: "%02x", $0) }.joined()
            #expect(subscriber.lines == ["256:\(hex)", "0:"])
        }
    }
}
