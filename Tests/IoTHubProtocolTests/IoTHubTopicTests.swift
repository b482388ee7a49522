import IoTHubProtocol
import Testing

@Suite("IoTHubTopic")
struct IoTHubTopicTests {
    // MARK: Telemetry

    @Test(
        "all eight telemetry templates of §3.3",
        arguments: [
            ("devices/d1/messages/events/a=1/", nil, true, true),
            ("devices/d1/messages/events/", nil, false, true),
            ("devices/d1/modules/m1/messages/events/a=1/", "m1", true, true),
            ("devices/d1/modules/m1/messages/events/", "m1", false, true),
            ("devices/d1/messages/events/a=1", nil, true, false),
            ("devices/d1/messages/events", nil, false, false),
            ("devices/d1/modules/m1/messages/events/a=1", "m1", true, false),
            ("devices/d1/modules/m1/messages/events", "m1", false, false),
        ] as [(String, String?, Bool, Bool)])
    func telemetryTemplates(topic: String, moduleId: String?, hasBag: Bool, trailingSlash: Bool) throws {
        let parsed = try IoTHubTopic(parsing: topic)
        let bag: PropertyBag = hasBag ? [("a", "1")] : PropertyBag()
        #expect(parsed == .telemetry(deviceId: "d1", moduleId: moduleId, properties: bag, trailingSlash: trailingSlash))
        #expect(parsed.topicName == topic)
        #expect(parsed.deviceId == "d1")
        #expect(parsed.moduleId == moduleId)
        #expect(parsed.properties == bag)
        #expect(parsed.requestId == nil)
    }

    @Test("SDK-observed telemetry topics (external-clients §1.3, §1.5) parse and re-render byte for byte")
    func observedTelemetry() throws {
        let topic = "devices/dev1/messages/events/%24.mid=m-1&%24.ct=application%2Fjson&%24.ce=utf-8&a%2Fb=x%26y%3Dz&alert=high%20temp"
        let parsed = try IoTHubTopic(parsing: topic)
        #expect(
            parsed == .telemetry(
                deviceId: "dev1", moduleId: nil,
                properties: [("$.mid", "m-1"), ("$.ct", "application/json"), ("$.ce", "utf-8"), ("a/b", "x&y=z"), ("alert", "high temp")],
                trailingSlash: false))
        #expect(parsed.topicName == topic)

