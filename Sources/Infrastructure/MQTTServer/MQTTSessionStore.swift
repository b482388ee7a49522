import Synchronization

/// The sessions of a server by client id, with MQTT's rules for clean and persistent sessions and take-over.
final class MQTTSessionStore: Sendable {
    private let sessions = Mutex<[String: MQTTSession]>([:])
    private let limits: MQTTSession.Limits

    init(limits: MQTTSession.Limits) {
        self.limits = limits
    }

    /// What opening a session did.
    struct Opened {
        var session: MQTTSession
        /// A stored session was resumed (CONNACK's session-present flag).
        var sessionPresent: Bool
        /// A session that was discarded and whose subscriptions must be forgotten.
        var discarded: MQTTSession?
        /// The connection that used this client id until now; it must be closed (take-over).
        var previousConnection: (any SessionConnection)?
    }

    /// Opens the session for a new connection of `clientID`.
    func open(clientID: String, cleanSession: Bool) -> Opened {
        sessions.withLock { sessions in
            let existing = sessions[clientID]
            let previous = existing?.attachedConnection
            if !cleanSession, let existing, existing.isPersistent {
                return Opened(session: existing, sessionPresent: true, discarded: nil, previousConnection: previous)
            }
            let session = MQTTSession(clientID: clientID, isPersistent: !cleanSession, limits: limits)
            sessions[clientID] = session
            return Opened(session: session, sessionPresent: false, discarded: existing, previousConnection: previous)
        }
    }

    /// Removes `session` if it is still the one stored for its client id; true when it was removed.
    func remove(_ session: MQTTSession) -> Bool {
        sessions.withLock { sessions in
            guard sessions[session.clientID] === session else { return false }
            sessions[session.clientID] = nil
            return true
        }
    }

    func session(for clientID: String) -> MQTTSession? {
        sessions.withLock { $0[clientID] }
    }

    var count: Int { sessions.withLock { $0.count } }
}
