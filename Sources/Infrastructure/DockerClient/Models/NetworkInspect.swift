public import IoTHubProtocol

/// `GET /networks/{id}` and the entries of `GET /networks`.
public struct NetworkInspect: Sendable, Hashable {
    public var id: String
    public var name: String
    /// `bridge`, `host`, `null`, `overlay`…
    public var driver: String
    public var scope: String
    public var enableIPv6: Bool
    public var `internal`: Bool
    /// `IPAM.Config` entries: `Subnet`, `Gateway`, `IPRange`.
    public var ipamConfig: [[String: String]]
    public var labels: [String: String]
    /// Attached containers' ids (only in a single network's inspect).
    public var containerIDs: [String]
    public var raw: JSONValue

    public init(json: JSONValue) throws {
        try json.requireObject("network answer")
        id = try json.required("Id", in: "network answer")
        name = json.string("Name") ?? ""
        driver = json.string("Driver") ?? ""
        scope = json.string("Scope") ?? ""
        enableIPv6 = json.bool("EnableIPv6") ?? false
        self.internal = json.bool("Internal") ?? false
        ipamConfig = (json["IPAM"]?["Config"]?.arrayValue ?? []).map { entry in
            var result: [String: String] = [:]
            for (key, value) in entry.objectValue?.pairs ?? [] { if let text = value.stringValue { result[key] = text } }
            return result
        }
        labels = json.stringMap("Labels")
        containerIDs = json["Containers"]?.objectValue?.keys ?? []
        raw = json
    }
}
