public import IoTHubProtocol

/// The module list `GET /modules` answers on the workload socket: the same `{"modules": [ModuleDetails…]}` as the
/// management API's list, which aziot-edged's module runtime builds.
public protocol WorkloadModuleList: Sendable {
    /// The whole `ModuleList` JSON; an error becomes `500` with its text.
    func moduleListJSON() async throws -> JSONValue
}
