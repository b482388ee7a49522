import Foundation
import HubEmulator
import IoTHubProtocol
import Testing

@Suite("Twins")
struct TwinTests {
    @Test("a new device twin looks like IoT Hub's: version 2, etag AAAAAAAAAAE=, sections at $version 1 with $lastUpdated")
    func newTwin() async throws {
        try await withRegistry { registry in
            let (device, _) = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            let twin = try await registry.twin(deviceId: "d1", moduleId: nil)
            #expect(twin.deviceId == "d1" && twin.moduleId == nil)
            #expect(twin.version == 2)
            #expect(twin.etag == "AAAAAAAAAAE=")
            #expect(twin.deviceEtag == device.etag)
            #expect(twin.status == .enabled && twin.statusUpdateTime == HubTimestamp.never)
            #expect(twin.connectionState == .disconnected && twin.cloudToDeviceMessageCount == 0)
            #expect(twin.authenticationType == .sas && twin.x509Thumbprint == .init())
            #expect(twin.capabilities == DeviceCapabilities(iotEdge: false) && twin.parentScopes == [])
            #expect(twin.tags.isEmpty)
            for section in [twin.properties.desired, twin.properties.reported] {
                #expect(section.version == 1 && section.properties.isEmpty)
                #expect(section.metadata?.objectValue?.keys == ["$lastUpdated"])
                #expect(isHubTime(section.metadata?["$lastUpdated"]?.stringValue))
            }
            #expect(
                twin.json.objectValue?.keys == [
                    "deviceId", "etag", "deviceEtag", "status", "statusUpdateTime", "connectionState", "lastActivityTime",
                    "cloudToDeviceMessageCount", "authenticationType", "x509Thumbprint", "modelId", "version", "tags", "properties",
                    "capabilities", "parentScopes",
                ])
            #expect(twin.json["properties"]?["desired"]?.objectValue?.keys == ["$metadata", "$version"])
        }
    }

    @Test("PATCH merges tags and desired, null deletes, and $version, version, etag and $metadata follow")
    func patch() async throws {
        try await withRegistry { registry in
            _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            let first = try await registry.updateTwin(
                deviceId: "d1", moduleId: nil,
                patch: json(
                    #"{"tags":{"location":{"region":"US","plant":"Redmond43"}},"properties":{"desired":{"telemetryConfig":{"sendFrequency":"5m","mode":"fast"},"temp":20}}}"#
                ), ifMatch: nil)
            #expect(first.properties.desired.version == 2)
            #expect(first.version == 3 && first.etag == "AAAAAAAAAAI=")
            #expect(first.tags == (try json(#"{"location":{"region":"US","plant":"Redmond43"}}"#).objectValue))
            #expect(
                JSONValue.object(first.properties.desired.properties)
                    == (try json(#"{"telemetryConfig":{"sendFrequency":"5m","mode":"fast"},"temp":20}"#)))
            let metadata = try #require(first.properties.desired.metadata)
            #expect(metadata["$lastUpdatedVersion"] == 2)
            #expect(metadata["telemetryConfig"]?["$lastUpdatedVersion"] == 2)
            #expect(metadata["telemetryConfig"]?["sendFrequency"]?["$lastUpdatedVersion"] == 2)
            #expect(isHubTime(metadata["temp"]?["$lastUpdated"]?.stringValue))
            #expect(metadata.objectValue?.keys == ["$lastUpdated", "$lastUpdatedVersion", "telemetryConfig", "temp"])

            let second = try await registry.updateTwin(
                deviceId: "d1", moduleId: nil,
                patch: json(
                    #"{"tags":{"location":{"plant":null}},"properties":{"desired":{"telemetryConfig":{"mode":null},"temp":null,"new":true}}}"#),
                ifMatch: "\"AAAAAAAAAAI=\"")
            #expect(second.properties.desired.version == 3)
            #expect(second.version == 4 && second.etag == "AAAAAAAAAAM=")
            #expect(second.tags == (try json(#"{"location":{"region":"US"}}"#).objectValue))
            #expect(JSONValue.object(second.properties.desired.properties) == (try json(#"{"telemetryConfig":{"sendFrequency":"5m"},"new":true}"#)))
            let metadata2 = try #require(second.properties.desired.metadata)
            #expect(metadata2["temp"] == nil)
            #expect(metadata2["telemetryConfig"]?["mode"] == nil)
            #expect(metadata2["telemetryConfig"]?["sendFrequency"]?["$lastUpdatedVersion"] == 2)
            #expect(metadata2["telemetryConfig"]?["$lastUpdatedVersion"] == 3)
            #expect(metadata2["new"]?["$lastUpdatedVersion"] == 3)

            let stale = await hubError {
                _ = try await registry.updateTwin(deviceId: "d1", moduleId: nil, patch: ["tags": ["a": 1]], ifMatch: "AAAAAAAAAAE=")
            }
            #expect(stale?.code == .preconditionFailed && stale?.httpStatus == 412)
            let tagsOnly = try await registry.updateTwin(deviceId: "d1", moduleId: nil, patch: ["tags": ["a": 1]], ifMatch: "*")
            #expect(tagsOnly.properties.desired.version == 3 && tagsOnly.version == 5 && tagsOnly.etag == "AAAAAAAAAAQ=")
            #expect(try await registry.twin(deviceId: "d1", moduleId: nil) == tagsOnly)
        }
    }

    @Test("PUT replaces tags and desired; unchanged desired keeps its $version")
    func replace() async throws {
        try await withRegistry { registry in
            _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            _ = try await registry.updateTwin(
                deviceId: "d1", moduleId: nil, patch: json(#"{"tags":{"old":1},"properties":{"desired":{"keep":{"x":1,"y":2},"drop":true}}}"#),
                ifMatch: nil)
            let replaced = try await registry.replaceTwin(
                deviceId: "d1", moduleId: nil, twin: json(#"{"tags":{"env":"prod"},"properties":{"desired":{"keep":{"x":1},"other":1}}}"#),
                ifMatch: nil)
            #expect(replaced.tags == ["env": "prod"])
            #expect(JSONValue.object(replaced.properties.desired.properties) == (try json(#"{"keep":{"x":1},"other":1}"#)))
            #expect(replaced.properties.desired.version == 3)
            #expect(replaced.properties.desired.metadata?["drop"] == nil)
            #expect(replaced.properties.desired.metadata?["other"]?["$lastUpdatedVersion"] == 3)

            let same = try await registry.replaceTwin(
                deviceId: "d1", moduleId: nil, twin: json(#"{"tags":{"env":"prod"},"properties":{"desired":{"keep":{"x":1},"other":1}}}"#),
                ifMatch: replaced.etag)
            #expect(same.properties.desired.version == 3 && same.version == replaced.version && same.etag == replaced.etag)

            let cleared = try await registry.replaceTwin(deviceId: "d1", moduleId: nil, twin: json("{}"), ifMatch: "*")
            #expect(cleared.tags.isEmpty && cleared.properties.desired.properties.isEmpty)
            #expect(cleared.properties.desired.version == 4)
        }
    }

    @Test("reported patches bump the reported $version and the twin version, not the etag, and are validated")
    func reported() async throws {
        try await withRegistry { registry in
            _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            let version = try await registry.updateReportedProperties(
                deviceId: "d1", moduleId: nil, patch: json(#"{"connectivity":{"type":"cellular"},"fw":"1.0"}"#))
            #expect(version == 2)
            let twin = try await registry.twin(deviceId: "d1", moduleId: nil)
            #expect(twin.properties.reported.version == 2 && twin.version == 3 && twin.etag == "AAAAAAAAAAE=")
            #expect(JSONValue.object(twin.properties.reported.properties) == (try json(#"{"connectivity":{"type":"cellular"},"fw":"1.0"}"#)))
            let metadata = try #require(twin.properties.reported.metadata)
            #expect(isHubTime(metadata["connectivity"]?["type"]?["$lastUpdated"]?.stringValue))
            #expect(metadata["$lastUpdatedVersion"] == nil && metadata["fw"]?["$lastUpdatedVersion"] == nil)

            #expect(try await registry.updateReportedProperties(deviceId: "d1", moduleId: nil, patch: json(#"{"fw":null}"#)) == 3)
            let after = try await registry.twin(deviceId: "d1", moduleId: nil)
            #expect(JSONValue.object(after.properties.reported.properties) == (try json(#"{"connectivity":{"type":"cellular"}}"#)))
            #expect(after.properties.reported.metadata?["fw"] == nil)
            #expect(after.properties.desired.version == 1)

            for bad in [#"{"$version":5}"#, #"{"a.b":1}"#, "[1]", #"{"list":[1,null]}"#] {
                let error = await hubError { _ = try await registry.updateReportedProperties(deviceId: "d1", moduleId: nil, patch: try json(bad)) }
                #expect(error?.code == .argumentInvalid, "\(bad)")
            }
            let missingModule = await hubError { _ = try await registry.updateReportedProperties(deviceId: "d1", moduleId: "m", patch: ["a": 1]) }
            #expect(missingModule?.code == .moduleNotFound)
            #expect(try await registry.twin(deviceId: "d1", moduleId: nil).properties.reported.version == 3)
        }
    }

    @Test("malformed twin patches are ArgumentInvalid")
    func malformedPatches() async throws {
        try await withRegistry { registry in
            _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            for bad in [#"[]"#, #"{"tags":5}"#, #"{"properties":{"desired":"x"}}"#, #"{"properties":{"desired":{"bad name":1}}}"#] {
                let error = await hubError { _ = try await registry.updateTwin(deviceId: "d1", moduleId: nil, patch: try json(bad), ifMatch: nil) }
                #expect(error?.code == .argumentInvalid, "\(bad)")
            }
            let big = await hubError {
                _ = try await registry.updateTwin(
                    deviceId: "d1", moduleId: nil,
                    patch: .object([
                        "properties": ["desired": .object(JSONObject((0..<20).map { ("k\($0)", .string(String(repeating: "x", count: 2_000))) }))]
                    ]),
                    ifMatch: nil)
            }
            #expect(big?.code == .argumentInvalid)
            #expect(try await registry.twin(deviceId: "d1", moduleId: nil).properties.desired.version == 1)
        }
    }

    @Test("desired changes reach the device's stream as patches with $version, in order, per identity")
    func desiredStream() async throws {
        try await withRegistry { registry in
            _ = try await registry.createOrUpdateDevice(DeviceIdentity(deviceId: "d1"), ifMatch: nil)
            _ = try await registry.createOrUpdateModule(ModuleIdentity(moduleId: "m1", deviceId: "d1"), ifMatch: nil)
            let deviceStream = await registry.desiredPropertyPatches(deviceId: "d1", moduleId: nil)
            let moduleStream = await registry.desiredPropertyPatches(deviceId: "d1", moduleId: "m1")

            _ = try await registry.updateTwin(deviceId: "d1", moduleId: nil, patch: json(#"{"properties":{"desired":{"a":1}}}"#), ifMatch: nil)
            _ = try await registry.updateTwin(deviceId: "d1", moduleId: nil, patch: json(#"{"tags":{"t":1}}"#), ifMatch: nil)
            _ = try await registry.updateTwin(
                deviceId: "d1", moduleId: nil, patch: json(#"{"properties":{"desired":{"a":null,"b":{"c":true}}}}"#), ifMatch: nil)
            _ = try await registry.replaceTwin(deviceId: "d1", moduleId: nil, twin: json(#"{"properties":{"desired":{"b":{"d":1}}}}"#), ifMatch: nil)
            _ = try await registry.updateTwin(deviceId: "d1", moduleId: "m1", patch: json(#"{"properties":{"desired":{"x":1}}}"#), ifMatch: nil)

            let patches = try await next(3, of: deviceStream)
            #expect(patches[0] == (try json(#"{"a":1,"$version":2}"#)))
            #expect(patches[0].objectValue?.keys == ["a", "$version"])
            #expect(patches[1] == (try json(#"{"a":null,"b":{"c":true},"$version":3}"#)))
            #expect(patches[2] == (try json(#"{"b":{"d":1,"c":null},"$version":4}"#)))
            let modulePatches = try await next(1, of: moduleStream)
            #expect(modulePatches == [try json(#"{"x":1,"$version":2}"#)])

            let moduleTwin = try await registry.twin(deviceId: "d1", moduleId: "m1")
            let module = try await registry.module(deviceId: "d1", moduleId: "m1")
            #expect(moduleTwin.moduleId == "m1" && moduleTwin.deviceEtag == module.etag && moduleTwin.capabilities == nil)
            #expect(moduleTwin.json.objectValue?.keys.contains("capabilities") == false)
            #expect(moduleTwin.properties.desired.version == 2 && moduleTwin.etag == "AAAAAAAAAAI=")
        }
    }
}
