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
