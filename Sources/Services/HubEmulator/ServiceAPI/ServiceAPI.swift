import Foundation
public import Hummingbird
import IoTHubProtocol
import Logging
import NIOCore
public import X509

/// IoT Hub's service REST API, the subset the `azure-iot-hub` SDK's registry manager uses: device and module
/// CRUD, twins (get, PATCH update, PUT replace), direct methods, and `applyConfigurationContent` for edge
/// deployments. Every request must carry a SAS token of a shared access policy, except that a device may manage its
/// own module identities with its own credentials (``DeviceScopedAccess``, as identityd does). The emulator adds
/// paths of its own under `/emulator/`: sending a cloud-to-device message, reading telemetry (`monitor-events`) and
/// the provisioning service's settings.
///
/// The same listener serves the Device Provisioning Service: the device registration API
/// (``ProvisioningDeviceAPI``, authenticated by attestation) and the enrollment API (``EnrollmentAPI``, with the
/// shared access policies).
public struct ServiceAPI: Sendable {
    let registry: HubRegistry
    let gateway: DeviceGateway
    let authenticator: ServiceAuthenticator
    let provisioning: DeviceProvisioning
    let dpsHostName: String

    /// - Parameters:
    ///   - hostNames: the names a service token's audience may carry (the hub's host name first).
    ///   - provisioning: the DPS device side; its hub host name is the one enrollments name.
    ///   - dpsHostName: DPS's global endpoint host name (also accepted as a token audience, for the enrollment API).
    ///   - trustedCAs: CA certificates of CA-authenticated devices (`--device-ca`).
    public init(
        registry: HubRegistry, gateway: DeviceGateway, policies: [SharedAccessPolicy], hostNames: [String],
        provisioning: DeviceProvisioning, dpsHostName: String, trustedCAs: [Certificate] = []
    ) {
        self.registry = registry
        self.gateway = gateway
        self.provisioning = provisioning
        self.dpsHostName = dpsHostName
        self.authenticator = ServiceAuthenticator(
            policies: policies, hostNames: hostNames, dpsHostName: dpsHostName, registry: registry, trustedCAs: trustedCAs)
    }

    /// The routes: DPS's device registration API (attested per request), and everything else behind authentication.
    public func router() -> Router<EmulatorRequestContext> {
        let root = Router(context: EmulatorRequestContext.self)
        ProvisioningDeviceAPI(provisioning: provisioning).addRoutes(to: root)
        let router = root.group().add(middleware: AuthenticationMiddleware(authenticator: authenticator))
        EnrollmentAPI(registry: registry, hubHostName: provisioning.hubHostName).addRoutes(to: router)
        let dpsSettings: JSONValue = [
            "idScope": .string(provisioning.idScope),
            "globalEndpoint": .string("https://\(dpsHostName)"),
            "dpsHostName": .string(dpsHostName),
            "assignedHub": .string(provisioning.hubHostName),
        ]
        router.get("emulator/dps") { _, _ in Self.json(dpsSettings) }

        router.put("devices/:deviceId") { request, context in
            var device = try DeviceIdentity(json: try await Self.json(request))
            device.deviceId = try Self.parameter("deviceId", in: context)
            let (saved, _) = try await registry.createOrUpdateDevice(device, ifMatch: Self.ifMatch(request))
            return Self.json(saved.json)
        }
        router.get("devices/:deviceId") { _, context in
            Self.json(try await registry.device(try Self.parameter("deviceId", in: context)).json)
        }
        router.get("devices") { request, _ in
            let top = request.uri.queryParameters.get("top").flatMap { Int($0) }
            return Self.json(.array(await registry.devices(top: top).map(\.json)))
        }
        router.delete("devices/:deviceId") { request, context in
            try await registry.deleteDevice(try Self.parameter("deviceId", in: context), ifMatch: Self.ifMatch(request))
            return Response(status: .noContent)
        }

        router.put("devices/:deviceId/modules/:moduleId") { request, context in
            var module = try ModuleIdentity(json: try await Self.json(request))
            module.deviceId = try Self.parameter("deviceId", in: context)
            module.moduleId = try Self.parameter("moduleId", in: context)
            // 200 for a create too, as IoT Hub answers (identityd accepts nothing else).
            let (saved, _) = try await registry.createOrUpdateModule(module, ifMatch: Self.ifMatch(request))
            return Self.json(saved.json)
        }
        router.get("devices/:deviceId/modules/:moduleId") { _, context in
            let module = try await registry.module(deviceId: try Self.parameter("deviceId", in: context), moduleId: try Self.parameter("moduleId", in: context))
            return Self.json(module.json)
        }
        router.get("devices/:deviceId/modules") { _, context in
            Self.json(.array(try await registry.modules(deviceId: try Self.parameter("deviceId", in: context)).map(\.json)))
        }
        router.delete("devices/:deviceId/modules/:moduleId") { request, context in
            try await registry.deleteModule(
                deviceId: try Self.parameter("deviceId", in: context),
                moduleId: try Self.parameter("moduleId", in: context),
                ifMatch: Self.ifMatch(request)
            )
            return Response(status: .noContent)
        }

        for path in ["twins/:deviceId", "twins/:deviceId/modules/:moduleId"] {
            router.get(RouterPath(path)) { _, context in
                Self.json(try await registry.twin(deviceId: try Self.parameter("deviceId", in: context), moduleId: Self.optionalParameter("moduleId", in: context)).json)
            }
            router.patch(RouterPath(path)) { request, context in
                let twin = try await registry.updateTwin(
                    deviceId: try Self.parameter("deviceId", in: context),
                    moduleId: Self.optionalParameter("moduleId", in: context),
                    patch: try await Self.json(request),
                    ifMatch: Self.ifMatch(request)
                )
                return Self.json(twin.json)
            }
            router.put(RouterPath(path)) { request, context in
                let twin = try await registry.replaceTwin(
                    deviceId: try Self.parameter("deviceId", in: context),
                    moduleId: Self.optionalParameter("moduleId", in: context),
                    twin: try await Self.json(request),
                    ifMatch: Self.ifMatch(request)
                )
                return Self.json(twin.json)
            }
        }

        for path in ["twins/:deviceId/methods", "twins/:deviceId/modules/:moduleId/methods"] {
            router.post(RouterPath(path)) { request, context in
                let call = try await Self.json(request)
                guard let name = call["methodName"]?.stringValue, !name.isEmpty else {
                    throw HubError(.argumentInvalid, "the body needs a methodName")
                }
                let seconds = call["responseTimeoutInSeconds"]?.intValue ?? 30
                guard (5...300).contains(seconds) || call["responseTimeoutInSeconds"] == nil else {
                    throw HubError(.argumentInvalid, "responseTimeoutInSeconds must be between 5 and 300")
                }
                let result = try await gateway.invokeMethod(
                    deviceId: try Self.parameter("deviceId", in: context),
                    moduleId: Self.optionalParameter("moduleId", in: context),
                    methodName: name,
                    payload: call["payload"] ?? .null,
                    timeout: .seconds(seconds)
                )
                return Self.json(["status": .int(Int64(result.status)), "payload": result.payload])
            }
        }

        router.post("devices/:deviceId/applyConfigurationContent") { request, context in
            let deviceId = try Self.parameter("deviceId", in: context)
            try await applyConfigurationContent(try await Self.json(request), to: deviceId)
            return Response(status: .noContent)
        }

        router.post("emulator/devices/:deviceId/messages/deviceBound") { request, context in
            let message = try CloudToDeviceMessage(json: try await Self.json(request))
            try await registry.enqueueCloudToDevice(deviceId: try Self.parameter("deviceId", in: context), message)
            return Response(status: .noContent)
        }
        router.get("emulator/events") { request, _ in
            let after = request.uri.queryParameters.get("after").flatMap { Int64($0) }
            let limit = min(request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 100, 1000)
            let wait = min(request.uri.queryParameters.get("wait").flatMap { Double($0) } ?? 0, 30)
            return Self.json(.array(await events(after: after, limit: limit, wait: wait).map(\.json)))
        }
        return root
    }

