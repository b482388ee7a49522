/// `POST /containers/create`.
public struct ContainerCreateResult: Sendable, Hashable {
    public var id: String
    public var warnings: [String]
}
