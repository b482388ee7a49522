import Foundation
public import IoTHubProtocol
public import Logging
public import MQTTProtocol
public import MQTTServer
public import NIOCore
import Synchronization
public import X509

/// IoT Hub's device-facing MQTT surface on top of ``MQTTServer``: authentication as IoT Hub checks it, telemetry
/// stored with its properties, twin GET and reported patches, desired-property notifications, direct methods and
/// cloud-to-device messages. A client may only use its own identity's topics; anything else closes its connection
/// (publishes) or is refused (subscriptions), as IoT Hub does.
public final class DeviceGateway: MQTTServerDelegate {
    public typealias Identity = ClientIdentity

    /// The outcome of a direct method: the device's status and JSON payload.
    public struct MethodResult: Sendable, Equatable {
        public var status: Int
        public var payload: JSONValue
    }

    private struct Connection {
        var client: MQTTConnectedClient<ClientIdentity>
        var acceptsMethods = false
        /// The running desired-patch forwarder and C2D delivery, at most one of each per connection.
        var tasks: [IoTHubSubscription: Task<Void, Never>] = [:]
    }

    private let registry: HubRegistry
    private let authenticator: DeviceAuthenticator
    private let logger: Logger
    private let connections = Mutex<[ClientIdentity: Connection]>([:])
    /// A direct-method call waiting for its answer.
    private struct PendingCall {
        var identity: ClientIdentity
        var continuation: CheckedContinuation<MethodResult, any Error>
    }

    private let methodCalls = Mutex<[String: PendingCall]>([:])

    /// - Parameter hostNames: the names a SAS token's audience may carry (the hub's host name first).
    /// - Parameter trustedCAs: CA certificates for devices using CA authentication.
    public init(registry: HubRegistry, hostNames: [String], logger: Logger, trustedCAs: [Certificate] = []) {
        self.registry = registry
        self.authenticator = DeviceAuthenticator(registry: registry, hostNames: hostNames, logger: logger, trustedCAs: trustedCAs)
        self.logger = logger
    }

    // MARK: Connections

    public func authenticate(_ request: MQTTConnectRequest) async -> MQTTAuthenticationResult<ClientIdentity> {
        await authenticator.authenticate(request)
    }

    public func clientConnected(_ client: MQTTConnectedClient<ClientIdentity>) {
        // A resumed persistent session (CleanSession = 0, as the Python SDK connects) keeps its subscriptions and the
        // client does not subscribe again: the new connection gets the capabilities they grant.
        let restored = Set(
            client.session.subscriptions.keys.filter { Self.isOwn($0, of: client.identity) }.map(IoTHubSubscription.init(topicFilter:)))
        var connection = Connection(client: client)
        connection.acceptsMethods = restored.contains(.methods)
        let replaced = connections.withLock { $0.updateValue(connection, forKey: client.identity) }
        replaced?.tasks.values.forEach { $0.cancel() }
        let registry = self.registry
        Task { await registry.setConnectionState(deviceId: client.identity.deviceId, moduleId: client.identity.moduleId, connected: true) }
        logger.info("\(client.identity) connected")
        let streams = restored.subtracting([.methods])
        if !streams.isEmpty {
            Task { for capability in streams { await self.activate(capability, for: client) } }
        }
    }

    public func clientDisconnected(_ client: MQTTConnectedClient<ClientIdentity>, reason: MQTTDisconnectReason) {
        let removed: Connection? = connections.withLock { connections in
            guard let connection = connections[client.identity], connection.client.session === client.session,
                reason != .takenOver
            else { return nil }
            connections[client.identity] = nil
            return connection
        }
        guard let removed else { return }
        removed.tasks.values.forEach { $0.cancel() }
        failCalls(of: client.identity)
        let registry = self.registry
        Task { await registry.setConnectionState(deviceId: client.identity.deviceId, moduleId: client.identity.moduleId, connected: false) }
        logger.info("\(client.identity) disconnected (\(reason))")
    }

    // MARK: Inbound messages

    public func receive(_ message: PublishPacket, from client: MQTTConnectedClient<ClientIdentity>, on eventLoop: any EventLoop)
        -> EventLoopFuture<Void>
    {
        eventLoop.makeFutureWithTask { try await self.handle(message, from: client) }
    }

