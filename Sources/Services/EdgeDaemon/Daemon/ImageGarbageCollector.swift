import DockerClient
public import Foundation
public import Logging

/// Image garbage collection (§4.8): at `cleanup_time` (local), then every `cleanup_recurrence` days, removes the
/// images edged recorded (pulled or ran) that no module uses and that were last used longer ago than
/// `image_age_cleanup_threshold`. Images in use get their time refreshed; the bootstrap agent image is never removed.
public struct ImageGarbageCollector: Sendable {
    public let runtime: ModuleRuntime
    public let settings: EdgedConfiguration.ImageGarbageCollectionSettings
    /// The image named in `[agent.config]`.
    public let agentImage: String
    public let logger: Logger

    public init(runtime: ModuleRuntime, settings: EdgedConfiguration.ImageGarbageCollectionSettings, agentImage: String, logger: Logger) {
        self.runtime = runtime
        self.settings = settings
        self.agentImage = agentImage
        self.logger = logger
    }

    /// Runs on schedule until cancelled; returns at once when disabled.
    public func run() async throws {
        guard settings.enabled else { return }
        var next = Self.firstRun(after: Date(), minutes: settings.cleanupTimeMinutes)
        while !Task.isCancelled {
            try await Task.sleep(for: .seconds(max(0, next.timeIntervalSinceNow)))
            do {
                let removed = try await collect(now: Date())
                logger.info("Image garbage collection removed \(removed.count) image(s)")
            } catch is CancellationError {
                return
            } catch {
                logger.warning("Image garbage collection failed: \(error)")
            }
            next = next.addingTimeInterval(Double(settings.cleanupRecurrenceDays) * 86_400)
        }
    }

    /// The next local time of day `minutes` after midnight that is after `now`.
    public static func firstRun(after now: Date, minutes: Int, calendar: Calendar = .current) -> Date {
        let midnight = calendar.startOfDay(for: now)
        let today = calendar.date(byAdding: .minute, value: minutes, to: midnight) ?? now
        if today > now { return today }
        return calendar.date(byAdding: .day, value: 1, to: today) ?? now.addingTimeInterval(86_400)
    }

    /// One run: returns the ids of the removed images. Skipped (throws) when the agent image's id cannot be read.
    @discardableResult
    public func collect(now: Date) async throws -> [String] {
        let agentImageId = try await runtime.docker.inspectImage(agentImage).id
        var inUse: Set<String> = [agentImageId]
        for container in try await runtime.containers() { inUse.insert(container.image) }
        var entries = try await runtime.images.all()
        let nowSeconds = Int64(now.timeIntervalSince1970)
        var removed: [String] = []
        for (image, lastUsed) in entries.sorted(by: { $0.key < $1.key }) {
            if inUse.contains(image) {
                entries[image] = nowSeconds
                continue
            }
            guard nowSeconds - lastUsed > Int64(settings.imageAgeCleanupThreshold) else { continue }
            do {
                try await runtime.docker.removeImage(image, force: true, noPrune: false)
                logger.info("Removed unused image \(image)")
                entries[image] = nil
                removed.append(image)
            } catch let error as DockerError where error.code == .notFound {
                entries[image] = nil
            } catch {
                logger.warning("Could not remove image \(image): \(error)")
            }
        }
        try await runtime.images.replace(entries)
        return removed
    }
}
