import AziotClients
import CheckReport
import DockerClient
import EdgeDaemon
import Foundation
import IoTHubProtocol

/// "Connectivity checks": a TLS handshake with the upstream (IoT Hub, or the parent device) made from inside a running
/// container's network namespace (`nsenter --net=/proc/<pid>/ns/net openssl s_client …`) instead of from a diagnostics
/// container: the edgeAgent container for the IoT Edge network, any running container for the default bridge.
enum ConnectivityChecks {
    enum Upstream: String, Sendable, CaseIterable {
        case amqp, https, mqtt

        var defaultPort: Int {
            switch self {
            case .amqp: 5671
            case .https: 443
            case .mqtt: 8883
            }
        }

        var label: String {
            switch self {
            case .amqp: "AMQP"
            case .https: "HTTPS / WebSockets"
            case .mqtt: "MQTT"
            }
        }

        /// The ports the agent's `UpstreamProtocol` uses.
        static func allRequired(_ upstreamProtocol: String?) -> [Upstream] {
            allCases.filter { $0.isRequired(upstreamProtocol: upstreamProtocol) }
        }

        /// Whether the agent's `UpstreamProtocol` uses this port (all of them when it is not set).
        func isRequired(upstreamProtocol: String?) -> Bool {
            guard let upstreamProtocol, !upstreamProtocol.isEmpty else { return true }
            switch upstreamProtocol.lowercased() {
            case "amqp": return self == .amqp
            case "mqtt": return self == .mqtt
            case "amqpws", "mqttws": return self == .https
            default: return true
            }
        }
    }

    enum Network: Sendable {
        /// Docker's default `bridge` network.
        case defaultBridge
        /// The IoT Edge network (`[moby_runtime] network`), where edgeAgent runs.
        case edge
    }

    static func upstream(_ upstream: Upstream, on network: Network) -> @Sendable (inout EdgeCheckContext) async -> CheckOutcome {
        { context in
            guard let settings = context.settings, let docker = context.docker else { return .skipped }
            let upstreamProtocol = context.agentEnvironment("UpstreamProtocol")
            guard upstream.isRequired(upstreamProtocol: upstreamProtocol) else {
                return .ignored("Not required in this configuration (the agent's UpstreamProtocol is \(upstreamProtocol ?? "")).")
            }
            guard let host = context.upstreamHostname else {
                return .ignored("The IoT Hub host name is not known (the device is not provisioned yet?); pass --iothub-hostname to run this check.")
            }
            let portVariable = "AZIOTCTL_IOTHUB_\(upstream.rawValue.uppercased())_PORT"
            let port = context.environment[portVariable].flatMap(Int.init) ?? upstream.defaultPort

            // The container whose network namespace the probe runs in.
            let container: String
            let networkName: String
            let inspect: ContainerInspect
            switch network {
            case .edge:
                container = settings.agent.name
                networkName = settings.moby.network.name
                do {
                    inspect = try await docker.inspectContainer(container)
                } catch {
                    return .ignored("The \(container) container does not exist, so the \(networkName) network cannot be probed from it.")
                }
                guard inspect.state.running, inspect.state.pid > 0 else {
                    return .ignored("The \(container) container is not running, so the \(networkName) network cannot be probed from it.")
                }
            case .defaultBridge:
                networkName = "bridge"
                // The first container on the bridge that is still running when asked (others may stop meanwhile).
                var found: (String, ContainerInspect)?
                for candidate in (try? await docker.listContainers(filters: ["network": ["bridge"], "status": ["running"]])) ?? [] {
                    if let candidateInspect = try? await docker.inspectContainer(candidate.id), candidateInspect.state.running,
                        candidateInspect.state.pid > 0
                    {
                        let name = candidateInspect.name
                        found = (name.hasPrefix("/") ? String(name.dropFirst()) : name, candidateInspect)
                        break
                    }
                }
                guard let found else {
                    return .ignored(
                        "No running container is attached to the default bridge network, so there is nothing to probe from "
                            + "(no diagnostics container is run).")
                }
                (container, inspect) = found
            }
            var info: JSONObject = [
                "hostname": .string(host), "port": .int(Int64(port)), "container": .string(container), "network": .string(networkName),
            ]
            let proxy = upstream == .https ? proxyURI(context) : nil
            if let proxy { info["proxy"] = .string(proxy) }
            // Nested: the parent's server certificate chains to the device's trust bundle (what the reference's diagnostics
            // container trusts), unless SSL_CERT_FILE names the CAs.
            var environment = context.environment
            var bundleFile: String?
            if context.localGatewayHostname != nil, environment["SSL_CERT_FILE"] == nil, let bundle = settings.trustBundleCert {
                switch await TrustBundle.file(id: bundle, certdURI: settings.endpoints.certd) {
                case .success(let path):
                    bundleFile = path
                    environment["SSL_CERT_FILE"] = path
                    info["trust_bundle"] = .string(bundle)
                case .failure(let reason):
                    return .error(
                        "The trust bundle \(bundle) (trust_bundle_cert) could not be read from certd, so the parent's certificate cannot be "
                            + "verified. Make sure aziot-certd is running and this command runs as root.", causes: [reason.description], info: info)
                }
            }
            defer { if let bundleFile { try? FileManager.default.removeItem(atPath: bundleFile) } }
            let probe = await TLSProbe.run(
                host: host, port: port, netnsOf: inspect.state.pid, proxy: proxy, environment: environment, timeout: context.connectTimeout)
            switch probe {
            case .success(let address):
                info["address"] = .string(address)
                return .ok(note: nil, info: info)
            case .failure(.unavailable(let reason)):
                return .ignored(reason, info: info)
            case .failure(.failed(let reason, let output)):
                let via = proxy.map { " through the proxy \($0)" } ?? ""
                return .error(
                    "A container on the \(networkName) network (\(container)) could not connect to \(host):\(port)\(via) and complete a TLS "
                        + "handshake: \(reason). Make sure the firewall lets containers reach port \(port) of the upstream, that the container "
                        + "engine's DNS settings resolve \(host), and that the host name is right (--iothub-hostname, or parent_hostname).",
                    causes: output.isEmpty ? [] : [output], info: info)
            }
        }
    }