    private func handle(_ message: PublishPacket, from client: MQTTConnectedClient<ClientIdentity>) async throws {
        let identity = client.identity
        let topic: IoTHubTopic
        do {
            topic = try IoTHubTopic(parsing: message.topic)
        } catch {
            throw GatewayError("\(identity) published to \"\(message.topic)\", which IoT Hub does not accept: \(error)")
        }
        let body = Array(buffer: message.payload)
        switch topic {
        case .telemetry(let deviceId, let moduleId, _, _):
            guard Self.names(identity, deviceId: deviceId, moduleId: moduleId) else {
                throw GatewayError("\(identity) published telemetry as \(deviceId)\(moduleId.map { "/\($0)" } ?? ""); refused")
            }
            guard var parsed = IoTHubMessage(telemetry: topic, body: body) else {
                throw GatewayError("telemetry topic \"\(message.topic)\" has a malformed property bag")
            }
            // The sender is the authenticated identity, not the topic's (possibly percent-encoded) ids.
            parsed[system: .connectionDeviceId] = identity.deviceId
            parsed[system: .connectionModuleId] = identity.moduleId
            guard !parsed.isTooLarge else {
                throw GatewayError("telemetry of \(parsed.routingSize) bytes exceeds IoT Hub's 256 KiB limit")
            }
            await registry.recordTelemetry(TelemetryEvent(deviceId: identity.deviceId, moduleId: identity.moduleId, message: parsed))
        case .twinGet(let requestId):
            await answerTwinGet(requestId: requestId, client: client)
        case .twinPatchReported(let requestId, _):
            await answerReportedPatch(body, requestId: requestId, client: client)
        case .methodResponse(let status, let requestId):
            let payload = body.isEmpty ? JSONValue.null : ((try? JSONValue(parsing: String(decoding: body, as: UTF8.self))) ?? .string(String(decoding: body, as: UTF8.self)))
            let waiter = methodCalls.withLock { $0.removeValue(forKey: requestId.lowercased()) }
            if let waiter {
                waiter.continuation.resume(returning: MethodResult(status: status.statusCode, payload: payload))
            } else {
                logger.info("\(identity) answered unknown or expired method request \(requestId)")
            }
        case .cloudToDevice, .moduleInput, .twinResponse, .twinDesiredPatch, .methodRequest:
            throw GatewayError("\(identity) published to \"\(message.topic)\", a topic only the hub publishes to")
        }
    }

    private func answerTwinGet(requestId: String, client: MQTTConnectedClient<ClientIdentity>) async {
        do {
            let twin = try await registry.twin(deviceId: client.identity.deviceId, moduleId: client.identity.moduleId)
            let body = JSONValue.object([
                "desired": Self.withoutMetadata(twin.properties.desired.json),
                "reported": Self.withoutMetadata(twin.properties.reported.json),
            ])
            reply(.twinResponse(status: 200, requestId: requestId, version: nil), body: body.jsonString, to: client)
        } catch {
            reply(.twinResponse(status: error.httpStatus, requestId: requestId, version: nil), body: "", to: client)
        }
    }

    private func answerReportedPatch(_ body: [UInt8], requestId: String, client: MQTTConnectedClient<ClientIdentity>) async {
        guard let patch = try? JSONValue(parsing: String(decoding: body, as: UTF8.self)) else {
            reply(.twinResponse(status: 400, requestId: requestId, version: nil), body: "", to: client)
            return
        }
        do {
            let version = try await registry.updateReportedProperties(deviceId: client.identity.deviceId, moduleId: client.identity.moduleId, patch: patch)
            reply(.twinResponse(status: 204, requestId: requestId, version: Int64(version)), body: "", to: client)
        } catch {
            logger.info("reported patch of \(client.identity) refused: \(error)")
            reply(.twinResponse(status: error.httpStatus, requestId: requestId, version: nil), body: "", to: client)
        }
    }

    private func reply(_ topic: IoTHubTopic, body: String, to client: MQTTConnectedClient<ClientIdentity>) {
        _ = client.session.deliver(PublishPacket(topic: topic.topicName, payload: ByteBuffer(string: body), qos: .atMostOnce))
    }

    // MARK: Subscriptions

