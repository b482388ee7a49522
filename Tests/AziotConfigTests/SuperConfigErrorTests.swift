import AziotConfig
import TOMLConfig
import Testing

/// Configs the parser or the translation must refuse, each with a message that names the key.
@Suite("super-config: errors name the key and say what is wrong")
struct SuperConfigErrorTests {
    static let inputs = ConfigApply.Inputs(aziotcsUID: 1002, aziotidUID: 1003, machineHostname: "gw-host")

    /// The error parsing `toml` throws; records an issue when it parses.
    private func parseError(_ toml: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
        do {
            _ = try SuperConfig(toml: toml)
            Issue.record("expected an error for:\n\(toml)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    static let manualSASHead = """
        [provisioning]
        source = "manual"
        iothub_hostname = "hub.example"
        device_id = "d1"

        [provisioning.authentication]
        method = "sas"

        """

    @Test("DPS in nested mode is refused by apply with the reference's message")
    func dpsNested() throws {
        let config = try SuperConfig(toml: """
            local_gateway_hostname = "parent.example"

            [provisioning]
            source = "dps"
            global_endpoint = "https://global.azure-devices-provisioning.net/"
            id_scope = "0ne00A1B2C3"

            [provisioning.attestation]
            method = "symmetric_key"
            registration_id = "d1"
            symmetric_key = { value = "AAAA" }
            """)
        do {
            _ = try ConfigApply.run(config, Self.inputs)
            Issue.record("expected the nested-mode error")
        } catch {
            #expect(error.message == "DPS provisioning is not supported in nested mode")
        }
    }

    @Test("missing keys are named with their path")
    func missingKeys() {
        #expect(parseError("hostname = \"x\"\n")?.message == "provisioning: missing required key")
        #expect(parseError("[provisioning]\nsource = \"manual\"\ndevice_id = \"d\"\n")?.message == "provisioning.iothub_hostname: missing required key")
        #expect(parseError(Self.manualSASHead)?.message == "provisioning.authentication.device_id_pk: missing required key")
        let dps = """
            [provisioning]
            source = "dps"
            global_endpoint = "https://dps.example/"
            id_scope = "s"
            [provisioning.attestation]
            method = "x509"
            identity_cert = "file:///c.pem"
            """
        #expect(parseError(dps)?.message == "provisioning.attestation.identity_pk: missing required key")
        let limits = "[provisioning]\nsource = \"none\"\n[aziot_max_requests]\nkeyd = 1\ncertd = 2\nidentityd = 3\n"
        #expect(parseError(limits)?.message == "aziot_max_requests.tpmd: missing required key")
        let renew = """
            [provisioning]
            source = "none"
            [cert_issuance.est.identity_auto_renew]
            rotate_key = true
            threshold = "80%"
            """
        #expect(parseError(renew)?.message == "cert_issuance.est.identity_auto_renew.retry: missing required key")
    }

    @Test("unknown keys are reported with their paths, or collected on request")
    func unknownKeys() throws {
        let toml = """
            hostnme = "typo"

            [provisioning]
            source = "dps"
            global_endpoint = "https://dps.example/"
            id_scope = "s"
            scope_id = "copied from identityd"

            [provisioning.attestation]
            method = "tpm"
            registration_id = "d1"

            [agnt]
            name = "edgeAgent"
            """
        let error = parseError(toml)
        #expect(error?.code == .unknownKeys)
        // Paths come in the order the TOML library reports keys (sorted), tables before their contents.
        #expect(error?.message == "unknown configuration keys: agnt, hostnme, provisioning.scope_id")
        let collected = try SuperConfig(toml: toml, unknownKeys: .collect)
        #expect(collected.unknownKeys == ["agnt", "hostnme", "provisioning.scope_id"])
        #expect(collected.provisioning == .dps(.init(globalEndpoint: try ConfigURL(parsing: "https://dps.example/"), idScope: "s", attestation: .tpm(registrationID: "d1"))))
    }

    @Test("a key for another method is unknown")
    func keyOfAnotherMethod() {
        let error = parseError(Self.manualSASHead + "device_id_pk = { value = \"AAAA\" }\nidentity_cert = \"file:///c.pem\"\n")
        #expect(error?.message == "unknown configuration key: provisioning.authentication.identity_cert")
    }

    @Test("bad base64 in an inline key")
    func badBase64() {
        #expect(parseError(Self.manualSASHead + "device_id_pk = { value = \"not base64!\" }\n")?.message
            == "provisioning.authentication.device_id_pk.value: not valid base64")
        #expect(parseError(Self.manualSASHead + "device_id_pk = { value = \"AAAAA\" }\n")?.message
            == "provisioning.authentication.device_id_pk.value: not valid base64")
        #expect(parseError(Self.manualSASHead + "device_id_pk = { value = \"AAAA\", uri = \"file:///k\" }\n")?.message
            == "provisioning.authentication.device_id_pk: expected { value = \"<base64 key>\" } or { uri = \"file:///…\" | \"pkcs11:…\" }")
    }

    @Test("bad connection strings")
    func badConnectionStrings() {
        func message(_ connectionString: String) -> String? {
            parseError("[provisioning]\nsource = \"manual\"\nconnection_string = \"\(connectionString)\"\n")?.message
        }
        #expect(message("HostName=hub.example;DeviceId=d1")
            == "provisioning.connection_string: connection string is invalid: required parameter \"SharedAccessKey\" is missing")
        #expect(message("DeviceId=d1;SharedAccessKey=AAAA")
            == "provisioning.connection_string: connection string is invalid: required parameter \"HostName\" is missing")
        #expect(message("HostName=hub.example;DeviceId=d1;SharedAccessKey=%%%")
            == "provisioning.connection_string: connection string is invalid: the \"SharedAccessKey\" parameter is not valid base64")
        #expect(message("HostName=;DeviceId=d1;SharedAccessKey=AAAA")
            == "provisioning.connection_string: connection string is invalid: HostName is empty")
    }

    @Test("bad renewal policies")
    func badRenewalPolicies() {
        func message(_ threshold: String) -> String? {
            parseError("""
                [provisioning]
                source = "none"
                [cert_issuance.est.identity_auto_renew]
                rotate_key = true
                threshold = "\(threshold)"
                retry = "4%"
                """)?.message
        }
        #expect(message("101%") == "cert_issuance.est.identity_auto_renew.threshold: invalid renewal policy \"101%\": a lifetime percentage must be less than 100")
        #expect(message("1year") == "cert_issuance.est.identity_auto_renew.threshold: invalid renewal policy \"1year\": expected a number followed by %, min or day")
        #expect(message("0min") == "cert_issuance.est.identity_auto_renew.threshold: invalid renewal policy \"0min\": the value must be positive")
    }

    @Test("values out of range or of the wrong type")
    func badValues() {
        #expect(parseError("cloud_timeout_sec = 69\n[provisioning]\nsource = \"none\"\n")?.message == "cloud_timeout_sec: must be at least 70 seconds")
        #expect(parseError("[provisioning]\nsource = \"manual\"\niothub_hostname = \"h\"\ndevice_id = 5\n")?.message
            == "provisioning.device_id: expected a string, found an integer")
        #expect(parseError("[provisioning]\nsource = \"cloud\"\n")?.message == "provisioning.source: expected \"manual\", \"dps\" or \"none\", found \"cloud\"")
        #expect(parseError("[provisioning]\nsource = \"none\"\n[tpm]\nauth_key_index = 0x80_00_00\n")?.message
            == "tpm.auth_key_index: must be an integer in the range 0x00_00_00..=0x7F_FF_FF")
        #expect(parseError("local_gateway_hostname = \"a\"\nparent_hostname = \"b\"\n[provisioning]\nsource = \"none\"\n")?.message
            == "parent_hostname: local_gateway_hostname and parent_hostname are two names for one setting: give only one")
        let expiry = """
            [provisioning]
            source = "manual"
            iothub_hostname = "h"
            device_id = "d"
            [provisioning.authentication]
            method = "x509"
            identity_cert = { method = "local_ca", expiry_days = 0 }
            """
        #expect(parseError(expiry)?.message == "provisioning.authentication.identity_cert.expiry_days: expiry_days must be greater than 0")
    }

    @Test("bad key and certificate locations")
    func badLocations() {
        #expect(parseError(Self.manualSASHead + "device_id_pk = { uri = \"pkcs11:object=k\" }\n")?.message
            == "provisioning.authentication.device_id_pk.uri: \"pkcs11:object=k\" has neither slot-id nor token")
        #expect(parseError(Self.manualSASHead + "device_id_pk = { uri = \"/var/secrets/key\" }\n")?.message
            == "provisioning.authentication.device_id_pk.uri: \"/var/secrets/key\" is not a URI: expected file:///… or pkcs11:…")
        #expect(parseError(Self.manualSASHead + "device_id_pk = { uri = \"https://keys.example/k\" }\n")?.message
            == "provisioning.authentication.device_id_pk.uri: \"https://keys.example/k\" has an unsupported scheme: expected file:///… or pkcs11:…")
        #expect(parseError("[provisioning]\nsource = \"none\"\n[preloaded_certs]\nca = \"ca.pem\"\n")?.message
            == "preloaded_certs.ca: invalid URL \"ca.pem\": relative URL without a base")
    }

    @Test("an EST URL over plain HTTP is accepted with a warning")
    func httpESTWarning() throws {
        let config = try SuperConfig(toml: """
            [provisioning]
            source = "none"
            [cert_issuance.est.urls]
            default = "http://est.example/.well-known/est"
            """)
        #expect(config.warnings.count == 1)
        #expect(config.warnings.first?.contains("cert_issuance.est.urls.default") == true)
        #expect(config.warnings.first?.contains("http://est.example/.well-known/est") == true)
    }
}
