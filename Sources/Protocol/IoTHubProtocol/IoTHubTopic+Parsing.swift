extension IoTHubTopic {
    /// Parses a topic name into one of the forms of ``IoTHubTopic``.
    ///
    /// - Message topics: the literal segments are case-sensitive; ids must be non-empty; the bag is one
    ///   segment (parsed with ``PropertyBag/init(parsing:)``). Telemetry accepts an optional bag and an
    ///   optional trailing `/`; C2D and module-input topics accept an absent or empty bag.
    /// - `$iothub` topics: the path must match exactly up to the `?` (a sub-resource after `GET/` or
    ///   `reported/` is rejected); `$rid` is required and non-empty where the form has one; `$version`
    ///   must be a non-negative integer; other query parameters are ignored.
    /// - Throws: ``IoTHubTopicError`` naming what is wrong.
    public init(parsing topic: String) throws(IoTHubTopicError) {
        if topic.hasPrefix("$iothub/") {
            self = try Self.parseIoTHub(topic)
        } else if topic.hasPrefix("devices/") {
            self = try Self.parseDevices(topic)
        } else {
            throw IoTHubTopicError(code: .unsupported, topic: topic, message: "unsupported topic \"\(topic)\"")
        }
    }

    // MARK: devices/…

    private static func parseDevices(_ topic: String) throws(IoTHubTopicError) -> IoTHubTopic {
        let segments = topic.split(separator: "/", omittingEmptySubsequences: false)
        func unsupported() -> IoTHubTopicError {
            IoTHubTopicError(code: .unsupported, topic: topic, message: "unsupported topic \"\(topic)\"")
        }
        func segment(_ index: Int) -> Substring? { index < segments.count ? segments[index] : nil }
        func id(_ index: Int, _ what: String) throws(IoTHubTopicError) -> String {
            guard let value = segment(index), !value.isEmpty else {
                throw IoTHubTopicError(code: .emptySegment, topic: topic, message: "topic \"\(topic)\" has an empty \(what)")
            }
            return String(value)
        }
        let deviceId = try id(1, "device id")
        switch segment(2) {
        case "messages"?:
            switch segment(3) {
            case "events"?:
                let (bag, slash) = try telemetryTail(segments[4...], topic: topic)
                return .telemetry(deviceId: deviceId, moduleId: nil, properties: bag, trailingSlash: slash)
            case "devicebound"?:
                return .cloudToDevice(deviceId: deviceId, properties: try deliveryTail(segments[4...], topic: topic))
            default:
                throw unsupported()
            }
        case "modules"?:
            let moduleId = try id(3, "module id")
            switch segment(4) {
            case "messages"?:
                guard segment(5) == "events" else { throw unsupported() }
                let (bag, slash) = try telemetryTail(segments[6...], topic: topic)
                return .telemetry(deviceId: deviceId, moduleId: moduleId, properties: bag, trailingSlash: slash)
            case "inputs"?:
                let inputName = try id(5, "input name")
                let bag = try deliveryTail(segments[6...], topic: topic)
                return .moduleInput(deviceId: deviceId, moduleId: moduleId, inputName: inputName, properties: bag)
            default:
                throw unsupported()
            }
        default:
            throw unsupported()
        }
    }

    /// `[]` → no bag, no slash; `[""]` → slash; `[bag]` → bag; `[bag, ""]` → bag and slash.
    private static func telemetryTail(
        _ tail: ArraySlice<Substring>, topic: String
    ) throws(IoTHubTopicError) -> (PropertyBag, Bool) {
        let rest = Array(tail)
        switch rest.count {
        case 0:
            return (PropertyBag(), false)
        case 1:
            return rest[0].isEmpty ? (PropertyBag(), true) : (try bag(rest[0], topic: topic), false)
        case 2 where !rest[0].isEmpty && rest[1].isEmpty:
            return (try bag(rest[0], topic: topic), true)
        default:
            throw IoTHubTopicError(
                code: .malformed, topic: topic,
                message: "topic \"\(topic)\" has unexpected segments after the property bag")
        }
    }

    /// `[]` or `[""]` → empty bag; `[bag]` → bag.
    private static func deliveryTail(
        _ tail: ArraySlice<Substring>, topic: String
    ) throws(IoTHubTopicError) -> PropertyBag {
        let rest = Array(tail)
        switch rest.count {
        case 0: return PropertyBag()
        case 1: return try bag(rest[0], topic: topic)
        default:
            throw IoTHubTopicError(
                code: .malformed, topic: topic,
                message: "topic \"\(topic)\" has unexpected segments after the property bag")
        }
    }

    private static func bag(_ text: Substring, topic: String) throws(IoTHubTopicError) -> PropertyBag {
        do {
            return try PropertyBag(parsing: text)
        } catch {
            throw IoTHubTopicError(
                code: .invalidPropertyBag, topic: topic, message: "topic \"\(topic)\": \(error.message)")
        }
    }

    // MARK: $iothub/…

    private static func parseIoTHub(_ topic: String) throws(IoTHubTopicError) -> IoTHubTopic {
        let path: Substring
        let query: Substring?
        if let questionMark = topic.firstIndex(of: "?") {
            path = topic[..<questionMark]
            query = topic[topic.index(after: questionMark)...]
        } else {
            path = topic[...]
            query = nil
        }
        func unsupported(_ why: String) -> IoTHubTopicError {
            IoTHubTopicError(code: .unsupported, topic: topic, message: "unsupported topic \"\(topic)\": \(why)")
        }
        let getPath = "$iothub/twin/GET/"
        let reportedPath = "$iothub/twin/PATCH/properties/reported/"
        let desiredPath = "$iothub/twin/PATCH/properties/desired/"
        let twinResponsePath = "$iothub/twin/res/"
        let methodPostPath = "$iothub/methods/POST/"
        let methodResponsePath = "$iothub/methods/res/"

        if path == getPath {
            let parameters = try queryParameters(query, topic: topic)
            return .twinGet(requestId: try requestId(parameters, topic: topic))
        }
        if path.hasPrefix(getPath) { throw unsupported("a sub-resource after GET/ is not supported") }
        if path == reportedPath {
            let parameters = try queryParameters(query, topic: topic)
            return .twinPatchReported(
                requestId: try requestId(parameters, topic: topic), version: try version(parameters, topic: topic))
        }
        if path.hasPrefix(reportedPath) { throw unsupported("a sub-resource after reported/ is not supported") }
        if path == desiredPath {
            let parameters = query == nil ? PropertyBag() : try queryParameters(query, topic: topic)
            guard let version = try version(parameters, topic: topic) else {
                throw IoTHubTopicError(
                    code: .invalidVersion, topic: topic, message: "topic \"\(topic)\" is missing $version")
            }
            return .twinDesiredPatch(version: version)
        }
        if path.hasPrefix(twinResponsePath) {
            let status = try singleSegment(path.dropFirst(twinResponsePath.count), "status", topic: topic)
            guard let code = Int(status) else {
                throw IoTHubTopicError(
                    code: .invalidStatus, topic: topic, message: "topic \"\(topic)\" has a non-numeric status \"\(status)\"")
            }
            let parameters = try queryParameters(query, topic: topic)
            return .twinResponse(
                status: code, requestId: try requestId(parameters, topic: topic),
                version: try version(parameters, topic: topic))
        }
        if path.hasPrefix(methodPostPath) {
            let name = try singleSegment(path.dropFirst(methodPostPath.count), "method name", topic: topic)
            let parameters = try queryParameters(query, topic: topic)
            return .methodRequest(name: String(name), requestId: try requestId(parameters, topic: topic))
        }
        if path.hasPrefix(methodResponsePath) {
            let rest = path.dropFirst(methodResponsePath.count)
            guard rest.hasSuffix("/"), !rest.dropLast().contains("/") else {
                throw IoTHubTopicError(
                    code: .malformed, topic: topic, message: "topic \"\(topic)\" must be $iothub/methods/res/{status}/?$rid={rid}")
            }
            let parameters = try queryParameters(query, topic: topic)
            return .methodResponse(
                status: MethodResponseStatus(segment: rest.dropLast()), requestId: try requestId(parameters, topic: topic))
        }
        if path.hasPrefix("$iothub/twin/") { throw unsupported("twin operation not supported") }
        throw unsupported("unknown $iothub topic")
    }

    /// `{value}/` → value (non-empty, no further `/`).
    private static func singleSegment(
        _ rest: Substring, _ what: String, topic: String
    ) throws(IoTHubTopicError) -> Substring {
        guard rest.hasSuffix("/"), !rest.dropLast().contains("/") else {
            throw IoTHubTopicError(
                code: .malformed, topic: topic, message: "topic \"\(topic)\" must have exactly one \(what) segment followed by '/'")
        }
        let value = rest.dropLast()
        guard !value.isEmpty else {
            throw IoTHubTopicError(code: .emptySegment, topic: topic, message: "topic \"\(topic)\" has an empty \(what)")
        }
        return value
    }

    private static func queryParameters(_ query: Substring?, topic: String) throws(IoTHubTopicError) -> PropertyBag {
        guard let query else {
            throw IoTHubTopicError(
                code: .missingRequestId, topic: topic, message: "topic \"\(topic)\" has no query (expected ?$rid=…)")
        }
        do {
            return try PropertyBag(parsing: query)
        } catch {
            throw IoTHubTopicError(code: .invalidPropertyBag, topic: topic, message: "topic \"\(topic)\": \(error.message)")
        }
    }

    private static func requestId(_ parameters: PropertyBag, topic: String) throws(IoTHubTopicError) -> String {
        guard let rid = parameters.value(forKey: "$rid"), !rid.isEmpty else {
            throw IoTHubTopicError(
                code: .missingRequestId, topic: topic, message: "topic \"\(topic)\" has a missing or empty $rid")
        }
        return rid
    }

    private static func version(_ parameters: PropertyBag, topic: String) throws(IoTHubTopicError) -> Int64? {
        guard parameters.contains(key: "$version") else { return nil }
        let text = parameters.value(forKey: "$version") ?? ""
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let version = Int64(text)
        else {
            throw IoTHubTopicError(
                code: .invalidVersion, topic: topic, message: "topic \"\(topic)\" has an invalid $version \"\(text)\"")
        }
        return version
    }
}
