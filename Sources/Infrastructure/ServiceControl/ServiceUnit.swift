/// A systemd service and the socket units that activate it.
public struct ServiceUnit: Sendable, Hashable {
    public let service: String
    public let sockets: [String]

    public init(service: String, sockets: [String]) {
        self.service = service
        self.sockets = sockets
    }

    /// The service name without `.service` (`aziot-keyd`), as status reports show it.
    public var shortName: String {
        service.hasSuffix(".service") ? String(service.dropLast(".service".count)) : service
    }

    /// The identity service's daemons: identityd first (it is the one started eagerly), then keyd, certd, tpmd.
    public static let identityService = [
        ServiceUnit(service: "aziot-identityd.service", sockets: ["aziot-identityd.socket"]),
        ServiceUnit(service: "aziot-keyd.service", sockets: ["aziot-keyd.socket"]),
        ServiceUnit(service: "aziot-certd.service", sockets: ["aziot-certd.socket"]),
        ServiceUnit(service: "aziot-tpmd.service", sockets: ["aziot-tpmd.socket"]),
    ]

    /// aziot-edged with its management and workload sockets.
    public static let edged = ServiceUnit(
        service: "aziot-edged.service", sockets: ["aziot-edged.mgmt.socket", "aziot-edged.workload.socket"])
}
