import IoTHubProtocol

/// Typed, error-reporting access to the members of a JSON object read from a request body or the
/// database. A member that is absent or `null` reads as `nil`; a member of the wrong type is an
/// `ArgumentInvalid` ``HubError`` naming its path.
struct JSONFields {
    let object: JSONObject
    let path: String

    init(_ value: JSONValue, path: String) throws(HubError) {
        guard let object = value.objectValue else {
            throw HubError(.argumentInvalid, "\(path.isEmpty ? "the body" : path) must be a JSON object, not \(value.kindName)")
        }
        self.object = object
        self.path = path
    }

    init(object: JSONObject, path: String) {
        self.object = object
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The member, or `nil` when absent or `null`.
    func value(_ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    func string(_ key: String) throws(HubError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.stringValue else { throw typeError(key, "a string", value) }
        return string
    }

    func bool(_ key: String) throws(HubError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value.boolValue else { throw typeError(key, "true or false", value) }
        return bool
    }

    func int(_ key: String) throws(HubError) -> Int64? {
        guard let value = value(key) else { return nil }
        if let int = value.intValue { return int }
        if let double = value.doubleValue, double == double.rounded(), abs(double) < 9.0e15 { return Int64(double) }
        throw typeError(key, "an integer", value)
    }

    func object(_ key: String) throws(HubError) -> JSONFields? {
        guard let value = value(key) else { return nil }
        guard let object = value.objectValue else { throw typeError(key, "a JSON object", value) }
        return JSONFields(object: object, path: name(key))
    }

    func stringArray(_ key: String) throws(HubError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard let array = value.arrayValue else { throw typeError(key, "an array of strings", value) }
        var strings: [String] = []
        for element in array {
            guard let string = element.stringValue else { throw typeError(key, "an array of strings", value) }
            strings.append(string)
        }
        return strings
    }

    /// A string member that must be one of `T`'s raw values (compared case-insensitively, as IoT Hub does).
    func enumeration<T: RawRepresentable & CaseIterable>(_ key: String, as type: T.Type) throws(HubError) -> T?
    where T.RawValue == String {
        guard let string = try string(key) else { return nil }
        if let match = T.allCases.first(where: { $0.rawValue.lowercased() == string.lowercased() }) { return match }
        let allowed = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        throw HubError(.argumentInvalid, "\(name(key)) must be one of \(allowed), not \"\(string)\"")
    }

    private func typeError(_ key: String, _ expected: String, _ value: JSONValue) -> HubError {
        HubError(.argumentInvalid, "\(name(key)) must be \(expected), not \(value.kindName)")
    }
}

extension JSONValue {
    /// A short name of the value's JSON type for error messages.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// `.string(value)` or `.null`.
    static func optional(_ value: String?) -> JSONValue {
        value.map { .string($0) } ?? .null
    }
}
