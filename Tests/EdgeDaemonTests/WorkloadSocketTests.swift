import DockerClient
import EdgeDaemon
import EdgeTestSupport
import Foundation
import IoTHubProtocol
import Logging
import MQTTTestSupport
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Testing
import UnixSocketHTTP

@Suite("Per-module workload sockets served by an injected WorkloadSocketProvider (edged in process)", .serialized)
struct WorkloadSocketTests {
    static let v = "api-version=2020-07-07"

    /// A provider whose only route names the socket it was made for and the device it was made for.
    static func provider(deviceId: String) -> WorkloadRouterFactory {
        WorkloadRouterFactory { module in
            HTTPRouter(
                routes: [
                    HTTPRoute(.GET, "/whoami", since: "2018-06-28") { request in
                        let body: JSONValue = [
                            "module": module.map { .string($0) } ?? "shared", "device": .string(deviceId), "pid": .int(Int64(request.peer.pid)),
                        ]
                        return HTTPServerResponse(status: .ok, headers: ["Content-Type": "application/json"], body: ByteBuffer(bytes: body.jsonBytes))
                    }
                ],
                knownVersions: Set(EdgeletAPIVersion.all)
            )
        }
    }

    @Test(
        "each module's socket answers with its own router, in its container at /var/run/iotedge; the legacy socket with the shared one; edgeAgent's directory also holds the management socket"
    )
    func sockets() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig(connectManagement: "unix:///var/run/iotedge/mgmt.sock")
            let configuration = try EdgedConfiguration.load(environment: device.edgedEnvironment)
            let daemon = EdgeDaemon(
                configuration: configuration, options: EdgeDaemon.Options(instance: device.instance),
                workloadProviderFactory: { identity in Self.provider(deviceId: identity.deviceId) },
                logger: makeTestLogger(label: "edged")
            )
            let group = ServiceGroup(configuration: .init(services: [daemon], logger: makeTestLogger(label: "group")))
            let running = Task { try await group.run() }
            defer { running.cancel() }
            let agent = try await device.waitForAgentRunning()

            // The agent's management socket inside its directory: no file bind of the host's /var/run/iotedge/mgmt.sock.
            let binds = agent.raw["HostConfig"]?["Binds"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(!binds.contains { $0.hasPrefix("/var/run/iotedge/mgmt.sock:") }, "\(binds)")
            let agentWhoami = try await curlInContainer(device.agentName, "/var/run/iotedge/workload.sock", "GET", "/whoami?\(Self.v)")
            #expect(try json(agentWhoami.body)["module"] == .string(device.agentName))
            #expect(try json(agentWhoami.body)["device"] == .string(device.deviceId), "the provider was made for the device identityd gave")
            let name = device.moduleName("wl")
            let created = try await curlInContainer(
                device.agentName, "/var/run/iotedge/mgmt.sock", "POST", "/modules?\(Self.v)", json: EdgeTestDevice.moduleSpec(name))
            #expect(created.status == 201, "edgeAgent manages modules through the socket in its directory: \(created.body)")
            #expect(try await device.asHost("POST", "/modules/\(name)/start?\(Self.v)").status == 204)

            let whoami = try await curlInContainer(name, "/var/run/iotedge/workload.sock", "GET", "/whoami?\(Self.v)")
            #expect(try json(whoami.body)["module"] == .string(name))
            let shared = try await curl(device.socket("workload"), "GET", "/whoami?\(Self.v)")
            #expect(try json(shared.body)["module"] == "shared")
            let mode = try FileManager.default.attributesOfItem(atPath: "\(device.homedir)/mnt/\(name)/workload.sock")[.posixPermissions] as? Int
            #expect(mode == 0o666)

            // Stop: the listener stops (the file stays); start: it listens again.
            #expect(try await device.asHost("POST", "/modules/\(name)/stop?\(Self.v)").status == 204)
            let refused = try? await curl("\(device.homedir)/mnt/\(name)/workload.sock", "GET", "/whoami?\(Self.v)")
            #expect(refused == nil)
            #expect(try await device.asHost("POST", "/modules/\(name)/start?\(Self.v)").status == 204)
            #expect(
                try json(try await curl("\(device.homedir)/mnt/\(name)/workload.sock", "GET", "/whoami?\(Self.v)").body)["module"] == .string(name))

            await group.triggerGracefulShutdown()
            _ = try? await running.value
            #expect(daemon.outcome == .stopped)
        }
    }
}
