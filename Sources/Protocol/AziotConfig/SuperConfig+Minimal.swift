public import TOMLConfig

extension SuperConfig {
    /// The super-config `aziotctl config mp` writes: manual provisioning with `connectionString`, every other
    /// setting at its default (written as the reference writes it: the default sections present and empty).
    public static func manualProvisioningTable(connectionString: ManualConnectionString) -> ConfigTable {
        ConfigTable([
            ("prefer_module_identity_cache", .boolean(false)),
            ("provisioning", .table(ConfigTable([("source", .string("manual")), ("connection_string", .string(connectionString.text))]))),
            ("aziot_keys", .table(ConfigTable())),
            ("preloaded_keys", .table(ConfigTable())),
            ("cert_issuance", .table(ConfigTable())),
            ("preloaded_certs", .table(ConfigTable())),
            ("tpm", .table(ConfigTable())),
        ])
    }
}
