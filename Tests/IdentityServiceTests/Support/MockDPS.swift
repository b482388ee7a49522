import HubEmulatorTestSupport
import Foundation
import Hummingbird
import HummingbirdTLS
import IoTHubProtocol
import Logging
import MQTTTestSupport
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization

/// A Device Provisioning Service for the tests, written from the DPS REST contract (§4.4), until the IoT Hub emulator
/// has its own: `PUT /{scope}/registrations/{id}/register` answers `202 {"operationId"}`, `GET …/operations/{op}`
/// answers `assigning` for the first ``pollsBeforeAssigned`` polls, then `assigned` (or `failed`).
///
/// SAS requests must carry a token for `{scope}/registrations/{id}` (lower-cased), `skn=registration`, signed with the
/// enrollment's key; with ``clientCAPath`` the server requires a client certificate chaining to that CA (X.509
/// attestation) instead. On assignment ``onAssign`` runs (it creates the device in the emulator).
final class MockDPS: Sendable {
    struct Enrollment: Sendable {
        var deviceId: String
        /// The device key for SAS attestation; nil for X.509.
        var key: [UInt8]?
        var assignedHub: String
    }

    struct Registration: Sendable {
        var registrationId: String
        var body: JSONValue
        var authorization: String?
    }

    private struct State {
        var enrollments: [String: Enrollment] = [:]
        var registrations: [Registration] = []
        var polls: [String: (registrationId: String, count: Int)] = [:]
        var pollsBeforeAssigned = 1
        var failure: (code: Int, message: String)?
        var refusals: [String] = []
        var throttleNext = 0
        var throttled = 0
    }

    private let state = Mutex(State())
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let port: Int

    var endpoint: String { "https://localhost:\(port)" }

    var registrations: [Registration] { state.withLock { $0.registrations } }
    /// Why requests were refused (authentication failures), for assertions.
    var refusals: [String] { state.withLock { $0.refusals } }

    func enroll(_ registrationId: String, _ enrollment: Enrollment) {
        state.withLock { $0.enrollments[registrationId] = enrollment }
    }

    func setPollsBeforeAssigned(_ count: Int) { state.withLock { $0.pollsBeforeAssigned = count } }

    func failRegistrations(code: Int, message: String) { state.withLock { $0.failure = (code, message) } }

    /// Answers the next `count` registration requests with `429 Too Many Requests`.
    func throttleNext(_ count: Int) { state.withLock { $0.throttleNext = count } }

    /// How many requests were answered with 429.
    var throttled: Int { state.withLock { $0.throttled } }

    private init(group: ServiceGroup, task: Task<Void, any Error>, port: Int) {
        self.group = group
        self.task = task
        self.port = port
    }

