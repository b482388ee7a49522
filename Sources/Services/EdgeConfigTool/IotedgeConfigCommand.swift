public import ArgumentParser
import AziotConfig
import ConfigFiles
import Foundation
import ServiceControl
import TOMLConfig

/// `iotedge config apply | mp | import`: write IoT Edge's and the identity service's configuration.
///
/// Environment overrides (tests and unprivileged runs): `AZIOT_{KEYD,CERTD,IDENTITYD,TPMD,EDGED}_CONFIG_DIR`
/// (each service's `config.d`), `AZIOT_SECRETS_DIR` (default `/var/secrets/aziot`), `AZIOT_CS_UID`,
/// `AZIOT_ID_UID`, `AZIOT_EDGED_UID` (uids of `aziotcs`, `aziotid`, `iotedge` when those users do not exist),
/// `IOTEDGE_SYSTEMD_MARKER` (the directory whose existence means systemd runs the machine),
/// `IOTEDGE_OLD_MASTER_KEY` (the 1.1 master encryption key file `config import` looks for).
public struct IotedgeConfigCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Manage Azure IoT Edge system configuration.",
        subcommands: [Apply.self, MP.self, Import.self]
    )

    public init() {}

    /// Where a command reads its environment and writes its messages; tests bind their own.
    public struct Context: Sendable {
        public var environment: [String: String]
        public var output: @Sendable (String) -> Void
        public var errorOutput: @Sendable (String) -> Void

        public init(
            environment: [String: String], output: @escaping @Sendable (String) -> Void, errorOutput: @escaping @Sendable (String) -> Void
        ) {
            self.environment = environment
            self.output = output
            self.errorOutput = errorOutput
        }

        /// The process's environment, standard output and standard error.
        public static var process: Context {
            Context(
                environment: ProcessInfo.processInfo.environment,
                output: { Swift.print($0) },
                errorOutput: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        }
    }

    @TaskLocal public static var context: Context?

    static var current: Context { context ?? .process }
}

