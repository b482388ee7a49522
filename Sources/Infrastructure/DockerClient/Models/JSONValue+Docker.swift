import IoTHubProtocol

/// Reading Docker's JSON answers: PascalCase keys, `null` for empty lists and maps.
extension JSONValue {
    func string(_ key: String) -> String? { self[key]?.stringValue }

    func int(_ key: String) -> Int64? { self[key]?.intValue ?? self[key]?.doubleValue.map { Int64($0) } }

    func bool(_ key: String) -> Bool? { self[key]?.boolValue }

    func strings(_ key: String) -> [String] { self[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }

    func stringMap(_ key: String) -> [String: String] {
        guard let object = self[key]?.objectValue else { return [:] }
        var result: [String: String] = [:]
        for (name, value) in object.pairs { if let text = value.stringValue { result[name] = text } }
        return result
    }

    func required(_ key: String, in what: String) throws -> String {
        guard let value = string(key) else {
            throw DockerError(.invalidResponse, message: "Docker's \(what) has no \"\(key)\": \(jsonString.prefix(300))")
        }
        return value
    }

    func requireObject(_ what: String) throws {
        guard objectValue != nil else {
            throw DockerError(.invalidResponse, message: "Docker's \(what) is not a JSON object: \(jsonString.prefix(300))")
        }
    }
}
