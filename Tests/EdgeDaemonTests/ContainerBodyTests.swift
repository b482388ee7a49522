import EdgeDaemon
import EdgeTestSupport
import Foundation
import IoTHubProtocol
import Testing
import TOMLConfig

@Suite("The Docker create body of a module and of edgeAgent (§4.2, §4.5)")
struct ContainerBodyTests {
    static let mount = ContainerCreateBody.WorkloadMount(hostMountDirectory: "/var/lib/aziot/edged/mnt", containerSocketPath: "/var/run/iotedge/workload.sock")

    static func spec(_ createOptions: JSONObject?, env: [ModuleEnvVar] = [], name: String = "m1") -> ModuleSpec {
        ModuleSpec(name: name, config: DockerConfig(image: "registry.io/m:1", createOptions: createOptions), env: env)
    }

    @Test("createOptions pass through; Image, sorted Env (createOptions wins), owner and original-image labels are set")
    func passThrough() {
        let options: JSONObject = [
            "Image": "ignored", "Env": ["B=from-options", "C=3", "D"], "Labels": ["net.azure-devices.edge.owner": "me", "mine": "x"],
            "HostConfig": ["PortBindings": ["80/tcp": [["HostPort": "8080"]]]], "Unknown": ["Nested": true],
        ]
        let body = ContainerCreateBody(instanceLabel: "test-1").build(
            Self.spec(options, env: [ModuleEnvVar(key: "B", value: "from-spec"), ModuleEnvVar(key: "A", value: "1")]),
            defaultEnv: [ModuleEnvVar(key: "A", value: "default"), ModuleEnvVar(key: "Z", value: "26")]
        ).body
        #expect(body["Image"] == "registry.io/m:1")
        #expect(body["Env"] == ["A=1", "B=from-options", "C=3", "D", "Z=26"])
        #expect(
            body["Labels"]
                == ["net.azure-devices.edge.owner": "Microsoft.Azure.Devices.Edge.Agent", "mine": "x", "net.azure-devices.edge.original-image": "registry.io/m:1", "net.swift-iotedge.edged-instance": "test-1"]
        )
        #expect(body["Unknown"] == ["Nested": true])
        #expect(body["HostConfig"]?["PortBindings"] == ["80/tcp": [["HostPort": "8080"]]])
        // No workload mount configured: no binds added.
        #expect(body["HostConfig"]?["Binds"] == nil)
    }

    @Test("without elevated permissions: Privileged false, CapAdd removed, CHOWN and SETUID dropped unless added")
    func privileges() {
        let options: JSONObject = ["HostConfig": ["Privileged": true, "CapAdd": ["CAP_CHOWN", "NET_ADMIN"], "CapDrop": ["MKNOD", "setuid"]]]
        let result = ContainerCreateBody(allowElevatedDockerPermissions: false).build(Self.spec(options))
        let host = result.body["HostConfig"]
        #expect(host?["Privileged"] == false)
        #expect(host?["CapAdd"] == nil)
        #expect(host?["CapDrop"] == ["SETUID", "MKNOD"])
        #expect(result.warnings.count == 1)
        let plain = ContainerCreateBody(allowElevatedDockerPermissions: false).build(Self.spec(nil))
        #expect(plain.body["HostConfig"]?["CapDrop"] == ["CHOWN", "SETUID"])
        #expect(plain.warnings.isEmpty)
        let allowed = ContainerCreateBody(allowElevatedDockerPermissions: true).build(Self.spec(options)).body
        #expect(allowed["HostConfig"]?["Privileged"] == true)
        #expect(allowed["HostConfig"]?["CapAdd"] == ["CAP_CHOWN", "NET_ADMIN"])
    }

    @Test("the workload socket: edgeAgent's reference bind becomes the module's socket directory; a missing one is added")
    func workloadBinds() {
        let builder = ContainerCreateBody(workloadMount: Self.mount)
        let reference = builder.build(Self.spec(["HostConfig": ["Binds": ["/var/lib/aziot/edged/mnt/m1.sock:/var/run/iotedge/workload.sock", "/data:/data:ro"]]]))
        #expect(reference.body["HostConfig"]?["Binds"] == ["/var/lib/aziot/edged/mnt/m1:/var/run/iotedge", "/data:/data:ro"])
        let none = builder.build(Self.spec(nil))
        #expect(none.body["HostConfig"]?["Binds"] == ["/var/lib/aziot/edged/mnt/m1:/var/run/iotedge"])
        // A bind the user chose for the socket path is kept as it is (e.g. the legacy shared socket).
        let legacy = builder.build(Self.spec(["HostConfig": ["Binds": ["/var/run/iotedge/workload.sock:/var/run/iotedge/workload.sock"]]]))
        #expect(legacy.body["HostConfig"]?["Binds"] == ["/var/run/iotedge/workload.sock:/var/run/iotedge/workload.sock"])
        #expect(Self.mount.hostSocket("m1") == "/var/lib/aziot/edged/mnt/m1/workload.sock")
    }

    @Test("edgeAgent: env, labels, network endpoint and the management bind from [agent] and the device identity")
    func agentSpec() throws {
        var configuration = try EdgedConfiguration(
            try ConfigTableText.parse(
                """
                hostname = "edge-host"
                homedir = "/nonexistent/edged"
                [agent]
                name = "edgeAgent"
                [agent.config]
                image = "$upstream:443/azureiotedge-agent:1.6"
                createOptions = { HostConfig = { Binds = ["/storage:/storage"] } }
                [agent.config.auth]
                serveraddress = "$upstream:443"
                [agent.env]
                RuntimeLogLevel = "debug"
                IOTEDGE_MODULEID = "overridden"
                [moby_runtime]
                network = "edge-net"
                """
            )
        )
        configuration.connect.managementURI = "unix:///var/run/iotedge/mgmt.sock"
        let device = AziotIdentity(hubName: "hub.azure-devices.net", gatewayHost: "parent-host", deviceId: "dev1")
        let spec = AgentBootstrap(configuration: configuration).spec(device: device, generationId: "gen-1")
        #expect(spec.name == "edgeAgent")
        #expect(spec.config.image == "parent-host:443/azureiotedge-agent:1.6")
        #expect(spec.config.auth?["serveraddress"] == "parent-host:443")
        let env = Dictionary(uniqueKeysWithValues: spec.env.map { ($0.key, $0.value) })
        #expect(env["RuntimeLogLevel"] == "debug")
        #expect(env["IOTEDGE_MODULEID"] == "$edgeAgent")
        #expect(env["IOTEDGE_MODULEGENERATIONID"] == "gen-1")
        #expect(env["IOTEDGE_DEVICEID"] == "dev1")
        #expect(env["IOTEDGE_IOTHUBHOSTNAME"] == "hub.azure-devices.net")
        #expect(env["IOTEDGE_GATEWAYHOSTNAME"] == "parent-host")
        #expect(env["EdgeDeviceHostName"] == "edge-host")
        #expect(env["IOTEDGE_APIVERSION"] == "2022-08-03")
        #expect(env["IOTEDGE_AUTHSCHEME"] == "sasToken")
        #expect(env["IOTEDGE_WORKLOADURI"] == "unix:///var/run/iotedge/workload.sock")
        #expect(env["IOTEDGE_MANAGEMENTURI"] == "unix:///var/run/iotedge/mgmt.sock")
        #expect(env["IOTEDGE_WORKLOADLISTEN_MNTURI"] == "unix:///nonexistent/edged/mnt")
        #expect(env["Mode"] == "iotedged")
        #expect(env["NetworkId"] == "edge-net")
        let options = try #require(spec.config.createOptions)
        #expect(options["HostConfig"]?["Binds"] == ["/storage:/storage", "/var/run/iotedge/mgmt.sock:/var/run/iotedge/mgmt.sock"])
        #expect(options["NetworkingConfig"] == ["EndpointsConfig": ["edge-net": [:]]])
        #expect(options["Labels"]?["net.azure-devices.edge.create-options"] == "{}")
        #expect(options["Labels"]?["net.azure-devices.edge.env"] == "{}")
        // No gateway host different from the hub: no IOTEDGE_GATEWAYHOSTNAME.
        let direct = AgentBootstrap(configuration: configuration).spec(
            device: AziotIdentity(hubName: "Hub.azure-devices.net", gatewayHost: "hub.azure-devices.net", deviceId: "dev1"), generationId: "g"
        )
        #expect(!direct.env.contains { $0.key == "IOTEDGE_GATEWAYHOSTNAME" })
    }

    @Test("the provisioning digest changes with hub, device or gateway only")
    func provisioningDigest() {
        let device = AziotIdentity(hubName: "hub", gatewayHost: "gw", deviceId: "d", moduleId: nil, generationId: "x")
        var other = device
        other.generationId = "y"
        #expect(ProvisioningCache.digest(device) == ProvisioningCache.digest(other))
        other.deviceId = "d2"
        #expect(ProvisioningCache.digest(device) != ProvisioningCache.digest(other))
        #expect(Data(base64Encoded: ProvisioningCache.digest(device))?.count == 32)
    }

    @Test("image garbage collection runs next at cleanup_time, today if still ahead, else tomorrow")
    func gcSchedule() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let morning = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14 22:13:20 UTC
        let lateEvening = ImageGarbageCollector.firstRun(after: morning, minutes: 23 * 60 + 30, calendar: calendar)
        #expect(lateEvening.timeIntervalSince1970 == 1_699_920_000 + 23.5 * 3600)
        let midnight = ImageGarbageCollector.firstRun(after: morning, minutes: 0, calendar: calendar)
        #expect(midnight.timeIntervalSince1970 == 1_699_920_000 + 86_400)
    }
}

enum ConfigTableText {
    static func parse(_ text: String) throws -> ConfigTable { try ConfigTable(toml: text) }
}
