import Foundation
import MQTTTestSupport
import Testing

/// The `mqtt-broker` executable next to the test bundle (built by `swift build --build-tests`).
private let brokerExecutable: String? = {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mqtt-broker").path,
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/mqtt-broker").path,
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

@Suite("The mqtt-broker executable with mosquitto's clients")
struct BrokerExecutableInteropTests {
    /// Starts mqtt-broker and returns it with the port it logged for `listener` ("plain TCP" or "TLS").
    private func startBroker(_ arguments: [String], listener: String) async throws -> (ChildProcess, Int) {
        guard let brokerExecutable else {
            throw TestFailure("mqtt-broker is not built next to the tests; build with `swift build --build-tests`")
        }
        let broker = try ChildProcess(brokerExecutable, arguments + ["--log-level", "info"])
        var port: Int?
        let started = await eventually {
            if let match = broker.stderr.firstMatch(of: /listening on \S*:(\d+) \((plain TCP|TLS)\)/), match.output.2 == listener {
                port = Int(match.output.1)
            }
            return port != nil
        }
        guard started, let port else {
            broker.terminate()
            throw TestFailure("mqtt-broker did not report its \(listener) port: \(broker.stderr)")
        }
        return (broker, port)
    }

    @Test("plain TCP: publish and subscribe through the executable; SIGTERM shuts it down cleanly")
    func plain() async throws {
        let (broker, port) = try await startBroker(["--port", "0"], listener: "plain TCP")
        defer { broker.terminate() }
        let target = ["-V", "mqttv311", "-h", "127.0.0.1", "-p", "\(port)"]
        let subscriber = try ChildProcess("mosquitto_sub", target + ["-i", "exe-sub", "-t", "exe/#", "-q", "1", "-C", "1", "-W", "30"] + subscriberFormat)
        defer { subscriber.terminate() }
        // No in-process session to poll here: publish retained, so the order of subscribe and publish does not matter.
        let published = try await ChildProcess.run("mosquitto_pub", target + ["-t", "exe/hello", "-q", "1", "-r", "-m", "from the executable"])
        #expect(published.status == 0, "\(published.stderr)")
        #expect(try await subscriber.waitForExit() == 0)
        #expect(subscriber.lines.first?.hasPrefix("exe/hello|from the executable|1|") == true)
        broker.terminate()
        #expect(try await broker.waitForExit() == 0)
    }

    @Test("TLS with --client-ca: a certificate of the CA connects, none is refused")
    func tlsWithClientCA() async throws {
        let pki = try TestPKI.shared()
        let (broker, port) = try await startBroker(
            ["--port=-1", "--tls-port", "0", "--cert", pki.serverChainPEM, "--key", pki.serverKey, "--client-ca", pki.caPEM],
            listener: "TLS"
        )
        defer { broker.terminate() }
        let target = ["-V", "mqttv311", "-h", "localhost", "-p", "\(port)", "--cafile", pki.caPEM]
        let accepted = try await ChildProcess.run("mosquitto_pub", target + ["--cert", pki.clientPEM, "--key", pki.clientKey, "-t", "t", "-q", "1", "-m", "x"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        let refused = try await ChildProcess.run("mosquitto_pub", target + ["-t", "t", "-q", "1", "-m", "x"])
        #expect(refused.status != 0)
    }
}
