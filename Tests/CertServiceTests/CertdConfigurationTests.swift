import AziotConfig
import CertService
import Testing
import TOMLConfig

@Suite("certd configuration")
struct CertdConfigurationTests {
    static let full = """
        homedir_path = "/var/lib/aziot/certd"
        max_requests = 50

        [cert_issuance]
        device-ca = { method = "self_signed", common_name = "Edge CA", expiry_days = 90 }
        module-server = { method = "local_ca" }

        [cert_issuance.device-id]
        method = "est"
        url = "https://est.example.org/.well-known/est"
        username = "user"
        password = "pass"
        expiry_days = 365

        [cert_issuance.device-id.subject]
        CN = "my-device"
        O = "Contoso"

        [cert_issuance.local_ca]
        cert = "local-ca"
        pk = "local-ca"

        [cert_issuance.est]
        trusted_certs = ["est-server-ca-1"]
        bootstrap_identity_cert = "est-bootstrap-id"
        bootstrap_identity_pk = "est-bootstrap-id"

        [cert_issuance.est.identity_auto_renew]
        rotate_key = true
        threshold = "50%"
        retry = "10%"

        [cert_issuance.est.urls]
        default = "https://est.example.org/.well-known/est"

        [preloaded_certs]
        est-server-ca-1 = "file:///var/secrets/est-ca.pem"
        local-ca = "file:///var/secrets/local-ca.pem"
        trust-bundle = ["est-server-ca-1", "local-ca"]

        [[principal]]
        uid = 5556
        certs = ["device-id", "device-id-temp"]

        [endpoints]
        aziot_certd = "unix:///tmp/certd.sock"
        aziot_keyd = "unix:///tmp/keyd.sock"
        """

    @Test("a full configuration parses into every section")
    func fullParse() throws {
        let config = try CertdConfiguration(try ConfigTable(toml: Self.full))
        #expect(config.homedirPath == "/var/lib/aziot/certd")
        #expect(config.maxRequests == 50)
        #expect(config.certIssuance.map(\.certId) == ["device-ca", "device-id", "module-server"])
        #expect(config.options(for: "device-ca") == CertIssuanceOptions(method: .selfSigned, expiryDays: 90, subject: .commonName("Edge CA")))
        let deviceId = try #require(config.options(for: "device-id"))
        #expect(deviceId.method == .est)
        #expect(deviceId.subject == .attributes([("CN", "my-device"), ("O", "Contoso")]))
        #expect(deviceId.estSettings["username"] == .string("user"))
        #expect(config.localCA?.cert == "local-ca")
        #expect(config.localCA?.pk == "local-ca")
        #expect(config.est?["trusted_certs"] == .array([.string("est-server-ca-1")]))
        #expect(config.preloadedCerts.map(\.id) == ["est-server-ca-1", "local-ca", "trust-bundle"])
        #expect(config.preloadedCerts[2].source == .bundle(["est-server-ca-1", "local-ca"]))
        #expect(config.principals == [CertPrincipal(uid: 5556, certs: ["device-id", "device-id-temp"])])
        #expect(config.keydEndpoint == "unix:///tmp/keyd.sock")
    }

    @Test("max_requests defaults to 10")
    func defaults() throws {
        let config = try CertdConfiguration(try ConfigTable(toml: "homedir_path = \"/x\"\n"))
        #expect(config.maxRequests == 10)
        #expect(config.certIssuance.isEmpty)
    }

    @Test("invalid configurations are refused with the key path", arguments: [
        ("", "homedir_path: missing required key"),
        ("homedir_path = \"/x\"\n[cert_issuance]\na = { method = \"self_signed\", expiry_days = 0 }\n", "cert_issuance.a.expiry_days: must be greater than 0"),
        ("homedir_path = \"/x\"\n[cert_issuance]\na = { method = \"magic\" }\n", "cert_issuance.a.method: expected \"self_signed\", \"local_ca\" or \"est\", found \"magic\""),
        ("homedir_path = \"/x\"\nhomedir = \"/y\"\n", "unknown configuration key: homedir"),
        ("homedir_path = \"/x\"\n[preloaded_certs]\nb = [\"missing\"]\n", "preloaded_certs.b: \"missing\" is not a preloaded certificate with a file:// URI"),
        ("homedir_path = \"/x\"\n[preloaded_certs]\nb = \"pkcs11:object=x\"\n", "preloaded_certs.b: only file:// URIs are supported, found \"pkcs11:object=x\""),
    ])
    func refused(toml: String, message: String) throws {
        do {
            _ = try CertdConfiguration(try ConfigTable(toml: toml))
            Issue.record("accepted: \(toml)")
        } catch {
            #expect(error.message == message)
        }
    }

    @Test("common names are cut to 64 characters at a character boundary")
    func commonNameTruncation() {
        let long = String(repeating: "a", count: 63) + "é" + "bbbb"
        let cut = CertificateIssuer.truncatedCommonName(long)
        #expect(cut.count == 64)
        #expect(cut.hasSuffix("é"))
        #expect(CertificateIssuer.truncatedCommonName("short") == "short")
    }

    @Test("principal patterns: * any run, ? one character", arguments: [
        ("device-*", "device-id", true), ("device-*", "device-", true), ("device-?d", "device-id", true),
        ("device-?", "device-id", false), ("*", "", true), ("a*b*c", "axxbyyc", true), ("a*b*c", "axxbyy", false),
        ("exact", "exact", true), ("exact", "exact2", false),
    ])
    func wildcard(pattern: String, text: String, matches: Bool) {
        #expect(PrincipalPattern(pattern).matches(text) == matches)
    }
}
