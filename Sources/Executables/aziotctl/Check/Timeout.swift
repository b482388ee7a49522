import Synchronization

/// `operation`'s result, or a timeout error after `limit`; the operation is cancelled (and left to finish on its own).
func withTimeout<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let slot = ContinuationSlot<T>()
    return try await withCheckedThrowingContinuation { continuation in
        slot.set(continuation)
        let work = Task {
            do {
                slot.resume(with: .success(try await operation()))
            } catch {
                slot.resume(with: .failure(error))
            }
        }
        Task {
            try? await Task.sleep(for: limit)
            if slot.resume(with: .failure(TimeoutError(limit: limit))) { work.cancel() }
        }
    }
}

struct TimeoutError: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "no answer within \(limit.components.seconds) s" }
}

/// A continuation resumed by whichever of two tasks finishes first.
private final class ContinuationSlot<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

    func set(_ value: CheckedContinuation<T, any Error>) { continuation.withLock { $0 = value } }

    /// Resumes the continuation unless it already was; returns whether this call resumed it.
    @discardableResult
    func resume(with result: Result<T, any Error>) -> Bool {
        guard let pending = continuation.withLock({ state -> CheckedContinuation<T, any Error>? in
            defer { state = nil }
            return state
        }) else { return false }
        pending.resume(with: result)
        return true
    }
}
