import NIOHTTP1
public import IoTHubProtocol
public import UnixSocketHTTP

/// When edged pulls a module's image.
public enum ImagePullPolicy: String, Sendable, Hashable {
    /// Pull at every create (the default). When the pull fails but the image is present, edged goes on with the
    /// local image (the reference fails, which keeps an offline device from recreating its modules).
    case onCreate = "on-create"
    /// Never pull: the image must be present.
    case never

    /// Parses the policy case-insensitively (`On-Create`, `never`).
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "on-create": self = .onCreate
        case "never": self = .never
        default: return nil
        }
    }
}

/// One `{"key", "value"}` entry of a module's `config.env`.
public struct ModuleEnvVar: Sendable, Hashable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// The body of `POST /modules`, `PUT /modules/{name}` and `POST /modules/{name}/prepareupdate`:
/// `{"name", "type", "imagePullPolicy"?, "config": {"settings", "env"?}}`.
public struct ModuleSpec: Sendable, Hashable {
    public var name: String
    /// Only `docker` can be created.
    public var type: String
    public var imagePullPolicy: ImagePullPolicy
    public var config: DockerConfig
    public var env: [ModuleEnvVar]

    public init(name: String, type: String = "docker", imagePullPolicy: ImagePullPolicy = .onCreate, config: DockerConfig, env: [ModuleEnvVar] = []) {
        self.name = name
        self.type = type
        self.imagePullPolicy = imagePullPolicy
        self.config = config
        self.env = env
    }

    /// Reads a request body. A body of the wrong shape (missing member, wrong type) is `422`, as a failed
    /// deserialization is in the reference; blank `name`/`type`, a duplicate env key or settings that are no Docker
    /// config are `400`.
    public init(json: JSONValue) throws(HTTPError) {
        func shape(_ reason: String) -> HTTPError { HTTPError(.unprocessableEntity, "invalid request body: \(reason)") }
        guard let object = json.objectValue else { throw shape("expected a JSON object") }
        guard let name = object["name"]?.stringValue else { throw shape("missing string field `name`") }
        guard let type = object["type"]?.stringValue else { throw shape("missing string field `type`") }
        guard let config = object["config"]?.objectValue else { throw shape("missing object field `config`") }
        guard let settings = config["settings"], !settings.isNull else { throw shape("missing field `config.settings`") }
        var policy = ImagePullPolicy.onCreate
        if let value = object["imagePullPolicy"], !value.isNull {
            guard let text = value.stringValue, let parsed = ImagePullPolicy(parsing: text) else {
                throw shape("`imagePullPolicy` must be \"on-create\" or \"never\"")
            }
            policy = parsed
        }
        var env: [ModuleEnvVar] = []
        if let list = config["env"], !list.isNull {
            guard let items = list.arrayValue else { throw shape("`config.env` must be an array") }
            for item in items {
                guard let key = item["key"]?.stringValue, let value = item["value"]?.stringValue else {
                    throw shape("each `config.env` entry needs string `key` and `value`")
                }
                env.append(ModuleEnvVar(key: key, value: value))
            }
        }
        guard !name.allSatisfy(\.isWhitespace) else { throw HTTPError(.badRequest, "module name must not be empty") }
        guard !type.allSatisfy(\.isWhitespace) else { throw HTTPError(.badRequest, "module type must not be empty") }
        var seen = Set<String>()
        for variable in env where !seen.insert(variable.key).inserted {
            throw HTTPError(.badRequest, "duplicate env var key: \(variable.key)")
        }
        self.name = name
        self.type = type
        self.imagePullPolicy = policy
        self.config = try DockerConfig(json: settings)
        self.env = env
    }

    /// `{"settings", "env"}` as create and update answers echo them.
    public var configJSON: JSONValue {
        ["settings": config.json, "env": .array(env.map { ["key": .string($0.key), "value": .string($0.value)] })]
    }
}
