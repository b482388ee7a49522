import EdgeConfigTool
import CheckReport
import Foundation
import IoTHubProtocol

/// `hostname`, `aziot-version` and `host-local-time`.
enum HostChecks {
    // MARK: hostname

    static func hostname(_ context: inout CheckContext) async -> CheckOutcome {
        guard let identityd = context.identityd else { return .skipped }
        let configured = identityd.hostname
        var info: JSONObject = ["config_hostname": .string(configured)]
        if TLSProbe.isIPAddress(configured) {
            info["machine_hostname"] = .string(configured)
            return CheckOutcome(.ok, info: info)
        }
        let machine: String
        do {
            machine = try HostFiles.hostname()
        } catch {
            return .error("could not get machine hostname: \(error.message)", info: info)
        }
        info["machine_hostname"] = .string(machine)
        let configuredLower = configured.lowercased()
        let machineLower = machine.lowercased()
        if configuredLower != machineLower && !configuredLower.hasPrefix(machineLower + ".") {
            return .error(
                """
                identityd config has hostname \(configuredLower) but device reports hostname \(machineLower).
                Hostname in identityd config must either be identical to the device hostname or be a fully-qualified domain name that has the device hostname as the first component.
                Set hostname = "\(machine)" (or an FQDN starting with "\(machine).") in /etc/aziot/config.toml and run 'aziotctl config apply', or rename the machine with 'hostnamectl set-hostname'.
                """,
                info: info)
        }
        if !isRFC1035Valid(configured) {
            return .warning(
                """
                identityd config has hostname \(configured) which does not comply with RFC 1035.

                - Hostname must be between 1 and 255 octets inclusive.
                - Each label in the hostname (component separated by ".") must be between 1 and 63 octets inclusive.
                - Each label must start with an ASCII alphabet character (a-z, A-Z), end with an ASCII alphanumeric character (a-z, A-Z, 0-9), and must contain only ASCII alphanumeric characters or hyphens (a-z, A-Z, 0-9, "-").

                Not complying with RFC 1035 may cause errors during the TLS handshake with modules and downstream devices.
                Rename the machine (hostnamectl set-hostname) and set the same name as hostname in /etc/aziot/config.toml, then run 'aziotctl config apply'.
                """,
                info: info)
        }
        if configured.utf8.count > 64 {
            return .warning(
                "identityd config hostname \(configured) is too long to be used as a certificate issuer (at most 64 characters).\n"
                    + "Use a shorter hostname in /etc/aziot/config.toml and run 'aziotctl config apply'.",
                info: info)
        }
        return CheckOutcome(.ok, info: info)
    }

    /// RFC 1035 §2.3.1 preferred name syntax: 1–255 octets; labels of 1–63 octets, starting with a letter, ending
    /// with a letter or digit, letters, digits and hyphens in between.
    static func isRFC1035Valid(_ hostname: String) -> Bool {
        let bytes = Array(hostname.utf8)
        guard !bytes.isEmpty, bytes.count <= 255 else { return false }
        func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
        func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard let first = label.first, let last = label.last, label.count <= 63 else { return false }
            guard isLetter(first), isLetter(last) || isDigit(last) else { return false }
            guard label.allSatisfy({ isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "-") }) else { return false }
        }
        return true
    }

    // MARK: aziot-version

    static func version(_ context: inout CheckContext) async -> CheckOutcome {
        let actual = AziotctlCommand.packageVersion
        guard let expected = context.options.expectedAziotVersion else {
            return .ignored(
                "aziotctl does not query the network for the latest version. Pass --expected-aziot-version <version> to compare "
                    + "the installed version (\(actual)) with the one you expect; the supported versions are listed at "
                    + "https://aka.ms/azure-iotedge-latest-versions.",
                info: ["actual_version": .string(actual)])
        }
        let info: JSONObject = ["expected_version": .string(expected), "actual_version": .string(actual)]
        guard expected == actual else {
            return .warning(
                "Installed aziot-identity-service package has version \(actual) but \(expected) is the latest stable version available.\n"
                    + "Please see https://aka.ms/aziot-update-runtime for update instructions.",
                info: info)
        }
        return CheckOutcome(.ok, info: info)
    }

    // MARK: host-local-time

    /// How long to wait for the NTP server.
    static let ntpTimeout = Duration.seconds(5)

    static func localTime(_ context: inout CheckContext) async -> CheckOutcome {
        let server = context.options.ntpServer
        var info: JSONObject = ["ntp_server": .string(server)]
        let answer: SNTPClient.Answer
        do {
            answer = try SNTPClient.query(server, timeout: ntpTimeout)
        } catch {
            switch error {
            case .unreachable(let reason):
                return .warning(
                    "Could not query NTP server \(server): \(reason).\n"
                        + "Allow outgoing UDP traffic to the NTP server (port 123 by default), or pass --ntp-server host:port with an NTP server this device can reach.",
                    info: info)
            case .invalidServer(let reason), .badAnswer(let reason):
                return .error(
                    "Could not query NTP server \(server): \(reason).\nPass --ntp-server host:port with a working NTP server.",
                    info: info)
            }
        }
        let offset = Int(abs(answer.offset).rounded(.down))
        info["offset"] = .int(Int64(offset))
        info["ntp_address"] = .string(answer.address)
        if offset >= 10 {
            return .warning(
                "Time on the device is out of sync with the NTP server (off by \(offset) s). This may cause problems connecting to IoT Hub.\n"
                    + "Please ensure time on device is accurate, for example by installing an NTP daemon (chrony or systemd-timesyncd; "
                    + "'timedatectl set-ntp true').",
                info: info)
        }
        return CheckOutcome(.ok, info: info)
    }
}
