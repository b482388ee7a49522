extension HubError {
    /// An IoT Hub error code: its name (as in `ErrorCode:<name>` and the `iothub-errorcode` header) and
    /// number, whose first three digits are the HTTP status. Extensible: create other codes with
    /// ``init(name:number:)``.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The name, e.g. `DeviceNotFound`.
        public var name: String
        /// The number, e.g. 404001.
        public var number: Int

        /// Creates a code.
        public init(name: String, number: Int) {
            self.name = name
            self.number = number
        }

        /// The HTTP status (`number / 1000`).
        public var httpStatus: Int { number / 1000 }

        public var description: String { name }

        /// 400: the request is invalid (a malformed body, a bad id, a broken limit).
        public static let argumentInvalid = Code(name: "ArgumentInvalid", number: 400_004)
        /// 400: a required value is missing.
        public static let argumentNull = Code(name: "ArgumentNull", number: 400_005)
        /// 400: the body is not valid JSON or not the expected shape.
        public static let iotHubFormatError = Code(name: "IotHubFormatError", number: 400_006)
        /// 401: the caller is not authorized (bad, expired or missing credentials).
        public static let iotHubUnauthorizedAccess = Code(name: "IotHubUnauthorizedAccess", number: 401_002)
        /// 403: the hub's quota is exceeded.
        public static let iotHubQuotaExceeded = Code(name: "IotHubQuotaExceeded", number: 403_002)
        /// 403: the device's cloud-to-device queue is full.
        public static let deviceMaximumQueueDepthExceeded = Code(name: "DeviceMaximumQueueDepthExceeded", number: 403_004)
        /// 404: no device with this id.
        public static let deviceNotFound = Code(name: "DeviceNotFound", number: 404_001)
        /// 404: no module with this id on the device.
        public static let moduleNotFound = Code(name: "ModuleNotFound", number: 404_010)
        /// 404: the device (or module) is not connected.
        public static let deviceNotOnline = Code(name: "DeviceNotOnline", number: 404_103)
        /// 409: a device with this id exists.
        public static let deviceAlreadyExists = Code(name: "DeviceAlreadyExists", number: 409_001)
        /// 409: a module with this id exists on the device.
        public static let moduleAlreadyExistsOnDevice = Code(name: "ModuleAlreadyExistsOnDevice", number: 409_301)
        /// 412: the `If-Match` etag does not match the current one.
        public static let preconditionFailed = Code(name: "PreconditionFailed", number: 412_001)
        /// 413: a message is too large.
        public static let messageTooLarge = Code(name: "MessageTooLarge", number: 413_001)
        /// 413: too many devices in one request or in the hub.
        public static let tooManyDevices = Code(name: "TooManyDevices", number: 413_002)
        /// 429: throttled.
        public static let throttlingException = Code(name: "ThrottlingException", number: 429_001)
        /// 500: the hub failed (for the emulator: its database did).
        public static let serverError = Code(name: "ServerError", number: 500_001)
        /// 503: the hub is unavailable.
        public static let serviceUnavailable = Code(name: "ServiceUnavailable", number: 503_001)
        /// 504: the device did not answer a direct method in time.
        public static let gatewayTimeout = Code(name: "GatewayTimeout", number: 504_101)
    }
}
