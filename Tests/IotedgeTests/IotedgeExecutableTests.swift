import Foundation
import Logging
import MQTTTestSupport
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import UnixSocketHTTP

@Suite("The iotedge executable without a device: version, connection errors, argument errors, system commands")
struct IotedgeExecutableTests {
    @Test("version and --version print `iotedge <version>`")
    func version() async throws {
        let version = try await Iotedge.run(["version"])
        #expect(version.status == 0 && version.stdout == "iotedge 1.6.0\n", "\(version)")
        let flag = try await Iotedge.run(["--version"])
        #expect(flag.status == 0 && flag.stdout == "iotedge 1.6.0\n", "\(flag)")
    }

    @Test("check-list, check and config are subcommands of the binary: the built-in check ids, a fatal config check, config mp")
    func checkAndConfigCommands() async throws {
        let scratch = try ScratchDirectory("iotedge-check")
        defer { scratch.remove() }
        let list = try await Iotedge.run(["check-list"], environment: ["IOTEDGE_AZIOTCTL": "/nonexistent/aziotctl"])
        for id in ["aziot-edged-config-well-formed", "container-engine-uri", "connect-management-uri"] {
            #expect(list.stdout.contains(id), "\(list.stdout)")
        }
        // An edged config that is not TOML: the first check fails, as JSON on stdout, and the exit code says so.
        let config = try scratch.write("edged/config.toml", "hostname = [\n")
        let check = try await Iotedge.run(
            ["check", "-o", "json"],
            environment: [
                "IOTEDGE_AZIOTCTL": "/nonexistent/aziotctl", "AZIOT_EDGED_CONFIG": config, "AZIOT_EDGED_CONFIG_DIR": "\(scratch.path)/edged/config.d",
            ])
        #expect(check.status == 1, "\(check.stdout) \(check.stderr)")
        let checks = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any]
        let wellFormed = (checks?["checks"] as? [String: Any])?["aziot-edged-config-well-formed"] as? [String: Any]
        let result = (wellFormed?["result"] as? [String: Any])?["result"] as? String
        #expect(result == "error" || result == "fatal", "\(check.stdout)")

