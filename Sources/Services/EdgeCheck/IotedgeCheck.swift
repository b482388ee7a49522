public import CheckReport
import Foundation
import IoTHubProtocol

/// `iotedge check` and `iotedge check-list` as functions: the command-line layer parses the options and calls these.
public enum IotedgeCheck {
    /// Runs `aziotctl check`'s checks, then the built-in ones, writing the report to `output`; returns the exit code:
    /// 1 when a check raised an error (or a warning, with `--warnings-as-errors`), else 0.
    ///
    /// `environment` supplies the same overrides the daemons and aziotctl read: `AZIOT_EDGED_CONFIG(_DIR)`,
    /// `AZIOTCTL_CONFIG`, `AZIOTCTL_IOTHUB_{AMQP,HTTPS,MQTT}_PORT`, `AZIOTCTL_CONNECT_TIMEOUT_SEC`, `SSL_CERT_FILE`,
    /// `IOTEDGE_AZIOTCTL` (the aziotctl binary), `PATH`.
    public static func run(_ options: IotedgeCheckOptions, environment: [String: String], output: CheckOutput) async -> Int32 {
        var reporter = CheckReporter(
            format: options.output == .json ? .json : .text, verbose: options.verbose, warningsAsErrors: options.warningsAsErrors,
            color: options.color && options.output == .text, output: output)
        var context = EdgeCheckContext(options: options, environment: environment)
        let skip = options.skippedIDs

        var stopped = await AziotctlChecks.run(&context, &reporter)
        for section in EdgeCheckCatalog.sections {
            reporter.beginSection(section.name)
            for check in section.checks {
                let outcome: CheckOutcome
                if skip.contains(check.id) {
                    outcome = .ignored()
                } else if stopped {
                    outcome = .skipped
                } else {
                    outcome = await check.run(&context)
                }
                if case .fatal = reporter.report(id: check.id, description: check.description, outcome) { stopped = true }
            }
            reporter.endSection()
        }
        reporter.finish(additionalInfo: additionalInfo(context))
        return reporter.failed ? 1 : 0
    }

    /// The JSON report's `additional_info`: versions, time, OS and resources (what support tooling reads).
    static func additionalInfo(_ context: EdgeCheckContext) -> JSONObject {
        var info: JSONObject = [
            "docker_version": context.dockerVersion.map(JSONValue.string) ?? .null,
            "aziot_edged_version": context.edgedVersion.map(JSONValue.string) ?? .null,
            "now": .string(HostInfo.now()),
            "os": .object(HostInfo.os()),
            "system_info": .object(HostInfo.systemInfo()),
        ]
        if let hub = context.iothubHostname { info["iothub_hostname"] = .string(hub) }
        if let parent = context.localGatewayHostname { info["local_gateway_hostname"] = .string(parent) }
        return info
    }

    /// The ids of every built-in check, in order.
    public static var builtInCheckIDs: [String] { EdgeCheckCatalog.allIDs }

    /// The `check-list` table: aziotctl's checks (sections suffixed " (aziot-identity-service)") then the built-in ones.
    /// Returns 0, or 1 when aziotctl could not be asked (the built-in checks are listed all the same, with a note).
    public static func list(environment: [String: String], output: CheckOutput) async -> Int32 {
        let aziot = await AziotctlChecks.listing(environment)
        output.write(CheckList.text((aziot ?? []) + EdgeCheckCatalog.listing))
        guard aziot != nil else {
            output.write(
                "Note: aziotctl could not be run (not in PATH, or IOTEDGE_AZIOTCTL is wrong), so the aziot-identity-service checks "
                    + "are not listed.\n")
            return 1
        }
        return 0
    }
}
