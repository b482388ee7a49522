import ConfigFiles
import TOMLConfig
import Foundation
import Testing

@Suite("Config files: parse, merge, config.d, unknown keys, write")
struct ConfigFilesTests {
    @Test("tables merge recursively, arrays concatenate, scalars are replaced")
    func mergeRules() throws {
        var base = try ConfigTable(toml: """
            hostname = "a"
            [aziot_keys]
            homedir_path = "/var/lib/aziot/keyd"
            [[principal]]
            uid = 1
            keys = ["x"]
            """)
        base.merge(try ConfigTable(toml: """
            hostname = "b"
            [aziot_keys]
            pkcs11_lib_path = "/lib.so"
            [[principal]]
            uid = 2
            keys = ["y"]
            """))
        #expect(base["hostname"] == .string("b"))
        guard case .table(let keys) = base["aziot_keys"], case .array(let principals) = base["principal"] else {
            Issue.record("unexpected shape \(base)")
            return
        }
        #expect(keys.keys.sorted() == ["homedir_path", "pkcs11_lib_path"])
        #expect(principals.count == 2)
        #expect(principals.last == .table(ConfigTable([("keys", .array([.string("y")])), ("uid", .integer(2))])))
    }

    @Test("the main file then config.d/*.toml sorted by name; other files and sub-directories ignored")
    func fileSetOrder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/config.d/sub.toml", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "max_requests = 1\nname = \"main\"\n".write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
        try "max_requests = 2\n".write(toFile: dir + "/config.d/10-b.toml", atomically: true, encoding: .utf8)
        try "max_requests = 3\n".write(toFile: dir + "/config.d/20-c.toml", atomically: true, encoding: .utf8)
        try "max_requests = 9\n".write(toFile: dir + "/config.d/30-d.toml.bak", atomically: true, encoding: .utf8)
        let set = ConfigFileSet(mainFile: dir + "/config.toml", directory: dir + "/config.d")
        #expect(try set.dropInFiles() == [dir + "/config.d/10-b.toml", dir + "/config.d/20-c.toml"])
        let table = try set.load()
        #expect(table["max_requests"] == .integer(3))
        #expect(table["name"] == .string("main"))

