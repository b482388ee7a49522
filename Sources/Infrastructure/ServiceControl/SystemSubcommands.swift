public import ArgumentParser

/// A command-line tool whose `system …` subcommands manage its services through ``Systemd``.
public protocol SystemServicesTool {
    /// The services as the tool manages them (read when a subcommand runs).
    static var systemd: Systemd { get }
    /// How help texts name the services: `the services`, `IoT Edge system services`.
    static var servicesName: String { get }
}

/// The `system` subcommands `aziotctl` and `iotedge` share (`restart`, `stop`, `status`, `logs`, `set-log-level`);
/// each tool adds its own `reprovision`. Every one needs systemd and says how to do without it otherwise.
public enum SystemSubcommands<Tool: SystemServicesTool> {
    public struct Restart: AsyncParsableCommand {
        public static var configuration: CommandConfiguration {
            CommandConfiguration(commandName: "restart", abstract: "Restart \(Tool.servicesName)")
        }

        public init() {}

        public func run() async throws {
            let systemd = Tool.systemd
            try systemd.require("system restart")
            try systemd.restart()
        }
    }

    public struct Stop: AsyncParsableCommand {
        public static var configuration: CommandConfiguration {
            CommandConfiguration(commandName: "stop", abstract: "Stop \(Tool.servicesName)")
        }

        public init() {}

        public func run() async throws {
            let systemd = Tool.systemd
            try systemd.require("system stop")
            try systemd.stop()
        }
    }

    public struct Status: AsyncParsableCommand {
        public static var configuration: CommandConfiguration {
            CommandConfiguration(commandName: "status", abstract: "Report the status of \(Tool.servicesName)")
        }

        public init() {}

        public func run() async throws {
            let systemd = Tool.systemd
            try systemd.require("system status")
            try systemd.printStatus()
        }
    }

    public struct Logs: AsyncParsableCommand {
        public static var configuration: CommandConfiguration {
            CommandConfiguration(commandName: "logs", abstract: "Provide a combined view of logs for \(Tool.servicesName)")
        }

        @Argument(parsing: .postTerminator, help: "Extra arguments for journalctl (default: -e --no-pager)")
        var arguments: [String] = []

        public init() {}

        public func run() async throws {
            let systemd = Tool.systemd
            try systemd.require("system logs")
            try systemd.logs(arguments)
        }
    }

    public struct SetLogLevel: AsyncParsableCommand {
        public static var configuration: CommandConfiguration {
            CommandConfiguration(commandName: "set-log-level", abstract: "Set the log level of \(Tool.servicesName)")
        }

        public enum Level: String, ExpressibleByArgument, CaseIterable, Sendable {
            case error, warn, info, debug, trace
        }

        @Argument(help: "The log level: error, warn, info, debug or trace")
        var level: Level

        public init() {}

        public func run() async throws {
            let systemd = Tool.systemd
            try systemd.require("system set-log-level")
            try systemd.setLogLevel(level.rawValue)
        }
    }
}
