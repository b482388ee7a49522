import AziotConfig
import Foundation
import TOMLConfig
import Testing

/// The golden scenarios: `Fixtures/apply/<scenario>/config.toml` in, the four services' configs out, compared
/// byte for byte with `keyd.toml`, `certd.toml`, `identityd.toml`, `tpmd.toml` (an empty file means all
/// defaults), and the inline device key with `device-id` when that file exists.
@Suite("config apply: golden files")
struct ConfigApplyGoldenTests {
    static let directory: URL = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/apply")

    static let scenarios: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: directory.appendingPathComponent("\($0)/config.toml").path) }.sorted()
    }()

    /// The machine the goldens were written for.
    static let inputs = ConfigApply.Inputs(aziotcsUID: 1002, aziotidUID: 1003, machineHostname: "gw-host")

    @Test("there are at least 15 scenarios")
    func scenarioCount() {
        #expect(Self.scenarios.count >= 15, "found \(Self.scenarios)")
    }

    @Test("the scenario's four configs and device key match the golden files", arguments: scenarios)
    func scenario(_ name: String) throws {
        let folder = Self.directory.appendingPathComponent(name)
        let configText = try String(contentsOf: folder.appendingPathComponent("config.toml"), encoding: .utf8)
        let config = try SuperConfig(toml: configText, source: "\(name)/config.toml")
        let output = try ConfigApply.run(config, Self.inputs)
        for service in ConfigApply.Service.allCases {
            let expected = try String(contentsOf: folder.appendingPathComponent("\(service.rawValue).toml"), encoding: .utf8)
            let actual = output.toml(for: service)
            #expect(actual == expected, "\(name)/\(service.rawValue).toml differs:\n--- expected\n\(expected)--- actual\n\(actual)---")
        }
        let keyFile = folder.appendingPathComponent("device-id").path
        let expectedKey = FileManager.default.contents(atPath: keyFile).map { [UInt8]($0) }
        #expect(output.deviceIDKey == expectedKey)
    }

    @Test("every generated config parses back as TOML", arguments: scenarios)
    func generatedConfigsParse(_ name: String) throws {
        let folder = Self.directory.appendingPathComponent(name)
        let config = try SuperConfig(toml: try String(contentsOf: folder.appendingPathComponent("config.toml"), encoding: .utf8))
        let output = try ConfigApply.run(config, Self.inputs)
        for service in ConfigApply.Service.allCases {
            let reparsed = try ConfigTable(toml: output.toml(for: service))
            #expect(reparsed.keys.sorted() == output.table(for: service).keys.sorted())
        }
    }

    @Test("an inline key is written where the inputs say and preloaded from there")
    func deviceKeyPath() throws {
        let config = try SuperConfig(toml: """
            [provisioning]
            source = "manual"
            connection_string = "HostName=hub.example;DeviceId=d1;SharedAccessKey=AAAA"
            """)
        var inputs = Self.inputs
        inputs.deviceIDKeyPath = "/tmp/test secrets/keyd/device-id"
        let output = try ConfigApply.run(config, inputs)
        #expect(output.deviceIDKey == [0, 0, 0])
        #expect(output.toml(for: .keyd).contains("device-id = \"file:///tmp/test%20secrets/keyd/device-id\"\n"))
    }

    @Test("the hostname defaults to the machine's")
    func machineHostname() throws {
        let config = try SuperConfig(toml: "[provisioning]\nsource = \"none\"\n")
        var inputs = Self.inputs
        inputs.machineHostname = "other-host"
        let output = try ConfigApply.run(config, inputs)
        #expect(output.identityd["hostname"] == .string("other-host"))
    }
}