        let missing = ConfigFileSet(mainFile: dir + "/absent.toml", directory: dir + "/absent.d")
        #expect(try missing.load().isEmpty)
    }

    @Test("environment overrides name the files")
    func environmentOverrides() {
        let defaults = ConfigFileSet.aziotService("keyd", environment: [:])
        #expect(defaults == ConfigFileSet(mainFile: "/etc/aziot/keyd/config.toml", directory: "/etc/aziot/keyd/config.d"))
        let custom = ConfigFileSet.aziotService("identityd", environment: ["AZIOT_IDENTITYD_CONFIG": "/x.toml", "AZIOT_IDENTITYD_CONFIG_DIR": "/x.d"])
        #expect(custom == ConfigFileSet(mainFile: "/x.toml", directory: "/x.d"))
    }

    @Test("syntax errors name the file, line and column")
    func syntaxError() {
        do {
            _ = try ConfigTable(toml: "a = 1\nb = \n", source: "/etc/x.toml")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.code == .syntax)
            #expect(error.message.hasPrefix("/etc/x.toml: line 2"))
        }
    }

    @Test("the reader names wrong types and missing keys by path, and reports keys nothing read")
    func readerErrorsAndUnknownKeys() throws {
        let table = try ConfigTable(toml: """
            hostname = "dev"
            max_requets = 5
            [provisioning]
            source = "manual"
            conection_string = "x"
            [[principal]]
            uid = "5"
            """)
        let reader = ConfigReader(table)
        #expect(try reader.string("hostname") == "dev")
        let provisioning = try #require(try reader.table("provisioning"))
        #expect(try provisioning.string("source") == "manual")
        #expect(throws: ConfigError.self) { try provisioning.required("connection_string", provisioning.string) }
        let principals = try reader.tableArray("principal")
        do {
            _ = try principals[0].integer("uid")
            Issue.record("expected a type error")
        } catch {
            #expect(error.message == "principal[0].uid: expected an integer, found a string")
        }
        #expect(reader.unusedKeys() == ["max_requets", "provisioning.conection_string"])
        do {
            try reader.finish()
            Issue.record("expected unknown keys")
        } catch {
            #expect(error.code == .unknownKeys)
            #expect(error.message == "unknown configuration keys: max_requets, provisioning.conection_string")
        }
    }

    @Test("an empty table that is read is not reported; an empty table nothing reads is")
    func emptyTables() throws {
        let reader = ConfigReader(try ConfigTable(toml: "[tpm]\n[stray]\n"))
        #expect(try reader.table("tpm")?.table.isEmpty == true)
        #expect(reader.unusedKeys() == ["stray"])
    }

    @Test("a consumed section counts as read, with everything under it")
    func consumedSection() throws {
        let reader = ConfigReader(try ConfigTable(toml: "[aziot_keys]\na = \"1\"\n[x]\ny = { z = 1 }\n"))
        reader.consume("aziot_keys")
        _ = try reader.table("x")?.value("y")
        #expect(reader.unusedKeys().isEmpty)
    }

    @Test("written TOML parses back to the same table")
    func writeRoundTrip() throws {
        var inline = ConfigTable(isInline: true)
        inline["uri"] = .string("file:///var/secrets/aziot/keyd/device-id")
        var table = ConfigTable()
        table["hostname"] = .string("my-device \"quoted\"\n")
        table["max_requests"] = .integer(50)
        table["flag"] = .boolean(true)
        table["list"] = .array([.string("a"), .string("b")])
        table["device_id_pk"] = .table(inline)
        var section = ConfigTable()
        section["local-ca"] = .string("file:///ca.pem")
        section["key.with.dots"] = .string("v")
        table["preloaded_certs"] = .table(section)
        table["principal"] = .array([.table(ConfigTable([("uid", .integer(1)), ("keys", .array([.string("x*")]))]))])
        let text = TOMLWriter.write(table)
        #expect(text.contains("device_id_pk = { uri = \"file:///var/secrets/aziot/keyd/device-id\" }\n"))
        #expect(text.contains("[preloaded_certs]\nlocal-ca = \"file:///ca.pem\"\n\"key.with.dots\" = \"v\"\n"))
        #expect(text.contains("[[principal]]\nuid = 1\nkeys = [\"x*\"]\n"))
        let parsed = try ConfigTable(toml: text)
        #expect(parsed["hostname"] == table["hostname"])
        #expect(parsed["max_requests"] == .integer(50))
        guard case .table(let certs) = parsed["preloaded_certs"] else {
            Issue.record("missing section in \(text)")
            return
        }
        #expect(certs["key.with.dots"] == .string("v"))
        #expect(certs["local-ca"] == .string("file:///ca.pem"))
    }
}

@Suite("Config file watcher")
struct ConfigFileWatcherTests {
    @Test("a new drop-in, an edit and a removal are each reported once, after the files settle")
    func reportsSettledChanges() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/config.d", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "a = 1\n".write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
        let watcher = ConfigFileWatcher(
            files: ConfigFileSet(mainFile: dir + "/config.toml", directory: dir + "/config.d"),
            interval: .milliseconds(50),
            debounce: .milliseconds(300)
        )
        let (stream, continuation) = AsyncStream<[String]>.makeStream()
        let task = Task { await watcher.run { continuation.yield(watcher.snapshot()) } }
        defer { task.cancel() }
        var changes = stream.makeAsyncIterator()

        try await Task.sleep(for: .milliseconds(150))
        // A burst of writes: one report.
        try "[[principal]]\nuid = 1\n".write(toFile: dir + "/config.d/50-agent.toml", atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(60))
        try "[[principal]]\nuid = 2\n".write(toFile: dir + "/config.d/50-agent.toml", atomically: true, encoding: .utf8)
        let first = await changes.next()
        #expect(first?.contains { $0.hasPrefix(dir + "/config.d/50-agent.toml: ") && !$0.hasSuffix("absent") } == true)

        try FileManager.default.removeItem(atPath: dir + "/config.d/50-agent.toml")
        let second = await changes.next()
        #expect(second?.count == 1)
        // Nothing else happened: no third report within a few debounce periods.
        let third = Task {
            var iterator = changes
            return await iterator.next()
        }
        try await Task.sleep(for: .seconds(1))
        task.cancel()
        continuation.finish()
        #expect(await third.value == nil)
    }
}
