import AziotConfig
import EdgeConfigTool
import Foundation
import TOMLConfig
import Testing

/// `iotedge config import` from IoT Edge 1.1 `config.yaml` files written for these tests.
@Suite("iotedge config import")
struct ImportCommandTests {
    static let tail = """

        agent:
          name: 'edgeAgent'
          type: 'docker'
          config:
            image: 'mcr.microsoft.com/azureiotedge-agent:1.1'

        hostname: 'edge-07'

        connect:
          management_uri: 'unix:///var/run/iotedge/mgmt.sock'
          workload_uri: 'unix:///var/run/iotedge/workload.sock'

        listen:
          management_uri: 'fd://iotedge.mgmt.socket'
          workload_uri: 'fd://iotedge.socket'

        homedir: '/var/lib/iotedge'

        moby_runtime:
          uri: 'unix:///var/run/docker.sock'
          network: 'azure-iot-edge'
        """

    /// Imports `yaml` in a sandbox; the super-config text, or the failure.
    static func importing(_ yaml: String, sandbox: CommandSandbox? = nil) async throws -> Result<String, TestError> {
        let sandbox = try sandbox ?? CommandSandbox()
        let input = try sandbox.write("old/config.yaml", yaml)
        let out = "\(sandbox.root)/config.toml"
        if let error = await sandbox.run(["import", "-i", input, "-o", out, "--force"]) { return .failure(TestError(message(error) ?? "")) }
        return .success(try sandbox.read(out))
    }

    static func superConfig(_ yaml: String) async throws -> (String, SuperConfig) {
        let text = try await importing(yaml).get()
        return (text, try SuperConfig(toml: text))
    }

