import Foundation
import HubEmulator
import IoTHubProtocol
import Testing

/// The JSON shapes against IoT Hub's documented REST bodies: each literal below has the members,
/// order and value forms of a real IoT Hub response.
@Suite("IoT Hub JSON shapes")
struct JSONShapeTests {
    static let deviceJSON = #"""
        {"deviceId":"gw-0002","generationId":"637121074930370650","etag":"Nzk1MjE0NjM2","connectionState":"Disconnected",
         "status":"enabled","statusReason":null,"connectionStateUpdatedTime":"0001-01-01T00:00:00Z",
         "statusUpdatedTime":"0001-01-01T00:00:00Z","lastActivityTime":"0001-01-01T00:00:00Z","cloudToDeviceMessageCount":0,
         "authentication":{"symmetricKey":{"primaryKey":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","secondaryKey":"Hx4dHBsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA="},
           "x509Thumbprint":{"primaryThumbprint":null,"secondaryThumbprint":null},"type":"sas"},
         "capabilities":{"iotEdge":true},"deviceScope":"ms-azure-iot-edge://gw-0002-637121074930370650","parentScopes":[]}
        """#

    static let moduleJSON = #"""
        {"moduleId":"SimulatedTemperatureSensor","managedBy":"iotEdge","deviceId":"gw-0002","generationId":"637121074930370651",
         "etag":"MjM5NTE4OTAx","connectionState":"Connected","connectionStateUpdatedTime":"2023-02-21T10:40:10.5062402Z",
         "lastActivityTime":"2023-02-21T10:40:43.8539917Z","cloudToDeviceMessageCount":0,
         "authentication":{"symmetricKey":{"primaryKey":null,"secondaryKey":null},
           "x509Thumbprint":{"primaryThumbprint":"9C3E5F2A4D6B8C0E1F3A5B7C9D0E2F4A6B8C0D1E","secondaryThumbprint":null},"type":"selfSigned"}}
        """#

    static let twinJSON = #"""
        {"deviceId":"myEdgeDevice","etag":"AAAAAAAAAAI=","deviceEtag":"NTgwMDg5MDAz","status":"enabled",
         "statusUpdateTime":"0001-01-01T00:00:00Z","connectionState":"Disconnected","lastActivityTime":"0001-01-01T00:00:00Z",
         "cloudToDeviceMessageCount":0,"authenticationType":"sas","x509Thumbprint":{"primaryThumbprint":null,"secondaryThumbprint":null},
         "modelId":"","version":4,"tags":{"location":{"region":"US","plant":"Redmond43"}},
         "properties":{
           "desired":{"targetTemperature":"42",
             "$metadata":{"$lastUpdated":"2020-07-09T13:55:50.7976985Z","$lastUpdatedVersion":5,
               "targetTemperature":{"$lastUpdated":"2020-07-09T13:55:50.7976985Z","$lastUpdatedVersion":5}},
             "$version":5},
           "reported":{"connectivity":{"type":"cellular"},
             "$metadata":{"$lastUpdated":"2023-02-21T10:40:43.8539917Z",
               "connectivity":{"$lastUpdated":"2023-02-21T10:40:43.8539917Z","type":{"$lastUpdated":"2023-02-21T10:40:43.8539917Z"}}},
             "$version":2}},
         "capabilities":{"iotEdge":true},"deviceScope":"ms-azure-iot-edge://myEdgeDevice-637131779299315265","parentScopes":[]}
        """#

    @Test("Device: decode the REST shape, re-encode it identically, member order included")
    func device() throws {
        let literal = try json(Self.deviceJSON)
        let device = try decoded(DeviceIdentity.self, Self.deviceJSON)
        #expect(device.deviceId == "gw-0002" && device.capabilities.iotEdge && device.status == .enabled)
        #expect(device.authentication.symmetricKey.secondaryKey == "Hx4dHBsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA=")
        #expect(try encoded(device) == literal)
        #expect(device.json.objectValue?.isIdentical(to: try #require(literal.objectValue)) == true)
        #expect(try DeviceIdentity(json: literal) == device)
    }

    @Test("Module: decode the REST shape and re-encode it identically")
    func module() throws {
        let literal = try json(Self.moduleJSON)
        let module = try decoded(ModuleIdentity.self, Self.moduleJSON)
        #expect(module.moduleId == "SimulatedTemperatureSensor" && module.managedBy == "iotEdge" && module.connectionState == .connected)
        #expect(module.authentication.type == .selfSigned && module.authentication.symmetricKey.primaryKey == nil)
        #expect(try encoded(module) == literal)
        #expect(module.json.objectValue?.isIdentical(to: try #require(literal.objectValue)) == true)
    }

    @Test("Twin: decode the service shape, with $metadata and $version, and re-encode it identically")
    func twin() throws {
        let literal = try json(Self.twinJSON)
        let twin = try TwinDocument(json: literal)
        #expect(twin.version == 4 && twin.etag == "AAAAAAAAAAI=" && twin.deviceEtag == "NTgwMDg5MDAz")
        #expect(twin.properties.desired.version == 5 && twin.properties.reported.version == 2)
        #expect(twin.properties.desired.properties["targetTemperature"] == "42")
        #expect(twin.properties.desired.metadata?["$lastUpdatedVersion"] == 5)
        #expect(twin.json.objectValue?.isIdentical(to: try #require(literal.objectValue)) == true)
        #expect(try encoded(twin) == literal)
        #expect(try decoded(TwinDocument.self, Self.twinJSON) == twin)
    }

    @Test("the Python service SDK's create body reads with defaults")
    func sdkCreateBody() throws {
        let body = try json(
            #"{"deviceId":"d1","status":"enabled","authentication":{"symmetricKey":{"primaryKey":null,"secondaryKey":null},"type":"sas"},"capabilities":{"iotEdge":false}}"#
        )
        let device = try DeviceIdentity(json: body)
        #expect(device.authentication == .sas() && device.capabilities.iotEdge == false && device.parentScopes.isEmpty)
        #expect(throws: HubError.self) { try DeviceIdentity(json: json(#"{"status":"enabled"}"#)) }
        #expect(throws: HubError.self) { try DeviceIdentity(json: json(#"{"deviceId":"d","status":"sleeping"}"#)) }
        #expect(throws: HubError.self) { try DeviceIdentity(json: json(#"{"deviceId":"d","capabilities":{"iotEdge":"yes"}}"#)) }
    }

    @Test("cloud-to-device messages and telemetry events round-trip, properties in order")
    func messages() throws {
        let message = CloudToDeviceMessage(
            messageId: "m", body: [0, 1, 255], contentType: "text/plain", expiryTime: "2030-01-01T00:00:00Z",
            properties: [("z", "1"), ("a", nil)], enqueuedTime: "2024-01-01T00:00:00.0000000Z", deliveryCount: 2)
        #expect(message.json["body"] == "AAH/")
        #expect(message.json["properties"]?.objectValue?.keys == ["z", "a"])
        #expect(try CloudToDeviceMessage(json: message.json) == message)
        #expect(try JSONDecoder().decode(CloudToDeviceMessage.self, from: JSONEncoder().encode(message)).body == message.body)

        let event = TelemetryEvent(
            sequenceNumber: 7, deviceId: "d", moduleId: nil, enqueuedTime: "2024-01-01T00:00:00.0000000Z", body: Array("x".utf8),
            systemProperties: [("contentType", "application/json")], applicationProperties: [("k2", "v"), ("k1", "w")])
        #expect(try TelemetryEvent(json: event.json) == event)
        #expect(event.json["moduleId"] == .null && event.json["body"] == "eA==")
    }

    @Test("HubError renders IoT Hub's error body exactly")
    func errorBody() throws {
        let timestamp = try #require(HubTimestamp.date(from: "2023-10-24T16:57:00Z"))
        let error = HubError(.deviceNotFound, "sensor-thl-001", trackingId: "06e0221675514160850421f0b3b787a9", timestamp: timestamp)
        let expected = try json(
            #"{"Message":"ErrorCode:DeviceNotFound;sensor-thl-001","ExceptionMessage":"Tracking ID:06e0221675514160850421f0b3b787a9-G:0-TimeStamp:10/24/2023 16:57:00"}"#
        )
        #expect(error.jsonBody.objectValue?.isIdentical(to: try #require(expected.objectValue)) == true)
        #expect(error.httpStatus == 404 && error.code.name == "DeviceNotFound")
        let statuses = [
            HubError.Code.argumentInvalid, .iotHubUnauthorizedAccess, .deviceMaximumQueueDepthExceeded, .moduleNotFound,
            .deviceAlreadyExists, .moduleAlreadyExistsOnDevice, .preconditionFailed, .tooManyDevices, .serverError,
        ].map(\.httpStatus)
        #expect(statuses == [400, 401, 403, 404, 409, 409, 412, 413, 500])
    }

    @Test("timestamps: IoT Hub's seven-digit form, never, parsing")
    func timestamps() throws {
        #expect(HubTimestamp.string(from: Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.0000000Z")
        #expect(HubTimestamp.string(from: Date(timeIntervalSince1970: 1_677_976_810.5)) == "2023-03-05T00:40:10.5000000Z")
        let parsed = try #require(HubTimestamp.date(from: "2023-02-21T10:40:10.5062402Z"))
        #expect(HubTimestamp.string(from: parsed).hasPrefix("2023-02-21T10:40:10.50624"))
        #expect(HubTimestamp.date(from: "2024-02-29T23:59:59+00:00") == Date(timeIntervalSince1970: 1_709_251_199))
        #expect(HubTimestamp.date(from: HubTimestamp.never) == Date(timeIntervalSince1970: -62_135_596_800))
        #expect(HubTimestamp.date(from: "2024-13-01T00:00:00Z") == nil)
        #expect(HubTimestamp.date(from: "yesterday") == nil)
    }
}
