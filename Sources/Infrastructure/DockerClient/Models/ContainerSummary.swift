public import IoTHubProtocol

/// One entry of `GET /containers/json`.
public struct ContainerSummary: Sendable, Hashable {
    public var id: String
    /// Names without Docker's leading `/`.
    public var names: [String]
    public var image: String
    public var imageID: String
    public var command: String
    /// UNIX seconds.
    public var created: Int64
    /// `created`, `running`, `exited`…
    public var state: String
    /// Human text such as `Up 3 minutes`.
    public var status: String
    public var labels: [String: String]
    public var raw: JSONValue

    public init(json: JSONValue) throws {
        try json.requireObject("container list entry")
        id = try json.required("Id", in: "container list entry")
        names = json.strings("Names").map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }
        image = json.string("Image") ?? ""
        imageID = json.string("ImageID") ?? ""
        command = json.string("Command") ?? ""
        created = json.int("Created") ?? 0
        state = json.string("State") ?? ""
        status = json.string("Status") ?? ""
        labels = json.stringMap("Labels")
        raw = json
    }
}
