import ConfigFiles
import DockerClient
import EdgeDaemon
import Foundation
import IoTHubProtocol
import NIOCore
import NIOHTTP1
import UnixSocketHTTP
import ServiceControl
import TOMLConfig

#if canImport(Glibc)
import Glibc
#endif

/// The support bundle the CLI writes (§6.6): `check.json` (this binary's `check -o json`, or `{"error": …}` when it
/// cannot run), per module `logs/<m>_log.txt` (through the management API) and `inspect/<m>.json` (Docker's inspect),
/// per Docker network a module is on `network/<name>.json`, edged's `systeminfo.json`, the services' journals
/// (`logs/<unit>.txt`, when `journalctl` exists) and the configuration files with their secrets removed
/// (`config/aziot/config.toml`, `config/aziot/<svc>/config.toml`, `config/aziot/<svc>/config.d/*`). When edged cannot
/// be reached, `modules_err.txt` says why and the rest is still collected.
struct SupportBundleBuilder {
    let connection: ManagementConnection
    let environment: [String: String]
    let since: Int32
    let until: Int32?
    let edgeRuntimeOnly: Bool
    let iothubHostname: String?
    let progress: (String) -> Void
    /// A problem the bundle works around (always shown, on standard error).
    var warn: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    static let journalUnits = ["aziot-keyd", "aziot-certd", "aziot-identityd", "aziot-edged", "docker"]
    static let configServices = ["keyd", "certd", "identityd", "tpmd", "edged"]

    func build() async throws -> [UInt8] {
        var zip = ZipArchive()
        progress("Making support bundle")

        progress("Running iotedge check")
        zip.add("check.json", await checkJSON())

        // Without edged (when a bundle is most needed) the rest is still collected, and the reason noted.
        var modules: [ManagementClient.Module] = []
        do {
            modules = try await withTimeout(seconds: 30) { [connection] in try await connection.client.modules() }
        } catch {
            let chain = IotedgeError("Could not list the modules", causes: connection.explain(error)).chain
            zip.add("modules_err.txt", text: chain + "\n")
            warn("warn: the bundle has no module logs or inspect output: " + chain)
        }
        let docker = dockerClient()
        var networks = Set<String>()
        let selected = modules.map(\.name).sorted().filter { !edgeRuntimeOnly || $0 == "edgeHub" || $0.hasPrefix("edgeAgent") }
        for name in selected {
            progress("Writing logs and inspect output for \(name)")
            do {
                let query = "follow=false&tail=all&timestamps=false&since=\(since)" + (until.map { "&until=\($0)" } ?? "")
                let response = try await connection.client.send(.GET, "/modules/\(PathSegment.encode(name))/logs?\(query)")
                zip.add("logs/\(name)_log.txt", LogOutput.payload(response.body))
            } catch {
                zip.add("logs/\(name)_err.txt", text: "could not get the logs of \(name): \(connection.explain(error).joined(separator: ": "))\n")
            }
            do {
                let inspect = try await docker.inspectContainer(name)
                zip.add("inspect/\(name).json", inspect.raw.jsonBytes)
                for (network, _) in inspect.raw["NetworkSettings"]?["Networks"]?.objectValue ?? [:] { networks.insert(network) }
            } catch {
                zip.add("inspect/\(name)_err_docker.txt", text: "docker inspect \(name) failed: \(error)\n")
            }
        }
        for network in networks.sorted() {
            do {
                zip.add("network/\(network).json", try await docker.inspectNetwork(network).raw.jsonBytes)
            } catch {
                zip.add("network/\(network)_err_docker.txt", text: "docker network inspect \(network) failed: \(error)\n")
            }
        }

        if let info = try? await connection.client.systemInfo() { zip.add("systeminfo.json", info.jsonBytes) }

        if HostCommand.path(of: "journalctl") != nil {
            for unit in Self.journalUnits {
                progress("Writing the journal of \(unit)")
                var arguments = ["-a", "-u", unit, "-S", "@\(since)", "--no-pager"]
                if let until { arguments += ["-U", "@\(until)"] }
                do {
                    let result = try HostCommand.run("journalctl", arguments)
                    zip.add("logs/\(unit).txt", text: result.status == 0 ? result.stdout : result.output)
                } catch {
                    zip.add("logs/\(unit)_err.txt", text: "\(error)\n")
                }
            }
        }

        progress("Adding the configuration (secrets removed)")
        let config = configFiles()
        for (name, text) in config.notes { zip.add(name, text: text) }
        for (name, path) in config.files {
            guard FileManager.default.fileExists(atPath: path) else { continue }
            guard FileManager.default.isReadableFile(atPath: path) else {
                zip.add(name + ".err.txt", text: "could not read \(path) (run as root to include it)\n")
                continue
            }
            zip.add(name, text: await redactedConfig(path))
        }
        return zip.bytes
    }