        let superConfig = "\(scratch.path)/config.toml"
        let mp = try await Iotedge.run(["config", "mp", "-c", "HostName=hub.example.net;DeviceId=d1;SharedAccessKey=AAAA", "-o", superConfig])
        #expect(mp.status == 0, "\(mp.stderr)")
        let written = try String(contentsOfFile: superConfig, encoding: .utf8)
        #expect(written.contains("connection_string = \"HostName=hub.example.net;DeviceId=d1;SharedAccessKey=AAAA\""), "\(written)")
    }

    @Test("no management socket: the error chain names the socket and says to check `iotedge system status`; exit 1")
    func missingSocket() async throws {
        let scratch = try ScratchDirectory("iotedge-nosock")
        defer { scratch.remove() }
        let socket = "\(scratch.path)/mgmt.sock"
        for command in [["list"], ["logs", "m"], ["restart", "m"]] {
            let result = try await Iotedge.run(["-H", "unix://\(socket)"] + command)
            #expect(result.status == 1, "\(command): \(result)")
            let lines = result.stderr.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("warn: ") }
            #expect(lines.count >= 3, "\(result.stderr)")
            #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("\tcaused by: ") }, "\(result.stderr)")
            #expect(result.stderr.contains("\tcaused by: the management socket \(socket) does not exist\n"), "\(result.stderr)")
            #expect(result.stderr.contains("is aziot-edged running? check `iotedge system status`"), "\(result.stderr)")
        }
        let list = try await Iotedge.run(["list"], environment: ["IOTEDGE_HOST": "unix://\(socket)"])
        #expect(list.status == 1)
        #expect(list.stderr.hasPrefix("Could not list modules\n\tcaused by: the management socket \(socket) does not exist"), "IOTEDGE_HOST: \(list.stderr)")
        #expect(list.stdout.isEmpty)
    }

    @Test("a socket file nobody listens on: connection refused, with the same hint")
    func refused() async throws {
        let scratch = try ScratchDirectory("iotedge-refused")
        defer { scratch.remove() }
        let socket = "\(scratch.path)/mgmt.sock"
        let bound = try await ChildProcess.run("python3", ["-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])", socket])
        #expect(bound.status == 0, "\(bound.stderr)")
        let result = try await Iotedge.run(["-H", "unix://\(socket)", "list"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\tcaused by: could not connect to aziot-edged on \(socket)"), "\(result.stderr)")
        #expect(result.stderr.contains("is aziot-edged running? check `iotedge system status`"))
    }

    @Test("bad arguments: a non-unix -H, bad --since/--tail; -f with no socket")
    func badArguments() async throws {
        let scratch = try ScratchDirectory("iotedge-args")
        defer { scratch.remove() }
        let host = "unix://\(scratch.path)/mgmt.sock"
        let http = try await Iotedge.run(["-H", "http://localhost/mgmt", "list"])
        #expect(http.status == 1 && http.stderr.contains("Invalid management URI http://localhost/mgmt\n\tcaused by: only unix:// URIs are supported"), "\(http.stderr)")
        let since = try await Iotedge.run(["-H", host, "logs", "m", "--since", "last tuesday"])
        #expect(since.status == 1 && since.stderr.hasPrefix("Invalid value for --since: last tuesday\n\tcaused by: give a duration"), "\(since.stderr)")
        let tail = try await Iotedge.run(["-H", host, "logs", "m", "--tail", "many"])
        #expect(tail.status == 1 && tail.stderr.contains("Invalid value for --tail: many"), "\(tail.stderr)")
        let follow = try await Iotedge.run(["-H", host, "logs", "-f", "m"])
        #expect(follow.status == 1 && follow.stderr.contains("Could not follow the logs of m\n\tcaused by: the management socket"), "\(follow.stderr)")
        let unknown = try await Iotedge.run(["frobnicate"])
        #expect(unknown.status != 0 && unknown.stderr.contains("frobnicate"))
    }

    @Test("support-bundle without aziot-edged: still a zip (why in modules_err.txt, check.json, redacted configuration), a warning, exit 0")
    func supportBundleWithoutEdged() async throws {
        let scratch = try ScratchDirectory("iotedge-bundle-noedged")
        defer { scratch.remove() }
        let secret = "S3cret-\(UUID().uuidString.prefix(8))"
        let superConfig = try scratch.write("config.toml", "hostname = \"h\"\n[provisioning]\nsource = \"manual\"\nconnection_string = \"HostName=h;DeviceId=d;SharedAccessKey=\(secret)\"\n")
        let environment = ["IOTEDGE_SUPERCONFIG": superConfig] + ["KEYD", "CERTD", "IDENTITYD", "TPMD", "EDGED"].flatMap { service in
            [("AZIOT_\(service)_CONFIG", "\(scratch.path)/none/\(service).toml"), ("AZIOT_\(service)_CONFIG_DIR", "\(scratch.path)/none/\(service).d")]
        }
        let zipPath = "\(scratch.path)/bundle.zip"
        var variables = Dictionary(uniqueKeysWithValues: environment)
        variables["AZIOT_TPMD_CONFIG_DIR"] = superConfig  // not a directory: cannot be listed
        let result = try await Iotedge.run(
            ["-H", "unix://\(scratch.path)/mgmt.sock", "support-bundle", "-q", "-o", zipPath, "--since", "1700000000", "--until", "1 minute"],
            environment: variables)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.isEmpty, "quiet: \(result.stdout)")
        #expect(result.stderr.contains("warn: the bundle has no module logs or inspect output: Could not list the modules"), "\(result.stderr)")
        let raw = try #require(FileManager.default.contents(atPath: zipPath))
        #expect(raw.range(of: Data(secret.utf8)) == nil)
        let listing = try await ChildProcess.run("python3", [
            "-c", "import json,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps({n: z.read(n).decode() for n in z.namelist()}))", zipPath,
        ])
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(listing.stdout.contains(#""modules_err.txt": "Could not list the modules\n\tcaused by: the management socket"#), "\(listing.stdout)")
        #expect(listing.stdout.contains(#""check.json": "{"#))
        #expect(listing.stdout.contains("SharedAccessKey=<redacted>"))
        #expect(!listing.stdout.contains("inspect/"))
        #expect(listing.stdout.contains(#""config/aziot/tpmd/config.d.err.txt": "cannot read the directory \#(superConfig)"#), "\(listing.stdout)")
    }

    @Test("system commands without systemd say so and exit 1", arguments: [["status"], ["restart"], ["stop"], ["logs"], ["set-log-level", "debug"]])
    func systemWithoutSystemd(_ command: [String]) async throws {
        let scratch = try ScratchDirectory("iotedge-nosystemd")
        defer { scratch.remove() }
        let marker = "\(scratch.path)/no-systemd"
        let result = try await Iotedge.run(["system"] + command, environment: ["AZIOTCTL_SYSTEMD_MARKER": marker])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("`iotedge system \(command[0])` needs systemd"), "\(result.stderr)")
        #expect(result.stderr.contains("systemd is not running on this machine (\(marker) does not exist)"))
        #expect(result.stderr.contains("aziot-edged"))

        // IOTEDGE_SYSTEMD_MARKER (what `iotedge config apply` reads) comes first.
        try FileManager.default.createDirectory(atPath: "\(scratch.path)/systemd", withIntermediateDirectories: true)
        let preferred = try await Iotedge.run(
            ["system"] + command, environment: ["AZIOTCTL_SYSTEMD_MARKER": "\(scratch.path)/systemd", "IOTEDGE_SYSTEMD_MARKER": marker])
        #expect(preferred.status == 1 && preferred.stderr.contains("(\(marker) does not exist)"), "\(preferred)")
    }

    @Test("system restart/stop/status/logs with systemd (stand-in systemctl and journalctl): edged stopped first, sockets then edged started")
    func systemWithSystemd() async throws {
        let scratch = try ScratchDirectory("iotedge-systemd")
        defer { scratch.remove() }
        let log = "\(scratch.path)/calls.log"
        try FileManager.default.createDirectory(atPath: "\(scratch.path)/systemd", withIntermediateDirectories: true)
        let systemctl = try scratch.write("bin/systemctl", """
            #!/bin/sh
            echo "systemctl $*" >> \(log)
            if [ "$1" = is-active ]; then
              case "$2" in
                aziot-keyd.service) echo failed; exit 3 ;;
                aziot-tpmd.socket) echo inactive; exit 3 ;;
                *) echo active ;;
              esac
            fi
            exit 0
            """)
        let journalctl = try scratch.write("bin/journalctl", "#!/bin/sh\necho \"journalctl $*\" >> \(log)\necho journal-line\n")
        for file in [systemctl, journalctl] { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file) }
        let environment = ["AZIOTCTL_SYSTEMD_MARKER": "\(scratch.path)/systemd", "AZIOTCTL_SYSTEMD_BIN_DIR": "\(scratch.path)/bin"]
        func calls() throws -> [String] {
            defer { try? FileManager.default.removeItem(atPath: log) }
            return try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        let services = ["aziot-edged.service", "aziot-identityd.service", "aziot-keyd.service", "aziot-certd.service", "aziot-tpmd.service"]

        let restart = try await Iotedge.run(["system", "restart"], environment: environment)
        #expect(restart.status == 0, "\(restart)")
        let sockets = ["aziot-edged.mgmt.socket", "aziot-edged.workload.socket", "aziot-identityd.socket", "aziot-keyd.socket", "aziot-certd.socket", "aziot-tpmd.socket"]
        #expect(try calls() == services.map { "systemctl stop \($0)" } + sockets.map { "systemctl start \($0)" } + ["systemctl start aziot-edged.service"])
        #expect(restart.stdout.hasPrefix("Stopping aziot-edged.service...Stopped!\nStopping aziot-identityd.service...Stopped!\n"), "\(restart.stdout)")
        #expect(restart.stdout.hasSuffix("Starting aziot-edged.service...Started!\n"))

        let stop = try await Iotedge.run(["system", "stop"], environment: environment)
        #expect(stop.status == 0)
        #expect(try calls() == services.map { "systemctl stop \($0)" })

        let status = try await Iotedge.run(["system", "status"], environment: environment)
        #expect(status.status == 0, "\(status)")
        let lines = status.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(Array(lines.prefix(6)) == [
            "System services:",
            "    aziot-edged             Running",
            "    aziot-identityd         Running",
            "    aziot-keyd              Down - failed",
            "    aziot-certd             Running",
            "    aziot-tpmd              Down - socket error",
        ], "\(status.stdout)")
        #expect(status.stdout.contains("aziot-keyd is in a bad state because:\naziot-keyd.service: Down - failed: Printing the last 10 log lines.\njournal-line\n"))
        #expect(status.stdout.contains("aziot-tpmd.socket: Down - inactive: Printing the last 10 log lines.\njournal-line\n"))
        #expect(status.stdout.hasSuffix("Use 'iotedge system logs' to check for non-fatal errors.\nUse 'iotedge check' to diagnose connectivity and configuration issues.\n"))
        let statusCalls = try calls()
        #expect(statusCalls.contains("journalctl -u aziot-keyd.service --no-pager -e -n 10"), "\(statusCalls)")
        #expect(statusCalls.filter { $0.hasPrefix("systemctl is-active") }.count == 5 + 6)

        let logs = try await Iotedge.run(["system", "logs"], environment: environment)
        #expect(logs.status == 0 && logs.stdout == "journal-line\n")
        #expect(try calls() == ["journalctl " + services.map { "-u \($0)" }.joined(separator: " ") + " -e --no-pager"])
        _ = try await Iotedge.run(["system", "logs", "--", "-f", "--since", "today"], environment: environment)
        #expect(try calls() == ["journalctl " + services.map { "-u \($0)" }.joined(separator: " ") + " -f --since today"])
    }

    @Test("system reprovision: identityd's reprovision (api-version 2020-09-01, {\"type\":\"aziot\"}), then aziot-edged's restart needs systemd")
    func reprovision() async throws {
        let scratch = try ScratchDirectory("iotedge-reprovision")
        defer { scratch.remove() }
        let socket = "\(scratch.path)/identityd.sock"
        let seen = Mutex<[String]>([])
        let fail = Mutex(false)
        let router = HTTPRouter(routes: [
            HTTPRoute(.POST, "/identities/device/reprovision", since: "2020-09-01") { request in
                let body = String(buffer: request.body ?? ByteBuffer())
                seen.withLock { $0.append("\(request.apiVersion?.rawValue ?? "") \(body)") }
                if fail.withLock({ $0 }) { return .error(.internalServerError, message: "hub unreachable") }
                return .noContent
            },
        ])
        let server = UnixSocketHTTPServer(
            configuration: .init(endpoint: .unixSocket(path: socket)), router: router,
            logger: Logger(label: "fake-identityd") { _ in SwiftLogNoOpLogHandler() })
        try await server.start()

        let succeeded = try await Iotedge.run(["system", "reprovision"], environment: ["AZIOT_IDENTITYD_SOCKET": socket])
        #expect(succeeded.stdout == "Successfully reprovisioned with IoT Hub.\n", "\(succeeded)")
        #expect(seen.withLock { $0 } == [#"2020-09-01 {"type":"aziot"}"#])
        #expect(succeeded.status == 1)
        #expect(succeeded.stderr.contains("aziot-edged was not restarted"), "\(succeeded.stderr)")

        // With systemd: aziot-edged alone is restarted.
        try FileManager.default.createDirectory(atPath: "\(scratch.path)/systemd", withIntermediateDirectories: true)
        let systemctl = try scratch.write("bin/systemctl", "#!/bin/sh\necho \"$*\" >> \(scratch.path)/calls.log\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: systemctl)
        let withSystemd = try await Iotedge.run(["system", "reprovision"], environment: [
            "AZIOT_IDENTITYD_SOCKET": socket, "AZIOTCTL_SYSTEMD_MARKER": "\(scratch.path)/systemd", "AZIOTCTL_SYSTEMD_BIN_DIR": "\(scratch.path)/bin",
        ])
        #expect(withSystemd.status == 0, "\(withSystemd)")
        #expect(withSystemd.stdout == "Successfully reprovisioned with IoT Hub.\nRestarting aziot-edged.service...Restarted!\n")
        #expect(try String(contentsOfFile: "\(scratch.path)/calls.log", encoding: .utf8) == "restart aziot-edged.service\n")
        #expect(seen.withLock { $0 }.count == 2)

        fail.withLock { $0 = true }
        let failed = try await Iotedge.run(["system", "reprovision"], environment: ["AZIOT_IDENTITYD_SOCKET": socket])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("Failed to reprovision: 500 hub unreachable"), "\(failed.stderr)")
        #expect(failed.stdout.isEmpty)
        await server.stop()
    }
}
