public import ArgumentParser
import CheckReport
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension IotedgeCheckOptions.Format: ExpressibleByArgument {}

/// `iotedge check` (§6.7). The work is ``IotedgeCheck/run(_:environment:output:)``.
public struct IotedgeCheckCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check for common config and deployment issues",
        discussion: """
            Runs 'aziotctl check' (found in PATH, or named by IOTEDGE_AZIOTCTL) and then IoT Edge's own checks. No diagnostics \
            image is pulled or run: container-side checks use the engine's API and the network namespace of running containers. \
            Configs are read from AZIOT_EDGED_CONFIG(_DIR) and AZIOTCTL_CONFIG when set.
            """
    )

    @Option(help: "Sets the path of the container engine configuration file")
    var containerEngineConfigFile = "/etc/docker/daemon.json"

    @Option(help: "Accepted for compatibility; unused: no diagnostics image is pulled or run.")
    var diagnosticsImageName: String?

    @Option(
        name: .customLong("dont-run"), parsing: .upToNextOption,
        help: "Space-separated list of check IDs. The checks listed here will not be run. See 'iotedge check-list' for details of all checks.")
    var dontRun: [String] = []

    @Option(help: "Sets the expected version of the aziot-edged binary. Without it, aziot-edge-version is not compared (no request to the internet).")
    var expectedAziotEdgedVersion: String?

    @Option(help: "Sets the expected version of the aziot-identity-service package (passed to 'aziotctl check').")
    var expectedAziotVersion: String?

    @Option(name: .customLong("aziot-edged"), help: "Sets the path of the aziot-edged binary.")
    var aziotEdged = "/usr/libexec/aziot/aziot-edged"

    @Option(help: "Sets the hostname of the Azure IoT Hub that this device would connect to. If using manual provisioning, this does not need to be specified.")
    var iothubHostname: String?

    @Option(name: .customLong("proxy-uri"), help: "Sets the proxy URI that this device would use to connect to Azure DPS and IoTHub endpoints.")
    var proxyURI: String?

    @Option(help: "Accepted for compatibility; unused (as in the reference).")
    var ntpServer = "pool.ntp.org:123"

    @Option(name: [.short, .customLong("output")], help: "Output format. One of \"text\" or \"json\". Note that JSON output contains some additional information like OS name, OS version, disk space, etc.")
    var output: IotedgeCheckOptions.Format = .text

    @Flag(help: "Increases verbosity of output.")
    var verbose = false

    @Flag(help: "Treats warnings as errors. Thus 'iotedge check' will exit with non-zero code if it encounters warnings.")
    var warningsAsErrors = false

    public init() {}

    /// The parsed options as the library takes them.
    public var options: IotedgeCheckOptions {
        var options = IotedgeCheckOptions()
        options.containerEngineConfigFile = containerEngineConfigFile
        options.diagnosticsImageName = diagnosticsImageName
        options.dontRun = dontRun
        options.expectedAziotEdgedVersion = expectedAziotEdgedVersion
        options.expectedAziotVersion = expectedAziotVersion
        options.aziotEdged = aziotEdged
        options.iothubHostname = iothubHostname
        options.proxyURI = proxyURI
        options.ntpServer = ntpServer
        options.output = output
        options.verbose = verbose
        options.warningsAsErrors = warningsAsErrors
        return options
    }

    public func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var options = self.options
        options.color = output == .text && isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil
        let code = await IotedgeCheck.run(options, environment: environment, output: .standardOutput)
        if code != 0 { throw ExitCode(code) }
    }
}

/// `iotedge check-list`: the checks `iotedge check` runs, as a table.
public struct IotedgeCheckListCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "check-list", abstract: "List the checks that are run for 'iotedge check'")

    public init() {}

    public func run() async throws {
        let code = await IotedgeCheck.list(environment: ProcessInfo.processInfo.environment, output: .standardOutput)
        if code != 0 { throw ExitCode(code) }
    }
}