extension IotedgeConfigCommand {
    /// Reads the super-config and writes the five services' `config.d/00-super.toml` (and the secrets keyd
    /// preloads), after checking that a host name change leaves no module behind; then restarts the services.
    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apply",
            abstract: "Apply Azure IoT Edge system configuration values."
        )

        @Option(name: [.short, .long], help: "The path of the system configuration file.")
        var config = "/etc/aziot/config.toml"

        @Flag(help: "Report keys the schema does not know as warnings instead of failing.")
        var allowUnknownKeys = false

        func run() async throws {
            let context = IotedgeConfigCommand.current
            let environment = context.environment
            let text = String(decoding: try HostFiles.read(config), as: UTF8.self)
            let superConfig: SuperConfig
            do {
                superConfig = try SuperConfig(toml: text, source: config, unknownKeys: allowUnknownKeys ? .collect : .reject)
            } catch {
                var message = "could not parse config file \(config): \(error.message)"
                if error.code == .unknownKeys {
                    message += "\n(fix or remove them, or pass --allow-unknown-keys to apply the configuration anyway)"
                }
                throw ToolError(message)
            }
            for warning in superConfig.warnings { context.errorOutput(warning) }
            for key in superConfig.unknownKeys { context.errorOutput("Warning: unknown configuration key \(key) is ignored") }

            let edge = superConfig.edge
            var inputs = EdgeConfigApply.Inputs(
                aziotcsUID: try ApplyPlumbing.uid(of: "aziotcs", environment, package: "aziot-identity-service"),
                aziotidUID: try ApplyPlumbing.uid(of: "aziotid", environment, package: "aziot-identity-service"),
                iotedgeUID: try ApplyPlumbing.uid(of: "iotedge", environment, package: "aziot-edge"),
                machineHostname: try HostFiles.hostname(),
                deviceIDKeyPath: ApplyPlumbing.keydSecretsDirectory(environment) + "/device-id",
                importedMasterKeyPath: ApplyPlumbing.keydSecretsDirectory(environment) + "/imported-master-encryption-key")
            if let info = edge.additionalInfo { inputs.additionalInfo = try Self.additionalInfo(info) }
            var masterKey: [UInt8]?
            if let path = edge.importedMasterEncryptionKey {
                do {
                    masterKey = try HostFiles.read(path)
                } catch {
                    throw ToolError("could not import master encryption key file \(path): \(error.message)")
                }
            }

            let output: EdgeConfigApply.Output
            do {
                output = try EdgeConfigApply.run(superConfig, inputs)
            } catch {
                throw ToolError(error.message)
            }

            let identitydFile = ConfigFileSet.aziotService("identityd", environment: environment).directory + "/00-super.toml"
            let previous = HostnameGuard.previousHostname(path: identitydFile)
            if previous == .unreadable { context.output("Warning: the previous identity config file \(identitydFile) is unreadable") }
            if case .string(let hostname) = output.identityd["hostname"] {
                try await HostnameGuard.check(previous: previous, new: hostname, mobyURI: edge.mobyRuntime.uri)
            }

            if let key = output.deviceIDKey {
                context.output("Note: Symmetric key will be written to \(inputs.deviceIDKeyPath)")
                try ApplyPlumbing.writeKeydSecret("device-id", key, environment)
            }
            if let masterKey, output.importsMasterKey {
                context.output("Note: Imported master encryption key will be written to \(inputs.importedMasterKeyPath)")
                try ApplyPlumbing.writeKeydSecret("imported-master-encryption-key", masterKey, environment)
            }
            for service in EdgeConfigApply.Service.allCases {
                try ApplyPlumbing.writeServiceConfig(service.rawValue, output.fileText(for: service), environment)
            }

            for warning in PreloadedFileCheck.warnings(for: PreloadedFileCheck.references(in: output)) { context.errorOutput(warning) }

            context.output("Azure IoT Edge has been configured successfully!")
            context.output("")
            context.output("Restarting service for configuration to take effect...")
            let systemd = Systemd.iotedge(environment: environment)
            if systemd.isRunning {
                try systemd.restart()
                context.output("Done.")
            } else {
                context.output(systemd.absentMessage)
            }
        }

        /// The `additional_info` file: a TOML table of strings.
        static func additionalInfo(_ url: ConfigURL) throws(ToolError) -> [EdgeConfigApply.Inputs.AdditionalInfoEntry] {
            guard let path = url.filePath else { throw ToolError("additional_info: \(url.text) is not a local file") }
            let bytes: [UInt8]
            do {
                bytes = try HostFiles.read(path)
            } catch {
                throw ToolError("failed to read additional_info from \(path): \(error.message)")
            }
            let table: ConfigTable
            do {
                table = try ConfigTable(toml: String(decoding: bytes, as: UTF8.self), source: path)
            } catch {
                throw ToolError("invalid toml at \(path): \(error.message)")
            }
            var entries: [EdgeConfigApply.Inputs.AdditionalInfoEntry] = []
            for (key, value) in table {
                guard case .string(let text) = value else { throw ToolError("invalid toml at \(path): \(key): expected a string, found \(value.typeName)") }
                entries.append(.init(key: key, value: text))
            }
            return entries
        }
    }

    /// Refuses to replace an existing super-config unless `--force` was given, saying how to go on.
    static func refuseOverwrite(_ path: String, force: Bool, subcommand: String) throws(ToolError) {
        guard !force && HostFiles.exists(path) else { return }
        throw ToolError(
            """
            File \(path) already exists. Azure IoT Edge has already been configured.

            To have the configuration take effect, run:

                sudo iotedge config apply

            To reconfigure IoT Edge, run:

                sudo iotedge config \(subcommand) --force
            """)
    }

    /// Writes a minimal super-config for manual provisioning with a connection string.
    struct MP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mp",
            abstract: "Quick-create Azure IoT Edge system configuration for manual provisioning with a connection string."
        )

        @Option(name: [.short, .long], help: "The Azure IoT Hub connection string")
        var connectionString: String

        @Option(name: [.short, .customLong("out-config-file")], help: "The path of the system configuration file to write to")
        var outConfigFile = "/etc/aziot/config.toml"

        @Flag(name: [.short, .long], help: "Overwrite the new configuration file if it already exists")
        var force = false

        func run() async throws {
            let context = IotedgeConfigCommand.current
            try IotedgeConfigCommand.refuseOverwrite(outConfigFile, force: force, subcommand: "mp")
            let connection: ManualConnectionString
            do {
                connection = try ManualConnectionString(parsing: connectionString)
            } catch {
                throw ToolError("invalid connection string: \(error.message)")
            }
            var document = SuperConfigDocument(
                provisioning: ConfigTable([("source", .string("manual")), ("connection_string", .string(connection.text))]),
                autoReprovisioningMode: EdgeSettings.AutoReprovisioningMode.onErrorOnly.rawValue)
            document.edgeCA = nil
            try HostFiles.write(outConfigFile, Array(document.text.utf8), mode: 0o600, owner: SystemUser.current())

            context.output("Azure IoT Edge has been configured successfully!")
            context.output("The configuration has been written to \(outConfigFile)")
            context.output("To apply the new configuration to services, run:")
            context.output("")
            context.output("    sudo iotedge config apply -c '\(outConfigFile)'")
            context.output("")
            context.output("WARNING: This configuration is not suitable when using IoT Edge as a gateway.")
        }
    }

    /// Converts an IoT Edge 1.1 `config.yaml` into a super-config.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Initialize Azure IoT Edge system configuration by importing the configuration of an IoT Edge 1.1 installation."
        )

        @Option(name: [.short, .customLong("in-config-file")], help: "The path of the old IoT Edge 1.1 configuration file")
        var inConfigFile = "/etc/iotedge/config.yaml"

        @Option(name: [.short, .customLong("out-config-file")], help: "The path of the system configuration file to write to")
        var outConfigFile = "/etc/aziot/config.toml"

        @Flag(name: [.short, .long], help: "Overwrite the new configuration file if it already exists")
        var force = false

        func run() async throws {
            let context = IotedgeConfigCommand.current
            try IotedgeConfigCommand.refuseOverwrite(outConfigFile, force: force, subcommand: "import")
            guard HostFiles.exists(inConfigFile) else { throw ToolError("there is no old config at \(inConfigFile) available to migrate") }
            let text: String
            do {
                text = String(decoding: try HostFiles.read(inConfigFile), as: UTF8.self)
            } catch {
                throw ToolError("could not open \(inConfigFile): \(error.message)")
            }
            let masterKeyPath = context.environment["IOTEDGE_OLD_MASTER_KEY"] ?? OldConfigImport.defaultMasterKeyPath
            let document = try OldConfigImport.superConfig(
                yaml: text, source: inConfigFile, masterKeyPath: HostFiles.isRegularFile(masterKeyPath) ? masterKeyPath : nil)
            // Owned by the user running the command (root, as the reference requires, in production).
            try HostFiles.write(outConfigFile, Array(document.text.utf8), mode: 0o600, owner: SystemUser.current())

            context.output("Azure IoT Edge has been configured successfully!")
            context.output("The configuration has been written to \(outConfigFile)")
            context.output("To apply the new configuration to services, run:")
            context.output("")
            context.output("    sudo iotedge config apply -c '\(outConfigFile)'")
        }
    }
}
