import IoTHubProtocol

extension Identity: OrderedJSONRepresentable {
    /// `{"type","spec"}`.
    var jsonValue: JSONValue {
        switch self {
        case .aziot(let spec): ["type": "aziot", "spec": spec.jsonValue]
        case .local(let spec): ["type": "local", "spec": spec.jsonValue]
        }
    }
}

extension AziotIdentity {
    var jsonValue: JSONValue {
        var object: JSONObject = ["hubName": .string(hubName), "gatewayHost": .string(gatewayHost), "deviceId": .string(deviceId)]
        object.setIfPresent("moduleId", moduleId)
        object.setIfPresent("genId", genId)
        if let auth {
            var authObject: JSONObject = ["type": .string(auth.type)]
            authObject.setIfPresent("keyHandle", auth.keyHandle)
            authObject.setIfPresent("certId", auth.certId)
            object["auth"] = .object(authObject)
        }
        return .object(object)
    }
}

extension LocalIdentity {
    var jsonValue: JSONValue {
        [
            "moduleId": .string(moduleId),
            "auth": ["privateKey": .string(auth.privateKey), "certificate": .string(auth.certificate), "expiration": .string(auth.expiration)],
        ]
    }
}

extension ProvisioningInfo: OrderedJSONRepresentable {
    /// The reference's member order: `source` first, then the variant's fields as declared.
    var jsonValue: JSONValue {
        switch self {
        case .dps(let auth, let endpoint, let scopeId, let registrationId, let payload):
            [
                "source": "dps", "auth": .string(auth), "endpoint": .string(endpoint), "scope_id": .string(scopeId),
                "registration_id": .string(registrationId), "payload": payload ?? .null,
            ]
        case .manual(let auth):
            ["source": "manual", "auth": .string(auth)]
        case .none:
            ["source": "none"]
        }
    }
}

/// `{"identities":[…]}`.
struct IdentityList: OrderedJSONRepresentable {
    var identities: [Identity]
    var jsonValue: JSONValue { ["identities": .array(identities.map(\.jsonValue))] }
}

/// `{"certificate": "<PEM>"}`.
struct TrustBundle: OrderedJSONRepresentable {
    var certificate: String
    var jsonValue: JSONValue { ["certificate": .string(certificate)] }
}
