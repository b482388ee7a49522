import CheckReport

/// One check: its stable id (for `--dont-run` and JSON), its description (for text), and how to run it.
struct CheckDefinition {
    let id: String
    let description: String
    let run: (inout CheckContext) async -> CheckOutcome
}

struct CheckSection {
    let name: String
    let checks: [CheckDefinition]
}

/// The checks in the reference's order (later checks use what earlier ones learned), with its ids,
/// descriptions and sections.
enum CheckCatalog {
    static func sections() -> [CheckSection] {
        [
            CheckSection(name: "Configuration checks", checks: [
                CheckDefinition(id: "keyd-config-well-formed", description: "keyd configuration is well-formed", run: ConfigurationChecks.keydWellFormed),
                CheckDefinition(id: "certd-config-well-formed", description: "certd configuration is well-formed", run: ConfigurationChecks.certdWellFormed),
                CheckDefinition(id: "tpmd-config-well-formed", description: "tpmd configuration is well-formed", run: ConfigurationChecks.tpmdWellFormed),
                CheckDefinition(
                    id: "identityd-config-well-formed", description: "identityd configuration is well-formed", run: ConfigurationChecks.identitydWellFormed),
                CheckDefinition(id: "configs-up-to-date", description: "daemon configurations up-to-date with config.toml", run: ConfigurationChecks.upToDate),
                CheckDefinition(id: "hostname", description: "identityd config toml file specifies a valid hostname", run: HostChecks.hostname),
                CheckDefinition(id: "aziot-version", description: "aziot-identity-service package is up-to-date", run: HostChecks.version),
                CheckDefinition(id: "host-local-time", description: "host time is close to reference time", run: HostChecks.localTime),
                CheckDefinition(
                    id: "identity-certificate-expiry", description: "production readiness: identity certificates expiry",
                    run: CertificateChecks.identityExpiry),
                CheckDefinition(
                    id: "est-identity-and-bootstrap-certificate-expiry",
                    description: "production readiness: EST identity and bootstrap certificates expiry", run: CertificateChecks.estExpiry),
                CheckDefinition(
                    id: "local-ca-certificate-expiry", description: "production readiness: Local CA certificates expiry",
                    run: CertificateChecks.localCAExpiry),
                CheckDefinition(id: "certs-preloaded", description: "preloaded certificates are valid", run: CertificateChecks.preloaded),
                CheckDefinition(id: "keyd-running", description: "keyd is running", run: DaemonChecks.running(.keyd)),
                CheckDefinition(id: "certd-running", description: "certd is running", run: DaemonChecks.running(.certd)),
                CheckDefinition(id: "tpmd-running", description: "tpmd is running", run: DaemonChecks.running(.tpmd)),
                CheckDefinition(id: "identityd-running", description: "identityd is running", run: DaemonChecks.running(.identityd)),
                CheckDefinition(
                    id: "certs-read", description: "read all preloaded certificates from the Certificates Service", run: CertificateChecks.read),
                CheckDefinition(
                    id: "key-pairs-read", description: "read all preloaded key pairs from the Keys Service", run: DaemonChecks.readKeyPairs),
                CheckDefinition(id: "est-server-https", description: "check all EST server URLs utilize HTTPS", run: CertificateChecks.estServerHTTPS),
                CheckDefinition(
                    id: "certs-match-private-keys", description: "ensure all preloaded certificates match preloaded private keys with the same ID",
                    run: CertificateChecks.matchPrivateKeys),
            ]),
            CheckSection(name: "Connectivity checks", checks: [
                CheckDefinition(
                    id: "host-connect-iothub-amqp", description: "host can connect to and perform TLS handshake with iothub AMQP port",
                    run: ConnectivityChecks.hub(ConnectivityChecks.amqp)),
                CheckDefinition(
                    id: "host-connect-iothub-https",
                    description: "host can connect to and perform TLS handshake with iothub HTTPS / WebSockets port",
                    run: ConnectivityChecks.hub(ConnectivityChecks.https)),
                CheckDefinition(
                    id: "host-connect-iothub-mqtt", description: "host can connect to and perform TLS handshake with iothub MQTT port",
                    run: ConnectivityChecks.hub(ConnectivityChecks.mqtt)),
                CheckDefinition(
                    id: "host-connect-dps-endpoint", description: "host can connect to and perform TLS handshake with DPS endpoint",
                    run: ConnectivityChecks.dps),
            ]),
        ]
    }

    static var allIDs: [String] { sections().flatMap { $0.checks.map(\.id) } }

    /// The sections as `check-list` shows them.
    static func listing() -> [CheckListSection] {
        sections().map { section in CheckListSection(name: section.name, checks: section.checks.map { ($0.id, $0.description) }) }
    }
}

extension CheckReporter {
    @discardableResult
    mutating func report(_ check: CheckDefinition, _ outcome: CheckOutcome) -> CheckResult {
        report(id: check.id, description: check.description, outcome)
    }
}
