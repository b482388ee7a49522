/// The options of `iotedge check` (§6.7), independent of the command-line layer.
public struct IotedgeCheckOptions: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case text
        case json
    }

    /// The engine's `daemon.json`, read by the `container-engine-*` checks.
    public var containerEngineConfigFile = "/etc/docker/daemon.json"
    /// Accepted for compatibility; unused (no diagnostics image is ever pulled or run).
    public var diagnosticsImageName: String?
    /// Check ids not to run (each element may hold several, space-separated).
    public var dontRun: [String] = []
    /// Compared with `aziot-edged --version` by `aziot-edge-version`; without it the check is not run.
    public var expectedAziotEdgedVersion: String?
    /// Passed on to `aziotctl check` for its `aziot-version` check.
    public var expectedAziotVersion: String?
    /// The aziot-edged binary whose version `aziot-edge-version` reads.
    public var aziotEdged = "/usr/libexec/aziot/aziot-edged"
    /// The IoT Hub host name (else identityd's, as `aziotctl check` reports it).
    public var iothubHostname: String?
    /// The proxy for the HTTPS connectivity checks (else the agent's `https_proxy`, else `HTTPS_PROXY`/`https_proxy`);
    /// also passed to `aziotctl check`.
    public var proxyURI: String?
    /// Accepted for compatibility; unused (the reference does not forward it to `aziotctl check` either, whose
    /// host-local-time check uses its own default).
    public var ntpServer: String?
    public var output: Format = .text
    public var verbose = false
    public var warningsAsErrors = false
    /// Colored text output (the command sets it when standard output is a terminal).
    public var color = false

    public init() {}

    /// The ids of `dontRun`, split at spaces.
    public var skippedIDs: Set<String> {
        Set(dontRun.flatMap { $0.split(separator: " ").map(String.init) })
    }
}
