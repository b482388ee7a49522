import IoTHubProtocol

extension HubModule: OrderedJSONRepresentable {
    /// `{"moduleId","managedBy"?,"deviceId","generationId"?,"authentication"?}`, the reference's member order.
    var jsonValue: JSONValue {
        var object: JSONObject = ["moduleId": .string(moduleId)]
        object.setIfPresent("managedBy", managedBy)
        object["deviceId"] = .string(deviceId)
        object.setIfPresent("generationId", generationId)
        if let authentication { object["authentication"] = authentication.jsonValue }
        return .object(object)
    }
}

extension HubModule.Authentication {
    var jsonValue: JSONValue {
        var object = JSONObject()
        if let symmetricKey {
            var keys = JSONObject()
            keys.setIfPresent("primaryKey", symmetricKey.primaryKey)
            keys.setIfPresent("secondaryKey", symmetricKey.secondaryKey)
            object["symmetricKey"] = .object(keys)
        }
        if let x509Thumbprint {
            var thumbprints = JSONObject()
            thumbprints.setIfPresent("primaryThumbprint", x509Thumbprint.primaryThumbprint)
            thumbprints.setIfPresent("secondaryThumbprint", x509Thumbprint.secondaryThumbprint)
            object["x509Thumbprint"] = .object(thumbprints)
        }
        object.setIfPresent("type", type)
        return .object(object)
    }
}
