import CheckReport
import Foundation
import IoTHubProtocol

/// `aziotctl check -o json-stream` (and `check-list --output=json`), whose results `iotedge check` folds into its own.
enum AziotctlChecks {
    /// The suffix the identity service's sections get in iotedge's output.
    static let sectionSuffix = " (aziot-identity-service)"

    /// `IOTEDGE_AZIOTCTL`, else `aziotctl` in PATH.
    static func executable(_ environment: [String: String]) -> String? {
        if let path = environment["IOTEDGE_AZIOTCTL"], !path.isEmpty { return path }
        return CommandRunner.find("aziotctl", environment: environment)
    }

    /// The `aziotctl check` arguments for iotedge's options.
    static func arguments(_ options: IotedgeCheckOptions) -> [String] {
        var arguments = ["check", "-o", "json-stream"]
        if let hub = options.iothubHostname { arguments += ["--iothub-hostname", hub] }
        if let proxy = options.proxyURI { arguments += ["--proxy-uri", proxy] }
        let skipped = options.skippedIDs
        if !skipped.isEmpty { arguments += ["--dont-run", skipped.sorted().joined(separator: " ")] }
        if let version = options.expectedAziotVersion { arguments += ["--expected-aziot-version", version] }
        return arguments
    }

    static let runnerID = "aziot-identity-service-checks"
    static let runnerDescription = "aziot-identity-service checks can be run (aziotctl check)"

    /// Runs aziotctl's checks and reports each; returns whether one was fatal.
    static func run(_ context: inout EdgeCheckContext, _ reporter: inout CheckReporter) async -> Bool {
        let environment = context.environment
        func failure(_ outcome: CheckOutcome) -> Bool {
            reporter.beginSection("Configuration checks" + sectionSuffix)
            reporter.report(id: runnerID, description: runnerDescription, outcome)
            reporter.endSection()
            return false
        }
        guard let aziotctl = executable(environment) else {
            return failure(.error(
                "aziotctl was not found in PATH, so the identity service's checks were not run. Install aziot-identity-service, "
                    + "or name aziotctl with the IOTEDGE_AZIOTCTL environment variable."))
        }
        var sectionOpen = false
        var fatal = false
        var sawAny = false
        var finished: CommandResult?
        // Each result is reported as aziotctl prints it, as the reference does.
        for await event in CommandRunner.stream(aziotctl, arguments(context.options), environment: environment, timeout: .seconds(600)) {
            let line: String
            switch event {
            case .line(let text):
                line = text
            case .finished(let result):
                finished = result
                continue
            case .failed(let error):
                return failure(.error(
                    "Could not run \(aziotctl) check. Make sure the file is the aziotctl binary and executable, or name another one with "
                        + "IOTEDGE_AZIOTCTL.", causes: [error.description]))
            }
            guard let object = try? JSONValue(parsing: line).objectValue, let kind = object["kind"]?.stringValue else { continue }
            switch kind {
            case "section":
                if sectionOpen { reporter.endSection() }
                reporter.beginSection((object["name"]?.stringValue ?? "") + sectionSuffix)
                sectionOpen = true
            case "check":
                sawAny = true
                guard let id = object["id"]?.stringValue else { continue }
                let outcome = outcome(object)
                if case .fatal = reporter.report(id: id, description: object["description"]?.stringValue ?? id, outcome) { fatal = true }
            case "additional_info":
                if context.iothubHostname == nil { context.iothubHostname = object["iothub_hostname"]?.stringValue }
                context.localGatewayHostname = object["local_gateway_hostname"]?.stringValue
            default:
                continue
            }
        }
        if sectionOpen { reporter.endSection() }
        if !sawAny {
            return failure(.error(
                "\(aziotctl) check printed no results. Run 'aziotctl check' to see why.",
                causes: [finished.map { $0.output.isEmpty ? "exit status \($0.status)" : String($0.output.suffix(2000)) } ?? "no output"]))
        }
        return fatal
    }

    /// One JSON-stream `check` object as an outcome: `{"result": {"result": kind, "details": [message, causes...]}, "additional_info"}`.
    static func outcome(_ object: JSONObject) -> CheckOutcome {
        let info = object["additional_info"]?.objectValue ?? [:]
        let result = object["result"]
        let kind = result?["result"]?.stringValue ?? result?.stringValue ?? "error"
        let details = result?["details"]?.arrayValue?.compactMap(\.stringValue) ?? object["details"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let message = CheckMessage(details.first ?? "", causes: Array(details.dropFirst()))
        switch kind {
        case "ok": return CheckOutcome(.ok, info: info)
        case "warning": return CheckOutcome(.warning(message), info: info)
        case "ignored": return CheckOutcome(.ignored(note: info["note"]?.stringValue), info: info)
        case "skipped": return CheckOutcome(.skipped, info: info)
        case "fatal": return CheckOutcome(.fatal(message), info: info)
        default: return CheckOutcome(.error(message), info: info)
        }
    }

    /// aziotctl's `check-list --output=json` (`{section: [{id, description}]}`) with the suffixed section names; nil when
    /// aziotctl cannot be run.
    static func listing(_ environment: [String: String]) async -> [CheckListSection]? {
        guard let aziotctl = executable(environment),
            let result = try? await CommandRunner.run(aziotctl, ["check-list", "--output=json"], environment: environment, timeout: .seconds(60)),
            result.status == 0, let document = try? JSONValue(parsing: result.stdout).objectValue
        else { return nil }
        return document.pairs.map { section in
            CheckListSection(
                name: section.key + sectionSuffix,
                checks: (section.value.arrayValue ?? []).map { ($0["id"]?.stringValue ?? "", $0["description"]?.stringValue ?? "") })
        }
    }
}
