import CheckReport
import DockerClient
@testable import EdgeCheck
import EdgeTestSupport
import Foundation
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// How `iotedge check` folds in `aziotctl check -o json-stream`, with a stand-in aziotctl (a shell script printing a
/// fixed stream and recording its arguments), and the probe from the default bridge network.
@Suite("iotedge check: aziotctl's stream, parent host name, default bridge probe (§6.7)")
struct FoldingTests {
    private static let section = CheckFiles.sectionLine
    private static let okCheck = CheckFiles.okCheckLine

    @Test("sections suffixed, results with details and additional_info kept, hub and parent names taken; arguments passed on")
    func folding() async throws {
        let files = try CheckFiles()
        defer { files.remove() }
        try files.writeMinimalEdgedConfig()
        let environment = try files.fakeAziotctl([
            Self.section, Self.okCheck,
            #"{"kind":"check","id":"hostname","description":"identityd config toml file specifies a valid hostname","result":{"result":"warning","details":["the hostname is odd","low-level cause"]},"additional_info":{"x":1}}"#,
            #"{"kind":"additional_info","now":"x","iothub_hostname":"hub.example","local_gateway_hostname":"10.1.2.3"}"#,
        ])
        let only = ["connect-management-uri", "container-engine-dns", "container-engine-logrotate", "check-agent-image"]
        let json = await files.run(files.options { $0.output = .json; $0.dontRun = only + ["host-local-time"]; $0.expectedAziotVersion = "1.5.1" }, environment: environment)
        let document = try #require(json.json, "\(json.text)")
        #expect(json.result("keyd-config-well-formed") == "ok")
        let hostname = document["checks"]?["hostname"]
        #expect(hostname?["result"]?["result"]?.stringValue == "warning")
        #expect(hostname?["result"]?["details"] == JSONValue.array(["the hostname is odd", "low-level cause"]))
        #expect(hostname?["additional_info"]?["x"] == .int(1))
        #expect(document["additional_info"]?["iothub_hostname"]?.stringValue == "hub.example")
        #expect(document["additional_info"]?["local_gateway_hostname"]?.stringValue == "10.1.2.3")
        // The parent host name from aziotctl drives the nested checks: an IP address is fine.
        #expect(json.result("parent_hostname") == "ok", "\(json.text)")
        #expect(json.result("container-resolve-parent-hostname") == "ok", "\(json.text)")
        let arguments = try String(contentsOfFile: "\(files.root)/aziotctl-arguments", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(arguments == [
            "check", "-o", "json-stream", "--dont-run", (only + ["host-local-time"]).sorted().joined(separator: " "), "--expected-aziot-version", "1.5.1",
        ])

        let text = await files.run(files.options { $0.verbose = true; $0.dontRun = only + ["host-local-time"] }, environment: environment)
        #expect(text.text.hasPrefix("Configuration checks (aziot-identity-service)\n---------------------------------------------\n\u{221A} keyd configuration is well-formed - OK\n"), "\(text.text)")
        #expect(text.text.contains("\u{203C} identityd config toml file specifies a valid hostname - Warning\n    the hostname is odd\n        caused by: low-level cause\n"), "\(text.text)")
    }

    @Test("a fatal aziotctl check stops iotedge's own checks: all skipped, exit 1")
    func fatalStops() async throws {
        let files = try CheckFiles()
        defer { files.remove() }
        try files.writeMinimalEdgedConfig()
        let environment = try files.fakeAziotctl([
            Self.section,
            #"{"kind":"check","id":"keyd-config-well-formed","description":"keyd configuration is well-formed","result":{"result":"fatal","details":["cannot read"]},"additional_info":{}}"#,
            #"{"kind":"additional_info","now":"x"}"#,
        ])
        let json = await files.run(files.options { $0.output = .json }, environment: environment)
        #expect(json.code == 1)
        #expect(json.result("keyd-config-well-formed") == "fatal")
        for id in IotedgeCheck.builtInCheckIDs {
            #expect(json.result(id) == "skipped", "\(id): \(json.text)")
        }
        let text = await files.run(files.options(), environment: environment)
        #expect(text.text.contains("\u{00D7} keyd configuration is well-formed - Error\n    cannot read\n"), "\(text.text)")
        #expect(text.text.contains("\(IotedgeCheck.builtInCheckIDs.count) check(s) were skipped due to errors from other checks."), "\(text.text)")
    }

    @Test("parent_hostname: a name that is not RFC 1035 warns, one longer than 64 characters is an error")
    func parentHostname() async throws {
        let files = try CheckFiles()
        defer { files.remove() }
        try files.writeMinimalEdgedConfig()
        for (parent, expected) in [("parent_gateway", "warning"), (String(repeating: "p", count: 40) + "." + String(repeating: "q", count: 30), "error"), ("parent.example", "ok")] {
            let environment = try files.fakeAziotctl([Self.section, Self.okCheck, #"{"kind":"additional_info","local_gateway_hostname":"\#(parent)"}"#])
            let json = await files.run(files.options { $0.output = .json }, environment: environment)
            #expect(json.result("parent_hostname") == expected, "\(parent): \(json.text)")
        }
    }

    @Test("default bridge network: the probe runs in a running bridge container's namespace and explains a failure")
    func defaultBridgeProbe() async throws {
        let files = try CheckFiles()
        defer { files.remove() }
        try files.writeMinimalEdgedConfig()
        let docker = try await DockerTestEngine.client()
        let name = "edge-check-bridge-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await docker.createContainer(name: name, body: [
            "Image": .string(EdgeTestDevice.image), "Cmd": ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"],
            "HostConfig": ["NetworkMode": "bridge"],
        ])
        do {
            try await docker.startContainer(name)
            let closed = try await freePort()
            var environment = files.environment
            environment["AZIOTCTL_IOTHUB_HTTPS_PORT"] = String(closed)
            let only = try await onlyRun(["aziot-edged-config-well-formed", "container-engine-uri", "container-default-connect-upstream-https"], environment: environment)
            let run = await files.run(files.options { $0.dontRun = only; $0.iothubHostname = "localhost" }, environment: environment)
            #expect(run.code == 1, "\(run.text)")
            #expect(run.line("container-default-connect-upstream-https")?.hasSuffix(" - Error") == true, "\(run.text)")
            #expect(run.message("container-default-connect-upstream-https").contains("on the bridge network"), "\(run.text)")
            #expect(run.message("container-default-connect-upstream-https").contains("could not connect to localhost:\(closed)"), "\(run.text)")
        } catch {
            try? await docker.removeContainer(name, force: true)
            throw error
        }
        try? await docker.removeContainer(name, force: true)
    }
}
