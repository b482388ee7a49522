public import IoTHubProtocol

/// `GET /containers/{id}/top`: the processes of a container, as `ps` shows them.
public struct ContainerTop: Sendable, Hashable {
    public var titles: [String]
    public var processes: [[String]]

    public init(titles: [String], processes: [[String]]) {
        self.titles = titles
        self.processes = processes
    }

    public init(json: JSONValue) throws {
        guard let titles = json["Titles"]?.arrayValue else {
            throw DockerError(.invalidResponse, message: "Docker's top answer has no Titles: \(json.jsonString.prefix(300))")
        }
        guard let processes = json["Processes"]?.arrayValue else {
            throw DockerError(.invalidResponse, message: "Docker's top answer has no Processes: \(json.jsonString.prefix(300))")
        }
        self.titles = titles.compactMap(\.stringValue)
        self.processes = processes.map { $0.arrayValue?.compactMap(\.stringValue) ?? [] }
    }

    /// The host PIDs of the container's processes (the `PID` column). Throws when there is no such column or a
    /// value is not a number: an authorization check must not guess.
    public func pids() throws -> [Int32] {
        guard let column = titles.firstIndex(of: "PID") else {
            throw DockerError(.invalidResponse, message: "Docker's top answer has no PID column (titles: \(titles))")
        }
        return try processes.map { row in
            guard column < row.count, let pid = Int32(row[column]) else {
                throw DockerError(.invalidResponse, message: "Docker's top answer has a process without a numeric PID: \(row)")
            }
            return pid
        }
    }
}
