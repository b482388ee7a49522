import DockerClient
import EdgeDaemon
import EdgeTestSupport
import Foundation
import IoTHubProtocol
import MQTTTestSupport
import NIOCore
import Testing

/// A whole device (emulator, aziotd, the aziot-edged binary, Docker) to run the built `iotedge` against.
func withEdgeDevice(_ body: (EdgeTestDevice) async throws -> Void) async throws {
    let device = try await EdgeTestDevice.start()
    do {
        try device.writeEdgedConfig()
        try await device.startEdged()
        _ = try await device.waitForAgentRunning()
        try await body(device)
    } catch {
        await device.shutdown()
        throw error
    }
    await device.shutdown()
}

@Suite("The iotedge executable against a real aziot-edged, aziotd, the emulator and Docker")
struct IotedgeDeviceTests {
    static let v = "api-version=2020-07-07"
    static let longLine = String(repeating: "x", count: 20_000)
    /// A module that prints known lines on stdout and stderr, one over Docker's 16 kB line limit, then waits. The
    /// stderr line comes a second before the rest: Docker copies the two streams separately, so close lines may be
    /// logged in either order.
    static let printerOutput = #"echo err-line >&2; sleep 1; echo line-1; echo line-2; yes x | head -n 20000 | tr -d '\n'; echo; echo line-last"#

    static func create(_ device: EdgeTestDevice, _ name: String, output: String) async throws {
        let created = try await device.asAgent("POST", "/modules?\(v)", json: EdgeTestDevice.moduleSpec(name, output: output))
        guard created.status == 201 else { throw TestFailure("create \(name): \(created.status) \(created.body)") }
        let started = try await device.asHost("POST", "/modules/\(name)/start?\(v)")
        guard started.status == 204 else { throw TestFailure("start \(name): \(started.status) \(started.body)") }
    }

