import Foundation
import NIOHTTP1
import IdentityService
import Testing
import TOMLConfig
import UnixSocketHTTP

@Suite("identityd configuration")
struct ConfigurationTests {
    static func parse(_ text: String) throws -> IdentitydConfiguration {
        try IdentitydConfiguration(try ConfigTable(toml: text))
    }

    /// The error of parsing `text` (an issue is recorded when it parses).
    static func error(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
        do {
            _ = try parse(text)
            Issue.record("the configuration parsed", sourceLocation: sourceLocation)
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    static let manualSAS = """
        hostname = "iotedge"
        homedir = "/var/lib/aziot/identityd"

        [provisioning]
        source = "manual"
        iothub_hostname = "hubname"
        device_id = "deviceid"

        [provisioning.authentication]
        method = "sas"
        device_id_pk = "sas"
        """

    @Test("manual SAS provisioning parses to the SAS variant, with the reference's defaults")
    func manualSAS() throws {
        let config = try Self.parse(Self.manualSAS)
        #expect(config.hostname == "iotedge")
        #expect(config.homedir == "/var/lib/aziot/identityd")
        #expect(config.provisioning.source == .manual(.init(iothubHostname: "hubname", deviceId: "deviceid", authentication: .sas(deviceIdPk: "sas"))))
        #expect(config.provisioning.localGatewayHostname == nil)
        #expect(config.maxRequests == 10)
        #expect(config.cloudTimeoutSeconds == 70)
        #expect(config.cloudRetries == 1)
        #expect(config.preferModuleIdentityCache == false)
        #expect(config.principals.isEmpty)
        #expect(config.endpoints.keyd == .unix(path: "/run/aziot/keyd.sock"))
        #expect(config.endpoints.certd == .unix(path: "/run/aziot/certd.sock"))
        #expect(config.endpoints.identityd == .unix(path: "/run/aziot/identityd.sock"))
    }

    @Test("DPS with a symmetric key parses")
    func dpsSymmetricKey() throws {
        let config = try Self.parse(
            """
            hostname = "iotedge"
            homedir = "/var/lib/aziot/identityd"

            [provisioning]
            source = "dps"
            "global_endpoint" = "http://globaldevices.net"
            "scope_id" = "scope"

            [provisioning.attestation]
            method = "symmetric_key"
            registration_id = "regid"
            symmetric_key = "dps"
            """)
        #expect(
            config.provisioning.source
                == .dps(.init(globalEndpoint: "http://globaldevices.net", scopeId: "scope", attestation: .symmetricKey(registrationId: "regid", symmetricKey: "dps"))))
    }

    @Test("DPS with a payload file URI (simple and nested JSON files alike) keeps the URI", arguments: ["simple_payload.json", "complex_payload.json"])
    func dpsPayload(file: String) throws {
        let config = try Self.parse(
            """
            hostname = "iotedge"
            homedir = "/var/lib/aziot/identityd"

            [provisioning]
            source = "dps"
            global_endpoint = "https://global.azure-devices-provisioning.net"
            scope_id = "scope"
            payload = { uri = "file:///tmp/\(file)" }

            [provisioning.attestation]
            method = "symmetric_key"
            registration_id = "regid"
            symmetric_key = "dps"
            """)
        guard case .dps(let dps) = config.provisioning.source else {
            Issue.record("not DPS")
            return
        }
        #expect(dps.payloadURI == "file:///tmp/\(file)")
    }

    @Test("DPS X.509: registration id as a string or a subject table (CN required, names upper-cased), auto-renew kept")
    func dpsX509() throws {
        let base = """
            hostname = "h"
            homedir = "/h"
            [provisioning]
            source = "dps"
            global_endpoint = "https://global.azure-devices-provisioning.net"
            scope_id = "0ne00000001"
            [provisioning.attestation]
            method = "x509"
            identity_cert = "device-id"
            identity_pk = "device-id"

            """
        let bare = try Self.parse(base)
        #expect(bare.provisioning.source == .dps(.init(
            globalEndpoint: "https://global.azure-devices-provisioning.net", scopeId: "0ne00000001",
            attestation: .x509(registrationId: nil, identityCert: "device-id", identityPk: "device-id", autoRenew: nil))))

        let named = try Self.parse(base + "registration_id = \"my-reg\"\n")
        guard case .dps(let dps) = named.provisioning.source, case .x509(let subject?, _, _, _) = dps.attestation else {
            Issue.record("no registration id")
            return
        }
        #expect(subject == .commonName("my-reg"))

        let table = try Self.parse(base + "registration_id = { CN = \"my-reg\", o = \"Contoso\", OU = \"Edge\" }\n[provisioning.attestation.identity_auto_renew]\nrotate_key = true\nthreshold = \"80%\"\nretry = \"4%\"\n")
        guard case .dps(let dps2) = table.provisioning.source, case .x509(let subject2?, _, _, let renew?) = dps2.attestation else {
            Issue.record("no registration id table")
            return
        }
        #expect(subject2 == .attributes(commonName: "my-reg", others: [.init(name: "O", value: "Contoso"), .init(name: "OU", value: "Edge")]))
        #expect(renew["threshold"] == .string("80%"))

        let noCN = Self.error(base + "registration_id = { O = \"Contoso\" }\n")
        #expect(noCN?.message.contains("CN") == true)
        let badThreshold = Self.error(base + "[provisioning.attestation.identity_auto_renew]\nthreshold = \"101%\"\n")
        #expect(badThreshold?.code == .invalidValue)
    }

    @Test("manual X.509 with a csr_subject, nested mode, TPM, none")
    func otherSources() throws {
        let x509 = try Self.parse(
            """
            hostname = "h"
            homedir = "/h"
            [provisioning]
            source = "manual"
            iothub_hostname = "hub.azure-devices.net"
            device_id = "dev"
            local_gateway_hostname = "parent.local"
            [provisioning.authentication]
            method = "x509"
            identity_cert = "device-id"
            identity_pk = "device-id"
            csr_subject = { CN = "ignored", L = "Zurich" }
            """)
        #expect(x509.provisioning.localGatewayHostname == "parent.local")
        #expect(x509.provisioning.source == .manual(.init(
            iothubHostname: "hub.azure-devices.net", deviceId: "dev",
            authentication: .x509(identityCert: "device-id", identityPk: "device-id", csrSubject: .attributes(commonName: "ignored", others: [.init(name: "L", value: "Zurich")])))))

        let tpm = try Self.parse("hostname = \"h\"\nhomedir = \"/h\"\n[provisioning]\nsource = \"dps\"\nglobal_endpoint = \"https://g\"\nscope_id = \"s\"\n[provisioning.attestation]\nmethod = \"tpm\"\nregistration_id = \"r\"\n")
        #expect(tpm.provisioning.source == .dps(.init(globalEndpoint: "https://g", scopeId: "s", attestation: .tpm(registrationId: "r"))))

        let none = try Self.parse("hostname = \"h\"\nhomedir = \"/h\"\n[provisioning]\nsource = \"none\"\n")
        #expect(none.provisioning.source == .none)
    }

    @Test("our extension: a connection string gives the hub, the device and the key to import into keyd")
    func connectionString() throws {
        let config = try Self.parse(
            """
            hostname = "h"
            homedir = "/h"
            [provisioning]
            source = "manual"
            connection_string = "HostName=hub.azure-devices.net;DeviceId=dev1;SharedAccessKey=AQIDBA=="
            """)
        #expect(config.provisioning.source == .manual(.init(iothubHostname: "hub.azure-devices.net", deviceId: "dev1", authentication: .connectionString(keyBytes: [1, 2, 3, 4]))))
        let both = Self.error("hostname = \"h\"\nhomedir = \"/h\"\n[provisioning]\nsource = \"manual\"\ndevice_id = \"d\"\nconnection_string = \"HostName=h;DeviceId=d;SharedAccessKey=AQIDBA==\"\n")
        #expect(both?.code == .invalidValue)
        let module = Self.error("hostname = \"h\"\nhomedir = \"/h\"\n[provisioning]\nsource = \"manual\"\nconnection_string = \"HostName=h;DeviceId=d;ModuleId=m;SharedAccessKey=AQIDBA==\"\n")
        #expect(module?.message.contains("connection_string") == true)
    }

    @Test("principals: host processes, the daemon, local identity options (client by default), [localid], endpoints")
    func principals() throws {
        let config = try Self.parse(
            """
            hostname = "iotedge"
            homedir = "/var/lib/aziot/identityd"
            prefer_module_identity_cache = true
            max_requests = 50
            cloud_timeout_sec = 120
            cloud_retries = 3

            [localid]
            domain = "example.com"

            [[principal]]
            name = "hostdaemon1"
            uid = 1001

            [[principal]]
            name = "hostprocess1"
            idtype = ["device"]
            uid = 1002

            [[principal]]
            name = "hostprocess2"
            idtype = ["module", "local"]
            uid = 1003

            [[principal]]
            uid = 1004
            name = "module2"
            idtype = ["local"]
            localid = { type = "x509" }

            [[principal]]
            uid = 1005
            name = "module3"
            idtype = ["local"]
            localid = { type = "x509", attributes = "server" }

            [provisioning]
            source = "manual"
            iothub_hostname = "hubname"
            device_id = "deviceid"

            [provisioning.authentication]
            method = "sas"
            device_id_pk = "sas"

            [endpoints]
            aziot_certd = "unix:///tmp/certd.sock"
            aziot_keyd = "unix:///tmp/keyd.sock"
            aziot_identityd = "unix:///tmp/identityd.sock"
            aziot_tpmd = "unix:///tmp/tpmd.sock"
            """)
        #expect(config.localIdDomain == "example.com")
        #expect(config.preferModuleIdentityCache)
        #expect(config.maxRequests == 50 && config.cloudTimeoutSeconds == 120 && config.cloudRetries == 3)
        #expect(config.principals.count == 5)
        #expect(config.principals[0] == IdentityPrincipal(uid: 1001, name: "hostdaemon1"))
        #expect(config.principals[2] == IdentityPrincipal(uid: 1003, name: "hostprocess2", idTypes: [.module, .local]))
        #expect(config.principals[3].localIdOptions == LocalIdentityOptions(attributes: .client))
        #expect(config.principals[4].localIdOptions == LocalIdentityOptions(attributes: .server))
        #expect(config.hubModuleNames == ["hostprocess2"])
        #expect(config.endpoints.keyd == .unix(path: "/tmp/keyd.sock"))
        #expect(config.endpoints.identityd == .unix(path: "/tmp/identityd.sock"))
        #expect(config.endpoints.tpmd == .unix(path: "/tmp/tpmd.sock"))
    }

    @Test("invalid configurations are refused with a message naming the problem")
    func invalid() {
        // An empty file lacks every required key.
        #expect(Self.error("")?.code == .missingKey)
        // A local principal needs [localid].
        let local = Self.error(
            """
            hostname = "iotedge"
            homedir = "/var/lib/aziot/identityd"
            [provisioning]
            source = "dps"
            "global_endpoint" = "http://globaldevices.net"
            "scope_id" = "scope"
            [[principal]]
            uid = 1001
            name = "hostdaemon1"
            idtype = ["local"]
            [provisioning.attestation]
            method = "symmetric_key"
            registration_id = "regid"
            symmetric_key = "dps"
            """)
        #expect(local?.message == "invalid config for hostdaemon1: local id type requires localid config")
        // An unknown source.
        let source = Self.error(Self.manualSAS.replacingOccurrences(of: "source = \"manual\"", with: "source = \"dps2\""))
        #expect(source?.message.contains("provisioning.source") == true)
        // Duplicate principal names.
        let duplicate = Self.error(Self.manualSAS + "\n[[principal]]\nuid = 1\nname = \"m\"\n[[principal]]\nuid = 2\nname = \"m\"\nidtype = [\"module\"]\n")
        #expect(duplicate?.message.contains("duplicate module name: m") == true)
        // Local identity options on a non-local principal.
        let options = Self.error(Self.manualSAS + "\n[[principal]]\nuid = 1\nname = \"m\"\nidtype = [\"module\"]\nlocalid = { type = \"x509\" }\n")
        #expect(options?.message == "invalid config for m: local identity options specified for non-local identity")
        // Module identities need provisioning.
        let none = Self.error("hostname = \"h\"\nhomedir = \"/h\"\n[provisioning]\nsource = \"none\"\n[[principal]]\nuid = 1\nname = \"m\"\nidtype = [\"module\"]\n")
        #expect(none?.message == "invalid config for m: module or device identity requires provisioning with IoT Hub")
        // cloud_timeout_sec has a minimum of 70.
        let timeout = Self.error(Self.manualSAS.replacingOccurrences(of: "homedir = \"/var/lib/aziot/identityd\"", with: "homedir = \"/h\"\ncloud_timeout_sec = 69"))
        #expect(timeout?.message == "cloud_timeout_sec: cloud_timeout_sec must be at least 70 seconds")
        // An unknown identity type and an unknown local identity type.
        #expect(Self.error(Self.manualSAS + "\n[[principal]]\nuid = 1\nname = \"m\"\nidtype = [\"modul\"]\n")?.code == .invalidValue)
        // An endpoint that is not a URI.
        #expect(Self.error(Self.manualSAS + "\n[endpoints]\naziot_keyd = \"/run/keyd.sock\"\n")?.message.contains("endpoints.aziot_keyd") == true)
    }

    @Test("unknown keys are reported (the reference ignores them): the legacy [connect]/[listen] tables, typos")
    func unknownKeys() {
        let legacy = Self.error(Self.manualSAS + "\n[connect]\napi_uri = \"unix:///run/aziot/identityd.sock\"\n[listen]\napi_uri = \"unix:///run/aziot/identityd.sock\"\n")
        #expect(legacy?.code == .unknownKeys)
        #expect(legacy?.message == "unknown configuration keys: connect, listen")
        let typo = Self.error(Self.manualSAS.replacingOccurrences(of: "device_id_pk", with: "device_id_key"))
        #expect(typo?.message.contains("provisioning.authentication") == true)
    }

    @Test("the prev_state serialization parses back to the same settings, without secrets")
    func roundTrip() throws {
        let texts = [
            Self.manualSAS + "\n[localid]\ndomain = \"example.com\"\n[[principal]]\nuid = 1\nname = \"d\"\n[[principal]]\nuid = 2\nname = \"m\"\nidtype = [\"module\", \"local\"]\nlocalid = { type = \"x509\", attributes = \"server\" }\n",
            "hostname = \"h\"\nhomedir = \"/h\"\ncloud_retries = 4\nmax_requests = 20\n[provisioning]\nsource = \"dps\"\nglobal_endpoint = \"https://g\"\nscope_id = \"s\"\npayload = { uri = \"file:///p.json\" }\n[provisioning.attestation]\nmethod = \"x509\"\nidentity_cert = \"c\"\nidentity_pk = \"k\"\nregistration_id = { CN = \"r\", O = \"o\" }\n",
        ]
        for text in texts {
            let config = try Self.parse(text)
            let written = TOMLWriter.write(config.configTable)
            #expect(try Self.parse(written) == config, "\(written)")
        }
        let withSecret = try Self.parse("hostname = \"h\"\nhomedir = \"/h\"\n[provisioning]\nsource = \"manual\"\nconnection_string = \"HostName=hub;DeviceId=d;SharedAccessKey=AQIDBA==\"\n")
        let written = TOMLWriter.write(withSecret.configTable)
        #expect(!written.contains("AQIDBA"))
        #expect(written.contains("device_id_pk = \"device-id\""))
        // Defaults are omitted, as the reference's serializer does.
        #expect(!TOMLWriter.write(try Self.parse(Self.manualSAS).configTable).contains("cloud_timeout_sec"))
    }
}
