import DockerClient
import Foundation
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// What every test against the real engine shares: the client (failing with a clear message when no engine
/// answers), the locally built test image, unique names and a label that marks everything a test makes.
enum DockerTest {
    static let image = "swift-iotedge-test/busybox:1"
    /// Every container and network a test makes carries this label (value: the test's unique name).
    static let label = "net.swift-iotedge.test"

    /// A client of the engine on /var/run/docker.sock (or `DOCKER_HOST`), after checking that it answers and that
    /// the test image exists (built by scripts/test-images.sh when missing).
    static func client() async throws -> DockerClient {
        let client = DockerClient(configuration: .fromEnvironment(ProcessInfo.processInfo.environment))
        do {
            _ = try await client.ping()
        } catch {
            throw TestFailure(
                "no Docker engine answers on \(client.configuration.socketPath) (\(error)); run scripts/setup.sh, which "
                    + "installs Debian's docker.io and starts dockerd (or scripts/start-dockerd.sh alone)"
            )
        }
        try await ImageBuilder.shared.ensure(client)
        return client
    }

    /// A name no other test or run uses.
    static func uniqueName(_ what: String) -> String {
        "swift-iotedge-test-\(what)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Create options for a test container: the test image, host networking, the test label.
    static func options(_ name: String, _ script: String, tty: Bool = false) -> ContainerCreateOptions {
        var options = ContainerCreateOptions(image: image, cmd: ["sh", "-c", script])
        options.labels = [label: name]
        options.networkMode = "host"
        if tty { options.tty = true }
        return options
    }

    /// Runs `body` with a container created from `options` under `name`, and removes the container afterwards
    /// whatever happens.
    static func withContainer<T>(
        _ client: DockerClient, name: String, options: ContainerCreateOptions, start: Bool = true,
        _ body: (String) async throws -> T
    ) async throws -> T {
        let created = try await client.createContainer(name: name, options: options)
        do {
            if start { try await client.startContainer(created.id) }
            let result = try await body(created.id)
            try? await client.removeContainer(created.id, force: true)
            return result
        } catch {
            try? await client.removeContainer(created.id, force: true)
            throw error
        }
    }

    /// Waits (bounded) for a container to stop; its exit status.
    static func waitForExit(_ client: DockerClient, _ id: String, timeout: Duration = .seconds(30)) async throws -> Int64 {
        try await withDeadline(timeout, "container \(id) to exit") { try await client.waitContainer(id).statusCode }
    }
}

/// Runs `body`, failing with a `TestFailure` when it takes longer than `timeout` (the body is cancelled).
func withDeadline<T: Sendable>(_ timeout: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw TestFailure("timed out after \(timeout) waiting for \(what)")
        }
        return value
    }
}

/// The `DockerError` `body` throws, or `nil` when it succeeds (any other error fails the test).
func dockerError(_ body: () async throws -> Void) async -> DockerError? {
    do {
        try await body()
        return nil
    } catch let error as DockerError {
        return error
    } catch {
        Issue.record("expected a DockerError, got \(type(of: error)): \(error)")
        return nil
    }
}

func syncDockerError(_ body: () throws -> Void) -> DockerError? {
    do {
        try body()
        return nil
    } catch let error as DockerError {
        return error
    } catch {
        Issue.record("expected a DockerError, got \(type(of: error)): \(error)")
        return nil
    }
}

/// Builds the test image once per test process when it is missing.
actor ImageBuilder {
    static let shared = ImageBuilder()
    private var done = false

    func ensure(_ client: DockerClient) async throws {
        if done { return }
        if (try? await client.inspectImage(DockerTest.image)) == nil {
            let script = projectRoot().appendingPathComponent("scripts/test-images.sh").path
            let result = try await ChildProcess.run("/bin/bash", [script], timeout: .seconds(120))
            guard result.status == 0 else {
                throw TestFailure("scripts/test-images.sh failed (\(result.status)): \(result.stdout) \(result.stderr)")
            }
        }
        done = true
    }
}
