import IoTHubProtocol
import Testing

@Suite("IoTHubConnectionString")
struct IoTHubConnectionStringTests {
    static let key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

    @Test("parses a device string (the Python SDK test form)")
    func device() throws {
        let cs = try IoTHubConnectionString(parsing: "HostName=localhost;DeviceId=dev1;SharedAccessKey=\(Self.key)")
        #expect(cs.kind == .device)
        #expect(cs.hostName == "localhost")
        #expect(cs.deviceId == "dev1")
        #expect(cs.moduleId == nil)
        #expect(cs.sharedAccessKey == Self.key)
        #expect(cs.sharedAccessKeyBytes == Array("0123456789abcdef0123456789abcdef".utf8))
        #expect(cs.usesX509 == false)
        #expect(cs.connectHostName == "localhost")
        #expect(cs.clientId == "dev1")
        #expect(cs.description == "HostName=localhost;DeviceId=dev1;SharedAccessKey=\(Self.key)")
    }

    @Test("parses a module string with a gateway")
    func module() throws {
        let text = "HostName=myhub.azure-devices.net;DeviceId=edgedev1;ModuleId=modA;SharedAccessKey=\(Self.key);GatewayHostName=edge.local"
        let cs = try IoTHubConnectionString(parsing: text)
        #expect(cs.kind == .module)
        #expect(cs.moduleId == "modA")
        #expect(cs.gatewayHostName == "edge.local")
        #expect(cs.connectHostName == "edge.local")
        #expect(cs.clientId == "edgedev1/modA")
        #expect(cs.description == text)
        #expect(cs.audience == .module(hostName: "myhub.azure-devices.net", deviceId: "edgedev1", moduleId: "modA"))
    }

    @Test("parses a service policy string")
    func servicePolicy() throws {
        let text = "HostName=myhub.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=\(Self.key)"
        let cs = try IoTHubConnectionString(parsing: text)
        #expect(cs.kind == .servicePolicy)
        #expect(cs.sharedAccessKeyName == "iothubowner")
        #expect(cs.clientId == nil)
        #expect(cs.audience == nil)
        #expect(cs.description == text)
    }

    @Test("x509 device string")
    func x509() throws {
        let cs = try IoTHubConnectionString(parsing: "HostName=h;DeviceId=d;x509=true")
        #expect(cs.usesX509)
        #expect(cs.kind == .device)
        #expect(cs.description == "HostName=h;DeviceId=d;x509=true")
        #expect(try IoTHubConnectionString(parsing: "HostName=h;DeviceId=d;x509=TRUE").usesX509)
    }

    @Test("fields in any order, whitespace and empty fields tolerated; canonical render")
    func canonicalOrder() throws {
        let cs = try IoTHubConnectionString(
            parsing: " SharedAccessKey = \(Self.key) ;;ModuleId=m; DeviceId=d ;HostName=h;")
        #expect(cs.description == "HostName=h;DeviceId=d;ModuleId=m;SharedAccessKey=\(Self.key)")
    }

    @Test("values may contain '=' (split on the first only)")
    func valuesWithEquals() throws {
        let key = "YWJj"  // no padding
        let padded = "YQ=="
        #expect(try IoTHubConnectionString(parsing: "HostName=h;DeviceId=a=b;SharedAccessKey=\(padded)").deviceId == "a=b")
        #expect(try IoTHubConnectionString(parsing: "HostName=h;DeviceId=d;SharedAccessKey=\(key)").sharedAccessKey == key)
        #expect(try IoTHubConnectionString(parsing: "HostName=h;DeviceId=d;SharedAccessKey=\(padded)").sharedAccessKey == padded)
    }

    @Test("unknown fields are kept in order and rendered after the known ones")
    func unknownFields() throws {
        let cs = try IoTHubConnectionString(parsing: "Foo=1;HostName=h;Bar=x=y;DeviceId=d;x509=true")
        #expect(cs.additionalFields == [.init(name: "Foo", value: "1"), .init(name: "Bar", value: "x=y")])
        #expect(cs.description == "HostName=h;DeviceId=d;x509=true;Foo=1;Bar=x=y")
    }