    public func subscribe(_ subscriptions: [SubscribePacket.Subscription], from client: MQTTConnectedClient<ClientIdentity>) async
        -> [SubAckPacket.ReturnCode]
    {
        let identity = client.identity
        var codes: [SubAckPacket.ReturnCode] = []
        for subscription in subscriptions {
            guard Self.isOwn(subscription.filter, of: identity) else {
                logger.info("\(identity) may not subscribe to \"\(subscription.filter)\"")
                codes.append(.failure)
                continue
            }
            codes.append(.granted(min(subscription.qos, .atLeastOnce)))
            // Before the SUBACK: a change made once the client holds its SUBACK must reach it.
            await activate(IoTHubSubscription(topicFilter: subscription.filter), for: client)
        }
        return codes
    }

    public func unsubscribe(_ filters: [String], from client: MQTTConnectedClient<ClientIdentity>) async {
        let capabilities = Set(filters.map { IoTHubSubscription(topicFilter: $0) })
        let stopped: [Task<Void, Never>] = connections.withLock { connections in
            guard connections[client.identity]?.client.session === client.session else { return [] }
            if capabilities.contains(.methods) { connections[client.identity]?.acceptsMethods = false }
            return capabilities.compactMap { connections[client.identity]?.tasks.removeValue(forKey: $0) }
        }
        stopped.forEach { $0.cancel() }
    }

    /// Whether `filter` is one of the identity's own subscriptions the hub serves.
    private static func isOwn(_ filter: String, of identity: ClientIdentity) -> Bool {
        let capability = IoTHubSubscription(topicFilter: filter)
        guard capability != .moduleMessages,
            let expected = IoTHubSubscription.topicFilter(for: capability, deviceId: identity.deviceId, moduleId: identity.moduleId)
        else { return false }
        return Self.filter(filter, matchesOwn: expected, identity: identity)
    }

    /// Starts what a granted subscription gives the connection, once per connection (a repeated SUBSCRIBE, or one
    /// restored from a persistent session, does not deliver twice).
    private func activate(_ capability: IoTHubSubscription, for client: MQTTConnectedClient<ClientIdentity>) async {
        let identity = client.identity
        switch capability {
        case .methods:
            connections.withLock { connections in
                if connections[identity]?.client.session === client.session { connections[identity]?.acceptsMethods = true }
            }
        case .desiredPropertyUpdates:
            guard isCurrent(client, without: capability) else { return }
            let patches = await registry.desiredPropertyPatches(deviceId: identity.deviceId, moduleId: identity.moduleId)
            startTask(capability, for: client) { await self.forwardDesiredPatches(patches, to: client) }
        case .cloudToDevice:
            guard isCurrent(client, without: capability) else { return }
            let signals = await registry.cloudToDeviceEnqueued(deviceId: identity.deviceId)
            startTask(capability, for: client) { await self.deliverCloudToDevice(signals, to: client) }
        case .twinResponse, .moduleMessages, .unknown:
            break
        }
    }

    /// Whether `client` is the identity's current connection and has no task for `capability` yet.
    private func isCurrent(_ client: MQTTConnectedClient<ClientIdentity>, without capability: IoTHubSubscription) -> Bool {
        connections.withLock { connections in
            guard let connection = connections[client.identity], connection.client.session === client.session else { return false }
            return connection.tasks[capability] == nil
        }
    }

    private func startTask(
        _ capability: IoTHubSubscription, for client: MQTTConnectedClient<ClientIdentity>, _ body: @escaping @Sendable () async -> Void
    ) {
        let task = Task { await body() }
        let attached = connections.withLock { connections -> Bool in
            guard connections[client.identity]?.client.session === client.session, connections[client.identity]?.tasks[capability] == nil
            else { return false }
            connections[client.identity]?.tasks[capability] = task
            return true
        }
        if !attached { task.cancel() }
    }

    private func forwardDesiredPatches(_ patches: AsyncStream<JSONValue>, to client: MQTTConnectedClient<ClientIdentity>) async {
        for await patch in patches {
            guard case .int(let version)? = patch.objectValue?["$version"] else { continue }
            _ = client.session.deliver(
                PublishPacket(topic: IoTHubTopic.twinDesiredPatch(version: version).topicName, payload: ByteBuffer(string: patch.jsonString), qos: .atMostOnce)
            )
        }
    }