    static func start(
        serverChainPath: String,
        serverKeyPath: String,
        clientCAPath: String? = nil,
        onAssign: @escaping @Sendable (String, Enrollment) async throws -> Void
    ) async throws -> MockDPS {
        let box = MockDPSBox()
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(serverChainPath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: serverKeyPath, format: .pem))
        )
        if let clientCAPath {
            tls.certificateVerification = .noHostnameVerification
            tls.trustRoots = .file(clientCAPath)
        }
        let router = Router()
        router.put(":scope/registrations/:registrationId/register") { request, context in
            guard let dps = box.dps.withLock({ $0 }) else { throw HTTPError(.serviceUnavailable) }
            return try await dps.register(request, context: context, requireSAS: clientCAPath == nil, onAssign: onAssign)
        }
        router.get(":scope/registrations/:registrationId/operations/:operationId") { request, context in
            guard let dps = box.dps.withLock({ $0 }) else { throw HTTPError(.serviceUnavailable) }
            return try await dps.poll(request, context: context, requireSAS: clientCAPath == nil, onAssign: onAssign)
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let logger = makeTestLogger(label: "mock-dps")
        let app = Application(
            router: router,
            server: try .tls(tlsConfiguration: tls),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "mock-dps"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var port = 0
        for await bound in ports {
            port = bound
            break
        }
        let dps = MockDPS(group: group, task: task, port: port)
        box.dps.withLock { $0 = dps }
        return dps
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    // MARK: Handlers

    private func authenticate(_ request: Request, scope: String, registrationId: String, requireSAS: Bool) throws(HTTPError) {
        guard requireSAS else { return }
        let enrollment = state.withLock { $0.enrollments[registrationId] }
        func refuse(_ why: String) -> HTTPError {
            state.withLock { $0.refusals.append(why) }
            return HTTPError(.unauthorized, message: why)
        }
        guard let header = request.headers[.authorization] else { throw refuse("no Authorization header") }
        guard let token = try? SharedAccessSignature(parsing: header) else { throw refuse("malformed token \(header)") }
        guard token.keyName == "registration" else { throw refuse("skn is \(token.keyName ?? "absent"), not registration") }
        let expected = "\(scope)/registrations/\(registrationId)".lowercased()
        guard token.resource == expected else { throw refuse("sr is \(token.resource), expected \(expected)") }
        let now = UInt64(Date().timeIntervalSince1970)
        guard token.expiry > now, token.expiry <= now + 60 else { throw refuse("se \(token.expiry) is not within a minute from now") }
        guard let key = enrollment?.key else { throw refuse("no SAS enrollment for \(registrationId)") }
        let signature = SharedAccessSignature.computeSignature(encodedResource: token.resource, expiry: token.expiryString, keyBytes: key)
        guard signature == token.signature else { throw refuse("bad signature") }
    }

    private func json(_ value: JSONValue, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.jsonString)))
    }

    fileprivate func register(
        _ request: Request, context: BasicRequestContext, requireSAS: Bool, onAssign: @Sendable (String, Enrollment) async throws -> Void
    ) async throws -> Response {
        let scope = try context.parameters.require("scope")
        let registrationId = try context.parameters.require("registrationId")
        try authenticate(request, scope: scope, registrationId: registrationId, requireSAS: requireSAS)
        let throttle = state.withLock { state in
            guard state.throttleNext > 0 else { return false }
            state.throttleNext -= 1
            state.throttled += 1
            return true
        }
        if throttle {
            return json(["errorCode": 429001, "message": "Operations are being throttled for this tenant."], status: .tooManyRequests)
        }
        let body = try await request.body.collect(upTo: 1 << 20)
        let parsed = try JSONValue(parsing: body.readableBytesView)
        let operationId = UUID().uuidString.lowercased()
        state.withLock {
            $0.registrations.append(Registration(registrationId: registrationId, body: parsed, authorization: request.headers[.authorization]))
            $0.polls[operationId] = (registrationId, 0)
        }
        return json(["operationId": .string(operationId), "status": "assigning"], status: .accepted)
    }

    fileprivate func poll(
        _ request: Request, context: BasicRequestContext, requireSAS: Bool, onAssign: @Sendable (String, Enrollment) async throws -> Void
    ) async throws -> Response {
        let scope = try context.parameters.require("scope")
        let registrationId = try context.parameters.require("registrationId")
        let operationId = try context.parameters.require("operationId")
        try authenticate(request, scope: scope, registrationId: registrationId, requireSAS: requireSAS)
        let (count, limit, failure, enrollment) = state.withLock { state in
            state.polls[operationId]?.count += 1
            return (state.polls[operationId]?.count ?? 0, state.pollsBeforeAssigned, state.failure, state.enrollments[registrationId])
        }
        guard count > 0 else { return json(["errorCode": 404000, "message": "unknown operation"], status: .notFound) }
        if count <= limit {
            return json(["operationId": .string(operationId), "status": "assigning"], status: .accepted)
        }
        if let failure {
            return json(
                ["operationId": .string(operationId), "status": "failed", "registrationState": ["errorCode": .int(Int64(failure.code)), "errorMessage": .string(failure.message)]],
                status: .ok)
        }
        guard let enrollment else {
            return json(
                ["operationId": .string(operationId), "status": "failed", "registrationState": ["errorCode": 404201, "errorMessage": "no enrollment"]],
                status: .ok)
        }
        try await onAssign(registrationId, enrollment)
        let registration = state.withLock { $0.registrations.last { $0.registrationId == registrationId } }
        var registrationState: JSONObject = [
            "registrationId": .string(registrationId), "assignedHub": .string(enrollment.assignedHub),
            "deviceId": .string(enrollment.deviceId), "status": "assigned",
        ]
        if case .object(let body)? = registration?.body, let payload = body["payload"] {
            registrationState["payload"] = ["echo": payload]
        }
        return json(["operationId": .string(operationId), "status": "assigned", "registrationState": .object(registrationState)], status: .ok)
    }
}

/// Lets the router's handlers reach the mock once it exists.
final class MockDPSBox: Sendable {
    let dps = Mutex<MockDPS?>(nil)
}
