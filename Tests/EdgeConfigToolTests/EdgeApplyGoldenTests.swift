import AziotConfig
import EdgeDaemon
import Foundation
import TOMLConfig
import Testing

/// The edge golden scenarios: `Fixtures/apply/<scenario>/config.toml` in, the five services' files out, compared
/// byte for byte (header included) with `keyd.toml`, `certd.toml`, `identityd.toml`, `tpmd.toml`, `edged.toml`,
/// and the inline device key with `device-id` when that file exists. `additional-info.toml` in a scenario stands
/// for the file its `additional_info` names. Set `EDGE_CONFIG_GOLDEN_RECORD=1` to rewrite the expected files.
@Suite("iotedge config apply: golden files")
struct EdgeApplyGoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/apply")

    static let scenarios: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: directory.appendingPathComponent("\($0)/config.toml").path) }.sorted()
    }()

    static func inputs(for folder: URL) throws -> EdgeConfigApply.Inputs {
        var inputs = EdgeConfigApply.Inputs(aziotcsUID: 5555, aziotidUID: 5556, iotedgeUID: 5558, machineHostname: "gw-host")
        let info = folder.appendingPathComponent("additional-info.toml")
        if FileManager.default.fileExists(atPath: info.path) {
            let table = try ConfigTable(toml: try String(contentsOf: info, encoding: .utf8))
            inputs.additionalInfo = table.map { entry in
                guard case .string(let value) = entry.value else { return .init(key: entry.key, value: "") }
                return .init(key: entry.key, value: value)
            }
        }
        return inputs
    }

    static func output(_ name: String) throws -> EdgeConfigApply.Output {
        let folder = directory.appendingPathComponent(name)
        let text = try String(contentsOf: folder.appendingPathComponent("config.toml"), encoding: .utf8)
        return try EdgeConfigApply.run(try SuperConfig(toml: text, source: "\(name)/config.toml"), try inputs(for: folder))
    }

    @Test("there are at least 14 scenarios")
    func scenarioCount() {
        #expect(Self.scenarios.count >= 14, "found \(Self.scenarios)")
    }

    @Test("the five files and the device key match the golden files", arguments: scenarios)
    func scenario(_ name: String) throws {
        let folder = Self.directory.appendingPathComponent(name)
        let output = try Self.output(name)
        let record = ProcessInfo.processInfo.environment["EDGE_CONFIG_GOLDEN_RECORD"] == "1"
        for service in EdgeConfigApply.Service.allCases {
            let file = folder.appendingPathComponent("\(service.rawValue).toml")
            let actual = output.fileText(for: service)
            if record { try actual.write(to: file, atomically: true, encoding: .utf8) }
            let expected = try String(contentsOf: file, encoding: .utf8)
            #expect(actual == expected, "\(name)/\(service.rawValue).toml differs:\n--- expected\n\(expected)--- actual\n\(actual)---")
        }
        let keyFile = folder.appendingPathComponent("device-id")
        if record, let key = output.deviceIDKey { try Data(key).write(to: keyFile) }
        let expectedKey = FileManager.default.contents(atPath: keyFile.path).map { [UInt8]($0) }
        #expect(output.deviceIDKey == expectedKey)
    }

    @Test("edged loads every generated edged config", arguments: scenarios)
    func edgedLoads(_ name: String) throws {
        let output = try Self.output(name)
        let reparsed = try ConfigTable(toml: output.fileText(for: .edged))
        #expect(Normalized(reparsed) == Normalized(output.edged))
        let configuration = try EdgedConfiguration(reparsed)
        #expect(configuration.hostname == "edge-07")
        #expect(configuration.trustBundleCert == EdgeConfigApply.trustBundleID)
    }

    @Test("the identity service files parse back to what was built", arguments: scenarios)
    func identityFilesParse(_ name: String) throws {
        let output = try Self.output(name)
        for service in [EdgeConfigApply.Service.keyd, .certd, .identityd, .tpmd] {
            let reparsed = try ConfigTable(toml: output.fileText(for: service))
            #expect(Normalized(reparsed) == Normalized(output.table(for: service)), "\(name)/\(service.rawValue)")
        }
    }
}

/// A TOML value with table keys sorted, for comparisons that ignore key order (as the reference's tests do).
indirect enum Normalized: Equatable, CustomStringConvertible {
    case scalar(String)
    case array([Normalized])
    case table([String: Normalized])

    init(_ table: ConfigTable) {
        var entries: [String: Normalized] = [:]
        for (key, value) in table { entries[key] = Normalized(value) }
        self = .table(entries)
    }

    init(_ value: ConfigValue) {
        switch value {
        case .table(let table): self.init(table)
        case .array(let items): self = .array(items.map(Normalized.init))
        default: self = .scalar(TOMLWriter.formatInline(value))
        }
    }

    var description: String {
        switch self {
        case .scalar(let text): text
        case .array(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .table(let entries): "{" + entries.keys.sorted().map { "\($0) = \(entries[$0]!)" }.joined(separator: ", ") + "}"
        }
    }
}
