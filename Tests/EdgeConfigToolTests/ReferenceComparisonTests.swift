import AziotConfig
import EdgeConfigTool
import Foundation
import TOMLConfig
import Testing

/// Runs the reference implementation's own `iotedge config apply` test cases (not part of this repository) when
/// `IOTEDGE_REFERENCE_CONFIG_FILES` names a copy of its `test-files/config` directory, comparing the five
/// configs key-order-insensitively as the reference's test does. Without the variable there is nothing to run.
@Suite("iotedge config apply: the reference's test cases")
struct ReferenceComparisonTests {
    static let directory = ProcessInfo.processInfo.environment["IOTEDGE_REFERENCE_CONFIG_FILES"]

    static let cases: [String] = {
        guard let directory else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: "\(directory)/\($0)/super-config.toml") }.sorted()
    }()

    @Test("a reference case gives the same five configs", .enabled(if: directory != nil), arguments: cases)
    func referenceCase(_ name: String) throws {
        let folder = "\(Self.directory!)/\(name)"
        let text = try String(contentsOfFile: "\(folder)/super-config.toml", encoding: .utf8)
        let config = try SuperConfig(toml: text, source: name)
        let output = try EdgeConfigApply.run(config, EdgeConfigApply.Inputs(aziotcsUID: 5555, aziotidUID: 5556, iotedgeUID: 5558, machineHostname: "my-device"))
        for service in EdgeConfigApply.Service.allCases {
            let path = "\(folder)/\(service.rawValue).toml"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let expected = try ConfigTable(toml: try String(contentsOfFile: path, encoding: .utf8))
            let actual = try ConfigTable(toml: output.fileText(for: service))
            #expect(Normalized(actual) == Normalized(expected), "\(name)/\(service.rawValue).toml:\nexpected \(Normalized(expected))\nactual   \(Normalized(actual))")
        }
        if let key = FileManager.default.contents(atPath: "\(folder)/device-id") { #expect(output.deviceIDKey == [UInt8](key)) }
    }

    static let importCases = cases.filter { FileManager.default.fileExists(atPath: "\(directory!)/\($0)/old-config.yaml") }

    @Test("a reference case's 1.1 config.yaml imports as its super-config", .enabled(if: directory != nil), arguments: importCases)
    func importCase(_ name: String) throws {
        let folder = "\(Self.directory!)/\(name)"
        let yaml = try String(contentsOfFile: "\(folder)/old-config.yaml", encoding: .utf8)
        // The reference's test stands the old master key at this path when the case has one.
        let masterKey = FileManager.default.fileExists(atPath: "\(folder)/master-encryption-key") ? "/tmp/master-encryption-key" : nil
        let document = try OldConfigImport.superConfig(yaml: yaml, source: name, masterKeyPath: masterKey)
        let expected = try ConfigTable(toml: try String(contentsOfFile: "\(folder)/super-config.toml", encoding: .utf8))
        let actual = try ConfigTable(toml: document.text)
        #expect(Normalized(actual) == Normalized(expected), "\(name):\nexpected \(Normalized(expected))\nactual   \(Normalized(actual))")
    }
}
