extension IoTHubConnectionString {
    /// The SAS audience of a device or module connection string (`nil` for a service policy).
    public var audience: SASAudience? {
        guard let deviceId else { return nil }
        if let moduleId {
            return .module(hostName: hostName, deviceId: deviceId, moduleId: moduleId)
        }
        return .device(hostName: hostName, deviceId: deviceId)
    }

    /// Generates a SAS token from this connection string's key, as the SDKs do: for a device or module the
    /// resource is ``SASAudience/resource`` (no `skn` unless the string names a policy), for a service
    /// policy it is the host name with `skn` = `SharedAccessKeyName`.
    ///
    /// - Throws: ``SharedAccessSignatureError`` `.invalidKey` when the string has no `SharedAccessKey`.
    public func makeSharedAccessSignature(expiry: UInt64) throws(SharedAccessSignatureError) -> SharedAccessSignature {
        guard let sharedAccessKey else {
            throw SharedAccessSignatureError(code: .invalidKey, message: "connection string has no SharedAccessKey")
        }
        let resource = audience?.resource ?? hostName
        return try SharedAccessSignature.make(
            resource: resource, key: sharedAccessKey, expiry: expiry, keyName: sharedAccessKeyName)
    }
}
