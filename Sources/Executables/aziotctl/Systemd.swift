import ServiceControl

/// The identity service's systemd units as `aziotctl` manages them (the operations live in `ServiceControl`).
enum AziotctlServices {
    static func systemd(environment: [String: String]) -> Systemd {
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
}
