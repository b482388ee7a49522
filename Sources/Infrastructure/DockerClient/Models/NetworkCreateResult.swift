/// `POST /networks/create`.
public struct NetworkCreateResult: Sendable, Hashable {
    public var id: String
    public var warning: String?
}