        let output = "devices/edgedev1/modules/modA/messages/events/%24.on=output1&%24.mid=o-1&p=1"
        #expect(
            try IoTHubTopic(parsing: output) == .telemetry(
                deviceId: "edgedev1", moduleId: "modA", properties: [("$.on", "output1"), ("$.mid", "o-1"), ("p", "1")],
                trailingSlash: false))
        #expect(try IoTHubTopic(parsing: output).topicName == output)

        let plain = "devices/dev1/messages/events/"
        #expect(try IoTHubTopic(parsing: plain) == .telemetry(deviceId: "dev1", moduleId: nil, properties: [], trailingSlash: true))

        let edgeOutput = "devices/E/modules/M/messages/events/%24.on=alert/"
        #expect(try IoTHubTopic(parsing: edgeOutput).properties?.value(forKey: "$.on") == "alert")
        #expect(try IoTHubTopic(parsing: edgeOutput).topicName == edgeOutput)
    }

    @Test("a raw '$' in the bag is accepted and re-rendered encoded")
    func rawDollar() throws {
        let parsed = try IoTHubTopic(parsing: "devices/d/messages/events/$.ct=text&x=1")
        #expect(parsed.properties == [("$.ct", "text"), ("x", "1")])
        #expect(parsed.topicName == "devices/d/messages/events/%24.ct=text&x=1")
    }

    // MARK: Outbound message topics

    @Test("C2D topics")
    func cloudToDevice() throws {
        let topic = "devices/dev1/messages/devicebound/%24.mid=abc&%24.to=%2Fdevices%2Fdev1%2Fmessages%2FdeviceBound&ack=full&color=red"
        let parsed = try IoTHubTopic(parsing: topic)
        guard case .cloudToDevice(let deviceId, let properties) = parsed else {
            Issue.record("not C2D: \(parsed)")
            return
        }
        #expect(deviceId == "dev1")
        #expect(properties.value(forKey: "$.to") == "/devices/dev1/messages/deviceBound")
        #expect(properties.value(forKey: "color") == "red")
        #expect(parsed.topicName == topic)
        #expect(try IoTHubTopic(parsing: "devices/d/messages/devicebound/") == .cloudToDevice(deviceId: "d", properties: []))
        #expect(try IoTHubTopic(parsing: "devices/d/messages/devicebound") == .cloudToDevice(deviceId: "d", properties: []))
        #expect(IoTHubTopic.cloudToDevice(deviceId: "d", properties: []).topicName == "devices/d/messages/devicebound/")
    }

    @Test("module input topics (the §3.5 example)")
    func moduleInput() throws {
        let topic = "devices/D1/modules/M1/inputs/input1/Foo=Bar&%24.ct=application%2Fjson&%24.cdid=D1&%24.cmid=Sender"
        let parsed = try IoTHubTopic(parsing: topic)
        #expect(
            parsed == .moduleInput(
                deviceId: "D1", moduleId: "M1", inputName: "input1",
                properties: [("Foo", "Bar"), ("$.ct", "application/json"), ("$.cdid", "D1"), ("$.cmid", "Sender")]))
        #expect(parsed.topicName == topic)
        #expect(parsed.moduleId == "M1")
        #expect(try IoTHubTopic(parsing: "devices/D1/modules/M1/inputs/in/") == .moduleInput(deviceId: "D1", moduleId: "M1", inputName: "in", properties: []))
        #expect(try IoTHubTopic(parsing: "devices/D1/modules/M1/inputs/in") == .moduleInput(deviceId: "D1", moduleId: "M1", inputName: "in", properties: []))
    }

    // MARK: Twin and methods

    @Test(
        "twin and method topics parse and render",
        arguments: [
            ("$iothub/twin/GET/?$rid=8f7a6b1c-1d2e-4f50-9a8b-7c6d5e4f3a2b", IoTHubTopic.twinGet(requestId: "8f7a6b1c-1d2e-4f50-9a8b-7c6d5e4f3a2b")),
            ("$iothub/twin/PATCH/properties/reported/?$rid=42", .twinPatchReported(requestId: "42", version: nil)),
            ("$iothub/twin/PATCH/properties/reported/?$rid=42&$version=7", .twinPatchReported(requestId: "42", version: 7)),
            ("$iothub/twin/res/200/?$rid=1", .twinResponse(status: 200, requestId: "1", version: nil)),
            ("$iothub/twin/res/204/?$rid=abc&$version=12", .twinResponse(status: 204, requestId: "abc", version: 12)),
            ("$iothub/twin/res/400/?$rid=r%20id", .twinResponse(status: 400, requestId: "r id", version: nil)),
            ("$iothub/twin/PATCH/properties/desired/?$version=3", .twinDesiredPatch(version: 3)),
            ("$iothub/methods/POST/reboot/?$rid=1", .methodRequest(name: "reboot", requestId: "1")),
            ("$iothub/methods/res/200/?$rid=1", .methodResponse(status: .code(200), requestId: "1")),
            ("$iothub/methods/res/-1/?$rid=x", .methodResponse(status: .code(-1), requestId: "x")),
            ("$iothub/methods/res/abc/?$rid=x", .methodResponse(status: .notANumber("abc"), requestId: "x")),
            ("$iothub/methods/res//?$rid=x", .methodResponse(status: .notANumber(""), requestId: "x")),
        ] as [(String, IoTHubTopic)])
    func twinAndMethods(topic: String, expected: IoTHubTopic) throws {
        let parsed = try IoTHubTopic(parsing: topic)
        #expect(parsed == expected)
        #expect(parsed.topicName == topic)
        #expect(parsed.description == topic)
        #expect(parsed.deviceId == nil)
    }

    @Test("query tolerance: %24rid, extra parameters, parameter order")
    func queryTolerance() throws {
        #expect(try IoTHubTopic(parsing: "$iothub/twin/GET/?%24rid=5") == .twinGet(requestId: "5"))
        #expect(try IoTHubTopic(parsing: "$iothub/twin/GET/?foo=bar&$rid=5") == .twinGet(requestId: "5"))
        #expect(
            try IoTHubTopic(parsing: "$iothub/twin/res/200/?$version=4&$rid=5")
                == .twinResponse(status: 200, requestId: "5", version: 4))
        #expect(try IoTHubTopic(parsing: "$iothub/twin/PATCH/properties/desired/?$version=3&$rid=9") == .twinDesiredPatch(version: 3))
    }

    @Test("method response status: non-numbers map to 400000")
    func methodStatus() {
        #expect(MethodResponseStatus(segment: "200").statusCode == 200)
        #expect(MethodResponseStatus(segment: "500").statusCode == 500)
        #expect(MethodResponseStatus(segment: "OK") == .notANumber("OK"))
        #expect(MethodResponseStatus(segment: "OK").statusCode == 400_000)
        #expect(MethodResponseStatus(segment: "2.5").statusCode == 400_000)
        #expect(MethodResponseStatus(segment: "").description == "")
        #expect(MethodResponseStatus.code(201).description == "201")
    }

    @Test("rid values are encoded when rendered")
    func ridEncoding() throws {
        let topic = IoTHubTopic.methodResponse(status: .code(200), requestId: "a&b=c/d")
        #expect(topic.topicName == "$iothub/methods/res/200/?$rid=a%26b%3Dc%2Fd")
        #expect(try IoTHubTopic(parsing: topic.topicName) == topic)
        #expect(topic.requestId == "a&b=c/d")
    }

    // MARK: Errors

    @Test(
        "unknown and malformed topics are typed errors",
        arguments: [
            ("foo/bar", IoTHubTopicError.Code.unsupported, "unsupported topic"),
            ("", .unsupported, "unsupported topic"),
            ("devices/d/messages/other", .unsupported, "unsupported"),
            ("devices/d/things/events", .unsupported, "unsupported"),
            ("devices/d", .unsupported, "unsupported"),
            ("devices/d/modules/m/messages/other", .unsupported, "unsupported"),
            ("devices/d/modules/m/outputs/o", .unsupported, "unsupported"),
            ("devices/d/Messages/events", .unsupported, "unsupported"),
            ("devices//messages/events", .emptySegment, "empty device id"),
            ("devices/d/modules//messages/events", .emptySegment, "empty module id"),
            ("devices/d/modules/m/inputs//a=1", .emptySegment, "empty input name"),
            ("devices/d/messages/events/a=1/b=2", .malformed, "unexpected segments"),
            ("devices/d/messages/events//", .malformed, "unexpected segments"),
            ("devices/d/messages/devicebound/a=1/", .malformed, "unexpected segments"),
            ("devices/d/messages/events/=a", .invalidPropertyBag, "must not start with '='"),
            ("devices/d/messages/events/a=%zz", .invalidPropertyBag, "invalid percent-escape"),
            ("$iothub/twin/GET/", .missingRequestId, "has no query"),
            ("$iothub/twin/GET/?$rid=", .missingRequestId, "missing or empty $rid"),
            ("$iothub/twin/GET/?rid=1", .missingRequestId, "missing or empty $rid"),
            ("$iothub/twin/GET/?$rid", .missingRequestId, "missing or empty $rid"),
            ("$iothub/twin/GET/sub/?$rid=1", .unsupported, "a sub-resource after GET/ is not supported"),
            ("$iothub/twin/GET?$rid=1", .unsupported, "twin operation not supported"),
            ("$iothub/twin/PATCH/properties/reported/sub/?$rid=1", .unsupported, "a sub-resource after reported/ is not supported"),
            ("$iothub/twin/PATCH/properties/reported/?$rid=1&$version=x", .invalidVersion, "invalid $version \"x\""),
            ("$iothub/twin/PATCH/properties/reported/?$rid=1&$version=-1", .invalidVersion, "invalid $version"),
            ("$iothub/twin/PATCH/properties/reported/?$rid=1&$version", .invalidVersion, "invalid $version \"\""),
            ("$iothub/twin/PATCH/properties/desired/?$rid=1", .invalidVersion, "missing $version"),
            ("$iothub/twin/PATCH/properties/desired/", .invalidVersion, "missing $version"),
            ("$iothub/twin/DELETE/?$rid=1", .unsupported, "twin operation not supported"),
            ("$iothub/twin/res/abc/?$rid=1", .invalidStatus, "non-numeric status \"abc\""),
            ("$iothub/twin/res//?$rid=1", .emptySegment, "empty status"),
            ("$iothub/twin/res/200?$rid=1", .malformed, "exactly one status segment"),
            ("$iothub/twin/res/200/x/?$rid=1", .malformed, "exactly one status segment"),
            ("$iothub/methods/POST//?$rid=1", .emptySegment, "empty method name"),
            ("$iothub/methods/POST/a/b/?$rid=1", .malformed, "exactly one method name segment"),
            ("$iothub/methods/POST/reboot/", .missingRequestId, "has no query"),
            ("$iothub/methods/res/200/?$rid=", .missingRequestId, "missing or empty $rid"),
            ("$iothub/methods/res/200?$rid=1", .malformed, "must be $iothub/methods/res/{status}/?$rid={rid}"),
            ("$iothub/methods/GET/x/?$rid=1", .unsupported, "unknown $iothub topic"),
            ("$iothub/twin/GET/?&$rid=1", .invalidPropertyBag, "must not start with '&'"),
        ] as [(String, IoTHubTopicError.Code, String)])
    func errors(topic: String, code: IoTHubTopicError.Code, fragment: String) {
        let error = #expect(throws: IoTHubTopicError.self) { try IoTHubTopic(parsing: topic) }
        #expect(error?.code == code)
        #expect(error?.topic == topic)
        #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "")")
        #expect(error?.description == error?.message)
    }

    // MARK: Odd ids

    static let oddIds: [String] = [
        "dev-1", "dev.1", "dev:1", "dev%1", "dev_1", "dev*1", "dev?1", "dev!1", "dev(1)", "dev,1", "dev=1", "dev@1",
        "dev;1", "$edgeHub", "dev'1", "-._:%*?!(),=@;$'", "%24", "%", "a%zz", "MiXeD", "0", "$edgeAgent",
    ]

    @Test("odd ids round-trip verbatim in every device-scoped topic", arguments: oddIds)
    func oddIdRoundTrip(id: String) throws {
        let topics: [IoTHubTopic] = [
            .telemetry(deviceId: id, moduleId: nil, properties: [], trailingSlash: true),
            .telemetry(deviceId: id, moduleId: id, properties: [("k", id)], trailingSlash: false),
            .telemetry(deviceId: id, moduleId: id, properties: [("$.on", "o")], trailingSlash: true),
            .cloudToDevice(deviceId: id, properties: [("$.mid", id)]),
            .moduleInput(deviceId: id, moduleId: id, inputName: id, properties: [("a", nil)]),
        ]
        for topic in topics {
            let reparsed = try IoTHubTopic(parsing: topic.topicName)
            #expect(reparsed == topic, "\(topic.topicName)")
            #expect(reparsed.deviceId == id)
        }
    }

    @Test("odd method names and request ids round-trip", arguments: ["reboot", "do-it.now", "a:b", "x_y", "m$1", "(x)", "a=b", "a@b"])
    func oddMethodNames(name: String) throws {
        let topics: [IoTHubTopic] = [
            .methodRequest(name: name, requestId: name),
            .methodResponse(status: .code(200), requestId: name),
            .twinGet(requestId: name),
            .twinPatchReported(requestId: name, version: 1),
            .twinResponse(status: 204, requestId: name, version: 99),
        ]
        for topic in topics {
            #expect(try IoTHubTopic(parsing: topic.topicName) == topic, "\(topic.topicName)")
        }
    }

    @Test("identity matching accepts raw, Python-encoded and decoded forms")
    func identityMatching() {
        #expect(IoTHubTopic.identityMatches(topicSegment: "dev:1", identity: "dev:1"))
        #expect(IoTHubTopic.identityMatches(topicSegment: "dev%3A1", identity: "dev:1"))
        #expect(IoTHubTopic.identityMatches(topicSegment: "dev%3a1", identity: "dev:1"))
        #expect(IoTHubTopic.identityMatches(topicSegment: "a%25b", identity: "a%b"))
        #expect(IoTHubTopic.identityMatches(topicSegment: "a%b", identity: "a%b"))
        #expect(!IoTHubTopic.identityMatches(topicSegment: "dev2", identity: "dev1"))
        #expect(!IoTHubTopic.identityMatches(topicSegment: "Dev1", identity: "dev1"))
        #expect(!IoTHubTopic.identityMatches(topicSegment: "a%zz", identity: "a"))
    }
}
