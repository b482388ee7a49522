/// How the device proves its identity to DPS and IoT Hub.
public enum DeviceCredentials: Sendable {
    /// A symmetric key in keyd: SAS tokens signed with `/sign` HMAC-SHA256.
    case sharedPrivateKey(keyId: String)
    /// An identity certificate (certd id) with its key pair (keyd id): mutual TLS.
    case x509(certId: String, keyId: String, identity: TLSClientIdentity)
    /// A TPM-held key (DPS TPM attestation; signing through tpmd).
    case tpm
}

/// The device identityd is provisioned as.
public struct ProvisionedDevice: Sendable {
    /// IoT Hub's host name (token audiences, `hubName`).
    public var hubName: String
    /// Where Hub REST goes (`gatewayHost`): the parent in nested mode, else the hub.
    public var gatewayHost: String
    public var deviceId: String
    public var credentials: DeviceCredentials

    public init(hubName: String, gatewayHost: String, deviceId: String, credentials: DeviceCredentials) {
        self.hubName = hubName
        self.gatewayHost = gatewayHost
        self.deviceId = deviceId
        self.credentials = credentials
    }

    var deviceInfo: DeviceInfo {
        DeviceInfo(hubName: hubName, localGatewayHostname: gatewayHost, deviceId: deviceId)
    }

    /// The TLS client identity for X.509 devices.
    var tlsIdentity: TLSClientIdentity? {
        if case .x509(_, _, let identity) = credentials { return identity }
        return nil
    }
}

extension DeviceCredentials {
    /// The `Authorization` header for `audience`: a SAS token for symmetric keys, none for X.509 (mutual TLS).
    func authorization(for audience: CloudSASToken.Audience, keys: any IdentityKeyClient) async throws -> String? {
        switch self {
        case .sharedPrivateKey(let keyId):
            let handle: String
            do {
                handle = try await keys.loadKey(id: keyId)
            } catch {
                throw CloudError(.other, "cannot load the device key \(keyId) from keyd: \(error)")
            }
            return try await CloudSASToken.make(audience: audience) { message in
                do {
                    return try await keys.signHMACSHA256(handle: handle, message: message)
                } catch {
                    throw CloudError(.other, "keyd cannot sign with the device key \(keyId): \(error)")
                }
            }
        case .x509:
            return nil
        case .tpm:
            throw CloudError(.other, "TPM-held device keys need aziot-tpmd, which this build does not include")
        }
    }
}
