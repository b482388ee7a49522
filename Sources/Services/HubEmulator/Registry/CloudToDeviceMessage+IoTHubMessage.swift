public import IoTHubProtocol

extension CloudToDeviceMessage {
    /// The message as the MQTT head delivers it to `deviceId` on `devices/{id}/messages/devicebound/`:
    /// `$.to` = `/devices/{deviceId}/messages/devicebound` plus the system properties that are set,
    /// and the application properties (render the topic bag with
    /// ``IoTHubMessage/cloudToDeviceProperties``).
    public func iotHubMessage(deviceId: String) -> IoTHubMessage {
        var message = IoTHubMessage(body: body, applicationProperties: properties)
        message[system: .messageId] = messageId.isEmpty ? nil : messageId
        message[system: .to] = "/devices/\(deviceId)/messages/devicebound"
        message[system: .correlationId] = correlationId
        message[system: .absoluteExpiryTime] = expiryTime
        message[system: .userId] = userId
        message[system: .contentType] = contentType
        message[system: .contentEncoding] = contentEncoding
        message[system: .ack] = ack
        return message
    }
}
