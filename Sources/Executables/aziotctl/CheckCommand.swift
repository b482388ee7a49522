import CheckReport
import ArgumentParser
import Foundation
import IoTHubProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `-o`'s values (the report formats of `CheckReporter`).
enum CheckOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
    case jsonStream = "json-stream"

    var format: CheckReporter.Format { CheckReporter.Format(rawValue: rawValue) ?? .text }
}

/// `aziotctl check`: the reference's configuration and connectivity checks, each failure explained with its fix.
///
/// Unlike the reference (which always exits 0), the exit status is 1 when a check raised an error — or a warning,
/// with `--warnings-as-errors`.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check for common config and deployment issues",
        discussion: """
            Paths can be redirected as for 'config apply': AZIOT_{KEYD,CERTD,IDENTITYD,TPMD}_CONFIG(_DIR) name each service's \
            config file and config.d, AZIOTCTL_CONFIG the super-config (default /etc/aziot/config.toml), AZIOT_IDENTITYD_SOCKET \
            identityd's socket. AZIOTCTL_IOTHUB_{AMQP,HTTPS,MQTT}_PORT redirect the hub ports, AZIOTCTL_CONNECT_TIMEOUT_SEC \
            bounds each connectivity check (default 20), SSL_CERT_FILE replaces the system's trusted CAs.
            """
    )

    @Option(
        name: .customLong("dont-run"), parsing: .singleValue,
        help: "Space-separated list of check IDs. The checks listed here will not be run. See 'aziotctl check-list' for details of all checks.")
    var dontRun: [String] = []

    @Option(
        name: [.short, .customLong("output")],
        help: "Output format. One of \"text\", \"json\" or \"json-stream\". Note that JSON output contains some additional information like OS name, OS version, disk space, etc.")
    var output: CheckOutputFormat = .text

    @Flag(help: "Treats warnings as errors. Thus 'aziotctl check' will exit with non-zero code if it encounters warnings.")
    var warningsAsErrors = false

    @Option(help: "Sets the NTP server to use when checking host local time.")
    var ntpServer = "pool.ntp.org:123"

    @Flag(name: [.short, .long], help: "Increases verbosity of output.")
    var verbose = false

    @Option(help: "Sets the hostname of the Azure IoT Hub that this device would connect to. If using manual provisioning, this does not need to be specified.")
    var iothubHostname: String?

    @Option(help: "Sets the proxy URI that this device would use to connect to Azure DPS and IoTHub endpoints.")
    var proxyURI: String?

    @Option(help: "If set, the check compares the installed package version to this string. Otherwise the check is not run (aziotctl makes no request to the internet for it).")
    var expectedAziotVersion: String?

    func run() async throws {
        let skip = Set(dontRun.flatMap { $0.split(separator: " ").map(String.init) })
        let known = Set(CheckCatalog.allIDs)
        for id in skip.sorted() where !known.contains(id) {
            FileHandle.standardError.write(Data("Warning: --dont-run names an unknown check \"\(id)\"; see 'aziotctl check-list'.\n".utf8))
        }
        let environment = ProcessInfo.processInfo.environment
        let options = CheckOptions(
            ntpServer: ntpServer, iothubHostname: iothubHostname, proxyURI: proxyURI, expectedAziotVersion: expectedAziotVersion, verbose: verbose)
        var context = CheckContext(options: options, environment: environment)
        var reporter = CheckReporter(
            format: output.format, verbose: verbose, warningsAsErrors: warningsAsErrors,
            color: output == .text && isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil)

        sections: for section in CheckCatalog.sections() {
            reporter.beginSection(section.name)
            for check in section.checks {
                let outcome = skip.contains(check.id) ? CheckOutcome.ignored() : await check.run(&context)
                if case .fatal = reporter.report(check, outcome) { break sections }
            }
            reporter.endSection()
        }

        var iothubHostname: String?
        if case .manual(let hub, _, _)? = context.identityd?.provisioning { iothubHostname = hub }
        if iothubHostname == nil, case .identity(let hub, _)? = context.deviceIdentity { iothubHostname = hub }
        reporter.finish(additionalInfo: HostInfo.additionalInfo(
            iothubHostname: iothubHostname, localGatewayHostname: context.identityd?.localGatewayHostname))
        if reporter.failed { throw ExitCode.failure }
    }
}
