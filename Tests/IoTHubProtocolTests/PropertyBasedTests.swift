import IoTHubProtocol
import Testing

/// Seeded random round-trips: generate → render → parse → compare.
@Suite("Property-style round-trips")
struct PropertyBasedTests {
    static let seeds: [UInt64] = [1, 2, 3, 0xC0FFEE, 0xDEAD_BEEF]

    static func randomBag(_ generator: inout SeededGenerator) -> PropertyBag {
        var bag = PropertyBag()
        for _ in 0..<Int.random(in: 0...8, using: &generator) {
            let key = generator.anyText(maxLength: 10, allowEmpty: false)
            let value: String? = Bool.random(using: &generator) ? generator.anyText(maxLength: 12) : nil
            bag.append(key: key, value: value)
        }
        return bag
    }

    @Test("property bags", arguments: seeds)
    func bags(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<300 {
            let bag = Self.randomBag(&generator)
            let parsed = try PropertyBag(parsing: bag.encoded)
            #expect(parsed == bag, "\(bag.encoded)")
            #expect(parsed.encoded == bag.encoded)
        }
    }

    @Test("message topics with random ids and bags", arguments: seeds)
    func messageTopics(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<300 {
            let deviceId = generator.iotHubId()
            let moduleId = generator.iotHubId()
            let bag = Self.randomBag(&generator)
            let topics: [IoTHubTopic] = [
                .telemetry(deviceId: deviceId, moduleId: nil, properties: bag, trailingSlash: Bool.random(using: &generator)),
                .telemetry(deviceId: deviceId, moduleId: moduleId, properties: bag, trailingSlash: Bool.random(using: &generator)),
                .cloudToDevice(deviceId: deviceId, properties: bag),
                .moduleInput(deviceId: deviceId, moduleId: moduleId, inputName: generator.iotHubId(), properties: bag),
            ]
            for topic in topics {
                let parsed = try IoTHubTopic(parsing: topic.topicName)
                #expect(parsed == topic, "\(topic.topicName)")
                #expect(parsed.topicName == topic.topicName)
            }
        }
    }

    @Test("twin and method topics with random request ids", arguments: seeds)
    func requestTopics(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<300 {
            let rid = generator.anyText(maxLength: 20, allowEmpty: false)
            let version = Int64.random(in: 0...Int64.max, using: &generator)
            let status = Int.random(in: 100...599, using: &generator)
            let topics: [IoTHubTopic] = [
                .twinGet(requestId: rid),
                .twinPatchReported(requestId: rid, version: Bool.random(using: &generator) ? version : nil),
                .twinResponse(status: status, requestId: rid, version: Bool.random(using: &generator) ? version : nil),
                .twinDesiredPatch(version: version),
                .methodRequest(name: "m\(status)", requestId: rid),
                .methodResponse(status: .code(status), requestId: rid),
            ]
            for topic in topics {
                #expect(try IoTHubTopic(parsing: topic.topicName) == topic, "\(topic.topicName)")
            }
        }
    }

