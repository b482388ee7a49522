public import MQTTBroker
public import MQTTServer
import Synchronization

/// Records every CONNECT an authenticator sees, so tests can check what a client presented.
public final class ConnectRecorder: Sendable {
    private let requests = Mutex<[MQTTConnectRequest]>([])

    public init() {}

    public var all: [MQTTConnectRequest] { requests.withLock { $0 } }

    /// The last CONNECT of `clientID`.
    public func request(for clientID: String) -> MQTTConnectRequest? {
        all.last { $0.clientID == clientID }
    }

    public func record(_ request: MQTTConnectRequest) {
        requests.withLock { $0.append(request) }
    }

    /// An authenticator that records and then answers with `decide` (accept under the client id by default).
    public func authenticator(
        _ decide: @escaping @Sendable (MQTTConnectRequest) -> MQTTAuthenticationResult<String> = { .accept($0.clientID) }
    ) -> InMemoryBroker.Authenticator {
        { request in
            self.record(request)
            return decide(request)
        }
    }
}
