import IoTHubProtocol
import Testing

@Suite("Twin")
struct TwinTests {
    static let getBody = #"{"desired":{"color":"red","$metadata":{"$lastUpdated":"2024-01-01T00:00:00Z"},"$version":3},"reported":{"temp":21.5,"$version":7}}"#

    @Test("reads and renders the MQTT GET body")
    func mqttBody() throws {
        let twin = try Twin(json: JSONValue(parsing: Self.getBody))
        #expect(twin.desired.version == 3)
        #expect(twin.desired.properties == ["color": "red"])
        #expect(twin.desired.metadata == ["$lastUpdated": "2024-01-01T00:00:00Z"])
        #expect(twin.reported.version == 7)
        #expect(twin.reported.properties == ["temp": 21.5])
        #expect(twin.reported.metadata == nil)
        #expect(twin.tags == nil)
        #expect(twin.json.jsonString == Self.getBody)
    }

    @Test("reads and renders the service layout with tags")
    func serviceLayout() throws {
        let text = #"{"deviceId":"d","tags":{"site":"a"},"properties":{"desired":{"$version":1},"reported":{"x":[1,2],"$version":2}}}"#
        let twin = try Twin(json: JSONValue(parsing: text))
        #expect(twin.tags == ["site": "a"])
        #expect(twin.reported.properties == ["x": [1, 2]])
        #expect(twin.serviceJSON.jsonString == #"{"tags":{"site":"a"},"properties":{"desired":{"$version":1},"reported":{"x":[1,2],"$version":2}}}"#)
        #expect(try Twin(json: twin.serviceJSON) == twin)
    }

    @Test("an empty twin has both sections at version 1")
    func emptyTwin() {
        #expect(Twin().json.jsonString == #"{"desired":{"$version":1},"reported":{"$version":1}}"#)
    }

    @Test("section rendering puts $metadata then $version last, whatever the input order")
    func sectionLayout() throws {
        let section = try TwinProperties(json: JSONValue(parsing: #"{"$version":5,"b":1,"$metadata":{},"a":2}"#))
        #expect(section.properties.keys == ["b", "a"])
        #expect(section.json.jsonString == #"{"b":1,"a":2,"$metadata":{},"$version":5}"#)
    }

    @Test(
        "shape errors name the path",
        arguments: [
            ("[]", TwinError.Code.notAnObject, "", "twin must be a JSON object"),
            (#"{"reported":{"$version":1}}"#, .missingSection, "desired", "desired is missing"),
            (#"{"desired":{"$version":1}}"#, .missingSection, "reported", "reported is missing"),
            (#"{"properties":{"desired":{"$version":1}}}"#, .missingSection, "properties.reported", "properties.reported is missing"),
            (#"{"properties":[]}"#, .notAnObject, "properties", "properties must be a JSON object"),
            (#"{"desired":1,"reported":{"$version":1}}"#, .notAnObject, "desired", "desired must be a JSON object"),
            (#"{"desired":{},"reported":{"$version":1}}"#, .missingVersion, "desired.$version", "desired.$version is missing"),
            (#"{"desired":{"$version":1},"reported":{"$version":"2"}}"#, .invalidVersion, "reported.$version", #"reported.$version must be a non-negative integer, not "2""#),
            (#"{"desired":{"$version":-1},"reported":{"$version":1}}"#, .invalidVersion, "desired.$version", "desired.$version must be a non-negative integer, not -1"),
            (#"{"desired":{"$version":1.5},"reported":{"$version":1}}"#, .invalidVersion, "desired.$version", "desired.$version must be a non-negative integer, not 1.5"),
            (#"{"desired":{"$version":1},"reported":{"$version":1},"tags":5}"#, .notAnObject, "tags", "tags must be a JSON object"),
        ] as [(String, TwinError.Code, String, String)])
    func shapeErrors(text: String, code: TwinError.Code, path: String, message: String) throws {
        let json = try JSONValue(parsing: text)
        let error = #expect(throws: TwinError.self) { try Twin(json: json) }
        #expect(error?.code == code)
        #expect(error?.path == path)
        #expect(error?.message == message)
    }

    @Test("applying a reported patch: merge-patch semantics, version incremented")
    func applyReported() throws {
        let section = try TwinProperties(json: JSONValue(parsing: #"{"a":1,"b":{"c":2,"d":3},"$version":4}"#))
        let patched = try section.applying(patch: ["b": ["c": nil, "e": 5], "a": nil, "f": [1, 2]])
        #expect(patched.version == 5)
        #expect(patched.json.jsonString == #"{"b":{"d":3,"e":5},"f":[1,2],"$version":5}"#)
        #expect(section.version == 4)  // value semantics
    }

    @Test("version rules")
    func versionRules() throws {
        var section = TwinProperties(properties: ["x": 1], version: 10, metadata: ["m": 1])
        #expect(try section.applying(patch: ["y": 2], versionRule: .unchanged).version == 10)
        #expect(try section.applying(patch: ["y": 2], versionRule: .explicit(99)).version == 99)
        #expect(try section.applying(patch: ["y": 2, "$version": 42], versionRule: .fromPatch).version == 42)
        try section.apply(patch: ["$version": 42, "$metadata": ["ignored": true], "y": 2])
        #expect(section.version == 11)
        #expect(section.properties == ["x": 1, "y": 2])
        #expect(section.metadata == ["m": 1])
        let missing = #expect(throws: TwinError.self) { try section.applying(patch: ["y": 3], versionRule: .fromPatch) }
        #expect(missing?.code == .missingVersion)
        #expect(missing?.message == "patch $version is missing")
        let invalid = #expect(throws: TwinError.self) {
            try section.applying(patch: ["$version": "7"], versionRule: .fromPatch)
        }
        #expect(invalid?.code == .invalidVersion)
    }

    @Test("a desired patch as the hub sends it (body includes $version)")
    func desiredPatch() throws {
        var twin = try Twin(json: JSONValue(parsing: Self.getBody))
        let body = try JSONValue(parsing: #"{"color":null,"speed":5,"$version":4}"#)
        try twin.desired.apply(patch: try #require(body.objectValue), versionRule: .fromPatch)
        #expect(twin.desired.json.jsonString == #"{"speed":5,"$metadata":{"$lastUpdated":"2024-01-01T00:00:00Z"},"$version":4}"#)
    }
}