    /// `path` with its secrets removed, parsed by a child `iotedge redact-config` (a file that crashes the parser
    /// becomes a note); nothing of the file when that fails.
    func redactedConfig(_ path: String) async -> String {
        do {
            var childEnvironment = environment
            childEnvironment["SWIFT_BACKTRACE"] = "enable=no"
            let result = try await SelfProcess.run(["redact-config", path], environment: childEnvironment, timeout: 60)
            if result.status == 0 { return result.stdout }
            return "# \(path) could not be parsed (the redaction exited with status \(result.status)); its contents are left out because they may hold secrets.\n"
        } catch {
            return "# \(path) could not be redacted (\(error)); its contents are left out because they may hold secrets.\n"
        }
    }

    /// (name in the zip, path on disk) of every configuration file: the super-config, then each service's main file
    /// and drop-ins.
    /// A drop-in directory that cannot be listed is a `config.d.err.txt` note instead.
    func configFiles() -> (files: [(String, String)], notes: [(String, String)]) {
        var files = [("config/aziot/config.toml", environment["IOTEDGE_SUPERCONFIG"] ?? "/etc/aziot/config.toml")]
        var notes: [(String, String)] = []
        for service in Self.configServices {
            let set = ConfigFileSet.aziotService(service, environment: environment)
            files.append(("config/aziot/\(service)/config.toml", set.mainFile))
            do {
                for dropIn in try set.dropInFiles() {
                    files.append(("config/aziot/\(service)/config.d/\((dropIn as NSString).lastPathComponent)", dropIn))
                }
            } catch {
                notes.append(("config/aziot/\(service)/config.d.err.txt", "\(error.message) (run as root to include it)\n"))
            }
        }
        return (files, notes)
    }

    /// The engine edged uses (`[moby_runtime] uri` when its configuration is readable), else `DOCKER_HOST` or the
    /// default socket.
    func dockerClient() -> DockerClient {
        var configuration = DockerClientConfiguration.fromEnvironment(environment)
        if let edged = try? EdgedConfiguration.load(environment: environment), edged.moby.uri.hasPrefix("unix://") {
            configuration.socketPath = String(edged.moby.uri.dropFirst("unix://".count))
        }
        return DockerClient(configuration: configuration)
    }

    /// `iotedge check -o json [--iothub-hostname H]` run from this very binary; its JSON output, or
    /// `{"error": …}` saying why there is none.
    func checkJSON() async -> [UInt8] {
        var arguments = ["check", "-o", "json"]
        if let iothubHostname { arguments += ["--iothub-hostname", iothubHostname] }
        var childEnvironment = environment
        childEnvironment["IOTEDGE_HOST"] = connection.uri
        do {
            let result = try await SelfProcess.run(arguments, environment: childEnvironment, timeout: 300)
            if let parsed = try? JSONValue(parsing: result.stdout), parsed.objectValue != nil || parsed.arrayValue != nil {
                return Array(result.stdout.utf8)
            }
            let detail = [result.stderr, result.stdout].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            return JSONValue.object(["error": .string("`iotedge check -o json` exited with status \(result.status) and no JSON output: \(detail.joined(separator: "\n"))")]).jsonBytes
        } catch {
            return JSONValue.object(["error": .string("`iotedge check -o json` could not run: \(error)")]).jsonBytes
        }
    }
}
