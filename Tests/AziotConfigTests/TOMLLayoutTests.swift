import AziotConfig
import TOMLConfig
import Testing

/// The writer's layout rules that the golden files depend on.
@Suite("TOML layout of generated configs")
struct TOMLLayoutTests {
    @Test("a table holding only sub-tables gets no header; an empty one does")
    func implicitTables() {
        let est = ConfigTable([("urls", .table(ConfigTable([("default", .string("https://e/"))])))])
        var table = ConfigTable()
        table["homedir_path"] = .string("/h")
        table["cert_issuance"] = .table(ConfigTable([("est", .table(est))]))
        table["preloaded_certs"] = .table(ConfigTable())
        #expect(TOMLWriter.write(table) == """
            homedir_path = "/h"

            [cert_issuance.est.urls]
            default = "https://e/"

            [preloaded_certs]

            """)
    }

    @Test("values first, then sub-tables depth first, then arrays of tables")
    func order() {
        var inner = ConfigTable()
        inner["b"] = .table(ConfigTable([("x", .integer(1))]))
        inner["a"] = .string("after b in the table, before it in the file")
        var table = ConfigTable()
        table["t"] = .table(inner)
        table["principal"] = .array([.table(ConfigTable([("uid", .integer(1)), ("keys", .array([.string("k1"), .string("k2")]))]))])
        table["max_requests"] = .integer(20)
        #expect(TOMLWriter.write(table) == """
            max_requests = 20

            [t]
            a = "after b in the table, before it in the file"

            [t.b]
            x = 1

            [[principal]]
            uid = 1
            keys = ["k1", "k2"]

            """)
    }

    @Test("strings take the simplest form that needs no escape")
    func strings() {
        #expect(TOMLWriter.formatString("plain") == "\"plain\"")
        #expect(TOMLWriter.formatString(#"C:\keys"#) == #"'C:\keys'"#)
        #expect(TOMLWriter.formatString(#"say "hi""#) == #"'say "hi"'"#)
        #expect(TOMLWriter.formatString("it's \"x\"") == "\"\"\"it's \"x\"\"\"\"")
        #expect(TOMLWriter.formatString("two\nlines") == "\"\"\"\ntwo\nlines\"\"\"")
        #expect(TOMLWriter.formatString("tab\there") == "\"tab\\there\"")
        #expect(TOMLWriter.formatString("bell\u{07}") == "\"bell\\u0007\"")
        #expect(TOMLWriter.formatKey("device-id") == "device-id")
        #expect(TOMLWriter.formatKey("a.b") == "\"a.b\"")
        #expect(TOMLWriter.formatKey("say \"x\"") == "'say \"x\"'")
    }

    @Test("every string form parses back to the same value", arguments: ["plain", #"C:\keys"#, #"say "hi""#, "it's \"x\"", "two\nlines", "tab\there", "both ' and \\", "'''\"\"\"\\", "\u{07}\n"])
    func roundTrip(_ value: String) throws {
        let text = TOMLWriter.write(ConfigTable([("k", .string(value))]))
        #expect(try ConfigTable(toml: text)["k"] == .string(value), "written as \(text)")
    }

    @Test("config mp writes the minimal super-config, which parses back")
    func minimalSuperConfig() throws {
        let connectionString = try ManualConnectionString(parsing: "HostName=hub.example;DeviceId=d1;SharedAccessKey=AAAA")
        let text = TOMLWriter.write(SuperConfig.manualProvisioningTable(connectionString: connectionString))
        #expect(text == """
            prefer_module_identity_cache = false

            [provisioning]
            source = "manual"
            connection_string = "HostName=hub.example;DeviceId=d1;SharedAccessKey=AAAA"

            [aziot_keys]

            [preloaded_keys]

            [cert_issuance]

            [preloaded_certs]

            [tpm]

            """)
        let config = try SuperConfig(toml: text)
        #expect(config.provisioning == .manualConnectionString(connectionString))
    }
}
