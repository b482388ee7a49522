import ConfigFiles
import Foundation
import KeyService
import UnixSocketHTTP
import Logging
import TOMLConfig
import Testing

@Suite("keyd configuration: parse, defaults, unknown keys, write back, PKCS#11 refused")
struct KeydConfigurationTests {
    static let fullConfig = """
        max_requests = 50

        [aziot_keys]
        homedir_path = "/var/lib/aziot/keyd"
        pkcs11_lib_path = "/usr/lib64/pkcs11/libsofthsm2.so"
        pkcs11_base_slot = "pkcs11:token=Key pairs?pin-value=1234"

        [preloaded_keys]
        bootstrap = "file:///var/secrets/bootstrap.key"
        device-id = "pkcs11:token=Key pairs;object=device-id?pin-value=1234"

        [[principal]]
        uid = 1000
        keys = ["test"]
        """

    @Test("the reference's full config parses (PKCS#11 entries included)")
    func fullConfigParses() throws {
        let config = try KeydConfiguration(ConfigTable(toml: Self.fullConfig))
        #expect(config.maxRequests == 50)
        #expect(config.aziotKeys.homedirPath == "/var/lib/aziot/keyd")
        #expect(config.aziotKeys.pkcs11LibPath == "/usr/lib64/pkcs11/libsofthsm2.so")
        #expect(config.aziotKeys.pkcs11BaseSlot == "pkcs11:token=Key pairs?pin-value=1234")
        #expect(config.preloadedKeys["bootstrap"] == .file(path: "/var/secrets/bootstrap.key"))
        #expect(config.preloadedKeys["device-id"] == .pkcs11(uri: "pkcs11:token=Key pairs;object=device-id?pin-value=1234"))
        #expect(config.principals == [.init(uid: 1000, keys: ["test"])])
        #expect(config.endpoint == nil)
    }

    @Test("max_requests defaults to 10; explicit [endpoints] parse")
    func defaultsAndEndpoints() throws {
        let config = try KeydConfiguration(
            ConfigTable(toml: """
                [aziot_keys]
                homedir_path = "/var/lib/aziot/keyd"
                [endpoints]
                aziot_keyd = "unix:///run/aziot/keyd.sock"
                """)
        )
        #expect(config.maxRequests == 10)
        #expect(config.endpoint == .unix(path: "/run/aziot/keyd.sock"))
        #expect(config.preloadedKeys.isEmpty)
        #expect(config.principals.isEmpty)
    }

    @Test("unknown keys are reported by path, not ignored")
    func unknownKeysReported() throws {
        let table = try ConfigTable(toml: """
            max_request = 5
            [aziot_keys]
            homedir_path = "/var/lib/aziot/keyd"
            [[principal]]
            uid = 1
            keys = ["a"]
            name = "typo"
            """)
        do {
            _ = try KeydConfiguration(table)
            Issue.record("an unknown key was accepted")
        } catch {
            #expect(error.code == .unknownKeys)
            #expect(error.message.contains("max_request"), "\(error.message)")
            #expect(error.message.contains("principal[0].name"), "\(error.message)")
        }
    }