    /// Telemetry after a sequence number; with `wait`, holds the request until something arrives (long poll).
    private func events(after: Int64?, limit: Int, wait: Double) async -> [TelemetryEvent] {
        let deadline = ContinuousClock.now + .milliseconds(Int64(wait * 1000))
        while true {
            let events = await registry.telemetry(after: after, limit: limit)
            if !events.isEmpty || ContinuousClock.now >= deadline { return events }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// `modulesContent` → each module twin's desired properties (the module identity is created when missing),
    /// with `$version` advanced as IoT Hub does.
    private func applyConfigurationContent(_ content: JSONValue, to deviceId: String) async throws {
        guard let modules = content["modulesContent"]?.objectValue else {
            throw HubError(.argumentInvalid, "the body needs a modulesContent object")
        }
        let device = try await registry.device(deviceId)
        guard device.capabilities.iotEdge else {
            throw HubError(.argumentInvalid, "\(deviceId) is not an IoT Edge device")
        }
        for (moduleId, moduleContent) in modules.pairs {
            guard let desired = moduleContent["properties.desired"], desired.objectValue != nil else {
                throw HubError(.argumentInvalid, "modulesContent.\(moduleId) needs a properties.desired object")
            }
            if (try? await registry.module(deviceId: deviceId, moduleId: moduleId)) == nil {
                var module = try ModuleIdentity(json: ["moduleId": .string(moduleId), "deviceId": .string(deviceId)])
                module.managedBy = "IotEdge"
                _ = try await registry.createOrUpdateModule(module, ifMatch: nil)
            }
            let current = try await registry.twin(deviceId: deviceId, moduleId: moduleId)
            let replacement: JSONValue = ["tags": current.json["tags"] ?? [:], "properties": ["desired": desired]]
            _ = try await registry.replaceTwin(deviceId: deviceId, moduleId: moduleId, twin: replacement, ifMatch: nil)
        }
    }

    // MARK: Helpers

    static func json(_ request: Request) async throws -> JSONValue {
        let buffer = try await request.body.collect(upTo: 4 << 20)
        guard buffer.readableBytes > 0 else { return .object([:]) }
        do {
            return try JSONValue(parsing: buffer.readableBytesView)
        } catch {
            throw HubError(.argumentInvalid, "the request body is not JSON: \(error)")
        }
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.jsonString)))
    }

    /// A path parameter, percent-decoded (the SDKs encode ids, e.g. `$edgeAgent` as `%24edgeAgent`).
    static func parameter(_ name: String, in context: some RequestContext) throws -> String {
        let raw = try context.parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }

    static func optionalParameter(_ name: String, in context: some RequestContext) -> String? {
        context.parameters.get(name).map { $0.removingPercentEncoding ?? $0 }
    }

    static func ifMatch(_ request: Request) -> String? {
        request.headers[.ifMatch]
    }
}

/// Refuses every request without valid credentials (see ``ServiceAuthenticator``), with IoT Hub's 401 answer.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext
    let authenticator: ServiceAuthenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let deviceScope = DeviceScopedAccess.device(method: request.method, path: request.uri.path)
        _ = try await authenticator.authenticate(authorization: request.headers[.authorization], deviceScope: deviceScope) {
            await context.peerCertificates()
        }
        return try await next(request, context)
    }
}
