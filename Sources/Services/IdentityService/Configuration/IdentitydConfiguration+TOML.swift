public import TOMLConfig

extension IdentitydConfiguration {
    /// The settings as the reference serializes them into `prev_state`: top-level values (defaults of `max_requests`,
    /// `cloud_timeout_sec` and `cloud_retries` omitted), then `[provisioning]`, `[[principal]]` and `[localid]`;
    /// `[endpoints]` is never written. A `connection_string` is written as `method = "sas"` with the keyd id its key
    /// was imported under, so that no secret lands in the state directory.
    public var configTable: ConfigTable {
        var table = ConfigTable()
        table["hostname"] = .string(hostname)
        table["homedir"] = .string(homedir)
        table["prefer_module_identity_cache"] = .boolean(preferModuleIdentityCache)
        if maxRequests != Self.defaultMaxRequests { table["max_requests"] = .integer(maxRequests) }
        if cloudTimeoutSeconds != Self.defaultCloudTimeoutSeconds { table["cloud_timeout_sec"] = .integer(cloudTimeoutSeconds) }
        if cloudRetries != Self.defaultCloudRetries { table["cloud_retries"] = .integer(cloudRetries) }
        table["provisioning"] = .table(provisioning.configTable)
        if !principals.isEmpty {
            table["principal"] = .array(principals.map { .table($0.configTable) })
        }
        if let localIdDomain {
            table["localid"] = .table(ConfigTable([("domain", .string(localIdDomain))]))
        }
        return table
    }
}

extension IdentityPrincipal {
    var configTable: ConfigTable {
        var table = ConfigTable()
        table["uid"] = .integer(Int(uid))
        table["name"] = .string(name)
        if let idTypes { table["idtype"] = .array(idTypes.map { .string($0.rawValue) }) }
        if let localIdOptions {
            table["localid"] = .table(
                ConfigTable([("type", .string("x509")), ("attributes", .string(localIdOptions.attributes.rawValue))]))
        }
        return table
    }
}

extension ProvisioningSettings {
    var configTable: ConfigTable {
        var table = ConfigTable()
        if let localGatewayHostname { table["local_gateway_hostname"] = .string(localGatewayHostname) }
        switch source {
        case .manual(let manual):
            table["source"] = .string("manual")
            table["iothub_hostname"] = .string(manual.iothubHostname)
            table["device_id"] = .string(manual.deviceId)
            var auth = ConfigTable()
            switch manual.authentication {
            case .sas(let keyId):
                auth["method"] = .string("sas")
                auth["device_id_pk"] = .string(keyId)
            case .connectionString:
                auth["method"] = .string("sas")
                auth["device_id_pk"] = .string(Self.connectionStringKeyId)
            case .x509(let cert, let pk, let subject):
                auth["method"] = .string("x509")
                auth["identity_cert"] = .string(cert)
                auth["identity_pk"] = .string(pk)
                if let subject { auth["csr_subject"] = subject.configValue }
            }
            table["authentication"] = .table(auth)
        case .dps(let dps):
            table["source"] = .string("dps")
            table["global_endpoint"] = .string(dps.globalEndpoint)
            table["scope_id"] = .string(dps.scopeId)
            var attestation = ConfigTable()
            switch dps.attestation {
            case .symmetricKey(let registrationId, let key):
                attestation["method"] = .string("symmetric_key")
                attestation["registration_id"] = .string(registrationId)
                attestation["symmetric_key"] = .string(key)
            case .x509(let registrationId, let cert, let pk, let autoRenew):
                attestation["method"] = .string("x509")
                attestation["identity_cert"] = .string(cert)
                attestation["identity_pk"] = .string(pk)
                if let registrationId { attestation["registration_id"] = registrationId.configValue }
                if let autoRenew { attestation["identity_auto_renew"] = .table(autoRenew) }
            case .tpm(let registrationId):
                attestation["method"] = .string("tpm")
                attestation["registration_id"] = .string(registrationId)
            }
            table["attestation"] = .table(attestation)
            if let payloadURI = dps.payloadURI { table["payload"] = .table(ConfigTable([("uri", .string(payloadURI))])) }
        case .none:
            table["source"] = .string("none")
        }
        return table
    }
}
