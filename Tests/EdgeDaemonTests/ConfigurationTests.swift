import AziotConfig
import ConfigFiles
import EdgeDaemon
import EdgeTestSupport
import Foundation
import IoTHubProtocol
import Testing
import TOMLConfig

@Suite("edged configuration: the generated 00-super.toml, defaults, overrides, unknown keys")
struct ConfigurationTests {
    /// What `iotedge config apply` writes for a quickstart device with a custom agent and network.
    static let generated = """
        hostname = "my-device"
        trust_bundle_cert = "aziot-edged-trust-bundle"
        auto_reprovisioning_mode = "AlwaysOnStartup"
        homedir = "/var/lib/aziot/edged"
        allow_elevated_docker_permissions = false
        additional_info = { company = "contoso", kernel = "custom" }

        [iotedge_max_requests]
        management = 20
        workload = 5

        [edge_ca]
        cert = "aziot-edged-ca"
        key = "aziot-edged-ca"
        common_name = "my CA"

        [edge_ca.auto_renew]
        rotate_key = true
        threshold = "50%"
        retry = "30min"

        [agent]
        name = "edgeAgent"
        type = "docker"
        imagePullPolicy = "never"

        [agent.config]
        image = "$upstream:443/azureiotedge-agent:1.6"
        createOptions = { HostConfig = { Binds = ["/iotedge/storage:/iotedge/storage"], Memory = 268435456 } }

        [agent.config.auth]
        serveraddress = "$upstream:443"
        username = "user"
        password = "secret"

        [agent.env]
        RuntimeLogLevel = "debug"
        SendRuntimeQualityTelemetry = false

        [connect]
        workload_uri = "unix:///var/run/iotedge/workload.sock"
        management_uri = "unix:///var/run/iotedge/mgmt.sock"

        [listen]
        workload_uri = "fd://aziot-edged.workload.socket"
        management_uri = "fd://aziot-edged.mgmt.socket"
        min_tls_version = "tls1.2"

        [watchdog]
        max_retries = 3

        [image_garbage_collection]
        enabled = true
        cleanup_recurrence = "2d"
        image_age_cleanup_threshold = "1d"
        cleanup_time = "23:30"

        [moby_runtime]
        uri = "unix:///var/run/docker.sock"

        [moby_runtime.network]
        name = "edge-net"
        ipv6 = true

        [[moby_runtime.network.ipam.config]]
        gateway = "172.18.0.1"
        subnet = "172.18.0.0/16"
        ip_range = "172.18.0.0/24"

        [moby_runtime.content_trust.ca_certs]
        "contoso.azurecr.io" = "content-trust-contoso.azurecr.io"
        """

    @Test("every section of the generated file is read")
    func generatedFile() throws {
        let config = try EdgedConfiguration(try ConfigTable(toml: Self.generated))
        #expect(config.hostname == "my-device")
        #expect(config.trustBundleCert == "aziot-edged-trust-bundle")
        #expect(config.autoReprovisioningMode == .alwaysOnStartup)
        #expect(!config.allowElevatedDockerPermissions)
        #expect(config.additionalInfo.map(\.key) == ["company", "kernel"])
        #expect(config.maxRequests == EdgedConfiguration.MaxRequests(management: 20, workload: 5))
        #expect(config.edgeCA.certId == "aziot-edged-ca")
        #expect(config.edgeCA.subject == .commonName("my CA"))
        #expect(config.edgeCA.autoRenew?.threshold == .percentage(50))
        #expect(config.edgeCA.autoRenew?.retry == .time(seconds: 1800))
        #expect(config.agent.imagePullPolicy == .never)
        #expect(config.agent.config.image == "$upstream:443/azureiotedge-agent:1.6")
        let createOptions = JSONValue.object(config.agent.config.createOptions ?? [:])
        #expect(createOptions.jsonString == #"{"HostConfig":{"Binds":["/iotedge/storage:/iotedge/storage"],"Memory":268435456}}"#)
        #expect(config.agent.config.auth?["username"] == "user")
        #expect(config.agent.env == [ModuleEnvVar(key: "RuntimeLogLevel", value: "debug"), ModuleEnvVar(key: "SendRuntimeQualityTelemetry", value: "false")])
        #expect(config.listen.managementURI == "fd://aziot-edged.mgmt.socket")
        #expect(config.watchdog.maxRetries == 3)
        #expect(config.imageGarbageCollection == .init(enabled: true, cleanupRecurrenceDays: 2, imageAgeCleanupThreshold: 86_400, cleanupTimeMinutes: 23 * 60 + 30))
        #expect(config.moby.network == .init(name: "edge-net", ipv6: true, ipam: [["Gateway": "172.18.0.1", "Subnet": "172.18.0.0/16", "IPRange": "172.18.0.0/24"]]))
        #expect(config.moby.contentTrustCACerts == ["contoso.azurecr.io": "content-trust-contoso.azurecr.io"])
    }