    @Test("inbound message conversion survives the SDK bag", arguments: seeds)
    func messages(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let inboundSystem: [SystemProperty] = [.outputName, .messageId, .correlationId, .userId, .contentType, .contentEncoding, .interfaceId, .absoluteExpiryTime]
        for _ in 0..<200 {
            var message = IoTHubMessage(body: (0..<Int.random(in: 0...16, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            for property in inboundSystem where Bool.random(using: &generator) {
                message[system: property] = generator.anyText(maxLength: 10, allowEmpty: false)
            }
            for _ in 0..<Int.random(in: 0...5, using: &generator) {
                // Keys that are not system property names.
                message.applicationProperties.set(generator.anyText(maxLength: 8), forKey: "p" + generator.anyText(maxLength: 8))
            }
            let deviceId = generator.iotHubId()
            let topic = try IoTHubTopic(parsing: IoTHubTopic.sdkTelemetry(for: message, deviceId: deviceId).topicName)
            let received = try #require(IoTHubMessage(telemetry: topic, body: message.body))
            #expect(received.systemProperties.filter { $0.key != .connectionDeviceId } == message.systemProperties)
            #expect(received.systemProperties[.connectionDeviceId] == PercentEncoding.encode(deviceId))
            // The SDK sorts custom properties, so compare as sets of entries.
            #expect(Set(received.applicationProperties.entries) == Set(message.applicationProperties.entries))
        }
    }

    @Test("connection strings", arguments: seeds)
    func connectionStrings(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<200 {
            let key = [UInt8]((0..<Int.random(in: 1...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let deviceId = generator.iotHubId().replacingSemicolons()
            let useModule = Bool.random(using: &generator)
            let cs = try IoTHubConnectionString(
                hostName: "hub\(Int.random(in: 0...999, using: &generator)).azure-devices.net",
                deviceId: deviceId,
                moduleId: useModule ? generator.iotHubId().replacingSemicolons() : nil,
                sharedAccessKey: base64(key),
                gatewayHostName: Bool.random(using: &generator) ? "edge.local" : nil)
            #expect(try IoTHubConnectionString(parsing: cs.description) == cs)
            let token = try cs.makeSharedAccessSignature(expiry: UInt64.random(in: 0...UInt64.max, using: &generator))
            let parsed = try SharedAccessSignature(parsing: token.description)
            #expect(parsed == token)
            try parsed.verifySignature(keys: [cs.sharedAccessKey!])
            #expect(try parsed.audience() == cs.audience)
        }
    }

    @Test("usernames", arguments: seeds)
    func usernames(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<200 {
            let username = MQTTUsername(
                hostName: "h.azure-devices.net",
                deviceId: generator.iotHubId().replacingQuestionMarks(),
                moduleId: Bool.random(using: &generator) ? generator.iotHubId().replacingQuestionMarks() : nil,
                apiVersion: "2019-10-01",
                deviceClientType: Bool.random(using: &generator) ? generator.anyText(maxLength: 30, allowEmpty: false) : nil,
                modelId: Bool.random(using: &generator) ? generator.anyText(maxLength: 10) : nil)
            #expect(try MQTTUsername(parsing: username.description) == username, "\(username)")
        }
    }

    static func randomJSON(_ generator: inout SeededGenerator, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0...(depth > 4 ? 4 : 6), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int64.random(in: .min ... .max, using: &generator))
        case 3: return .double(Double.random(in: -1e12...1e12, using: &generator) * (Bool.random(using: &generator) ? 1 : 1e-9))
        case 4: return .string(generator.anyText(maxLength: 12))
        case 5: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in randomJSON(&generator, depth: depth + 1) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0...4, using: &generator) {
                object[generator.anyText(maxLength: 6)] = randomJSON(&generator, depth: depth + 1)
            }
            return .object(object)
        }
    }

    @Test("JSON values", arguments: seeds)
    func json(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<300 {
            let value = Self.randomJSON(&generator)
            let parsed = try JSONValue(parsing: value.jsonString)
            #expect(parsed == value, "\(value.jsonString)")
            #expect(parsed.jsonString == value.jsonString)
        }
    }

    @Test("merge patch: applying a patch then the same patch again is idempotent", arguments: seeds)
    func mergeIdempotent(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<300 {
            let target = Self.randomJSON(&generator)
            let patch = Self.randomJSON(&generator)
            let once = target.merging(patch: patch)
            #expect(once.merging(patch: patch) == once)
        }
    }
}

private func base64(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    var output = ""
    var index = 0
    while index < bytes.count {
        let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
        let value = (UInt32(chunk[0]) << 16) | (chunk.count > 1 ? UInt32(chunk[1]) << 8 : 0) | (chunk.count > 2 ? UInt32(chunk[2]) : 0)
        for position in 0..<4 {
            if position <= chunk.count {
                output.append(alphabet[Int((value >> (18 - 6 * UInt32(position))) & 0x3F)])
            } else {
                output.append("=")
            }
        }
        index += 3
    }
    return output
}

extension String {
    fileprivate func replacingSemicolons() -> String { String(map { $0 == ";" ? "_" : $0 }) }
    fileprivate func replacingQuestionMarks() -> String { String(map { $0 == "?" ? "_" : $0 }) }
}
