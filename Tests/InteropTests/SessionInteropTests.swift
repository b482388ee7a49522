import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import Testing

@Suite("mosquitto_sub persistent sessions and retained messages")
struct SessionInteropTests {
    /// `mosquitto_sub -c -i fixedid -q 1 -E`: subscribe on a persistent session, then leave.
    private func subscribeAndLeave(_ broker: Broker, clientID: String, filter: String) async throws {
        let result = try await ChildProcess.run("mosquitto_sub", broker.clientArguments() + ["-c", "-i", clientID, "-q", "1", "-t", filter, "-E"])
        guard result.status == 0 else { throw TestFailure("mosquitto_sub -E exited with \(result.status): \(result.stderr)") }
        #expect(broker.server.session(for: clientID)?.subscriptions == [filter: .atLeastOnce])
    }

    @Test("messages published while a persistent subscriber is away reach its next run, in order")
    func persistentSessionRedelivery() async throws {
        try await withBroker { broker in
            try await subscribeAndLeave(broker, clientID: "fixedid", filter: "interop/offline")
            for i in 1...3 {
                try await mosquittoPublish(broker, ["-t", "interop/offline", "-q", "1", "-m", "while away \(i)"])
            }
            #expect(broker.server.session(for: "fixedid")?.queuedMessages == 3)

            let second = try ChildProcess("mosquitto_sub", broker.clientArguments() + ["-c", "-i", "fixedid", "-q", "1", "-t", "interop/offline", "-C", "3", "-W", "30"] + subscriberFormat)
            defer { second.terminate() }
            #expect(try await second.waitForExit() == 0)
            #expect(second.lines == (1...3).map { "interop/offline|while away \($0)|1|0" })
        }
    }

    @Test("a clean-session run with the same id gets none of the stored messages")
    func cleanSessionDiscards() async throws {
        try await withBroker { broker in
            try await subscribeAndLeave(broker, clientID: "fixedid", filter: "interop/offline")
            try await mosquittoPublish(broker, ["-t", "interop/offline", "-q", "1", "-m", "stale"])
            let clean = try ChildProcess("mosquitto_sub", broker.clientArguments() + ["-i", "fixedid", "-q", "1", "-t", "interop/offline", "-C", "1", "-W", "30"] + subscriberFormat)
            defer { clean.terminate() }
            // Ready once the stored session has been replaced by the clean one, with its own subscription.
            let ready = await eventually {
                guard let session = broker.server.session(for: "fixedid") else { return false }
                return !session.isPersistent && session.subscriptions["interop/offline"] != nil
            }
            #expect(ready)
            try await mosquittoPublish(broker, ["-t", "interop/offline", "-q", "1", "-m", "fresh"])
            #expect(try await clean.waitForExit() == 0)
            #expect(clean.lines == ["interop/offline|fresh|1|0"])
        }
    }

    @Test("a retained message (-r) reaches later subscribers with the retain flag; an empty one (-r -n) clears it")
    func retained() async throws {
        try await withBroker { broker in
            try await mosquittoPublish(broker, ["-t", "interop/config", "-q", "1", "-r", "-m", "v1"])
            try await mosquittoPublish(broker, ["-t", "interop/config", "-q", "1", "-r", "-m", "v2"])

            let late = try ChildProcess("mosquitto_sub", broker.clientArguments() + ["-i", "late", "-q", "1", "-t", "interop/#", "-C", "1", "-W", "30"] + subscriberFormat)
            defer { late.terminate() }
            #expect(try await late.waitForExit() == 0)
            #expect(late.lines == ["interop/config|v2|1|1"])

            let atQoS0 = try ChildProcess("mosquitto_sub", broker.clientArguments() + ["-i", "late0", "-q", "0", "-t", "interop/config", "-C", "1", "-W", "30"] + subscriberFormat)
            defer { atQoS0.terminate() }
            #expect(try await atQoS0.waitForExit() == 0)
            #expect(atQoS0.lines == ["interop/config|v2|0|1"])

            try await mosquittoPublish(broker, ["-t", "interop/config", "-q", "1", "-r", "-n"])
            let afterClear = try await startSubscriber(broker, clientID: "after-clear", filters: ["interop/config"], qos: 1, count: 1)
            defer { afterClear.terminate() }
            try await mosquittoPublish(broker, ["-t", "interop/config", "-q", "1", "-m", "live"])
            #expect(try await afterClear.waitForExit() == 0)
            #expect(afterClear.lines == ["interop/config|live|1|0"])
        }
    }

    @Test("a will set with --will-topic is published when mosquitto_sub dies, not when it disconnects", arguments: [true, false])
    func will(killed: Bool) async throws {
        try await withBroker { broker in
            let watcher = try await startSubscriber(broker, clientID: "watcher", filters: ["interop/status/#"], qos: 1, count: 1)
            defer { watcher.terminate() }
            let device = try await startSubscriber(
                broker,
                clientID: "device",
                filters: ["interop/device/cmd"],
                qos: 1,
                count: 100,
                extra: ["--will-topic", "interop/status/device", "--will-payload", "gone", "--will-qos", "1"]
            )
            defer { device.terminate() }
            if killed {
                device.kill()  // SIGKILL: the socket closes without DISCONNECT
            } else {
                device.terminate()  // SIGTERM: mosquitto_sub sends DISCONNECT first
            }
            _ = try await device.waitForExit()
            // The server has noticed once the session of the clean-session client is gone.
            #expect(await eventually { broker.server.session(for: "device") == nil })
            try await mosquittoPublish(broker, ["-t", "interop/status/marker", "-q", "1", "-m", "marker"])
            #expect(try await watcher.waitForExit() == 0)
            #expect(watcher.lines == [killed ? "interop/status/device|gone|1|0" : "interop/status/marker|marker|1|0"])
        }
    }
}
