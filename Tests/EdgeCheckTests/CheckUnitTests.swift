import ArgumentParser
import CheckReport
@testable import EdgeCheck
import EdgeTestSupport
import Foundation
import IoTHubProtocol
import MQTTTestSupport
import Testing

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

    @Test("commands over their time limit are killed and say so; output and status are kept")
    func commandRunner() async throws {
        let slow = try await CommandRunner.run("/bin/sleep", ["60"], timeout: .seconds(1))
        #expect(slow.timedOut)
        let quick = try await CommandRunner.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], timeout: .seconds(30))
        #expect(!quick.timedOut && quick.status == 3 && quick.stdout == "out\n" && quick.stderr == "err\n")
        var lines: [String] = []
        var end: CommandResult?
        for await event in CommandRunner.stream("/bin/sh", ["-c", "printf 'a\\nb\\nlast'"], timeout: .seconds(30)) {
            switch event {
            case .line(let line): lines.append(line)
            case .finished(let result): end = result
            case .failed(let error): Issue.record("\(error)")
            }
        }
        #expect(lines == ["a", "b", "last"])
        #expect(end?.status == 0)
        var launchError: CommandRunner.LaunchError?
        do {
            _ = try await CommandRunner.run("/nonexistent/tool", [])
        } catch {
            launchError = error
        }
        #expect(launchError?.description.contains("/nonexistent/tool") == true)
        #expect(CommandRunner.find("sh", environment: ["PATH": "/nonexistent:/bin"]) == "/bin/sh")
        #expect(CommandRunner.find("no-such-tool-here", environment: ["PATH": "/bin"]) == nil)
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
