public import IoTHubProtocol
import NIOHTTP1

extension DockerClient {
    /// `POST /networks/create` with `body` as it is (`{"Name", "Driver", "EnableIPv6", "IPAM": {"Config": [...]}, …}`).
    /// A name in use is ``DockerError/Code-swift.struct/conflict``.
    public func createNetwork(body: JSONObject) async throws -> NetworkCreateResult {
        let response = try await call(.POST, "/networks/create", json: .object(body), expecting: [201])
        let json = try Self.parseJSON(response.body)
        let warning = json.string("Warning")
        return NetworkCreateResult(id: try json.required("Id", in: "network create answer"), warning: warning?.isEmpty == true ? nil : warning)
    }

    /// Creates a network the way aziot-edged makes its own: a name, optionally IPv6 and IPAM entries
    /// (`Subnet`, `Gateway`, `IPRange`), labels; Docker's default driver (bridge) unless one is named.
    public func createNetwork(
        name: String, driver: String? = nil, enableIPv6: Bool? = nil, ipamConfig: [[String: String]] = [], labels: [String: String] = [:]
    ) async throws -> NetworkCreateResult {
        var body: JSONObject = ["Name": .string(name), "CheckDuplicate": true]
        if let driver { body["Driver"] = .string(driver) }
        if let enableIPv6 { body["EnableIPv6"] = .bool(enableIPv6) }
        if !ipamConfig.isEmpty {
            let entries = ipamConfig.map { entry in
                JSONValue.object(JSONObject(entry.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))
            }
            body["IPAM"] = ["Config": .array(entries)]
        }
        if !labels.isEmpty {
            body["Labels"] = .object(JSONObject(labels.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))
        }
        return try await createNetwork(body: body)
    }

    /// `GET /networks/{id}`.
    public func inspectNetwork(_ id: String) async throws -> NetworkInspect {
        try Self.requireName(id, "network")
        return try NetworkInspect(json: try await getJSON("/networks/\(DockerQuery.segment(id))"))
    }

    /// `GET /networks?filters=`, e.g. `["name": ["azure-iot-edge"]]` (Docker matches names by substring: compare
    /// ``NetworkInspect/name`` for an exact match).
    public func listNetworks(filters: DockerFilters = [:]) async throws -> [NetworkInspect] {
        var query = DockerQuery()
        query.add("filters", filters)
        let json = try await getJSON("/networks", query)
        guard let entries = json.arrayValue else {
            throw DockerError(.invalidResponse, message: "Docker's network list is not an array: \(json.jsonString.prefix(300))")
        }
        return try entries.map(NetworkInspect.init(json:))
    }

    /// `DELETE /networks/{id}`. A network with containers attached is ``DockerError/Code-swift.struct/conflict`` or
    /// ``DockerError/Code-swift.struct/forbidden`` depending on the engine.
    public func removeNetwork(_ id: String) async throws {
        try Self.requireName(id, "network")
        _ = try await call(.DELETE, "/networks/\(DockerQuery.segment(id))", expecting: [204])
    }
}
