#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
public import ConfigFiles

/// Notices changes to a service's configuration files (the main file and the `.toml` files of the drop-in directory)
/// by polling their size and modification time, and reports a change once the files have stayed unchanged for the
/// debounce period (the reference debounces 10 s).
public struct ConfigWatcher: Sendable {
    public let files: ConfigFileSet
    /// How often to look.
    public var pollInterval: Duration
    /// How long the files must stay unchanged before a change is reported.
    public var debounce: Duration

    public init(files: ConfigFileSet, pollInterval: Duration = .seconds(1), debounce: Duration = .seconds(10)) {
        self.files = files
        self.pollInterval = pollInterval
        self.debounce = debounce
    }

    /// What is compared between polls: path, size and modification time of each file.
    public struct Snapshot: Sendable, Equatable {
        var entries: [String]
    }

    /// The files' state now.
    public func snapshot() -> Snapshot {
        var paths = [files.mainFile]
        paths += (try? files.dropInFiles()) ?? []
        return Snapshot(
            entries: paths.map { path in
                var info = stat()
                guard stat(path, &info) == 0 else { return "\(path):absent" }
                return "\(path):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
            })
    }

    /// Calls `onChange` after every settled change since `baseline` (by default, the state when called), until
    /// cancelled. Take the baseline before reading the configuration, so that no change made meanwhile is missed.
    public func run(since baseline: Snapshot? = nil, onChange: @Sendable () async -> Void) async {
        var reported = baseline ?? snapshot()
        var pending: (snapshot: Snapshot, since: ContinuousClock.Instant)?
        let clock = ContinuousClock()
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: pollInterval)
            } catch {
                return
            }
            let current = snapshot()
            if current == reported {
                pending = nil
                continue
            }
            if pending?.snapshot != current {
                pending = (current, clock.now)
                continue
            }
            if let since = pending?.since, clock.now - since >= debounce {
                reported = current
                pending = nil
                await onChange()
            }
        }
    }
}
