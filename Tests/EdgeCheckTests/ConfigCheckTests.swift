import ArgumentParser
import CheckReport
@testable import EdgeCheck
import EdgeTestSupport
import Foundation
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// `iotedge check` on configurations alone (no edged running): the built `aziotctl`, the real Docker engine.
@Suite("iotedge check: configuration problems (§6.7)")
struct ConfigCheckTests {
    @Test("a malformed edged config is an error that explains the fix; the checks needing it are skipped")
    func brokenEdgedConfig() async throws {
        let files = try CheckFiles()
        defer { files.remove() }
        try files.writeMinimalEdgedConfig(extra: "hostnme = \"typo\"")
        let run = await files.run(files.options { $0.verbose = true })
        #expect(run.code == 1, "\(run.text)")
        #expect(run.line("aziot-edged-config-well-formed") == "\u{00D7} aziot-edged configuration is well-formed - Error", "\(run.text)")
        let message = run.message("aziot-edged-config-well-formed")
        #expect(message.contains("is not well-formed"), "\(run.text)")
        #expect(message.contains("iotedge config apply"), "\(run.text)")
        #expect(message.contains("hostnme"), "\(run.text)")
        // Without a parsed config the engine check cannot run: skipped, shown with --verbose.
        #expect(run.line("container-engine-uri") == "\u{203C} container engine is installed and functional - Warning", "\(run.text)")
        #expect(run.message("container-engine-uri").contains("skipping because of previous failures"), "\(run.text)")
        #expect(run.text.contains("check(s) were skipped due to errors from other checks.\n"), "\(run.text)")

        // Invalid TOML as well.
        try files.write(files.edgedConfig, "hostname = \n")
        let syntax = await files.run(files.options { $0.output = .json })
        #expect(syntax.result("aziot-edged-config-well-formed") == "error", "\(syntax.text)")
        #expect(syntax.result("container-engine-uri") == "skipped", "\(syntax.text)")
    }

    @Test("a wrong moby uri is fatal: every later check is skipped, and the run fails")
    func wrongMobyURI() async throws {
        let files = try CheckFiles()
        defer { files.remove() }
        try files.writeMinimalEdgedConfig(mobyURI: "unix://\(files.root)/no-such-docker.sock")
        let run = await files.run(files.options { $0.output = .json })
        #expect(run.code == 1, "\(run.text)")
        #expect(run.result("aziot-edged-config-well-formed") == "ok", "\(run.text)")
        #expect(run.result("container-engine-uri") == "fatal", "\(run.text)")
        let details = run.json?["checks"]?["container-engine-uri"]?["result"]?["details"]?.arrayValue?.first?.stringValue ?? ""
        #expect(details.contains("no-such-docker.sock does not exist"), "\(details)")
        #expect(details.contains("[moby_runtime] uri"), "\(details)")
        let after = EdgeCheckCatalog.allIDs.drop { $0 != "container-engine-uri" }.dropFirst()
        for id in after {
            #expect(run.result(id) == "skipped", "\(id): \(run.text)")
        }

        let text = await files.run(files.options())
        #expect(text.line("container-engine-uri") == "\u{00D7} container engine is installed and functional - Error", "\(text.text)")
        // The summary counts them (with aziotctl's own skipped checks).
        #expect(text.text.contains(" check(s) were skipped due to errors from other checks. Re-run with --verbose for more details."), "\(text.text)")
        #expect(!text.text.contains("DNS server"), "skipped checks are not listed without --verbose: \(text.text)")

        // A URI that is not a Unix socket: edged's configuration rejects it, so the engine check cannot run.
        try files.writeMinimalEdgedConfig(mobyURI: "tcp://127.0.0.1:2375")
        let tcp = await files.run(files.options { $0.output = .json })
        #expect(tcp.result("aziot-edged-config-well-formed") == "error", "\(tcp.text)")
        let tcpDetails = tcp.json?["checks"]?["aziot-edged-config-well-formed"]?["result"]?["details"]?.arrayValue?.map { $0.stringValue ?? "" } ?? []
        #expect(tcpDetails.joined(separator: " ").contains("unix://"), "\(tcpDetails)")
        #expect(tcp.result("container-engine-uri") == "skipped", "\(tcp.text)")
    }