    /// `list`'s rows after the header, as cell arrays (cells are separated by two or more spaces).
    static func rows(_ text: String) -> [[String]] {
        text.split(separator: "\n").dropFirst().map { line in
            line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    @Test("list (sorted, aligned, Up/Stopped/Failed (n)), logs (tail, since, until, stderr, a 20 kB line), restart, unknown modules")
    func modules() async throws {
        try await withEdgeDevice { device in
            let host = "unix://\(device.managementSocket)"
            let printer = device.moduleName("printer")
            let failer = device.moduleName("failer")
            try await Self.create(device, printer, output: Self.printerOutput)
            try await Self.create(device, failer, output: "echo giving up; exit 3")
            let settled = await eventually(timeout: .seconds(30)) {
                let modules = (try? await device.client.modules()) ?? []
                let failed = modules.first { $0.name == failer }?.status == .failed
                let printed = (try? await device.client.logs(printer).contains { String(buffer: $0.payload).contains("line-last") }) == true
                return failed && printed
            }
            #expect(settled, "the failing module did not fail or the printer did not print")

            // list: header, sorted rows, status and description, the image; columns aligned.
            let list = try await Iotedge.run(["-H", host, "list"])
            #expect(list.status == 0, "\(list.stderr)")
            let lines = list.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["NAME", "STATUS", "DESCRIPTION", "Config"], "\(list.stdout)")
            let rows = Self.rows(list.stdout)
            #expect(rows.map { $0.first ?? "" } == [device.agentName, failer, printer], "\(list.stdout)")
            let byName = Dictionary(rows.map { ($0[0], $0) }) { a, _ in a }
            #expect(byName[printer]?.dropFirst().first == "running")
            #expect(byName[printer]?.dropFirst(2).first?.hasPrefix("Up ") == true, "\(list.stdout)")
            #expect(byName[printer]?.last == EdgeTestDevice.image)
            #expect(byName[failer]?.dropFirst().first == "failed")
            #expect(byName[failer]?.dropFirst(2).first?.hasPrefix("Failed (3) ") == true, "\(list.stdout)")
            let longestName = max(device.agentName.count, failer.count, printer.count)
            for line in lines {
                #expect(line.count > longestName + 2 && line.prefix(longestName + 2).hasSuffix("  "), "name column: \(line)")
                #expect(line.dropFirst(longestName + 2).first != " ", "STATUS starts right after the name column: \(line)")
            }

            // Stopped, then running again.
            try await device.client.stopModule(printer)
            let stopped = Self.rows(try await Iotedge.run(["-H", host, "list"]).stdout).first { $0.first == printer }
            #expect(stopped?.dropFirst().first == "stopped" && stopped?.dropFirst(2).first?.hasPrefix("Stopped ") == true, "\(String(describing: stopped))")
            try await device.client.startModule(printer)
            let running = Self.rows(try await Iotedge.run(["-H", host, "list"]).stdout).first { $0.first == printer }
            #expect(running?.dropFirst().first == "running" && running?.dropFirst(2).first?.hasPrefix("Up ") == true, "\(String(describing: running))")
            _ = await eventually(timeout: .seconds(20)) {
                (try? await device.client.logs(printer, tail: "all").filter { String(buffer: $0.payload).contains("line-last") }.count) == 2
            }

            // logs: everything (stdout and stderr), the long line whole.
            let all = try await Iotedge.run(["-H", host, "logs", printer])
            #expect(all.status == 0, "\(all.stderr)")
            let allLines = all.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(allLines.filter { $0 == "line-1" }.count == 2, "two runs: \(all.stdout.prefix(300))")
            #expect(allLines.contains("err-line"))
            #expect(allLines.filter { $0 == Self.longLine }.count == 2, "the 20 kB line comes whole")
            #expect(allLines.last == "" && allLines.dropLast().last == "line-last")
            #expect(!all.stdout.contains("\u{1}\u{0}\u{0}\u{0}") && !all.stdout.contains("\u{2}\u{0}\u{0}\u{0}"), "no frame headers")

            let tail = try await Iotedge.run(["-H", host, "logs", printer, "--tail", "1"])
            #expect(tail.status == 0 && tail.stdout == "line-last\n", "\(tail)")
            let future = String(Int(Date().timeIntervalSince1970) + 3_600)
            let fromFuture = try await Iotedge.run(["-H", host, "logs", printer, "--since", future])
            #expect(fromFuture.status == 0 && fromFuture.stdout.isEmpty, "\(fromFuture)")
            let untilLongAgo = try await Iotedge.run(["-H", host, "logs", printer, "--since", "1000", "--until", "1970-01-02T00:00:00Z"])
            #expect(untilLongAgo.status == 0 && untilLongAgo.stdout.isEmpty, "\(untilLongAgo)")
            let recent = try await Iotedge.run(["-H", host, "logs", printer, "--since", "10m", "--until", RFC3339.format(Date().addingTimeInterval(3_600))])
            #expect(recent.status == 0 && recent.stdout == all.stdout, "\(recent.stdout.prefix(300))")

            // restart: stop then start; a new start time.
            let before = try await device.client.module(printer).startTime
            try await Task.sleep(for: .seconds(1))
            let restart = try await Iotedge.run(["-H", host, "restart", printer])
            #expect(restart.status == 0 && restart.stdout == "Restarted \(printer)\n", "\(restart)")
            let after = try await device.client.module(printer)
            #expect(after.status == .running && after.startTime != before, "\(String(describing: before)) → \(String(describing: after.startTime))")

            // Unknown modules: edged's message in the chain, exit 1.
            let missing = "no-such-\(printer)"
            let logs = try await Iotedge.run(["-H", host, "logs", missing])
            #expect(logs.status == 1)
            #expect(logs.stderr.hasPrefix("Could not get the logs of \(missing)\n\tcaused by: "), "\(logs.stderr)")
            #expect(logs.stderr.contains("No such container") && logs.stderr.contains("aziot-edged answered 404"), "\(logs.stderr)")
            #expect(logs.stderr.hasSuffix("\n\tcaused by: is the module name right? `iotedge list` shows the modules\n"), "\(logs.stderr)")
            let restartMissing = try await Iotedge.run(["-H", host, "restart", missing])
            #expect(restartMissing.status == 1)
            #expect(restartMissing.stderr.contains("warn: \(missing) was not stopped gracefully"), "\(restartMissing.stderr)")
            #expect(restartMissing.stderr.contains("Could not restart \(missing)\n\tcaused by: ") && restartMissing.stderr.contains("No such container"))
            #expect(restartMissing.stdout.isEmpty)
        }
    }

    @Test("logs -f prints lines while the module writes them, from --tail on, and ends with exit 0 when the module stops")
    func follow() async throws {
        try await withEdgeDevice { device in
            let name = device.moduleName("ticker")
            try await Self.create(device, name, output: #"i=0; while [ $i -lt 600 ]; do i=$((i+1)); echo tick-$i; sleep 1; done"#)
            let started = await eventually(timeout: .seconds(30)) {
                (try? await device.client.logs(name).contains { String(buffer: $0.payload).contains("tick-3") }) == true
            }
            #expect(started)
            guard FileManager.default.isExecutableFile(atPath: Iotedge.path) else { throw TestFailure("iotedge is not built") }
            let child = try ChildProcess(Iotedge.path, ["-H", "unix://\(device.managementSocket)", "logs", "-f", "--tail", "1", name])
            defer { child.terminate() }
            // Lines written after the command started arrive while it runs: two more ticks than the first one seen.
            var first: Int?
            let live = await eventually(timeout: .seconds(30)) {
                let ticks = child.stdout.split(separator: "\n").compactMap { Int($0.dropFirst("tick-".count)) }
                if first == nil { first = ticks.first }
                guard let first, let last = ticks.last else { return false }
                return last >= first + 2
            }
            #expect(live, "\(child.stdout) \(child.stderr)")
            let lines = child.stdout.split(separator: "\n")
            #expect(lines.allSatisfy { $0.hasPrefix("tick-") }, "no frame headers, one tick per line: \(child.stdout)")
            #expect(child.isRunning, "-f keeps following while the module runs")

            #expect(try await device.asHost("POST", "/modules/\(name)/stop?\(Self.v)").status == 204)
            let status = try await child.waitForExit(timeout: .seconds(60))
            #expect(status == 0, "\(child.stderr)")
        }
    }

    @Test("support-bundle -o FILE: check.json, logs, inspect, network, systeminfo and the configuration without any secret")
    func supportBundle() async throws {
        try await withEdgeDevice { device in
            let host = "unix://\(device.managementSocket)"
            let printer = device.moduleName("bundled")
            try await Self.create(device, printer, output: "echo bundle-out; echo bundle-err >&2")
            _ = await eventually(timeout: .seconds(30)) {
                (try? await device.client.logs(printer).contains { String(buffer: $0.payload).contains("bundle-err") }) == true
            }

            let scratch = try ScratchDirectory("iotedge-bundle")
            defer { scratch.remove() }
            let secrets = (1...7).map { "S3cret\($0)-\(UUID().uuidString.prefix(8))" }
            let superConfig = try scratch.write("config.toml", """
                hostname = "edge-test-host"

                [provisioning]
                source = "manual"
                connection_string = "HostName=localhost;DeviceId=\(device.deviceId);SharedAccessKey=\(secrets[0])"

                [provisioning.authentication]
                method = "sas"
                device_id_pk = { value = "\(secrets[1])" }

                [agent.config.auth]
                serveraddress = "registry.example"
                username = "bundle-user"
                password = "\(secrets[2])"
                """)
            _ = try scratch.write("keyd.d/50-pkcs11.toml", """
                [aziot_keys]
                pkcs11_lib_path = "/usr/lib/libpkcs11.so"
                pkcs11_base_slot = "pkcs11:token=edge?pin-value=\(secrets[3])"
                """)
            _ = try scratch.write("identityd.d/60-extra.toml", """
                [[local_client]]
                name = "bundle"
                sas_token = "SharedAccessSignature sr=localhost&sig=\(secrets[4])"
                symmetric_key = "\(secrets[5])"
                """)
            // toml++ aborts on this one: the bundle loses that file only.
            _ = try scratch.write("identityd.d/70-broken.toml", "password = \"\(secrets[6])\"\n[[[\n")
            let root = device.root
            let environment = [
                "IOTEDGE_SUPERCONFIG": superConfig,
                "AZIOT_KEYD_CONFIG": "\(root)/etc/keyd/config.toml", "AZIOT_KEYD_CONFIG_DIR": "\(scratch.path)/keyd.d",
                "AZIOT_CERTD_CONFIG": "\(root)/etc/certd/config.toml", "AZIOT_CERTD_CONFIG_DIR": "\(root)/etc/certd/config.d",
                "AZIOT_IDENTITYD_CONFIG": "\(root)/etc/identityd/config.toml", "AZIOT_IDENTITYD_CONFIG_DIR": "\(scratch.path)/identityd.d",
                "AZIOT_TPMD_CONFIG": "\(scratch.path)/absent/config.toml", "AZIOT_TPMD_CONFIG_DIR": "\(scratch.path)/absent/config.d",
                "AZIOT_EDGED_CONFIG": "\(root)/etc/edged/config.toml", "AZIOT_EDGED_CONFIG_DIR": "\(root)/etc/edged/config.d",
            ]
            let zipPath = "\(scratch.path)/bundle.zip"
            let result = try await Iotedge.run(["-H", host, "support-bundle", "-o", zipPath, "--since", "1 hour"], environment: environment, timeout: .seconds(300))
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.hasSuffix("Created support bundle at \(zipPath)\n"), "\(result.stdout)")

            // The zip's raw bytes (entries are stored) and its decoded entries hold no secret.
            let raw = try #require(FileManager.default.contents(atPath: zipPath))
            for secret in secrets {
                #expect(raw.range(of: Data(secret.utf8)) == nil, "\(secret) is in the zip")
            }
            let listing = try await ChildProcess.run("python3", [
                "-c", "import json,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps({n: z.read(n).decode('utf-8','replace') for n in z.namelist()}))", zipPath,
            ])
            #expect(listing.status == 0, "\(listing.stderr)")
            let entries = try JSONValue(parsing: listing.stdout).objectValue ?? [:]
            var files: [String: String] = [:]
            for (name, value) in entries { files[name] = value.stringValue ?? "" }
            for (name, text) in files {
                for secret in secrets { #expect(!text.contains(secret), "\(secret) in \(name)") }
            }

            let check = try JSONValue(parsing: try #require(files["check.json"]))
            #expect(check.objectValue != nil, "check.json is a JSON object: \(files["check.json"] ?? "")")
            for module in [device.agentName, printer] {
                #expect(files["inspect/\(module).json"].flatMap { try? JSONValue(parsing: $0) }?["Name"]?.stringValue == "/\(module)")
                #expect(files["logs/\(module)_log.txt"] != nil, "\(files.keys.sorted())")
            }
            let printerLog = files["logs/\(printer)_log.txt"] ?? ""
            #expect(printerLog.contains("bundle-out\n") && printerLog.contains("bundle-err\n"), "\(printerLog)")
            #expect(files["network/host.json"].flatMap { try? JSONValue(parsing: $0) }?["Name"] == "host", "\(files.keys.sorted())")
            #expect(files["systeminfo.json"].flatMap { try? JSONValue(parsing: $0) }?["osType"] == "Linux")

            if ["/usr/bin/journalctl", "/bin/journalctl"].contains(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
                for unit in ["aziot-keyd", "aziot-certd", "aziot-identityd", "aziot-edged", "docker"] {
                    #expect(files["logs/\(unit).txt"] != nil || files["logs/\(unit)_err.txt"] != nil, "journal of \(unit): \(files.keys.sorted())")
                }
            }

            let bundledSuper = try #require(files["config/aziot/config.toml"])
            #expect(bundledSuper.contains("SharedAccessKey=<redacted>") && bundledSuper.contains("username = \"bundle-user\""), "\(bundledSuper)")
            #expect(bundledSuper.contains("password = \"<redacted>\""))
            #expect(files["config/aziot/keyd/config.toml"]?.contains("homedir_path") == true)
            #expect(files["config/aziot/keyd/config.d/50-pkcs11.toml"]?.contains("pin-value=<redacted>") == true)
            #expect(files["config/aziot/identityd/config.d/60-extra.toml"]?.contains("name = \"bundle\"") == true)
            #expect(files["config/aziot/edged/config.toml"]?.contains(device.agentName) == true)
            #expect(files["config/aziot/identityd/config.d/70-broken.toml"]?.contains("could not be parsed") == true)
            #expect(files.keys.allSatisfy { !$0.hasPrefix("config/aziot/tpmd/") }, "absent files are skipped")

            // -e keeps edgeAgent (and edgeHub) only; - writes the zip to standard output.
            let onlyRuntime = "\(scratch.path)/runtime.zip"
            let runtime = try await Iotedge.run(["-H", host, "support-bundle", "-e", "-q", "-o", onlyRuntime], environment: environment, timeout: .seconds(300))
            #expect(runtime.status == 0 && runtime.stdout.isEmpty, "\(runtime)")
            let names = try await ChildProcess.run("python3", ["-c", "import sys,zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))", onlyRuntime])
            #expect(names.stdout.contains("inspect/\(device.agentName).json") && !names.stdout.contains(printer), "\(names.stdout)")
            let piped = try await Iotedge.run(["-H", host, "support-bundle", "-e", "-o", "-"], environment: environment, timeout: .seconds(300))
            #expect(piped.status == 0 && piped.stdout.hasPrefix("PK\u{3}\u{4}"), "\(piped.stderr)")
        }
    }
}
