import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import MQTTBroker
import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import MQTTTransport
import NIOCore
import NIOSSL
import Synchronization
import Testing

// MARK: Failures and logging

let testLogger = makeTestLogger(label: "interop-test")

// MARK: Our broker, in process

/// Our server with an ``InMemoryBroker``, listening on 127.0.0.1 with a free port.
struct Broker: Sendable {
    let server: MQTTServer<InMemoryBroker>
    let port: Int
    let tls: Bool

    /// mosquitto client arguments reaching this broker: MQTT 3.1.1, host and port, and for TLS the test CA
    /// (host `localhost`, the name in the server certificate).
    func clientArguments(_ pki: TestPKI? = nil) -> [String] {
        var arguments = ["-V", "mqttv311", "-p", "\(port)"]
        if tls, let pki {
            arguments += ["-h", "localhost", "--cafile", pki.caPEM]
        } else {
            arguments += ["-h", "127.0.0.1"]
        }
        return arguments
    }

    /// Waits until `clientID` holds subscriptions to all of `filters` (mosquitto_sub is ready).
    func waitForSubscriptions(_ clientID: String, _ filters: [String]) async throws {
        let subscribed = await eventually {
            guard let subscriptions = server.session(for: clientID)?.subscriptions else { return false }
            return filters.allSatisfy { subscriptions[$0] != nil }
        }
        guard subscribed else { throw TestFailure("\(clientID) never subscribed to \(filters)") }
    }
}

/// Starts our broker (configured by `configure`), runs `body`, stops the listener.
func withBroker<T>(
    _ configure: (inout MQTTServerConfiguration) throws -> Void = { _ in },
    authenticator: InMemoryBroker.Authenticator? = nil,
    _ body: (Broker) async throws -> T
) async throws -> T {
    var configuration = MQTTServerConfiguration(host: "127.0.0.1", port: 0)
    try configure(&configuration)
    let broker = InMemoryBroker(logger: testLogger, authenticator: authenticator)
    let server = try MQTTServer(configuration: configuration, delegate: broker, logger: testLogger)
    let address = try await server.start()
    let handle = Broker(server: server, port: address.port ?? 0, tls: configuration.tls != nil)
    do {
        let result = try await body(handle)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A server TLS setting from the test PKI.
func serverTLS(
    _ pki: TestPKI,
    clientCertificates: MQTTTLSConfiguration.ClientCertificates = .none,
    acceptsAnyClientCertificate: Bool = false
) throws -> MQTTServerConfiguration.TLS {
    .init(
        configuration: try MQTTTLSConfiguration.server(
            certificateChainPEMFile: pki.serverChainPEM,
            privateKeyPEMFile: pki.serverKey,
            clientCertificates: clientCertificates
        ),
        acceptsAnyClientCertificate: acceptsAnyClientCertificate
    )
}

// MARK: Child processes

/// The output format the tests ask mosquitto_sub for: topic|payload|qos|retain.
let subscriberFormat = ["-F", "%t|%p|%q|%r"]

/// Runs mosquitto_pub to completion and fails unless it exits with 0.
func mosquittoPublish(_ broker: Broker, _ arguments: [String], pki: TestPKI? = nil, stdinFile: String? = nil) async throws {
    let result = try await ChildProcess.run("mosquitto_pub", broker.clientArguments(pki) + arguments, stdinFile: stdinFile)
    guard result.status == 0 else {
        throw TestFailure("mosquitto_pub \(arguments.joined(separator: " ")) exited with \(result.status): \(result.stderr)")
    }
}

/// Starts mosquitto_sub for `filters` under `clientID` and waits until our broker has its subscriptions.
func startSubscriber(
    _ broker: Broker,
    clientID: String,
    filters: [String],
    qos: Int = 1,
    count: Int,
    format: [String] = subscriberFormat,
    extra: [String] = [],
    pki: TestPKI? = nil
) async throws -> ChildProcess {
    var arguments = broker.clientArguments(pki) + ["-i", clientID, "-q", "\(qos)", "-C", "\(count)", "-W", "30"] + format + extra
    for filter in filters { arguments += ["-t", filter] }
    let subscriber = try ChildProcess("mosquitto_sub", arguments)
    do {
        try await broker.waitForSubscriptions(clientID, filters)
    } catch {
        subscriber.terminate()
        throw TestFailure("\(error); mosquitto_sub said: \(subscriber.stderr)")
    }
    return subscriber
}

/// A temporary file, removed by the caller.
func temporaryFile(_ contents: Data) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("interop-\(UUID().uuidString)").path
    guard FileManager.default.createFile(atPath: path, contents: contents) else { throw TestFailure("cannot write \(path)") }
    return path
}
