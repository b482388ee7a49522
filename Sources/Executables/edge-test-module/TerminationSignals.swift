#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The module runs as PID 1 in its container, where the kernel ignores signals that have no handler: SIGTERM and
/// SIGINT get one that exits at once with status 0, so `docker stop` takes no grace period.
enum TerminationSignals {
    static func exitOnTermination() {
        signal(SIGTERM) { _ in _exit(0) }
        signal(SIGINT) { _ in _exit(0) }
    }

    /// Blocks the calling thread until a signal ends the process.
    static func waitForever() -> Never {
        while true { pause() }
    }
}
