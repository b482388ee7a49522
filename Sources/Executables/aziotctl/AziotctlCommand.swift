import ArgumentParser
import AziotConfig
import EdgeConfigTool

/// `aziotctl`: configure and operate the identity service daemons (keyd, certd, identityd, tpmd).
///
/// Unlike the reference, which always exits 0, every failure exits non-zero (1), so scripts can test it.
///
/// Environment overrides (for tests and unprivileged runs; the daemons read the same `AZIOT_*_CONFIG_DIR`):
/// - `AZIOT_KEYD_CONFIG_DIR`, `AZIOT_CERTD_CONFIG_DIR`, `AZIOT_IDENTITYD_CONFIG_DIR`, `AZIOT_TPMD_CONFIG_DIR`:
///   where `config apply` writes each `00-super.toml` (default `/etc/aziot/<svc>/config.d`);
/// - `AZIOT_SECRETS_DIR`: where the inline device key goes, as `<dir>/keyd/device-id` (default `/var/secrets/aziot`);
/// - `AZIOT_CS_UID`, `AZIOT_ID_UID`: the uids of `aziotcs` and `aziotid` when those users do not exist;
/// - `AZIOT_IDENTITYD_SOCKET`: identityd's socket for `system reprovision` and `check` (default `/run/aziot/identityd.sock`);
/// - `AZIOTCTL_CONFIG`: the super-config `check` compares with the generated files (default `/etc/aziot/config.toml`);
/// - `AZIOTCTL_IOTHUB_{AMQP,HTTPS,MQTT}_PORT`, `AZIOTCTL_CONNECT_TIMEOUT_SEC`, `SSL_CERT_FILE`: `check`'s connectivity
///   checks (hub ports, time limit, trusted CAs);
/// - `AZIOTCTL_SYSTEMD_MARKER`: the directory whose existence means systemd runs the machine
///   (default `/run/systemd/system`).
@main
struct AziotctlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aziotctl",
        abstract: "Configure and operate the Azure IoT Identity Service.",
        version: AziotctlCommand.packageVersion,
        subcommands: [CheckCommand.self, CheckListCommand.self, ConfigCommand.self, SystemCommand.self]
    )

    /// The identity service version this build stands for (`--version`, and `check`'s aziot-version).
    static let packageVersion = AziotVersion.current
}

/// A failure explained to the user; printed as `Error: <message>` with exit status 1 (shared with `iotedge`).
typealias CLIError = ToolError
