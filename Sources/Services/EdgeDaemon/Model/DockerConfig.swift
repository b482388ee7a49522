import NIOHTTP1
public import DockerClient
public import IoTHubProtocol
public import UnixSocketHTTP

/// A module's `config.settings` for type `docker`: the image, Docker's create body (`createOptions`, already parsed
/// from edgeAgent's chunked string form) and registry credentials. Unknown Docker fields of `createOptions` are kept
/// and reach Docker unchanged.
public struct DockerConfig: Sendable, Hashable {
    /// `name[:tag]` or `name@digest` as the deployment names it.
    public var image: String
    /// Docker's image id (`sha256:…`), as GET answers carry it.
    public var imageHash: String?
    /// Docker's `POST /containers/create` body, or nil.
    public var createOptions: JSONObject?
    public var digest: String?
    /// `{"username","password","serveraddress","email",…}`: other members are kept (and echoed) but only Docker's
    /// known ones reach `X-Registry-Auth`.
    public var auth: JSONObject?

    public init(image: String, imageHash: String? = nil, createOptions: JSONObject? = nil, digest: String? = nil, auth: JSONObject? = nil) {
        self.image = image
        self.imageHash = imageHash
        self.createOptions = createOptions
        self.digest = digest
        self.auth = auth
    }

    /// Reads `settings`; every problem is a `400 invalid Docker config: …`.
    public init(json: JSONValue) throws(HTTPError) {
        func invalid(_ reason: String) -> HTTPError { HTTPError(.badRequest, "invalid Docker config: \(reason)") }
        guard let object = json.objectValue else { throw invalid("settings must be a JSON object") }
        guard let image = object["image"]?.stringValue else { throw invalid("missing string field `image`") }
        guard !image.allSatisfy(\.isWhitespace) else { throw invalid("image must not be empty") }
        self.image = image
        func optionalString(_ key: String) throws(HTTPError) -> String? {
            guard let value = object[key], !value.isNull else { return nil }
            guard let text = value.stringValue else { throw invalid("`\(key)` must be a string") }
            return text
        }
        imageHash = try optionalString("imageHash")
        digest = try optionalString("digest")
        if let options = object["createOptions"], !options.isNull {
            guard let options = options.objectValue else { throw invalid("`createOptions` must be a JSON object") }
            createOptions = options
        } else {
            createOptions = nil
        }
        if let auth = object["auth"], !auth.isNull {
            guard let auth = auth.objectValue else { throw invalid("`auth` must be a JSON object") }
            for key in ["username", "password", "serveraddress", "email"] {
                if let value = auth[key], value.stringValue == nil, !value.isNull { throw invalid("`auth.\(key)` must be a string") }
            }
            self.auth = auth
        } else {
            auth = nil
        }
    }

    /// camelCase members in the reference's order; absent ones omitted.
    public var json: JSONValue {
        var object: JSONObject = ["image": .string(image)]
        if let imageHash { object["imageHash"] = .string(imageHash) }
        if let createOptions { object["createOptions"] = .object(createOptions) }
        if let digest { object["digest"] = .string(digest) }
        if let auth { object["auth"] = .object(auth) }
        return .object(object)
    }

    /// The credentials for Docker's `X-Registry-Auth`, or nil without `auth`.
    public var registryAuth: RegistryAuth? {
        guard let auth else { return nil }
        return RegistryAuth(
            username: auth["username"]?.stringValue,
            password: auth["password"]?.stringValue,
            serverAddress: auth["serveraddress"]?.stringValue,
            email: auth["email"]?.stringValue,
            identityToken: auth["identitytoken"]?.stringValue,
            registryToken: auth["registrytoken"]?.stringValue
        )
    }
}