    @Test("a manual connection string with a quickstart CA: the whole super-config, which apply then accepts")
    func manualConnectionString() async throws {
        let sandbox = try CommandSandbox()
        let yaml = """
            provisioning:
              source: 'manual'
              device_connection_string: 'HostName=contoso-hub.azure-devices.net;DeviceId=edge-07;SharedAccessKey=AAECAwQF'

            certificates:
              auto_generated_ca_lifetime_days: 30
            """ + Self.tail
        let text = try await Self.importing(yaml, sandbox: sandbox).get()
        #expect(
            text == """
                auto_reprovisioning_mode = "OnErrorOnly"
                hostname = "edge-07"
                prefer_module_identity_cache = false

                [provisioning]
                source = "manual"
                iothub_hostname = "contoso-hub.azure-devices.net"
                device_id = "edge-07"

                [provisioning.authentication]
                method = "sas"

                [provisioning.authentication.device_id_pk]
                value = "AAECAwQF"

                [aziot_keys]

                [preloaded_keys]

                [cert_issuance]

                [preloaded_certs]

                [tpm]

                [agent]
                name = "edgeAgent"
                type = "docker"
                imagePullPolicy = "on-create"

                [agent.config]
                image = "mcr.microsoft.com/azureiotedge-agent:1.1"

                [agent.config.createOptions]

                [agent.config.auth]

                [agent.env]

                [connect]
                workload_uri = "unix:///var/run/iotedge/workload.sock"
                management_uri = "unix:///var/run/iotedge/mgmt.sock"

                [listen]
                workload_uri = "fd://aziot-edged.workload.socket"
                management_uri = "fd://aziot-edged.mgmt.socket"

                [watchdog]
                max_retries = "infinite"

                [edge_ca]
                auto_generated_edge_ca_expiry_days = 30

                [moby_runtime]
                uri = "unix:///var/run/docker.sock"
                network = "azure-iot-edge"

                """)
        #expect(try sandbox.mode("\(sandbox.root)/config.toml") == 0o600)
        #expect(sandbox.output.contains("    sudo iotedge config apply -c '\(sandbox.root)/config.toml'"))
        let error = await sandbox.run(["apply", "-c", "\(sandbox.root)/config.toml"])
        #expect(error == nil, "\(message(error) ?? "")")
        #expect(try sandbox.read(sandbox.configFile("certd")).contains("[cert_issuance.aziot-edged-ca]\nmethod = \"self_signed\"\nexpiry_days = 30\n"))
    }

    @Test("manual X.509 and the reprovisioning flags")
    func manualX509() async throws {
        let (_, config) = try await Self.superConfig(
            """
            provisioning:
              source: 'manual'
              authentication:
                method: 'x509'
                iothub_hostname: 'contoso-hub.azure-devices.net'
                device_id: 'edge-07'
                identity_cert: 'file:///var/secrets/device-id.pem'
                identity_pk: 'file:///var/secrets/device-id.key.pem'
              dynamic_reprovisioning: true
            """ + Self.tail)
        #expect(
            config.provisioning
                == .manual(
                    iothubHostname: "contoso-hub.azure-devices.net", deviceID: "edge-07",
                    authentication: .x509(
                        .preloaded(cert: try ConfigURL(parsing: "file:///var/secrets/device-id.pem"), key: .file(path: "/var/secrets/device-id.key.pem")))))
        #expect(config.edge.autoReprovisioningMode == .dynamic)
    }

    @Test("DPS symmetric key, X.509 and TPM")
    func dps() async throws {
        let head = """
            provisioning:
              source: 'dps'
              global_endpoint: 'https://global.azure-devices-provisioning.net'
              scope_id: '0ne00ABCDEF'
              always_reprovision_on_startup: true
              attestation:

            """
        let (symmetricText, symmetric) = try await Self.superConfig(
            head + "    method: 'symmetric_key'\n    registration_id: 'edge-07'\n    symmetric_key: 'AAECAwQF'\n" + Self.tail)
        #expect(symmetricText.contains("global_endpoint = \"https://global.azure-devices-provisioning.net/\"\nid_scope = \"0ne00ABCDEF\"\n"))
        #expect(symmetricText.contains("[provisioning.attestation.symmetric_key]\nvalue = \"AAECAwQF\"\n"))
        #expect(symmetric.edge.autoReprovisioningMode == .alwaysOnStartup)
        guard case .dps(let symmetricDPS) = symmetric.provisioning else { throw TestError("not DPS") }
        #expect(symmetricDPS.attestation == .symmetricKey(registrationID: "edge-07", key: .inline([0, 1, 2, 3, 4, 5])))

        let (_, x509) = try await Self.superConfig(
            head + "    method: 'x509'\n    identity_cert: 'file:///certs/id.pem'\n    identity_pk: 'pkcs11:token=edge;object=id?pin-value=1234'\n" + Self.tail)
        guard case .dps(let x509DPS) = x509.provisioning, case .x509(nil, .preloaded(let cert, .pkcs11)) = x509DPS.attestation else {
            throw TestError("not DPS X.509 with a PKCS#11 key: \(x509.provisioning)")
        }
        #expect(cert.text == "file:///certs/id.pem")

        let (_, tpm) = try await Self.superConfig(head + "    method: 'tpm'\n    registration_id: 'edge-07'\n" + Self.tail)
        guard case .dps(let tpmDPS) = tpm.provisioning else { throw TestError("not DPS") }
        #expect(tpmDPS.attestation == .tpm(registrationID: "edge-07"))
    }

    @Test("external provisioning and bad values are errors naming the key")
    func errors() async throws {
        let external = try await Self.importing("provisioning:\n  source: 'external'\n  endpoint: 'http://localhost:9999'\n" + Self.tail)
        #expect(external.failureMessage == "provisioning.source: external provisioning is not supported.")
        let method = try await Self.importing(
            "provisioning:\n  source: 'dps'\n  global_endpoint: 'https://g/'\n  scope_id: 's'\n  attestation:\n    method: 'password'\n" + Self.tail)
        #expect(method.failureMessage == "provisioning.attestation.method: expected \"symmetric_key\", \"x509\" or \"tpm\", found \"password\"")
        let connection = try await Self.importing("provisioning:\n  source: 'manual'\n  device_connection_string: 'HostName=h'\n" + Self.tail)
        #expect(connection.failureMessage?.hasPrefix("provisioning.device_connection_string: connection string is invalid") == true)
        let listen = try await Self.importing(
            "provisioning:\n  source: 'manual'\n  device_connection_string: 'HostName=h;DeviceId=d;SharedAccessKey=AAAA'\n"
                + Self.tail.replacingOccurrences(of: "fd://iotedge.socket", with: "fd://my.socket"))
        #expect(listen.failureMessage?.hasPrefix("listen.workload_uri: unexpected value fd://my.socket") == true)
        let hostname = try await Self.importing(
            "provisioning:\n  source: 'manual'\n  device_connection_string: 'HostName=h;DeviceId=d;SharedAccessKey=AAAA'\n"
                + Self.tail.replacingOccurrences(of: "hostname: 'edge-07'", with: ""))
        #expect(hostname.failureMessage == "hostname: missing required key")
        let yaml = try await Self.importing("provisioning: [unclosed")
        #expect(yaml.failureMessage?.contains("could not parse") == true)
    }

    @Test("certificates, agent spec, custom sockets, network, watchdog and the 1.1 master key")
    func everything() async throws {
        let sandbox = try CommandSandbox()
        try sandbox.write("old/enc_keys/master.enc.key", "old-master-key")
        let yaml = """
            provisioning:
              source: 'manual'
              device_connection_string: 'HostName=contoso-hub.azure-devices.net;DeviceId=edge-07;SharedAccessKey=AAECAwQF'

            certificates:
              device_ca_cert: '/var/secrets/device-ca.pem'
              device_ca_pk: '/var/secrets/device-ca.key.pem'
              trusted_ca_certs: '/var/secrets/trusted-ca.pem'

            agent:
              name: 'edgeAgent'
              type: 'docker'
              env:
                UpstreamProtocol: 'MqttWs'
                RuntimeLogLevel: debug
                storageFolder: /iotedge/storage
              config:
                image: 'mcr.microsoft.com/azureiotedge-agent:1.1'
                createOptions:
                  HostConfig:
                    Binds:
                    - '/srv/agent:/iotedge/storage'
                    Memory: 268435456
                    Privileged: false
                auth:
                  username: 'contoso'
                  password: 'cGFzcw=='
                  serveraddress: 'contoso.azurecr.io'

            hostname: 'edge-07'
            parent_hostname: 'gateway.contoso.local'

            connect:
              management_uri: 'unix:///var/lib/iotedge/mgmt.sock'
              workload_uri: 'unix:///var/lib/iotedge/workload.sock'

            listen:
              management_uri: 'unix:///var/lib/iotedge/mgmt.sock'
              workload_uri: 'fd://iotedge.socket'

            homedir: '/var/lib/iotedge'

            watchdog:
              max_retries: 3

            moby_runtime:
              uri: 'unix:///var/run/docker.sock'
              network:
                name: 'edge-net'
                ipv6: true
                ipam:
                  config:
                    - gateway: '172.28.0.1'
                      subnet: '172.28.0.0/16'
                      ip_range: '172.28.5.0/24'
            """
        let text = try await Self.importing(yaml, sandbox: sandbox).get()
        #expect(text.hasPrefix("trust_bundle_cert = \"file:///var/secrets/trusted-ca.pem\"\nauto_reprovisioning_mode = \"OnErrorOnly\"\n"
            + "imported_master_encryption_key = \"\(sandbox.root)/old/enc_keys/master.enc.key\"\nhostname = \"edge-07\"\n"
            + "parent_hostname = \"gateway.contoso.local\"\n"), "\(text)")
        #expect(text.contains("[edge_ca]\ncert = \"file:///var/secrets/device-ca.pem\"\npk = \"file:///var/secrets/device-ca.key.pem\"\n"))
        #expect(text.contains("[agent.config.createOptions.HostConfig]\nBinds = [\"/srv/agent:/iotedge/storage\"]\nMemory = 268435456\nPrivileged = false\n"))
        #expect(text.contains("[agent.config.auth]\nusername = \"contoso\"\npassword = \"cGFzcw==\"\nserveraddress = \"contoso.azurecr.io\"\n"))
        #expect(text.contains("[agent.env]\nUpstreamProtocol = \"MqttWs\"\nRuntimeLogLevel = \"debug\"\nstorageFolder = \"/iotedge/storage\"\n"))
        #expect(text.contains("[listen]\nworkload_uri = \"fd://aziot-edged.workload.socket\"\nmanagement_uri = \"unix:///var/lib/iotedge/mgmt.sock\"\n"))
        #expect(text.contains("[watchdog]\nmax_retries = 3\n"))
        #expect(text.contains("[moby_runtime.network]\nname = \"edge-net\"\nipv6 = true\n\n[[moby_runtime.network.ipam.config]]\ngateway = \"172.28.0.1\"\n"))

        // The whole chain: apply copies the old master key and preloads it.
        let error = await sandbox.run(["apply", "-c", "\(sandbox.root)/config.toml"])
        #expect(error == nil, "\(message(error) ?? "")")
        #expect(try sandbox.read("\(sandbox.secrets)/keyd/imported-master-encryption-key") == "old-master-key")
        let identityd = try sandbox.read(sandbox.configFile("identityd"))
        #expect(identityd.contains("local_gateway_hostname = \"gateway.contoso.local\""))
        let edged = try sandbox.read(sandbox.configFile("edged"))
        #expect(edged.contains("[agent.config.createOptions.HostConfig]\nBinds = [\"/srv/agent:/iotedge/storage\"]\n"))
    }

    @Test("import refuses to overwrite without --force and needs the old file")
    func refuses() async throws {
        let sandbox = try CommandSandbox()
        let out = try sandbox.write("config.toml", "# mine\n")
        let input = try sandbox.write("old/config.yaml", "provisioning:\n  source: 'manual'\n")
        let refused = await sandbox.run(["import", "-i", input, "-o", out])
        #expect(message(refused)?.contains("File \(out) already exists. Azure IoT Edge has already been configured.") == true)
        #expect(message(refused)?.contains("sudo iotedge config import --force") == true)
        #expect(try sandbox.read(out) == "# mine\n")

        let missing = await sandbox.run(["import", "-i", "\(sandbox.root)/absent.yaml", "-o", "\(sandbox.root)/new.toml"])
        #expect(message(missing) == "there is no old config at \(sandbox.root)/absent.yaml available to migrate")
    }
}

extension Result where Failure == TestError {
    var failureMessage: String? {
        if case .failure(let error) = self { return error.description }
        return nil
    }
}
