/// `POST /containers/{id}/wait`.
public struct ContainerWaitResult: Sendable, Hashable {
    /// The main process's exit status.
    public var statusCode: Int64
    /// Docker's error waiting, if any.
    public var errorMessage: String?
}
