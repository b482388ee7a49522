import Foundation
public import IoTHubProtocol

/// Credentials for an image pull, sent to Docker as the `X-Registry-Auth` header: the JSON object
/// `{"username","password","serveraddress",…}` in base64 with the URL-safe alphabet, padded (as Docker decodes it).
public struct RegistryAuth: Sendable, Hashable {
    public var username: String?
    public var password: String?
    /// The registry, e.g. `myregistry.azurecr.io`.
    public var serverAddress: String?
    public var email: String?
    /// An OAuth identity token instead of a password.
    public var identityToken: String?
    /// A bearer token for the registry.
    public var registryToken: String?

    public init(
        username: String? = nil, password: String? = nil, serverAddress: String? = nil, email: String? = nil,
        identityToken: String? = nil, registryToken: String? = nil
    ) {
        self.username = username
        self.password = password
        self.serverAddress = serverAddress
        self.email = email
        self.identityToken = identityToken
        self.registryToken = registryToken
    }

    /// The JSON object (members that are set, in Docker's names).
    public var json: JSONValue {
        var object = JSONObject()
        if let username { object["username"] = .string(username) }
        if let password { object["password"] = .string(password) }
        if let serverAddress { object["serveraddress"] = .string(serverAddress) }
        if let email { object["email"] = .string(email) }
        if let identityToken { object["identitytoken"] = .string(identityToken) }
        if let registryToken { object["registrytoken"] = .string(registryToken) }
        return .object(object)
    }

    /// The header value.
    public var headerValue: String {
        Data(json.jsonBytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
    }
}
