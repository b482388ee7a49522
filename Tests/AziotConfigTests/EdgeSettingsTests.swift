import AziotConfig
import TOMLConfig
import Testing

/// The IoT Edge keys of the super-config as `SuperConfig.edge`.
@Suite("Super-config: the IoT Edge keys")
struct EdgeSettingsTests {
    static let head = "[provisioning]\nsource = \"none\"\n"

    static func edge(_ text: String) throws -> EdgeSettings {
        try SuperConfig(toml: text.hasPrefix("[") ? head + text : text + head).edge
    }

    static func error(_ text: String) -> ConfigError? {
        let full = text.hasPrefix("[") ? head + text : text + head
        do {
            _ = try SuperConfig(toml: full)
            return nil
        } catch {
            return error
        }
    }

    @Test("without edge keys: the defaults, and isPresent false")
    func defaults() throws {
        let edge = try Self.edge("")
        #expect(edge == EdgeSettings())
        #expect(!edge.isPresent)
        #expect(edge.agent.image == "mcr.microsoft.com/azureiotedge-agent:1.6")
        #expect(edge.connect == .defaultConnect)
        #expect(edge.listen.managementURI == "fd://aziot-edged.mgmt.socket")
        #expect(edge.mobyRuntime.network == .name("azure-iot-edge"))
        #expect(edge.edgeCA == nil)
        #expect(try Self.edge("allow_elevated_docker_permissions = false\n").isPresent)
    }

    @Test("the three Edge CA shapes")
    func edgeCAShapes() throws {
        let quickstart = try Self.edge("[edge_ca]\nauto_generated_edge_ca_expiry_days = 30\n[edge_ca.auto_renew]\nthreshold = \"50%\"\n")
        #expect(quickstart.edgeCA == .quickstart(expiryDays: 30, autoRenew: AutoRenewConfig(threshold: .percentage(50)), subject: nil))

        let preloaded = try Self.edge("[edge_ca]\ncert = \"file:///ca.pem\"\npk = \"pkcs11:token=t;object=ca\"\n")
        guard case .preloaded(let cert, .pkcs11) = preloaded.edgeCA else { throw ConfigError(.invalidValue, "not preloaded: \(String(describing: preloaded.edgeCA))") }
        #expect(cert.text == "file:///ca.pem")

        let issued = try Self.edge("[edge_ca]\nmethod = \"local_ca\"\ncommon_name = \"CA\"\nexpiry_days = 10\n")
        #expect(issued.edgeCA == .issued(CertIssuanceOptions(method: .localCA, expiryDays: 10, autoRenew: .default, subject: .commonName("CA"))))
    }

    @Test("the network as a name or a table with IPAM, content trust, image GC defaults folded away")
    func mobyAndGC() throws {
        let edge = try Self.edge(
            """
            [moby_runtime]
            uri = "unix:///run/docker.sock"
            [moby_runtime.network]
            name = ""
            [[moby_runtime.network.ipam.config]]
            subnet = "10.1.0.0/16"
            [moby_runtime.content_trust.ca_certs]
            "r.example" = "file:///r.pem"
            [image_garbage_collection]
            cleanup_recurrence = "1 day"
            image_age_cleanup_threshold = "1w"
            """)
        #expect(edge.mobyRuntime.uri == "unix:///run/docker.sock")
        #expect(edge.mobyRuntime.network == .table(name: "azure-iot-edge", ipv6: nil, ipam: [.init(subnet: "10.1.0.0/16")]))
        #expect(edge.mobyRuntime.contentTrustCACerts?.map(\.hostname) == ["r.example"])
        #expect(edge.imageGarbageCollection == nil)
        let custom = try Self.edge("[image_garbage_collection]\nenabled = false\n")
        #expect(custom.imageGarbageCollection == EdgeSettings.ImageGarbageCollection(enabled: false))
    }

    @Test("errors name the key path")
    func errors() {
        #expect(Self.error("[agent]\nname = \"a\"\ntype = \"rkt\"\n[agent.config]\nimage = \"i\"\n")?.message == "agent.type: only \"docker\" is supported, found \"rkt\"")
        #expect(Self.error("[agent]\nname = \"a\"\ntype = \"docker\"\nimagePullPolicy = \"always\"\n[agent.config]\nimage = \"i\"\n")?.message
            == "agent.imagePullPolicy: expected \"on-create\" or \"never\", found \"always\"")
        #expect(Self.error("[agent]\nname = \"a\"\ntype = \"docker\"\n[agent.config]\nimage = \"i\"\n[agent.env]\nX = [1]\n")?.message == "agent.env.X: expected a string")
        #expect(Self.error("[connect]\nworkload_uri = \"tcp://x\"\n")?.message == "connect.workload_uri: expected a unix://, fd:// or http:// URI, found \"tcp://x\"")
        #expect(Self.error("imported_master_encryption_key = \"key\"\n")?.message == "imported_master_encryption_key: expected an absolute file path, found \"key\"")
        #expect(Self.error("[edge_ca]\ncert = \"https://x/ca.pem\"\npk = \"file:///k\"\n")?.message == "edge_ca.cert: expected a file:// URL, found \"https://x/ca.pem\"")
        #expect(Self.error("[edge_ca]\nmethod = \"self_signed\"\n[edge_ca.auto_renew]\nretry = \"soon\"\n")?.message.hasPrefix("edge_ca.auto_renew.retry:") == true)
        #expect(Self.error("[moby_runtime.network]\nipv6 = \"yes\"\n")?.message == "moby_runtime.network.ipv6: expected a boolean, found a string")
    }
}
