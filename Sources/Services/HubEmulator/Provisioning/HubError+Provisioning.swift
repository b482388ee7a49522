extension HubError.Code {
    /// 401: DPS refused the device's credentials (DPS's own code and message, `Unauthorized`).
    public static let provisioningUnauthorized = HubError.Code(name: "Unauthorized", number: 401_002)
    /// 404: no individual enrollment with this registration id (the emulator's number).
    public static let enrollmentNotFound = HubError.Code(name: "EnrollmentNotFound", number: 404_201)
    /// 404: no enrollment group with this id (the emulator's number).
    public static let enrollmentGroupNotFound = HubError.Code(name: "EnrollmentGroupNotFound", number: 404_202)
    /// 404: the device has not registered (the emulator's number).
    public static let registrationNotFound = HubError.Code(name: "DeviceRegistrationNotFound", number: 404_203)
    /// 404: no registration operation with this id (the emulator's number).
    public static let operationNotFound = HubError.Code(name: "OperationNotFound", number: 404_204)
}