    @Test("unknown [aziot_keys] parameters, a missing homedir_path and bad URIs are errors")
    func invalidValues() throws {
        let cases: [(String, String)] = [
            ("[aziot_keys]\nhomedir_path = \"/h\"\nhome_dir = \"/x\"", "aziot_keys.home_dir"),
            ("[aziot_keys]\npkcs11_lib_path = \"/lib.so\"", "aziot_keys.homedir_path"),
            ("[aziot_keys]\nhomedir_path = \"/h\"\n[preloaded_keys]\nk = \"/not/a/uri\"", "preloaded_keys.k"),
            ("[aziot_keys]\nhomedir_path = \"/h\"\n[preloaded_keys]\nk = \"file://relative\"", "preloaded_keys.k"),
            ("[aziot_keys]\nhomedir_path = \"/h\"\n[[principal]]\nuid = -1\nkeys = []", "principal[0].uid"),
            ("[aziot_keys]\nhomedir_path = \"/h\"\n[[principal]]\nuid = 5", "principal[0].keys"),
            ("max_requests = 0\n[aziot_keys]\nhomedir_path = \"/h\"", "max_requests"),
            ("[aziot_keys]\nhomedir_path = \"/h\"\n[endpoints]\naziot_keyd = \"http://127.0.0.1:8080\"", "endpoints.aziot_keyd"),
        ]
        for (text, path) in cases {
            do {
                _ = try KeydConfiguration(ConfigTable(toml: text))
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.message.contains(path), "\(error.message) should name \(path)")
            }
        }
    }

    @Test("toConfigTable writes what aziotctl's golden keyd.toml files hold, and reads back equal")
    func writesLikeTheReference() throws {
        let config = KeydConfiguration(
            aziotKeys: .init(homedirPath: "/var/lib/aziot/keyd"),
            preloadedKeys: ["device-id": .file(path: "/var/secrets/aziot/keyd/device-id")],
            principals: [.init(uid: 5556, keys: ["aziot_identityd_master_id", "device-id"])]
        )
        let text = TOMLWriter.write(config.toConfigTable())
        #expect(
            text == """
                [aziot_keys]
                homedir_path = "/var/lib/aziot/keyd"

                [preloaded_keys]
                device-id = "file:///var/secrets/aziot/keyd/device-id"

                [[principal]]
                uid = 5556
                keys = ["aziot_identityd_master_id", "device-id"]

                """
        )
        #expect(try KeydConfiguration(ConfigTable(toml: text)) == config)

        let full = try KeydConfiguration(ConfigTable(toml: Self.fullConfig))
        let fullText = TOMLWriter.write(full.toConfigTable())
        #expect(fullText.hasPrefix("max_requests = 50\n\n[aziot_keys]\nhomedir_path = \"/var/lib/aziot/keyd\"\npkcs11_base_slot"), "\(fullText)")
        #expect(try KeydConfiguration(ConfigTable(toml: fullText)) == full)

        let empty = KeydConfiguration(aziotKeys: .init(homedirPath: "/h"))
        #expect(TOMLWriter.write(empty.toConfigTable()) == "[aziot_keys]\nhomedir_path = \"/h\"\n\n[preloaded_keys]\n")
    }

    @Test("file URIs are percent-decoded and re-encoded")
    func fileURIs() {
        #expect(PreloadedKeyLocation(uri: "file:///a%20b/c") == .file(path: "/a b/c"))
        #expect(PreloadedKeyLocation(uri: "file://localhost/x") == .file(path: "/x"))
        #expect(PreloadedKeyLocation.file(path: "/a b/c").uri == "file:///a%20b/c")
        #expect(PreloadedKeyLocation(uri: "https://example.com/key") == nil)
    }

    @Test("the service refuses to start with PKCS#11 settings or pkcs11: preloaded keys")
    func pkcs11Refused() throws {
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let withLibrary = try KeydConfiguration(ConfigTable(toml: Self.fullConfig))
        var onlyPreloaded = KeydConfiguration(aziotKeys: .init(homedirPath: "/tmp/keyd-unused"))
        onlyPreloaded.preloadedKeys["device-id"] = .pkcs11(uri: "pkcs11:token=t;object=device-id")
        for config in [withLibrary, onlyPreloaded] {
            do {
                _ = try KeyService(configuration: config, logger: logger)
                Issue.record("the service started with PKCS#11 configured")
            } catch {
                #expect(error.code == .configuration)
                #expect(error.message.contains("PKCS#11 is not supported by this build"), "\(error.message)")
            }
        }
    }

    @Test("config.d drop-ins accumulate principals; the server settings carry endpoint and max_requests")
    func dropInsAndServerSettings() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keyd-cfg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/config.d", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
            max_requests = 3
            [aziot_keys]
            homedir_path = "/var/lib/aziot/keyd"
            [endpoints]
            aziot_keyd = "unix:///tmp/keyd-test.sock"
            [[principal]]
            uid = 5556
            keys = ["aziot_identityd_master_id"]
            """.write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
        try "[[principal]]\nuid = 1000\nkeys = [\"module-*\"]\n".write(toFile: dir + "/config.d/50-agent.toml", atomically: true, encoding: .utf8)
        let config = try KeydConfiguration.load(ConfigFileSet(mainFile: dir + "/config.toml", directory: dir + "/config.d"))
        #expect(config.principals == [.init(uid: 5556, keys: ["aziot_identityd_master_id"]), .init(uid: 1000, keys: ["module-*"])])

        let server = try config.serverConfiguration(environment: [:])
        #expect(server.endpoint == .unixSocket(path: "/tmp/keyd-test.sock"))
        #expect(server.maxConnectionsPerUID == 3)
        #expect(server.socketMode == 0o660)
        let defaulted = try KeydConfiguration(aziotKeys: .init(homedirPath: "/h")).serverConfiguration(environment: [:])
        #expect(defaulted.endpoint == .unixSocket(path: "/run/aziot/keyd.sock"))
        #expect(defaulted.maxConnectionsPerUID == 10)
    }
}
