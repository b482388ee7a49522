import DockerClient
import Foundation
public import Logging

/// Keeps edgeAgent running (§4.6): looks at its container at start, whenever Docker reports that it died or was
/// removed (events, so it reacts within a second or two), and every ``interval`` as a fallback. Running: nothing;
/// stopped or failed: start; dead or unknown: remove and create; missing: create — then start.
///
/// Failed attempts are counted (never reset, as in the reference); with `[watchdog] max_retries` set, reaching it
/// ends ``run()`` with the last error (the daemon exits and systemd restarts it).
public struct Watchdog: Sendable {
    public let runtime: ModuleRuntime
    public let agentName: String
    /// The agent's spec, computed when it must be created (needs the agent's generation id).
    public let agentSpec: @Sendable () async throws -> ModuleSpec
    public let maxRetries: Int?
    public let interval: Duration
    /// Pause after an event before looking, so that a burst (die, stop, destroy) gives one check.
    public let settle: Duration
    public let logger: Logger

    public init(
        runtime: ModuleRuntime, agentName: String, agentSpec: @escaping @Sendable () async throws -> ModuleSpec, maxRetries: Int?,
        interval: Duration = .seconds(60), settle: Duration = .milliseconds(250), logger: Logger
    ) {
        self.runtime = runtime
        self.agentName = agentName
        self.agentSpec = agentSpec
        self.maxRetries = maxRetries
        self.interval = interval
        self.settle = settle
        self.logger = logger
    }

    /// Runs until cancelled; throws when `max_retries` failed attempts were made.
    public func run() async throws {
        let (kicks, kick) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await watchEvents(kick) }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: interval)
                    kick.yield()
                }
            }
            group.addTask {
                var failures = 0
                kick.yield()
                for await _ in kicks {
                    try await Task.sleep(for: settle)
                    do {
                        try await check()
                    } catch is CancellationError {
                        return
                    } catch {
                        failures += 1
                        logger.warning("Error in watchdog when checking for edge runtime status: \(error)")
                        if let maxRetries, failures >= maxRetries {
                            logger.error("Watchdog failed \(failures) times (max_retries = \(maxRetries)); stopping")
                            throw error
                        }
                        // Try again soon rather than waiting for the next event or interval.
                        Task {
                            try? await Task.sleep(for: .seconds(5))
                            kick.yield()
                        }
                    }
                }
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// One look at the agent's container, and the repair it needs.
    public func check() async throws {
        try await runtime.locks.withLock(agentName) {
            let container: ContainerInspect
            do {
                container = try await runtime.docker.inspectContainer(agentName)
            } catch let error as DockerError where error.code == .notFound {
                logger.info("Creating and starting edge runtime module \(agentName)")
                try await runtime.createUnlocked(try await agentSpec())
                try await runtime.startUnlocked(agentName)
                return
            }
            switch ModuleRuntimeStatus(dockerStatus: container.state.status, exitCode: container.state.exitCode) {
            case .running:
                // Its socket listens (after edged restarted, the container kept running).
                try await runtime.sockets?.prepare(module: agentName)
            case .stopped, .failed:
                logger.info("Starting edge runtime module \(agentName)")
                try await runtime.startUnlocked(agentName)
            case .dead, .unknown:
                logger.info("Removing and recreating edge runtime module \(agentName) (\(container.state.status))")
                try await runtime.removeUnlocked(agentName)
                try await runtime.createUnlocked(try await agentSpec())
                try await runtime.startUnlocked(agentName)
            }
        }
    }

    /// Follows Docker's events about the agent's container; reconnects (and checks) after the stream breaks.
    private func watchEvents(_ kick: AsyncStream<Void>.Continuation) async {
        var filters = runtime.ownedFilter
        filters.add("type", "container")
        for event in ["die", "destroy", "stop", "kill", "oom"] { filters.add("event", event) }
        // From now: an event between the first check and the subscription is replayed, not lost.
        var since: DockerTime? = .date(Date())
        while !Task.isCancelled {
            do {
                let stream = try await runtime.docker.events(since: since, filters: filters)
                for try await event in stream where event.attributes["name"] == agentName {
                    since = .unix(event.time)
                    logger.info("edgeAgent container event: \(event.action)")
                    kick.yield()
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.debug("Docker event stream ended: \(error); reconnecting")
            }
            try? await Task.sleep(for: .seconds(2))
            kick.yield()
        }
    }
}
