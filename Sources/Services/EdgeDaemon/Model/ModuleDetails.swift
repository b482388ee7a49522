public import DockerClient
public import IoTHubProtocol

/// The management API's module JSON: `{"id": "id", "name", "type", "config": {"settings", "env"}, "status": {...}}`.
public enum ModuleDetails {
    /// The answer to a create or update: the request's name, type and config echoed, with a status and no times.
    public static func echo(_ spec: ModuleSpec, status: ModuleRuntimeStatus) -> JSONValue {
        [
            "id": "id",
            "name": .string(spec.name),
            "type": .string(spec.type),
            "config": spec.configJSON,
            "status": ["runtimeStatus": ["status": .string(status.rawValue)]],
        ]
    }

    /// A module as GET and list show it, from its container: `settings` = the original image (label, else Docker's
    /// configured image), Docker's image id and every container label under `createOptions.Labels`; `env` is always
    /// empty (edgeAgent keeps its own copy in labels).
    public static func from(_ container: ContainerInspect) -> JSONValue {
        let image = container.config.labels[ModuleLabels.originalImage] ?? container.config.image
        let labels = JSONObject(container.config.labels.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })
        let settings: JSONObject = ["image": .string(image), "imageHash": .string(container.image), "createOptions": ["Labels": .object(labels)]]
        return [
            "id": "id",
            "name": .string(container.name),
            "type": "docker",
            "config": ["settings": .object(settings), "env": []],
            "status": status(container),
        ]
    }

    /// `{"startTime"?, "exitStatus"?: {"exitTime", "statusCode"}, "runtimeStatus": {"status"}}`.
    public static func status(_ container: ContainerInspect) -> JSONValue {
        var object = JSONObject()
        if let started = RFC3339.normalize(container.state.startedAt) { object["startTime"] = .string(started) }
        if let finished = RFC3339.normalize(container.state.finishedAt) {
            object["exitStatus"] = ["exitTime": .string(finished), "statusCode": .string(String(container.state.exitCode))]
        }
        let status = ModuleRuntimeStatus(dockerStatus: container.state.status, exitCode: container.state.exitCode)
        object["runtimeStatus"] = ["status": .string(status.rawValue)]
        return .object(object)
    }
}

/// The labels edged puts on every container it creates.
public enum ModuleLabels {
    /// `net.azure-devices.edge.owner` = `Microsoft.Azure.Devices.Edge.Agent`: what edged lists and manages.
    public static let owner = "net.azure-devices.edge.owner"
    public static let ownerValue = "Microsoft.Azure.Devices.Edge.Agent"
    /// The image as the deployment names it (Docker keeps only the id).
    public static let originalImage = "net.azure-devices.edge.original-image"
    /// edgeAgent's own createOptions (JSON) for change detection across restarts.
    public static let createOptions = "net.azure-devices.edge.create-options"
    /// edgeAgent's env map (JSON).
    public static let env = "net.azure-devices.edge.env"
    /// Not in the reference: set only when edged runs with an instance name (several devices sharing one engine, as
    /// tests do), so that each edged sees only its own containers.
    public static let instance = "net.swift-iotedge.edged-instance"
}
