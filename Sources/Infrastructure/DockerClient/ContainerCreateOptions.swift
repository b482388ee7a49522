public import IoTHubProtocol

/// A container create body built from typed fields on top of a JSON object taken as it is (a deployment's
/// `createOptions`): fields that are set here replace the same fields of ``base``; every other field of ``base`` —
/// known to this type or not — reaches Docker unchanged.
public struct ContainerCreateOptions: Sendable, Hashable {
    /// `HostConfig.RestartPolicy`.
    public struct RestartPolicy: Sendable, Hashable {
        /// `no`, `always`, `unless-stopped` or `on-failure`.
        public var name: String
        public var maximumRetryCount: Int?

        public init(name: String, maximumRetryCount: Int? = nil) {
            self.name = name
            self.maximumRetryCount = maximumRetryCount
        }

        public static let no = RestartPolicy(name: "no")
        public static let always = RestartPolicy(name: "always")
        public static let unlessStopped = RestartPolicy(name: "unless-stopped")
        public static func onFailure(maximumRetryCount: Int? = nil) -> RestartPolicy {
            RestartPolicy(name: "on-failure", maximumRetryCount: maximumRetryCount)
        }
    }

    /// One `HostConfig.Mounts` entry.
    public struct Mount: Sendable, Hashable {
        /// `bind`, `volume` or `tmpfs`.
        public var type: String
        public var source: String?
        public var target: String
        public var readOnly: Bool

        public init(type: String, source: String?, target: String, readOnly: Bool = false) {
            self.type = type
            self.source = source
            self.target = target
            self.readOnly = readOnly
        }

        var json: JSONValue {
            var object: JSONObject = ["Type": .string(type), "Target": .string(target)]
            if let source { object["Source"] = .string(source) }
            if readOnly { object["ReadOnly"] = true }
            return .object(object)
        }
    }

    /// The object the typed fields are laid over.
    public var base: JSONObject
    public var image: String?
    public var cmd: [String]?
    public var entrypoint: [String]?
    /// `K=V` entries.
    public var env: [String]?
    public var labels: [String: String]?
    public var tty: Bool?
    public var user: String?
    public var workingDir: String?
    /// `HostConfig.Binds`: `host:container[:ro]`.
    public var binds: [String]?
    public var mounts: [Mount]?
    /// `HostConfig.NetworkMode`: `host`, `bridge`, `none`, a network name, `container:<id>`.
    public var networkMode: String?
    public var restartPolicy: RestartPolicy?
    public var autoRemove: Bool?
    public var privileged: Bool?
    public var capAdd: [String]?
    public var capDrop: [String]?
    /// `HostConfig.PidMode`, e.g. `host`.
    public var pidMode: String?

    public init(base: JSONObject = [:], image: String? = nil, cmd: [String]? = nil) {
        self.base = base
        self.image = image
        self.cmd = cmd
    }

    /// The body for `POST /containers/create`.
    public var json: JSONObject {
        var object = base
        func set(_ key: String, _ value: JSONValue?, in object: inout JSONObject) {
            if let value { object[key] = value }
        }
        set("Image", image.map(JSONValue.string), in: &object)
        set("Cmd", cmd.map { .array($0.map(JSONValue.string)) }, in: &object)
        set("Entrypoint", entrypoint.map { .array($0.map(JSONValue.string)) }, in: &object)
        set("Env", env.map { .array($0.map(JSONValue.string)) }, in: &object)
        set("Labels", labels.map { .object(JSONObject($0.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })) }, in: &object)
        set("Tty", tty.map(JSONValue.bool), in: &object)
        set("User", user.map(JSONValue.string), in: &object)
        set("WorkingDir", workingDir.map(JSONValue.string), in: &object)
        var host = object["HostConfig"]?.objectValue ?? JSONObject()
        set("Binds", binds.map { .array($0.map(JSONValue.string)) }, in: &host)
        set("Mounts", mounts.map { .array($0.map(\.json)) }, in: &host)
        set("NetworkMode", networkMode.map(JSONValue.string), in: &host)
        if let restartPolicy {
            var policy: JSONObject = ["Name": .string(restartPolicy.name)]
            if let count = restartPolicy.maximumRetryCount { policy["MaximumRetryCount"] = .int(Int64(count)) }
            host["RestartPolicy"] = .object(policy)
        }
        set("AutoRemove", autoRemove.map(JSONValue.bool), in: &host)
        set("Privileged", privileged.map(JSONValue.bool), in: &host)
        set("CapAdd", capAdd.map { .array($0.map(JSONValue.string)) }, in: &host)
        set("CapDrop", capDrop.map { .array($0.map(JSONValue.string)) }, in: &host)
        set("PidMode", pidMode.map(JSONValue.string), in: &host)
        if !host.isEmpty || object["HostConfig"] != nil { object["HostConfig"] = .object(host) }
        return object
    }
}
