#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Watches a ``ConfigFileSet`` for changes (the main file, and drop-ins created, modified or removed) and reports
/// each settled change once: after a change is seen, the watcher waits until the files have been quiet for
/// `debounce` before reporting, so that an editor's or `config apply`'s burst of writes yields one reload.
///
/// Polls file metadata (modification time, size, inode) every `interval`; this works on every filesystem,
/// including bind mounts and network filesystems where inotify misses events.
public struct ConfigFileWatcher: Sendable {
    public let files: ConfigFileSet
    public var interval: Duration
    public var debounce: Duration

    /// aziot's debounce is 10 s.
    public init(files: ConfigFileSet, interval: Duration = .seconds(1), debounce: Duration = .seconds(10)) {
        self.files = files
        self.interval = interval
        self.debounce = debounce
    }

    /// What the files look like now: one entry per file, in merge order.
    public func snapshot() -> [String] {
        var entries = [Self.describe(files.mainFile)]
        for file in (try? files.dropInFiles()) ?? [] { entries.append(Self.describe(file)) }
        if (try? files.dropInFiles()) == nil { entries.append("\(files.directory): unreadable") }
        return entries
    }

    /// Calls `onChange` after every settled change, until the task is cancelled. Pass the `baseline` snapshot taken
    /// before the configuration was first read, so that a change made while the service started is not missed.
    public func run(since baseline: [String]? = nil, onChange: @Sendable () async -> Void) async {
        var last = baseline ?? snapshot()
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            var current = snapshot()
            guard current != last else { continue }
            // Wait for quiet: every further change restarts the debounce period.
            var quietSince = ContinuousClock.now
            while ContinuousClock.now - quietSince < debounce {
                do { try await Task.sleep(for: min(interval, debounce)) } catch { return }
                let again = snapshot()
                if again != current {
                    current = again
                    quietSince = ContinuousClock.now
                }
            }
            last = current
            await onChange()
        }
    }

    static func describe(_ path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { return "\(path): absent" }
        return "\(path): \(info.st_ino) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }
}
