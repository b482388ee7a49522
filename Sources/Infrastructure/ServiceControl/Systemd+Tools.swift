/// The services each command-line tool manages.
extension Systemd {
    /// `aziotctl`'s: the identity service (keyd, certd, identityd, tpmd).
    public static func aziotctl(environment: [String: String]) -> Systemd {
        Systemd(
            tool: "aziotctl", units: ServiceUnit.identityService,
            manualStart: """
                Run the daemons directly instead, as root: aziot-keyd, aziot-certd, aziot-tpmd and aziot-identityd (the aziotd \
                binary under each of these names), e.g.
                    for d in aziot-keyd aziot-certd aziot-tpmd aziot-identityd; do "$d" & done
                After a configuration change, restart the ones that are already running.
                """,
            environment: environment)
    }

    /// `iotedge`'s: aziot-edged (stopped first, started last) and the identity service.
    public static func iotedge(environment: [String: String]) -> Systemd {
        Systemd(
            tool: "iotedge", units: [ServiceUnit.edged] + ServiceUnit.identityService,
            manualStart: """
                Run the daemons directly instead, as root: aziot-keyd, aziot-certd, aziot-tpmd and aziot-identityd (the aziotd \
                binary under each of these names), then aziot-edged, e.g.
                    for d in aziot-keyd aziot-certd aziot-tpmd aziot-identityd; do "$d" & done; /usr/libexec/aziot/aziot-edged &
                After a configuration change, restart the ones that are already running.
                """,
            environment: environment, markerVariables: ["IOTEDGE_SYSTEMD_MARKER", "AZIOTCTL_SYSTEMD_MARKER"])
    }
}
