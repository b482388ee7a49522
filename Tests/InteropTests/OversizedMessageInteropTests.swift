import Foundation
import MQTTServer
import MQTTTestSupport
import Testing

@Suite("mosquitto_pub with a message over maxPacketSize")
struct OversizedMessageInteropTests {
    @Test("an oversized message is refused (connection closed) and the broker keeps serving", arguments: [0, 1])
    func oversizedRefused(qos: Int) async throws {
        let big = try temporaryFile(Data(repeating: 0x41, count: 4096))
        defer { try? FileManager.default.removeItem(atPath: big) }
        try await withBroker({ $0.maxPacketSize = 1024 }) { broker in
            let subscriber = try await startSubscriber(broker, clientID: "sub", filters: ["interop/size"], qos: 1, count: 2, format: ["-F", "%t|%l|%q"])
            defer { subscriber.terminate() }

            let oversized = try await ChildProcess.run("mosquitto_pub", broker.clientArguments() + ["-i", "big", "-t", "interop/size", "-q", "\(qos)", "-s"], stdinFile: big)
            if qos == 1 {
                // At QoS 1 mosquitto_pub waits for a PUBACK that never comes: the connection is closed instead.
                #expect(oversized.status != 0, "mosquitto_pub reported success: \(oversized.stderr)")
            }

            // Just under the limit passes; the subscriber sees it and not the oversized one.
            let fits = try temporaryFile(Data(repeating: 0x42, count: 900))
            defer { try? FileManager.default.removeItem(atPath: fits) }
            try await mosquittoPublish(broker, ["-t", "interop/size", "-q", "1", "-s"], stdinFile: fits)
            try await mosquittoPublish(broker, ["-t", "interop/size", "-q", "1", "-m", "small"])
            #expect(try await subscriber.waitForExit() == 0)
            #expect(subscriber.lines == ["interop/size|900|1", "interop/size|5|1"])
        }
    }
}
