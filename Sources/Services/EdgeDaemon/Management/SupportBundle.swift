import DockerClient
import Foundation
public import IoTHubProtocol
import NIOCore

/// The support bundle edged builds for `GET /systeminfo/supportbundle` (§2.6): per module its logs
/// (`logs/<module>_log.txt`, demultiplexed, `[stdout]`/`[stderr]` not marked) and Docker's inspect
/// (`inspect/<module>.json`), Docker's inspect of each network a module uses (`network/<name>.json`), and edged's
/// `/systeminfo` (`systeminfo.json`). Host services' journals and `iotedge check` are the CLI's part.
public struct SupportBundle: Sendable {
    public let runtime: ModuleRuntime
    public let agentName: String

    public init(runtime: ModuleRuntime, agentName: String) {
        self.runtime = runtime
        self.agentName = agentName
    }

    /// The zip. `edgeRuntimeOnly`: edgeAgent and edgeHub only.
    public func build(since: Int32, until: Int32?, edgeRuntimeOnly: Bool, systemInfo: JSONValue) async throws -> [UInt8] {
        var zip = ZipArchive()
        var networks = Set<String>()
        for container in try await runtime.containers() {
            if edgeRuntimeOnly && container.name != agentName && container.name != "edgeHub" { continue }
            zip.add("inspect/\(container.name).json", container.raw.jsonBytes)
            for (network, _) in container.raw["NetworkSettings"]?["Networks"]?.objectValue ?? [:] { networks.insert(network) }
            do {
                let query = LogsQuery(since: since, until: until)
                let raw = try await runtime.docker.containerLogsRaw(container.id, options: query.dockerOptions, tty: container.config.tty)
                var body = try await raw.body.collect(upTo: 256 << 20)
                var text: [UInt8] = []
                if raw.multiplexed {
                    var demultiplexer = DockerLogDemultiplexer()
                    for frame in try demultiplexer.feed(body) { text += Array(frame.payload.readableBytesView) }
                } else {
                    text = body.readBytes(length: body.readableBytes) ?? []
                }
                zip.add("logs/\(container.name)_log.txt", text)
            } catch {
                zip.add("logs/\(container.name)_err.txt", text: "could not get the logs of \(container.name): \(error)\n")
            }
        }
        for network in networks.sorted() {
            if let inspected = try? await runtime.docker.inspectNetwork(network) {
                zip.add("network/\(network).json", inspected.raw.jsonBytes)
            }
        }
        zip.add("systeminfo.json", systemInfo.jsonBytes)
        return zip.bytes
    }
}