    /// Sends every queued C2D message, oldest first, and removes each once the device acknowledges it.
    private func deliverCloudToDevice(_ signals: AsyncStream<Void>, to client: MQTTConnectedClient<ClientIdentity>) async {
        let deviceId = client.identity.deviceId
        var sent: Set<String> = []
        repeat {
            for message in await registry.pendingCloudToDevice(deviceId: deviceId) where !sent.contains(message.messageId) {
                sent.insert(message.messageId)
                let topic = IoTHubTopic.cloudToDevice(deviceId: deviceId, properties: message.iotHubMessage(deviceId: deviceId).cloudToDeviceProperties)
                let registry = self.registry
                let messageId = message.messageId
                _ = client.session.deliver(
                    PublishPacket(topic: topic.topicName, payload: ByteBuffer(bytes: message.body), qos: .atLeastOnce),
                    onAcknowledged: { Task { _ = await registry.completeCloudToDevice(deviceId: deviceId, messageId: messageId) } }
                )
            }
        } while await signals.first(where: { _ in true }) != nil && !Task.isCancelled
    }

    // MARK: Direct methods

    /// Invokes a direct method on a connected device or module. Throws ``HubError`` 404 when the client is not
    /// connected or not subscribed to methods, 504 when it does not answer within `timeout`.
    public func invokeMethod(
        deviceId: String,
        moduleId: String?,
        methodName: String,
        payload: JSONValue,
        timeout: Duration
    ) async throws -> MethodResult {
        let identity = ClientIdentity(deviceId: deviceId, moduleId: moduleId)
        guard let connection = connections.withLock({ $0[identity] }), connection.acceptsMethods else {
            throw HubError(.deviceNotOnline, "\(identity.clientID) is not connected or has not subscribed to direct methods")
        }
        let requestId = UUID().uuidString.lowercased()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                methodCalls.withLock { $0[requestId] = PendingCall(identity: identity, continuation: continuation) }
                // Armed only once the call is registered, so even a zero timeout ends it.
                Task {
                    try? await Task.sleep(for: timeout)
                    self.finishCall(requestId, throwing: HubError(.gatewayTimeout, "\(identity.clientID) did not answer method \(methodName) within \(timeout)"))
                }
                let topic = IoTHubTopic.methodRequest(name: methodName, requestId: requestId)
                _ = connection.client.session.deliver(PublishPacket(topic: topic.topicName, payload: ByteBuffer(string: payload.jsonString), qos: .atMostOnce))
            }
        } onCancel: {
            finishCall(requestId, throwing: CancellationError())
        }
    }

    /// Ends a pending call with an error, if it is still pending.
    private func finishCall(_ requestId: String, throwing error: any Error) {
        methodCalls.withLock { $0.removeValue(forKey: requestId) }?.continuation.resume(throwing: error)
    }

    /// Fails the calls still waiting on a client that went away: it cannot answer any more.
    private func failCalls(of identity: ClientIdentity) {
        let abandoned = methodCalls.withLock { calls -> [PendingCall] in
            let matching = calls.filter { $0.value.identity == identity }
            for key in matching.keys { calls[key] = nil }
            return Array(matching.values)
        }
        for call in abandoned {
            call.continuation.resume(throwing: HubError(.deviceNotOnline, "\(identity.clientID) disconnected before answering the method call"))
        }
    }

    // MARK: Helpers

    private static func names(_ identity: ClientIdentity, deviceId: String, moduleId: String?) -> Bool {
        guard IoTHubTopic.identityMatches(topicSegment: deviceId, identity: identity.deviceId) else { return false }
        switch (moduleId, identity.moduleId) {
        case (nil, nil): return true
        case (let topic?, let own?): return IoTHubTopic.identityMatches(topicSegment: topic, identity: own)
        default: return false
        }
    }

    /// Whether a subscription filter is the identity's own form of `expected` (ids may be percent-encoded).
    private static func filter(_ filter: String, matchesOwn expected: String, identity: ClientIdentity) -> Bool {
        if filter == expected { return true }
        guard filter.hasPrefix("devices/") else { return filter == expected }
        let parts = filter.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let expectedParts = expected.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == expectedParts.count else { return false }
        for (index, (part, want)) in zip(parts, expectedParts).enumerated() where part != want {
            let own = index == 1 ? identity.deviceId : (index == 3 ? identity.moduleId : nil)
            guard let own, IoTHubTopic.identityMatches(topicSegment: part, identity: own) else { return false }
        }
        return true
    }

    private static func withoutMetadata(_ properties: JSONValue) -> JSONValue {
        guard var object = properties.objectValue else { return properties }
        object["$metadata"] = nil
        return .object(object)
    }
}

/// Why the gateway closed a connection instead of accepting a message.
struct GatewayError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