    @Test("only hostname is required; the rest has the reference's defaults")
    func defaults() throws {
        let config = try EdgedConfiguration(try ConfigTable(toml: #"hostname = "h""#))
        #expect(config.homedir == "/var/lib/aziot/edged")
        #expect(config.autoReprovisioningMode == .dynamic)
        #expect(config.allowElevatedDockerPermissions)
        #expect(config.maxRequests == EdgedConfiguration.MaxRequests(management: 50, workload: 10))
        #expect(config.agent.name == "edgeAgent")
        #expect(config.agent.config.image == "mcr.microsoft.com/azureiotedge-agent:1.6")
        #expect(config.agent.imagePullPolicy == .onCreate)
        #expect(config.connect == .defaultConnect)
        #expect(config.listen == .defaultListen)
        #expect(config.watchdog.maxRetries == nil)
        #expect(config.endpoints.identityd == "unix:///run/aziot/identityd.sock")
        #expect(config.moby.uri == "unix:///var/run/docker.sock")
        #expect(config.moby.network.name == "azure-iot-edge")
        #expect(config.imageGarbageCollection == .init())
        #expect(config.edgeCA.autoRenew == nil)

        let missing = configError { _ = try EdgedConfiguration(try ConfigTable(toml: #"homedir = "/x""#)) }
        #expect(missing?.code == .missingKey)
        #expect(missing?.message.contains("hostname") == true)
    }

    @Test("unknown keys are reported with their paths, in every section")
    func unknownKeys() throws {
        let error = configError {
            _ = try EdgedConfiguration(
                try ConfigTable(
                    toml: """
                        hostname = "h"
                        hostnme = "typo"
                        [agent]
                        nmae = "edgeAgent"
                        [agent.config]
                        image = "i"
                        [moby_runtime.network]
                        name = "n"
                        ipv7 = true
                        [watchdog]
                        max_retries = "infinite"
                        max_retry = 1
                        """
                )
            )
        }
        #expect(error?.code == .unknownKeys)
        #expect(error?.message == "unknown configuration keys: hostnme, agent.nmae, watchdog.max_retry, moby_runtime.network.ipv7")
        // createOptions is Docker's, passed through as it is: its keys are not checked.
        _ = try EdgedConfiguration(try ConfigTable(toml: "hostname = \"h\"\n[agent.config]\nimage = \"i\"\ncreateOptions = { Whatever = 1 }"))
    }

    @Test("key names are case-sensitive; invalid values name the key and the expected form")
    func invalidValues() {
        let cases: [(String, String)] = [
            ("Hostname = \"h\"", "hostname"),
            ("hostname = \"h\"\n[watchdog]\nmax_retries = \"forever\"", "watchdog.max_retries"),
            ("hostname = \"h\"\n[watchdog]\nmax_retries = -1", "watchdog.max_retries"),
            ("hostname = \"h\"\nauto_reprovisioning_mode = \"dynamic\"", "auto_reprovisioning_mode"),
            ("hostname = \"h\"\n[image_garbage_collection]\ncleanup_recurrence = \"36h\"", "image_garbage_collection.cleanup_recurrence"),
            ("hostname = \"h\"\n[image_garbage_collection]\ncleanup_recurrence = \"12h\"", "image_garbage_collection.cleanup_recurrence"),
            ("hostname = \"h\"\n[image_garbage_collection]\ncleanup_time = \"24:00\"", "image_garbage_collection.cleanup_time"),
            ("hostname = \"h\"\n[image_garbage_collection]\nimage_age_cleanup_threshold = \"soon\"", "image_garbage_collection.image_age_cleanup_threshold"),
            ("hostname = \"h\"\n[agent]\nimagePullPolicy = \"always\"", "agent.imagePullPolicy"),
            ("hostname = \"h\"\n[agent]\ntype = \"podman\"", "agent.type"),
            ("hostname = \"h\"\n[agent.config]\ncreateOptions = \"{}\"", "agent.config"),
            ("hostname = \"h\"\n[moby_runtime]\nuri = \"tcp://docker:2375\"", "moby_runtime.uri"),
            ("hostname = \"h\"\n[moby_runtime]\nnetwork = 3", "moby_runtime.network"),
            ("hostname = \"h\"\n[iotedge_max_requests]\nmanagement = 0", "iotedge_max_requests.management"),
            ("hostname = \"h\"\n[edge_ca.auto_renew]\nthreshold = \"100%\"", "edge_ca.auto_renew.threshold"),
            ("hostname = \"h\"\n[connect]\nworkload_uri = \"/var/run/workload.sock\"", "connect.workload_uri"),
        ]
        for (text, key) in cases {
            let error = configError { _ = try EdgedConfiguration(try ConfigTable(toml: text)) }
            #expect(error?.message.contains(key) == true, "\(text): \(error?.message ?? "no error")")
        }
    }

    @Test("a network as a plain string, empty meaning the default; max_retries infinite; GC defaults kept per key")
    func shapes() throws {
        let named = try EdgedConfiguration(try ConfigTable(toml: "hostname = \"h\"\n[moby_runtime]\nnetwork = \"host\""))
        #expect(named.moby.network == .init(name: "host"))
        let empty = try EdgedConfiguration(try ConfigTable(toml: "hostname = \"h\"\n[moby_runtime]\nnetwork = \"\""))
        #expect(empty.moby.network.name == "azure-iot-edge")
        let infinite = try EdgedConfiguration(try ConfigTable(toml: "hostname = \"h\"\n[watchdog]\nmax_retries = \"Infinite\""))
        #expect(infinite.watchdog.maxRetries == nil)
        let gc = try EdgedConfiguration(try ConfigTable(toml: "hostname = \"h\"\n[image_garbage_collection]\nenabled = false"))
        #expect(gc.imageGarbageCollection == .init(enabled: false))
        let subject = try EdgedConfiguration(try ConfigTable(toml: "hostname = \"h\"\n[edge_ca]\nsubject = { CN = \"ca\", O = \"org\" }"))
        #expect(subject.edgeCA.subject == .attributes([("CN", "ca"), ("O", "org")]))
    }

    @Test("AZIOT_EDGED_CONFIG and AZIOT_EDGED_CONFIG_DIR: the main file, then drop-ins in name order")
    func files() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("edged-config-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: "\(root)/config.d", withIntermediateDirectories: true)
        try "hostname = \"main\"\nhomedir = \"/main\"\n".write(toFile: "\(root)/config.toml", atomically: true, encoding: .utf8)
        try "hostname = \"from-00\"\n[agent.env]\nA = \"1\"\n".write(toFile: "\(root)/config.d/00-super.toml", atomically: true, encoding: .utf8)
        try "[agent.env]\nB = \"2\"\n".write(toFile: "\(root)/config.d/50-local.toml", atomically: true, encoding: .utf8)
        try "hostname = \"ignored\"\n".write(toFile: "\(root)/config.d/not-toml.txt", atomically: true, encoding: .utf8)
        let environment = ["AZIOT_EDGED_CONFIG": "\(root)/config.toml", "AZIOT_EDGED_CONFIG_DIR": "\(root)/config.d"]
        #expect(EdgedConfiguration.files(environment: [:]) == ConfigFileSet(mainFile: "/etc/aziot/edged/config.toml", directory: "/etc/aziot/edged/config.d"))
        let config = try EdgedConfiguration.load(environment: environment)
        #expect(config.hostname == "from-00")
        #expect(config.homedir == "/main")
        #expect(config.agent.env.map(\.key) == ["A", "B"])
    }
}

func configError(_ body: () throws -> Void) -> ConfigError? {
    do {
        try body()
        return nil
    } catch let error as ConfigError {
        return error
    } catch {
        Issue.record("expected a ConfigError, got \(error)")
        return nil
    }
}
