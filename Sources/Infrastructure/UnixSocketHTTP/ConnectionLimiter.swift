import Synchronization

/// Counts open connections per peer uid and refuses more than `limit` at once (aziot's `max_requests`).
/// A keep-alive connection holds its slot until it closes.
final class ConnectionLimiter: Sendable {
    let limit: Int
    private let counts = Mutex<[UInt32: Int]>([:])

    init(limit: Int) { self.limit = limit }

    /// Takes a slot for `uid`; false when the uid already has `limit` open connections.
    func acquire(_ uid: UInt32) -> Bool {
        counts.withLock { counts in
            let current = counts[uid, default: 0]
            guard current < limit else { return false }
            counts[uid] = current + 1
            return true
        }
    }

    func release(_ uid: UInt32) {
        counts.withLock { counts in
            let remaining = counts[uid, default: 1] - 1
            counts[uid] = remaining > 0 ? remaining : nil
        }
    }

    func count(_ uid: UInt32) -> Int { counts.withLock { $0[uid, default: 0] } }
}
