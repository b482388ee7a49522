import Synchronization
import UnixSocketHTTP

/// The management router, set once it exists (the agent's socket directory serves it too).
final class RouterBox: Sendable {
    private let router = Mutex(HTTPRouter())
    func set(_ value: HTTPRouter) { router.withLock { $0 = value } }
    func get() -> HTTPRouter { router.withLock { $0 } }
}
