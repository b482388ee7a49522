import DockerClient
import EdgeDaemon
import EdgeTestSupport
import Foundation
import MQTTTestSupport
import Testing

@Suite("Edge CA renewal restarts the modules (§3.6)")
struct EdgeCARenewalTests {
    static let v = "api-version=2020-07-07"

    @Test("a CA due one minute after issuance is renewed by edged, then the modules restart, edgeAgent last", .timeLimit(.minutes(5)))
    func renewalRestartsModules() async throws {
        try await withEdgeDevice { device in
            // A one-day CA renewed 1439 minutes before it expires: due a minute after it is issued.
            try await device.stopAziotd("certd")
            try device.write("\(device.root)/etc/certd/config.d/50-short-ca.toml", "[cert_issuance]\naziot-edged-ca = { method = \"self_signed\", expiry_days = 1 }\n")
            try await device.startAziotd("certd")
            try device.writeEdgedConfig(extra: "[edge_ca.auto_renew]\nrotate_key = true\nthreshold = \"1439min\"\nretry = \"1min\"\n")
            try await device.startEdged()
            let agent = try await device.waitForAgentRunning()
            let name = device.moduleName("renew")
            #expect(try await device.asAgent("POST", "/modules?\(Self.v)", json: EdgeTestDevice.moduleSpec(name)).status == 201)
            #expect(try await device.asHost("POST", "/modules/\(name)/start?\(Self.v)").status == 204)
            let module = try await device.docker.inspectContainer(name)
            let before = try await curl(device.socket("certd"), "GET", "/certificates/aziot-edged-ca?\(Self.v.replacingOccurrences(of: "2020-07-07", with: "2020-09-01"))")

            let restarted = await eventually(timeout: .seconds(150)) {
                guard let after = try? await device.docker.inspectContainer(name), let agentAfter = try? await device.docker.inspectContainer(device.agentName) else { return false }
                return after.state.running && after.state.startedAt > module.state.startedAt && agentAfter.state.running
                    && agentAfter.state.startedAt > agent.state.startedAt
            }
            #expect(restarted, "\(device.edgedLog.suffix(3000))")
            #expect(device.edgedLog.contains("Edge CA renewed; restarting modules"))
            let after = try await curl(device.socket("certd"), "GET", "/certificates/aziot-edged-ca?api-version=2020-09-01")
            #expect(after.status == 200 && after.body != before.body)
            // Other modules first, edgeAgent last.
            let moduleStarted = try await device.docker.inspectContainer(name).state.startedAt
            let agentStarted = try await device.docker.inspectContainer(device.agentName).state.startedAt
            #expect(moduleStarted < agentStarted)
        }
    }
}
