import ConfigFiles

/// What `aziotctl config apply` and `iotedge config apply` share: finding the service users, writing the
/// generated `config.d/00-super.toml` files and the secrets keyd preloads.
///
/// Paths follow the same environment overrides as the daemons: `AZIOT_<SVC>_CONFIG_DIR` for each service's
/// `config.d` directory, `AZIOT_SECRETS_DIR` for the secrets directory (default `/var/secrets/aziot`).
public enum ApplyPlumbing {
    /// The user each service runs as, which owns its generated file.
    public static let serviceUsers: [String: String] = [
        "keyd": "aziotks", "certd": "aziotcs", "identityd": "aziotid", "tpmd": "aziottpm", "edged": "iotedge",
    ]

    /// The environment variable that can give a service user's uid when that user does not exist.
    public static let uidVariables: [String: String] = ["aziotcs": "AZIOT_CS_UID", "aziotid": "AZIOT_ID_UID", "iotedge": "AZIOT_EDGED_UID"]

    /// The secrets directory: `AZIOT_SECRETS_DIR`, else `/var/secrets/aziot`.
    public static func secretsDirectory(_ environment: [String: String]) -> String {
        environment["AZIOT_SECRETS_DIR"] ?? "/var/secrets/aziot"
    }

    /// keyd's secrets directory (`<secrets>/keyd`).
    public static func keydSecretsDirectory(_ environment: [String: String]) -> String {
        secretsDirectory(environment) + "/keyd"
    }

    /// The uid of a service user: the environment variable (``uidVariables``) when set, else the user database.
    /// `package` names what creates the user, for the message when neither gives one.
    public static func uid(of user: String, _ environment: [String: String], package: String) throws(ToolError) -> UInt32 {
        let variable = uidVariables[user] ?? "AZIOT_\(user.uppercased())_UID"
        if let text = environment[variable] {
            guard let uid = UInt32(text) else { throw ToolError("\(variable)=\(text) is not a uid") }
            return uid
        }
        if let found = SystemUser.named(user) { return found.uid }
        throw ToolError(
            "user \(user) does not exist on this machine. Install the \(package) package (it creates the user), "
                + "or set \(variable) to the uid the service runs as.")
    }

    /// Writes a secret for keyd (`<secrets>/keyd/<name>`, directory 0700 and file 0600, both owned by `aziotks`
    /// when that user exists). Returns the file's path.
    @discardableResult
    public static func writeKeydSecret(_ name: String, _ bytes: [UInt8], _ environment: [String: String]) throws(ToolError) -> String {
        let directory = keydSecretsDirectory(environment)
        let owner = SystemUser.named("aziotks")
        try HostFiles.makeDirectory(directory, mode: 0o700, owner: owner)
        let path = directory + "/" + name
        try HostFiles.write(path, bytes, mode: 0o600, owner: owner)
        return path
    }

    /// Writes `<config.d of service>/00-super.toml` (mode 0600, owned by the service's user when it exists),
    /// creating the directory (0700) when missing. Returns the file's path.
    @discardableResult
    public static func writeServiceConfig(_ service: String, _ text: String, _ environment: [String: String]) throws(ToolError) -> String {
        let directory = ConfigFileSet.aziotService(service, environment: environment).directory
        let owner = serviceUsers[service].flatMap(SystemUser.named)
        if !HostFiles.isDirectory(directory) { try HostFiles.makeDirectory(directory, mode: 0o700, owner: owner) }
        let path = directory + "/00-super.toml"
        try HostFiles.write(path, Array(text.utf8), mode: 0o600, owner: owner)
        return path
    }
}