    /// `--proxy-uri`, else the agent's `https_proxy`, else `HTTPS_PROXY` / `https_proxy`.
    static func proxyURI(_ context: EdgeCheckContext) -> String? {
        context.options.proxyURI ?? context.agentEnvironment("https_proxy") ?? context.environment["HTTPS_PROXY"] ?? context.environment["https_proxy"]
    }
}

/// The device's trust bundle from certd, in a temporary PEM file for `openssl -CAfile`.
enum TrustBundle {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func file(id: String, certdURI: String) async -> Result<String, Failure> {
        guard certdURI.hasPrefix("unix://") else { return .failure(Failure(description: "certd's endpoint \(certdURI) is not a unix:// URI")) }
        do {
            let pem = try await CertClient(socketPath: String(certdURI.dropFirst("unix://".count))).getCertificate(id: id)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("iotedge-check-\(UUID().uuidString).pem").path
            guard FileManager.default.createFile(atPath: path, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600]) else {
                return .failure(Failure(description: "could not write \(path)"))
            }
            return .success(path)
        } catch {
            return .failure(Failure(description: String(describing: error)))
        }
    }
}

/// A TLS handshake (server certificate and name verified) from inside another process's network namespace, with the
/// host's `nsenter` and `openssl s_client`. The name is resolved on the host (the host's resolver may not be reachable
/// from the container's namespace); `SSL_CERT_FILE` replaces the system's trusted CAs, as for aziotctl.
enum TLSProbe {
    enum Failure: Error {
        /// The probe cannot be made here (missing tools); the check is not run.
        case unavailable(String)
        case failed(String, output: String)
    }

    static func run(
        host: String, port: Int, netnsOf pid: Int64, proxy: String?, environment: [String: String], timeout: Duration
    ) async -> Result<String, Failure> {
        guard let nsenter = CommandRunner.find("nsenter", environment: environment) else {
            return .failure(.unavailable("nsenter (util-linux) is not installed, so no connection can be made from a container's network namespace."))
        }
        guard let openssl = CommandRunner.find("openssl", environment: environment) else {
            return .failure(.unavailable("openssl is not installed, so no TLS handshake can be made from a container's network namespace."))
        }
        let isAddress = HostName.isIPAddress(host)
        var childEnvironment = environment
        var arguments = ["--net=/proc/\(pid)/ns/net", openssl, "s_client", "-brief", "-verify_return_error"]
        let address: String
        if let proxy {
            // Through the proxy the proxy resolves the name: CONNECT host:port.
            let withoutScheme = proxy.range(of: "://").map { String(proxy[$0.upperBound...]) } ?? proxy
            let authority = withoutScheme.split(separator: "/").first.map(String.init) ?? withoutScheme
            let hostPort = authority.split(separator: "@").last.map(String.init) ?? authority
            arguments += ["-proxy", hostPort, "-connect", "\(host):\(port)"]
            // `user:password@` in the URI: Basic proxy authentication (OpenSSL 3's -proxy_user / -proxy_pass).
            if let at = authority.lastIndex(of: "@") {
                let credentials = authority[..<at].split(separator: ":", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                if let user = credentials.first { arguments += ["-proxy_user", user] }
                if credentials.count == 2 {
                    // Through the environment, not the command line (which other users can read in /proc).
                    childEnvironment["IOTEDGE_CHECK_PROXY_PASSWORD"] = credentials[1]
                    arguments += ["-proxy_pass", "env:IOTEDGE_CHECK_PROXY_PASSWORD"]
                }
            }
            address = "\(host):\(port) via \(hostPort)"
        } else {
            let resolved = isAddress ? host : HostName.resolve(host).first
            guard let resolved else {
                return .failure(.failed("the host's resolver does not know \(host)", output: ""))
            }
            address = resolved.contains(":") ? "[\(resolved)]:\(port)" : "\(resolved):\(port)"
            arguments += ["-connect", address]
        }
        if !isAddress { arguments += ["-servername", host, "-verify_hostname", host] } else { arguments += ["-verify_ip", host] }
        if let bundle = environment["SSL_CERT_FILE"], !bundle.isEmpty { arguments += ["-CAfile", bundle] }
        let result: CommandResult
        do {
            result = try await CommandRunner.run(nsenter, arguments, environment: childEnvironment, timeout: timeout)
        } catch {
            return .failure(.unavailable("could not run nsenter: \(error.description)"))
        }
        let output = String(result.output.suffix(2000))
        if result.timedOut { return .failure(.failed("no answer within \(timeout)", output: output)) }
        guard result.status == 0 else {
            let lower = output.lowercased()
            let reason: String
            if lower.contains("operation not permitted") || lower.contains("permission denied") {
                return .failure(.unavailable("entering the container's network namespace needs root: run 'sudo iotedge check'."))
            } else if lower.contains("connection refused") || lower.contains("errno=111") {
                reason = "the connection was refused"
            } else if lower.contains("verify") || lower.contains("certificate") {
                reason = "the server's certificate could not be verified"
            } else {
                reason = "openssl s_client failed (exit status \(result.status))"
            }
            return .failure(.failed(reason, output: output))
        }
        return .success(address)
    }
}
