import AziotClients
import CheckReport
import DockerClient
@testable import EdgeCheck
import EdgeTestSupport
import HubEmulatorTestSupport
import Foundation
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// `iotedge check` against a whole device: the IoT Hub emulator, aziotd keyd/certd/identityd, the real aziot-edged and
/// its edgeAgent container on the Docker engine, and the built `aziotctl`.
@Suite("iotedge check on a running device (§6.7)", .serialized)
struct DeviceCheckTests {
    @Test("healthy device: config checks OK, agent storage warning, agent image not pulled, TLS probe from the agent's netns; JSON shape; exit codes; --dont-run; version check")
    func healthyDevice() async throws {
        let device = try await EdgeTestDevice.start()
        do {
            try await checks(device)
        } catch {
            await device.shutdown()
            throw error
        }
        await device.shutdown()
    }

    private func checks(_ device: EdgeTestDevice) async throws {
        let files = try CheckFiles(root: device.root)
        try device.writeEdgedConfig()
        // The agent talks to the hub over AMQP over WebSockets: only the HTTPS connectivity checks apply.
        try files.writeAppliedConfig(generated: "[agent.env]\nUpstreamProtocol = \"AmqpWs\"\n")
        try files.write(files.daemonJSON, #"{"dns": ["1.1.1.1"], "log-driver": "json-file", "log-opts": {"max-size": "10m", "max-file": "3"}}"#)
        try await device.startEdged()
        _ = try await device.waitForAgentRunning()

        var environment = files.environment
        environment["SSL_CERT_FILE"] = device.emulator.caPath
        environment["AZIOTCTL_IOTHUB_HTTPS_PORT"] = String(device.emulator.httpsPort)

        // Text output.
        let text = await files.run(files.options(), environment: environment)
        if ProcessInfo.processInfo.environment["EDGE_CHECK_PRINT"] != nil { print(text.text) }
        let log = "\(text.text)\nedged: \(device.edgedLog.suffix(2000))"
        #expect(text.text.contains("Configuration checks (aziot-identity-service)\n---------------------------------------------\n"), "\(log)")
        #expect(text.text.contains("\u{221A} keyd configuration is well-formed - OK"), "\(log)")
        #expect(text.text.contains("\nConfiguration checks\n--------------------\n"), "\(log)")
        for id in [
            "aziot-edged-config-well-formed", "config-up-to-date", "container-engine-uri", "connect-management-uri", "container-local-time",
            "container-engine-dns", "container-engine-ipv6", "container-engine-logrotate", "check-agent-image",
        ] {
            #expect(text.line(id)?.hasPrefix("\u{221A} ") == true && text.line(id)?.hasSuffix(" - OK") == true, "\(id): \(log)")
        }
        #expect(text.message("check-agent-image").contains("\(EdgeTestDevice.image) is present locally; it was not pulled."), "\(log)")
        #expect(text.message("connect-management-uri").contains("GET /modules on \(device.managementSocket) answered"), "\(log)")
        // The agent's StorageFolder (/tmp) is not a host mount: a warning that says how to fix it.
        #expect(text.line("edge-agent-storage-mounted-from-host")?.hasPrefix("\u{203C} ") == true, "\(log)")
        #expect(text.message("edge-agent-storage-mounted-from-host").contains("/tmp/edgeAgent"), "\(log)")
        // No edgeHub container on this device: nothing to check (unless something else on this engine made one).
        if (try? await device.docker.inspectContainer("edgeHub")) == nil {
            #expect(text.message("edge-hub-storage-mounted-from-host").contains("no edgeHub container"), "\(log)")
        }
        // The TLS handshake with the emulator from the agent container's network namespace.
        #expect(text.line("container-connect-upstream-https") == "\u{221A} container on the IoT Edge module network can connect to upstream HTTPS / WebSockets port - OK", "\(log)")
        #expect(text.message("container-connect-upstream-mqtt").contains("Not required in this configuration"), "\(log)")
        #expect(text.text.contains("check(s) raised warnings. Re-run with --verbose for more details."), "\(log)")

        // JSON output: the nested result shape, the check's facts and the top-level additional_info.
        let jsonRun = await files.run(files.options { $0.output = .json }, environment: environment)
        let document = try #require(jsonRun.json, "\(jsonRun.text)")
        #expect(jsonRun.result("container-engine-uri") == "ok")
        #expect(jsonRun.result("keyd-config-well-formed") == "ok")
        #expect(jsonRun.result("host-local-time") == "ignored")
        #expect(jsonRun.result("edge-agent-storage-mounted-from-host") == "warning")
        let storage = document["checks"]?["edge-agent-storage-mounted-from-host"]
        #expect(storage?["result"]?["details"]?.arrayValue?.first?.stringValue?.contains("/tmp/edgeAgent") == true)
        #expect(storage?["additional_info"]?["storage_directory"]?.stringValue == "/tmp/edgeAgent")
        #expect(document["checks"]?["check-agent-image"]?["additional_info"]?["action"]?.stringValue == "present locally; not pulled")
        #expect(document["checks"]?["container-connect-upstream-https"]?["additional_info"]?["container"]?.stringValue == device.agentName)
        let info = try #require(document["additional_info"])
        let engine = try await device.docker.version()
        #expect(info["docker_version"]?.stringValue == engine.version)
        let edgedVersion = try await ChildProcess.run(EdgeTestDevice.executable("aziot-edged"), ["--version"])
        let version = String(edgedVersion.stdout.split(separator: " ")[1]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(info["aziot_edged_version"]?.stringValue == version)
        #expect(info["os"]?["arch"]?.stringValue?.isEmpty == false)
        #expect(info["system_info"]?["total_ram"] != nil)
        #expect(info["now"]?.stringValue?.isEmpty == false)
        #expect(info["iothub_hostname"]?.stringValue == "localhost")

        // Exit codes: only warnings → 0, unless warnings count as errors.
        let only = try await onlyRun(["aziot-edged-config-well-formed", "container-engine-uri", "edge-agent-storage-mounted-from-host"], environment: environment)
        let warningOnly = await files.run(files.options { $0.dontRun = only }, environment: environment)
        #expect(warningOnly.code == 0, "\(warningOnly.text)")
        #expect(warningOnly.line("edge-agent-storage-mounted-from-host")?.hasSuffix(" - Warning") == true, "\(warningOnly.text)")
        let strict = await files.run(files.options { $0.dontRun = only; $0.warningsAsErrors = true }, environment: environment)
        #expect(strict.code == 1, "\(strict.text)")
        #expect(strict.line("edge-agent-storage-mounted-from-host")?.hasSuffix(" - Error") == true, "\(strict.text)")

        // --dont-run: not run, reported as ignored.
        let dontRun = await files.run(files.options { $0.dontRun = ["host-local-time container-engine-dns", "container-engine-logrotate"]; $0.output = .json }, environment: environment)
        #expect(dontRun.result("container-engine-dns") == "ignored")
        #expect(dontRun.result("container-engine-logrotate") == "ignored")
        #expect(dontRun.result("container-engine-uri") == "ok")

        // The daemon's version against --expected-aziot-edged-version.
        let versionIDs = try await onlyRun(["aziot-edge-version"], environment: environment)
        let matching = await files.run(files.options { $0.dontRun = versionIDs; $0.expectedAziotEdgedVersion = version }, environment: environment)
        #expect(matching.code == 0 && matching.line("aziot-edge-version")?.hasSuffix(" - OK") == true, "\(matching.text)")
        let mismatch = await files.run(files.options { $0.dontRun = versionIDs; $0.expectedAziotEdgedVersion = "0.0.1-expected" }, environment: environment)
        #expect(mismatch.code == 1, "\(mismatch.text)")
        #expect(mismatch.line("aziot-edge-version") == "\u{00D7} aziot-edge package is up-to-date - Error", "\(mismatch.text)")
        #expect(mismatch.message("aziot-edge-version").contains("has version \(version) but version 0.0.1-expected was expected"), "\(mismatch.text)")

        // A closed port: the probe from the agent's namespace fails, and says how to fix it.
        let closed = try await freePort()
        var closedEnvironment = environment
        closedEnvironment["AZIOTCTL_IOTHUB_HTTPS_PORT"] = String(closed)
        let probeIDs = try await onlyRun(["aziot-edged-config-well-formed", "container-engine-uri", "container-connect-upstream-https"], environment: environment)
        // (aziotctl's checks are not run, so the hub's name comes from the option.)
        let refused = await files.run(files.options { $0.dontRun = probeIDs; $0.iothubHostname = "localhost" }, environment: closedEnvironment)
        #expect(refused.code == 1, "\(refused.text)")
        #expect(refused.line("container-connect-upstream-https")?.hasSuffix(" - Error") == true, "\(refused.text)")
        #expect(refused.message("container-connect-upstream-https").contains("could not connect to localhost:\(closed)"), "\(refused.text)")
        #expect(refused.message("container-connect-upstream-https").contains("firewall"), "\(refused.text)")

        // Through an HTTP proxy with Basic credentials: the handshake is made over CONNECT localhost:<hub port>.
        let proxy = try await ConnectProxy.start(directory: device.root)
        let proxied = await files.run(
            files.options { $0.dontRun = probeIDs; $0.iothubHostname = "localhost"; $0.proxyURI = "http://checker:s%40cret@127.0.0.1:\(proxy.port)" },
            environment: environment)
        let proxyLog = proxy.log
        await proxy.stop()
        #expect(proxied.code == 0 && proxied.line("container-connect-upstream-https")?.hasSuffix(" - OK") == true, "\(proxied.text)")
        #expect(proxyLog.contains("CONNECT localhost:\(device.emulator.httpsPort) HTTP/1."), "\(proxyLog)")
        #expect(proxyLog.contains("Proxy-Authorization: Basic \(Data("checker:s@cret".utf8).base64EncodedString())"), "\(proxyLog)")
        #expect(proxied.json == nil)
        let proxiedJSON = await files.run(
            files.options { $0.dontRun = probeIDs; $0.iothubHostname = "localhost"; $0.proxyURI = "http://127.0.0.1:1"; $0.output = .json },
            environment: environment)
        #expect(proxiedJSON.json?["checks"]?["container-connect-upstream-https"]?["additional_info"]?["proxy"]?.stringValue == "http://127.0.0.1:1")
        #expect(proxiedJSON.result("container-connect-upstream-https") == "error", "\(proxiedJSON.text)")

        // Nested (aziotctl reports a parent, here the emulator as "localhost"): the parent's certificate is verified with
        // the device's trust bundle from certd, as edged's trust_bundle_cert names it.
        let nestedDirectory = "\(device.root)/etc/edged/nested.d"
        try FileManager.default.createDirectory(atPath: nestedDirectory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(files.edgedConfigDirectory)/00-super.toml", toPath: "\(nestedDirectory)/00-super.toml")
        try files.write("\(nestedDirectory)/10-trust.toml", "trust_bundle_cert = \"check-trust-bundle\"\n")
        _ = try await CertClient(socketPath: device.socket("certd")).importCertificate(
            id: "check-trust-bundle", pem: try String(contentsOfFile: device.emulator.caPath, encoding: .utf8))
        var nestedEnvironment = try files.fakeAziotctl([
            CheckFiles.sectionLine, CheckFiles.okCheckLine, #"{"kind":"additional_info","local_gateway_hostname":"localhost"}"#,
        ])
        nestedEnvironment["AZIOT_EDGED_CONFIG_DIR"] = nestedDirectory
        nestedEnvironment["AZIOTCTL_IOTHUB_HTTPS_PORT"] = String(device.emulator.httpsPort)
        nestedEnvironment["SSL_CERT_FILE"] = nil
        let nestedIDs = IotedgeCheck.builtInCheckIDs.filter {
            !["aziot-edged-config-well-formed", "container-engine-uri", "container-connect-upstream-https"].contains($0)
        }
        let nested = await files.run(files.options { $0.dontRun = nestedIDs; $0.output = .json }, environment: nestedEnvironment)
        #expect(nested.result("container-connect-upstream-https") == "ok", "\(nested.text)")
        #expect(nested.json?["checks"]?["container-connect-upstream-https"]?["additional_info"]?["trust_bundle"]?.stringValue == "check-trust-bundle")
        // Without a trust bundle the system's CAs do not know the emulator's: the failure says so.
        nestedEnvironment["AZIOT_EDGED_CONFIG_DIR"] = files.edgedConfigDirectory
        let untrusted = await files.run(files.options { $0.dontRun = nestedIDs; $0.output = .json }, environment: nestedEnvironment)
        #expect(untrusted.result("container-connect-upstream-https") == "error", "\(untrusted.text)")
        let untrustedDetails = untrusted.json?["checks"]?["container-connect-upstream-https"]?["result"]?["details"]?.arrayValue?.first?.stringValue ?? ""
        #expect(untrustedDetails.contains("certificate could not be verified"), "\(untrusted.text)")
    }
}