    @Test("daemon.json without log rotation: a warning (exit 0), an error with --warnings-as-errors; journald and log-opts pass; DNS")
    func logRotation() async throws {
        let files = try CheckFiles()
        defer { files.remove() }
        try files.writeMinimalEdgedConfig()
        let only = try await onlyRun(
            ["aziot-edged-config-well-formed", "container-engine-uri", "container-engine-logrotate", "container-engine-dns"], environment: files.environment)

        // No daemon.json at all.
        let missing = await files.run(files.options { $0.dontRun = only })
        #expect(missing.code == 0, "\(missing.text)")
        #expect(missing.line("container-engine-logrotate") == "\u{203C} production readiness: logs policy - Warning", "\(missing.text)")
        #expect(missing.message("container-engine-logrotate").contains("does not exist"), "\(missing.text)")
        #expect(missing.line("container-engine-dns") == "\u{203C} DNS server - Warning", "\(missing.text)")
        #expect(missing.text.contains("2 check(s) raised warnings. Re-run with --verbose for more details."), "\(missing.text)")

        try files.write(files.daemonJSON, #"{"dns": ["10.0.0.53"], "log-driver": "json-file", "log-opts": {"max-size": "10m"}}"#)
        let partial = await files.run(files.options { $0.dontRun = only })
        #expect(partial.code == 0, "\(partial.text)")
        #expect(partial.message("container-engine-logrotate").contains("lacks \"max-file\""), "\(partial.text)")
        #expect(partial.line("container-engine-dns") == "\u{221A} DNS server - OK", "\(partial.text)")
        let strict = await files.run(files.options { $0.dontRun = only; $0.warningsAsErrors = true })
        #expect(strict.code == 1, "\(strict.text)")
        #expect(strict.line("container-engine-logrotate") == "\u{00D7} production readiness: logs policy - Error", "\(strict.text)")
        #expect(strict.text.contains("1 check(s) raised errors."), "\(strict.text)")

        try files.write(files.daemonJSON, #"{"dns": ["10.0.0.53"], "log-opts": {"max-size": "10m", "max-file": "3"}}"#)
        let rotated = await files.run(files.options { $0.dontRun = only; $0.warningsAsErrors = true })
        #expect(rotated.code == 0, "\(rotated.text)")
        #expect(rotated.line("container-engine-logrotate") == "\u{221A} production readiness: logs policy - OK", "\(rotated.text)")

        try files.write(files.daemonJSON, #"{"log-driver": "journald"}"#)
        let journald = await files.run(files.options { $0.dontRun = only; $0.output = .json })
        #expect(journald.result("container-engine-logrotate") == "ok", "\(journald.text)")

        try files.write(files.daemonJSON, #"{"log-driver": "#)
        let broken = await files.run(files.options { $0.dontRun = only; $0.output = .json })
        #expect(broken.result("container-engine-logrotate") == "error", "\(broken.text)")
    }

    @Test("config-up-to-date: 00-super.toml older than the super-config is an error; no super-config: ignored")
    func configUpToDate() async throws {
        let files = try CheckFiles()
        defer { files.remove() }
        try files.writeMinimalEdgedConfig()
        let only = try await onlyRun(["config-up-to-date"], environment: files.environment)
        let none = await files.run(files.options { $0.dontRun = only; $0.output = .json })
        #expect(none.result("config-up-to-date") == "ignored", "\(none.text)")

        try files.writeAppliedConfig()
        let applied = await files.run(files.options { $0.dontRun = only })
        #expect(applied.code == 0 && applied.line("config-up-to-date")?.hasSuffix(" - OK") == true, "\(applied.text)")

        // The super-config edited after the last apply.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-120)], ofItemAtPath: "\(files.edgedConfigDirectory)/00-super.toml")
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: files.superConfig)
        let stale = await files.run(files.options { $0.dontRun = only })
        #expect(stale.code == 1, "\(stale.text)")
        #expect(stale.message("config-up-to-date").contains("Run 'sudo iotedge config apply'"), "\(stale.text)")
    }

    @Test("connect-management-uri: mismatched schemes are an error; nothing listening is an error naming edged")
    func managementURI() async throws {
        let files = try CheckFiles()
        defer { files.remove() }
        try files.writeMinimalEdgedConfig()
        let only = try await onlyRun(["aziot-edged-config-well-formed", "connect-management-uri"], environment: files.environment)
        let absent = await files.run(files.options { $0.dontRun = only })
        #expect(absent.code == 1, "\(absent.text)")
        #expect(absent.message("connect-management-uri").contains("is aziot-edged running") || absent.message("connect-management-uri").contains("aziot-edged is running"), "\(absent.text)")

        var text = try String(contentsOfFile: files.edgedConfig, encoding: .utf8)
        text = text.replacingOccurrences(of: "[listen]\nworkload_uri = \"unix://\(files.root)/workload.sock\"\nmanagement_uri = \"unix://\(files.root)/mgmt.sock\"", with: "[listen]\nworkload_uri = \"unix://\(files.root)/workload.sock\"\nmanagement_uri = \"http://127.0.0.1:1234\"")
        try files.write(files.edgedConfig, text)
        let mixed = await files.run(files.options { $0.dontRun = only })
        #expect(mixed.code == 1, "\(mixed.text)")
        #expect(mixed.message("connect-management-uri").contains("do not go together"), "\(mixed.text)")
    }

    @Test("container-engine-ipv6: an IPv6 edge network needs \"ipv6\": true in daemon.json")
    func ipv6() async throws {
        let files = try CheckFiles()
        defer { files.remove() }
        try files.writeMinimalEdgedConfig()
        // [moby_runtime] is the last table of the file.
        let config = try String(contentsOfFile: files.edgedConfig, encoding: .utf8)
        try files.write(files.edgedConfig, config + "\nnetwork = { name = \"azure-iot-edge\", ipv6 = true }\n")
        let only = try await onlyRun(["aziot-edged-config-well-formed", "container-engine-ipv6"], environment: files.environment)
        try files.write(files.daemonJSON, #"{"log-driver": "journald"}"#)
        let off = await files.run(files.options { $0.dontRun = only })
        #expect(off.code == 1, "\(off.text)")
        #expect(off.message("container-engine-ipv6").contains("\"ipv6\": true"), "\(off.text)")
        try files.write(files.daemonJSON, #"{"ipv6": true, "fixed-cidr-v6": "fd00::/80"}"#)
        let on = await files.run(files.options { $0.dontRun = only })
        #expect(on.code == 0 && on.line("container-engine-ipv6")?.hasSuffix(" - OK") == true, "\(on.text)")
    }

    @Test("aziotctl missing: an error that says how to fix it; the built-in checks still run")
    func aziotctlMissing() async throws {
        let files = try CheckFiles()
        defer { files.remove() }
        try files.writeMinimalEdgedConfig()
        var environment = files.environment
        environment["IOTEDGE_AZIOTCTL"] = "\(files.root)/no-aziotctl"
        let run = await files.run(files.options { $0.output = .json }, environment: environment)
        #expect(run.result(AziotctlChecks.runnerID) == "error", "\(run.text)")
        #expect(run.result("aziot-edged-config-well-formed") == "ok", "\(run.text)")
    }
}

@Suite("iotedge check-list (§6.7)")
struct CheckListTests {
    @Test("the table lists aziotctl's checks (suffixed sections) then the built-in ones")
    func table() async throws {
        let files = try CheckFiles()
        defer { files.remove() }
        let buffer = CheckOutputBuffer()
        let code = await IotedgeCheck.list(environment: files.environment, output: buffer.output)
        #expect(code == 0)
        let lines = buffer.text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("CATEGORY") == true && lines.first?.contains(" ID ") == true && lines.first?.hasSuffix("DESCRIPTION") == true, "\(buffer.text)")
        let keyd = try #require(lines.firstIndex { $0.hasPrefix("Configuration checks (aziot-identity-service) ") && $0.contains(" keyd-config-well-formed ") }, "\(buffer.text)")
        let edged = try #require(lines.firstIndex { $0.hasPrefix("Configuration checks ") && $0.contains(" aziot-edged-config-well-formed ") }, "\(buffer.text)")
        let upstream = try #require(lines.firstIndex { $0.hasPrefix("Connectivity checks ") && $0.contains(" container-connect-upstream-mqtt ") }, "\(buffer.text)")
        #expect(keyd < edged && edged < upstream)
        let hubAMQP = lines.contains { $0.contains(" host-connect-iothub-amqp ") && $0.hasPrefix("Connectivity checks (aziot-identity-service)") }
        #expect(hubAMQP, "\(buffer.text)")
        // Columns line up: every id starts where the header's ID does.
        let idColumn = try #require(lines.first?.range(of: "ID")).lowerBound.utf16Offset(in: lines[0])
        #expect(lines[edged].dropFirst(idColumn).hasPrefix("aziot-edged-config-well-formed "), "\(lines[edged])")
        for id in IotedgeCheck.builtInCheckIDs {
            let listed = lines.contains { $0.contains(" \(id) ") }
            #expect(listed, "\(id)")
        }

        var environment = files.environment
        environment["IOTEDGE_AZIOTCTL"] = "\(files.root)/no-aziotctl"
        let missing = CheckOutputBuffer()
        let missingCode = await IotedgeCheck.list(environment: environment, output: missing.output)
        #expect(missingCode == 1)
        #expect(missing.text.contains(" container-engine-uri "))
        #expect(missing.text.contains("aziotctl could not be run"))
    }
}

@Suite("iotedge check: pieces")
struct CheckUnitTests {
    @Test("aziotctl's JSON-stream check objects become outcomes (nested result, details, note)")
    func streamOutcome() throws {
        let warning = try #require(try JSONValue(parsing: #"{"kind":"check","id":"x","description":"d","result":{"result":"warning","details":["msg","cause"]},"additional_info":{"a":1}}"#).objectValue)
        let outcome = AziotctlChecks.outcome(warning)
        #expect(outcome.result == .warning(CheckMessage("msg", causes: ["cause"])))
        #expect(outcome.info["a"] == .int(1))
        let ignored = try #require(try JSONValue(parsing: #"{"kind":"check","id":"x","result":{"result":"ignored"},"additional_info":{"note":"why"}}"#).objectValue)
        #expect(AziotctlChecks.outcome(ignored).result == .ignored(note: "why"))
        let fatal = try #require(try JSONValue(parsing: #"{"kind":"check","id":"x","result":{"result":"fatal","details":["f"]}}"#).objectValue)
        #expect(AziotctlChecks.outcome(fatal).result == .fatal(CheckMessage("f")))
    }

    @Test("aziotctl arguments: json-stream, hub, proxy, dont-run joined, expected version; the NTP server is not passed")
    func aziotctlArguments() {
        var options = IotedgeCheckOptions()
        options.iothubHostname = "hub.example"
        options.proxyURI = "http://proxy:3128"
        options.dontRun = ["b a", "c"]
        options.expectedAziotVersion = "1.5.0"
        options.ntpServer = "ntp.example:123"
        #expect(AziotctlChecks.arguments(options) == [
            "check", "-o", "json-stream", "--iothub-hostname", "hub.example", "--proxy-uri", "http://proxy:3128", "--dont-run", "a b c",
            "--expected-aziot-version", "1.5.0",
        ])
    }

    @Test("the command line: §6.7's flags become the options; the unused ones are accepted")
    func commandLine() throws {
        let command = try IotedgeCheckCommand.parse([
            "--container-engine-config-file", "/etc/moby/daemon.json", "--diagnostics-image-name", "/azureiotedge-diagnostics:1.5.0",
            "--dont-run", "container-engine-dns", "container-engine-ipv6", "--expected-aziot-edged-version", "1.5.0",
            "--expected-aziot-version", "1.5.1", "--aziot-edged", "/opt/aziot-edged", "--iothub-hostname", "hub.example",
            "--proxy-uri", "http://proxy:3128", "--ntp-server", "ntp.example:123", "-o", "json", "--verbose", "--warnings-as-errors",
        ])
        let options = command.options
        #expect(options.containerEngineConfigFile == "/etc/moby/daemon.json")
        #expect(options.skippedIDs == ["container-engine-dns", "container-engine-ipv6"])
        #expect(options.expectedAziotEdgedVersion == "1.5.0" && options.expectedAziotVersion == "1.5.1")
        #expect(options.aziotEdged == "/opt/aziot-edged" && options.iothubHostname == "hub.example" && options.proxyURI == "http://proxy:3128")
        #expect(options.output == .json && options.verbose && options.warningsAsErrors)
        let defaults = try IotedgeCheckCommand.parse([]).options
        #expect(defaults.containerEngineConfigFile == "/etc/docker/daemon.json" && defaults.aziotEdged == "/usr/libexec/aziot/aziot-edged")
        #expect(defaults.output == .text && !defaults.verbose && !defaults.warningsAsErrors && defaults.dontRun.isEmpty)
        let invalid = Result { try IotedgeCheckCommand.parse(["-o", "yaml"]) }
        #expect((try? invalid.get()) == nil)
        #expect(IotedgeCheckCommand.configuration.commandName == "check")
        #expect(IotedgeCheckListCommand.configuration.commandName == "check-list")
    }

    @Test("upstream protocol decides which connectivity checks apply")
    func upstreamProtocol() {
        typealias Upstream = ConnectivityChecks.Upstream
        #expect(Upstream.allRequired(nil) == [.amqp, .https, .mqtt])
        #expect(Upstream.allRequired("Amqp") == [.amqp])
        #expect(Upstream.allRequired("AmqpWs") == [.https])
        #expect(Upstream.allRequired("MqttWs") == [.https])
        #expect(Upstream.allRequired("Mqtt") == [.mqtt])
    }

    @Test("host names: RFC 1035, IP literals; systemd Environment parsing; management URI schemes")
    func helpers() {
        #expect(HostName.isRFC1035("parent-1.example.com"))
        #expect(!HostName.isRFC1035("1parent"))
        #expect(!HostName.isRFC1035("parent_1"))
        #expect(!HostName.isRFC1035("parent-"))
        #expect(!HostName.isRFC1035(String(repeating: "a", count: 64)))
        #expect(HostName.isIPAddress("10.0.0.1") && HostName.isIPAddress("::1") && !HostName.isIPAddress("parent"))
        #expect(ContainerEngineChecks.httpsProxy(inSystemdEnvironment: "Environment=A=1 https_proxy=http://p:3128\n") == "http://p:3128")
        #expect(ContainerEngineChecks.httpsProxy(inSystemdEnvironment: "Environment=\n") == nil)
        #expect(ConfigurationChecks.scheme("unix:///var/run/iotedge/mgmt.sock") == "unix")
        #expect(ConfigurationChecks.scheme("fd://aziot-edged.mgmt.socket") == "fd")
    }
}
