import AziotConfig
import ArgumentParser
import EdgeCheck
import EdgeConfigTool
import Foundation
import ServiceControl

/// `iotedge`: the command-line tool of the IoT Edge runtime, as the reference's: modules (`list`, `logs`, `restart`),
/// the host services (`system …`), `support-bundle` and `version`; `check` and `check-list` (target `EdgeCheck`) and
/// `config …` (target `EdgeConfigTool`).
///
/// Environment: `IOTEDGE_HOST` (the management URI when `-H` is not given), `IOTEDGE_SYSTEMD_MARKER`/`AZIOTCTL_SYSTEMD_MARKER`,
/// `AZIOT_IDENTITYD_SOCKET`, `AZIOT_<SVC>_CONFIG(_DIR)` and `IOTEDGE_SUPERCONFIG` (see `docs/iotedge.md`).
@main
struct IotedgeCommand: AsyncParsableCommand {
    /// The subcommands, in the order `--help` lists them; other targets' commands are appended here.
    static let subcommandList: [any ParsableCommand.Type] = [
        ListCommand.self,
        LogsCommand.self,
        RestartCommand.self,
        IotedgeCheckCommand.self,
        IotedgeCheckListCommand.self,
        IotedgeConfigCommand.self,
        SystemCommand.self,
        SupportBundleCommand.self,
        VersionCommand.self,
        RedactConfigCommand.self,
    ]

    static let configuration = CommandConfiguration(
        commandName: "iotedge",
        abstract: "A command-line tool to manage the Azure IoT Edge runtime.",
        version: "iotedge \(IotedgeCommand.version)",
        subcommands: subcommandList
    )

    /// The release this build stands for (the same as aziot-edged's).
    static let version = AziotVersion.current

    @Option(
        name: [.customShort("H"), .long],
        help: ArgumentHelp("Daemon socket to connect to (default: $IOTEDGE_HOST or \(ManagementConnection.defaultHost))", valueName: "URI"))
    var host: String?

    /// Like ArgumentParser's `main`, except that an ``IotedgeError`` prints its whole chain.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as IotedgeError {
            FileHandle.standardError.write(Data((error.chain + "\n").utf8))
            Foundation.exit(1)
        } catch let error as ServiceControlError {
            FileHandle.standardError.write(Data((error.message + "\n").utf8))
            Foundation.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}
