import IoTHubProtocol
import Testing

@Suite("MQTTUsername")
struct MQTTUsernameTests {
    static let pythonUA = "azure-iot-device-iothub-py%2F2.14.0%283.11.7%3BLinux%205.15.0%3Bx86_64%29"

    @Test("the observed Python SDK module username (external-clients §1.2)")
    func pythonModule() throws {
        let text = "myhub.azure-devices.net/edgedev1/modA/?api-version=2019-10-01&DeviceClientType=\(Self.pythonUA)"
        let username = try MQTTUsername(parsing: text)
        #expect(username.hostName == "myhub.azure-devices.net")
        #expect(username.deviceId == "edgedev1")
        #expect(username.moduleId == "modA")
        #expect(username.clientId == "edgedev1/modA")
        #expect(username.apiVersion == "2019-10-01")
        #expect(username.deviceClientType == "azure-iot-device-iothub-py/2.14.0(3.11.7;Linux 5.15.0;x86_64)")
        #expect(username.modelId == nil)
        #expect(username.authChain == nil)
        #expect(username.additionalProperties.isEmpty)
        #expect(username.description == text)
    }

    @Test("device username with model-id (PnP) and auth-chain")
    func deviceWithModelId() throws {
        let text = "localhost/dev1/?api-version=2020-09-30&DeviceClientType=x&model-id=dtmi%3Acom%3Aexample%3AThermostat%3B1&auth-chain=leaf%3Bparent"
        let username = try MQTTUsername(parsing: text)
        #expect(username.moduleId == nil)
        #expect(username.clientId == "dev1")
        #expect(username.modelId == "dtmi:com:example:Thermostat;1")
        #expect(username.authChain == "leaf;parent")
        #expect(username.description == text)
    }

    @Test(
        "the no-'?' variants need api-version= in the last segment",
        arguments: [
            ("h/dev1/api-version=2018-06-30", "dev1", nil as String?),
            ("h/dev1/mod1/api-version=2018-06-30&DeviceClientType=c", "dev1", "mod1"),
            ("h/dev1/DeviceClientType=c&API-VERSION=1&api-version=2", "dev1", nil),
        ])
    func withoutQuestionMark(text: String, deviceId: String, moduleId: String?) throws {
        let username = try MQTTUsername(parsing: text)
        #expect(username.deviceId == deviceId)
        #expect(username.moduleId == moduleId)
        #expect(username.apiVersion == (text.hasSuffix("api-version=2") ? "2" : "2018-06-30"))
    }

    @Test("the legacy 6-segment form")
    func legacy() throws {
        let username = try MQTTUsername(
            parsing: "h/dev1/mod1/api-version=2017-06-30/DeviceClientType=Microsoft.Azure.Devices.Client/1.5.1-preview-003")
        #expect(username.deviceId == "dev1")
        #expect(username.moduleId == "mod1")
        #expect(username.apiVersion == "2017-06-30")
        #expect(username.deviceClientType == "Microsoft.Azure.Devices.Client/1.5.1-preview-003")
    }

    @Test("first duplicate wins; unknown keys are kept in order; keys are case-sensitive")
    func duplicatesAndUnknown() throws {
        let username = try MQTTUsername(parsing: "h/d/?api-version=1&foo=a&api-version=2&Foo=b&foo=c&flag&DeviceClientType=x&DeviceClientType=y")
        #expect(username.apiVersion == "1")
        #expect(username.deviceClientType == "x")
        #expect(username.additionalProperties == [("foo", "a"), ("Foo", "b"), ("flag", nil)])
        #expect(username.description == "h/d/?api-version=1&DeviceClientType=x&foo=a&Foo=b&flag")
    }

    @Test("ids are trimmed; the host may be empty (the hub ignores it)")
    func trimming() throws {
        let username = try MQTTUsername(parsing: "/ dev1 / mod1 /?api-version=1")
        #expect(username.deviceId == "dev1")
        #expect(username.moduleId == "mod1")
        #expect(username.hostName == "")
    }

    @Test(
        "errors",
        arguments: [
            ("h/dev1", MQTTUsernameError.Code.malformed, "must be {host}/{deviceId}[/{moduleId}]/?{properties}"),
            ("h/dev1/mod1/x/?api-version=1", .malformed, "must be"),
            ("h/?api-version=1", .malformed, "must be"),
            ("h/dev1/mod1/extra", .malformed, "must be"),
            ("h/a/b/c/d/api-version=1", .malformed, "must be"),
            ("", .malformed, "must be"),
            ("h//?api-version=1", .emptyIdentity, "empty device id"),
            ("h/d/ /?api-version=1", .emptyIdentity, "empty module id"),
            ("h/d/?DeviceClientType=x", .missingAPIVersion, "missing a non-empty api-version"),
            ("h/d/?api-version=", .missingAPIVersion, "missing a non-empty api-version"),
            ("h/d/?api-version=%20", .missingAPIVersion, "missing a non-empty api-version"),
            ("h/d/?api-version", .missingAPIVersion, "missing"),
            ("h/d/?", .missingAPIVersion, "missing"),
            ("h/d/?&api-version=1", .invalidProperties, "must not start with '&'"),
            ("h/d/?api-version=%zz", .invalidProperties, "invalid percent-escape"),
        ] as [(String, MQTTUsernameError.Code, String)])
    func errors(text: String, code: MQTTUsernameError.Code, fragment: String) {
        let error = #expect(throws: MQTTUsernameError.self) { try MQTTUsername(parsing: text) }
        #expect(error?.code == code)
        #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "")")
    }

    @Test("renders the SDK form and round-trips", arguments: ["dev1", "dev:1", "$edgeHub", "d-._%*!(),=@;$'"])
    func roundTrip(id: String) throws {
        let username = MQTTUsername(
            hostName: "myhub.azure-devices.net", deviceId: id, moduleId: id, apiVersion: "2019-10-01",
            deviceClientType: "ua/1.0 (x; y)", modelId: "dtmi:a:b;1", authChain: "a;b",
            additionalProperties: [("extra", "v w")])
        #expect(username.description.hasPrefix("myhub.azure-devices.net/\(id)/\(id)/?api-version=2019-10-01&DeviceClientType=ua%2F1.0%20%28x%3B%20y%29&model-id="))
        #expect(try MQTTUsername(parsing: username.description) == username)
        let device = MQTTUsername(hostName: "h", deviceId: id, apiVersion: "1")
        #expect(device.description == "h/\(id)/?api-version=1")
        #expect(try MQTTUsername(parsing: device.description) == device)
    }
}