    @Test("field names are case-sensitive: 'hostname' is unknown")
    func caseSensitive() {
        let error = #expect(throws: IoTHubConnectionStringError.self) {
            try IoTHubConnectionString(parsing: "hostname=h;DeviceId=d;x509=true")
        }
        #expect(error?.message == "connection string is missing HostName")
    }

    @Test(
        "errors name the offending field",
        arguments: [
            ("DeviceId=d;SharedAccessKey=YQ==", IoTHubConnectionStringError.Code.missingField, "HostName", "connection string is missing HostName"),
            ("HostName=h;DeviceId=d;SharedAccessKey=not base64!", .invalidBase64, "SharedAccessKey", "SharedAccessKey is not valid base64"),
            ("HostName=h;DeviceId=d;DeviceId=e;x509=true", .duplicateField, "DeviceId", "duplicate field DeviceId"),
            ("HostName=h;Foo=1;Foo=2;DeviceId=d;x509=true", .duplicateField, "Foo", "duplicate field Foo"),
            ("HostName=h;DeviceId=d", .missingCredentials, "SharedAccessKey", "connection string for d has neither SharedAccessKey nor x509=true"),
            ("HostName=;DeviceId=d;x509=true", .emptyValue, "HostName", "HostName is empty"),
            ("HostName=h;DeviceId=;x509=true", .emptyValue, "DeviceId", "DeviceId is empty"),
            ("HostName=h;DeviceId=d;SharedAccessKey=", .emptyValue, "SharedAccessKey", "SharedAccessKey is empty"),
            ("HostName=h;DeviceId=d;x509=", .emptyValue, "x509", "x509 is empty"),
            ("HostName=h;DeviceId=d;x509=yes", .invalidValue, "x509", "x509 must be true or false, not \"yes\""),
            ("HostName=h;DeviceId=d;SharedAccessKey=YQ==;x509=true", .conflictingFields, "x509", "SharedAccessKey and x509=true are mutually exclusive"),
            ("HostName=h;ModuleId=m;SharedAccessKey=YQ==", .missingField, "DeviceId", "connection string has ModuleId but is missing DeviceId"),
            ("HostName=h;SharedAccessKey=YQ==", .missingField, "DeviceId", "connection string is missing DeviceId (or SharedAccessKeyName for a service policy)"),
            ("HostName=h;SharedAccessKeyName=owner", .missingField, "SharedAccessKey", "connection string is missing SharedAccessKey"),
            ("HostName=h;SharedAccessKeyName=owner;SharedAccessKey=YQ==;x509=true", .conflictingFields, "x509", "x509=true requires DeviceId"),
            ("HostName=h;DeviceId=d;SharedAccessKeyName=p;x509=true", .missingField, "SharedAccessKey", "connection string has SharedAccessKeyName but is missing SharedAccessKey"),
            ("HostName=h;DeviceId", .malformedField, "DeviceId", "field \"DeviceId\" has no '='"),
            ("HostName=h;=d", .malformedField, nil, "field \"=d\" has an empty name"),
        ] as [(String, IoTHubConnectionStringError.Code, String?, String)])
    func errors(input: String, code: IoTHubConnectionStringError.Code, field: String?, message: String) {
        let error = #expect(throws: IoTHubConnectionStringError.self) { try IoTHubConnectionString(parsing: input) }
        #expect(error?.code == code)
        #expect(error?.field == field)
        #expect(error?.message == message)
        #expect(error?.description == message)
    }

    @Test("the validating initializer rejects ';' in values")
    func semicolonInValue() {
        let error = #expect(throws: IoTHubConnectionStringError.self) {
            try IoTHubConnectionString(hostName: "h", deviceId: "a;b", usesX509: true)
        }
        #expect(error?.code == .invalidValue)
        #expect(error?.message == "DeviceId must not contain ';'")
    }

    @Test("redacted description hides the key")
    func redacted() throws {
        let cs = try IoTHubConnectionString(parsing: "HostName=h;DeviceId=d;SharedAccessKey=\(Self.key)")
        #expect(cs.redactedDescription == "HostName=h;DeviceId=d;SharedAccessKey=***")
        #expect(!cs.redactedDescription.contains(Self.key))
    }

    @Test(
        "round-trips",
        arguments: [
            "HostName=h;DeviceId=d;SharedAccessKey=YQ==",
            "HostName=h;DeviceId=d;ModuleId=m;SharedAccessKey=YQ==;GatewayHostName=g",
            "HostName=h;DeviceId=d;SharedAccessKeyName=p;SharedAccessKey=YQ==",
            "HostName=h;SharedAccessKeyName=iothubowner;SharedAccessKey=YQ==",
            "HostName=h;DeviceId=dev-1.a:b%c_d*e?f!g(h)i,j=k@l$m'n;x509=true",
            "HostName=h;DeviceId=d;ModuleId=$edgeHub;x509=true;Extra=1;Other=a=b",
        ])
    func roundTrips(text: String) throws {
        let cs = try IoTHubConnectionString(parsing: text)
        #expect(cs.description == text)
        #expect(try IoTHubConnectionString(parsing: cs.description) == cs)
    }

    @Test("makes the SAS token the SDK would")
    func makesToken() throws {
        let device = try IoTHubConnectionString(parsing: "HostName=localhost;DeviceId=dev1;SharedAccessKey=\(Self.key)")
        let token = try device.makeSharedAccessSignature(expiry: 1_700_003_600)
        #expect(token.resource == "localhost%2Fdevices%2Fdev1")
        #expect(token.keyName == nil)
        #expect(token.description == "SharedAccessSignature sr=localhost%2Fdevices%2Fdev1&sig=pgxFGSgH%2BjqpBDCbZuvKZI3jxqzgN9HBj5pB0heBkmo%3D&se=1700003600")

        let service = try IoTHubConnectionString(parsing: "HostName=myhub.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=\(Self.key)")
        let serviceToken = try service.makeSharedAccessSignature(expiry: 1_795_292_912)
        #expect(serviceToken.resource == "myhub.azure-devices.net")
        #expect(serviceToken.keyName == "iothubowner")

        let x509 = try IoTHubConnectionString(parsing: "HostName=h;DeviceId=d;x509=true")
        let error = #expect(throws: SharedAccessSignatureError.self) { try x509.makeSharedAccessSignature(expiry: 1) }
        #expect(error?.code == .invalidKey)
    }
}
