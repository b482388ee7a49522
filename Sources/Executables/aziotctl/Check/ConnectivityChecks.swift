import CheckReport
import ConfigFiles
import Foundation
import IoTHubProtocol
import NIOCore
import TOMLConfig

/// `host-connect-*`: TCP connect and a verified TLS handshake with the IoT Hub (or the parent device in nested
/// mode) on the AMQP, HTTPS and MQTT ports, and with the DPS endpoint.
enum ConnectivityChecks {
    /// One hub port and the environment variable that redirects it (for tests against an emulator).
    struct HubPort: Sendable {
        var number: Int
        var variable: String
    }

    static let amqp = HubPort(number: 5671, variable: "AZIOTCTL_IOTHUB_AMQP_PORT")
    static let https = HubPort(number: 443, variable: "AZIOTCTL_IOTHUB_HTTPS_PORT")
    static let mqtt = HubPort(number: 8883, variable: "AZIOTCTL_IOTHUB_MQTT_PORT")

    static let defaultTimeoutSeconds: Int64 = 20

    static func timeout(_ context: CheckContext) -> TimeAmount {
        if let text = context.environment["AZIOTCTL_CONNECT_TIMEOUT_SEC"], let seconds = Int64(text), seconds > 0 { return .seconds(seconds) }
        return .seconds(defaultTimeoutSeconds)
    }

    static func hub(_ port: HubPort) -> (inout CheckContext) async -> CheckOutcome {
        { context in await hub(port, &context) }
    }

    static func hub(_ port: HubPort, _ context: inout CheckContext) async -> CheckOutcome {
        let number = context.environment[port.variable].flatMap(Int.init) ?? port.number
        var info: JSONObject = ["port_number": .int(Int64(number))]
        let target: (host: String, nested: Bool)
        switch await hubHostname(&context) {
        case .found(let host, let nested): target = (host, nested)
        case .outcome(let outcome): return outcome
        }
        info["iothub_hostname"] = .string(target.host)
        var proxy: TLSProbe.Proxy?
        if port.number == https.number, let uri = context.options.proxyURI {
            do {
                proxy = try TLSProbe.Proxy(parsing: uri)
            } catch {
                return .error("--proxy-uri \(error.description)", info: info)
            }
            info["proxy"] = .string(uri)
        }
        return await connect(host: target.host, port: number, proxy: proxy, nested: target.nested, context: context, info: info)
    }

    static func dps(_ context: inout CheckContext) async -> CheckOutcome {
        guard let identityd = context.identityd else { return .skipped }
        guard case .dps(let endpoint, _, _) = identityd.provisioning else { return .ignored() }
        var info: JSONObject = ["dps_endpoint": .string(endpoint)]
        guard let url = URLComponents(string: endpoint), let host = url.host, !host.isEmpty else {
            return .error(
                "URL specified in provisioning.global_endpoint (\(endpoint)) does not have a host.\n"
                    + "Set provisioning.global_endpoint to https://global.azure-devices-provisioning.net/ (or your DPS endpoint) in /etc/aziot/config.toml and run 'aziotctl config apply'.",
                info: info)
        }
        info["dps_hostname"] = .string(host)
        var proxy: TLSProbe.Proxy?
        if let uri = context.options.proxyURI {
            do {
                proxy = try TLSProbe.Proxy(parsing: uri)
            } catch {
                return .error("--proxy-uri \(error.description)", info: info)
            }
            info["proxy"] = .string(uri)
        }
        return await connect(host: host, port: url.port ?? 443, proxy: proxy, nested: false, context: context, info: info)
    }

    enum HostnameLookup {
        case found(String, nested: Bool)
        case outcome(CheckOutcome)
    }

    /// The host the device connects to: `--iothub-hostname`, else identityd's view of the device identity, else
    /// its configuration (`local_gateway_hostname` or `iothub_hostname`), else the DPS assignment it saved.
    static func hubHostname(_ context: inout CheckContext) async -> HostnameLookup {
        if let host = context.options.iothubHostname { return .found(host, nested: false) }
        guard let identityd = context.identityd else { return .outcome(.skipped) }
        switch identityd.provisioning {
        case .none:
            return .outcome(.ignored())
        case .manual(let hub, _, _):
            if let gateway = identityd.localGatewayHostname { return .found(gateway, nested: true) }
            return .found(hub, nested: false)
        case .dps:
            if case .identity(let hub, let gateway) = await context.identityFromIdentityd() {
                return .found(gateway ?? hub, nested: gateway != nil && gateway != hub)
            }
            if let hub = savedHubName(identityd) { return .found(hub, nested: false) }
            return .outcome(
                .warning(
                    "Could not retrieve iothub_hostname from provisioning file.\n"
                        + "Please specify the backing IoT Hub name using --iothub-hostname switch if you have that information.\n"
                        + "Since no hostname is provided, all hub connectivity tests will be skipped."))
        }
    }

    /// The hub DPS assigned, from identityd's `device_info` backup.
    static func savedHubName(_ identityd: IdentitydSettings) -> String? {
        guard let table = try? ConfigFileSet.readTable(identityd.homedir + "/device_info"),
            case .string(let hub)? = table["hub_name"], !hub.isEmpty
        else { return nil }
        return hub
    }

    static func connect(host: String, port: Int, proxy: TLSProbe.Proxy?, nested: Bool, context: CheckContext, info: JSONObject) async -> CheckOutcome {
        let timeout = timeout(context)
        let probe = TLSProbe(host: host, port: port, proxy: proxy, timeout: timeout, environment: context.environment)
        do {
            try await probe.run()
            return CheckOutcome(.ok, info: info)
        } catch {
            let seconds = timeout.nanoseconds / 1_000_000_000
            var lines: [String] = []
            switch error.stage {
            case .timeout:
                lines.append("Failed to do TLS Handshake, Connection Attempt Timed out in \(seconds) Seconds")
                lines.append("Make sure outgoing TCP connections to \(host) port \(port) are allowed by the firewall (or use --proxy-uri for HTTPS).")
            case .resolve:
                lines.append("Could not connect to \(host) : \(error.description)")
                lines.append("Make sure DNS works on this device (/etc/resolv.conf) and that \(host) is the right host name.")
            case .connect:
                lines.append("Could not connect to \(host) : \(error.description)")
                lines.append("Make sure outgoing TCP connections to \(host) port \(port) are allowed by the firewall (or use --proxy-uri for HTTPS).")
            case .proxy:
                lines.append("Could not connect to \(host) through the proxy: \(error.description)")
                lines.append("Check --proxy-uri and that the proxy allows CONNECT to \(host):\(port).")
            case .handshake, .other:
                lines.append("Could not connect to \(host) : could not complete TLS handshake: \(error.description)")
                lines.append(
                    "The server's certificate must chain to a CA this device trusts and name \(host): if a proxy or gateway presents its own CA, "
                        + "copy it to /usr/local/share/ca-certificates/<name>.crt and run 'update-ca-certificates'.")
            }
            if nested {
                lines.append(
                    "Make sure the parent device is reachable using 'curl https://\(host)'. Make sure the trust bundle has been added to the trusted store: "
                        + "sudo cp <path>/azure-iot-test-only.root.ca.cert.pem /usr/local/share/ca-certificates/azure-iot-test-only.root.ca.cert.pem.crt; "
                        + "sudo update-ca-certificates")
            }
            return .error(lines.joined(separator: "\n"), info: info)
        }
    }
}
