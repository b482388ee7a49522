import Foundation
import HubEmulator
import IoTHubProtocol
import MQTTClient
import MQTTProtocol
import MQTTTestSupport
import NIOCore
import Testing

/// Waits for the next direct-method request on `inbox`; returns its name, request id and payload.
func methodRequest(_ inbox: Inbox) async throws -> (name: String, requestId: String, payload: JSONValue) {
    let request = try await inbox.next(topicPrefix: "$iothub/methods/POST/")
    guard case .methodRequest(let name, let requestId) = try IoTHubTopic(parsing: request.topic) else {
        throw TestFailure("\(request.topic) is not a method request")
    }
    return (name, requestId, try json(request.payload))
}

@Suite("Device gateway: direct methods")
struct MethodTests {
    @Test("a method reaches the subscribed device or module with its payload; the answer's status and payload are returned", arguments: [nil, "mod1"])
    func invoke(moduleId: String?) async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            _ = try await hub.registry.createOrUpdateModule(
                ModuleIdentity(moduleId: "mod1", deviceId: "dev1", authentication: .sas(primaryKey: fixedKey(2))), ifMatch: nil)
            let (client, inbox) = try await hub.connectedDevice("dev1", moduleId: moduleId, key: moduleId == nil ? fixedKey(1) : fixedKey(2))
            #expect(try await client.subscribe(to: "$iothub/methods/POST/#") == .granted(.atLeastOnce))

            let gateway = hub.gateway
            async let result = gateway.invokeMethod(
                deviceId: "dev1", moduleId: moduleId, methodName: "reboot", payload: ["delay": 5], timeout: .seconds(30))
            let request = try await methodRequest(inbox)
            #expect(request.name == "reboot")
            #expect(request.payload == ["delay": 5])
            // The hub matches request ids case-insensitively (edgehub §3.7).
            let rid = moduleId == nil ? request.requestId : request.requestId.uppercased()
            try await client.publish(topic: "$iothub/methods/res/201/?$rid=\(rid)", payload: Array(#"{"rebooting":true}"#.utf8))
            let answer = try await result
            #expect(answer.status == 201)
            #expect(answer.payload == ["rebooting": true])
            await client.disconnect()
        }
    }

    @Test("a device that disconnects before answering ends the call with DeviceNotOnline, not after the timeout", .timeLimit(.minutes(1)))
    func disconnectMidCall() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            let (client, inbox) = try await hub.connectedDevice("dev1", key: fixedKey(1))
            try await client.subscribe(to: "$iothub/methods/POST/#")
            let gateway = hub.gateway
            let call = Task {
                await hubError { _ = try await gateway.invokeMethod(deviceId: "dev1", moduleId: nil, methodName: "m", payload: nil, timeout: .seconds(300)) }
            }
            _ = try await methodRequest(inbox)
            await client.disconnect()
            let error = await call.value
            #expect(error?.code == .deviceNotOnline && error?.httpStatus == 404)
        }
    }

    @Test("a device that is connected but not subscribed to methods, or not connected, is DeviceNotOnline (404)")
    func notOnline() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            try await hub.addDevice("dev2", primaryKey: fixedKey(2))
            let (client, _) = try await hub.connectedDevice("dev1", key: fixedKey(1))
            try await client.subscribe(to: "$iothub/twin/res/#")
            let gateway = hub.gateway
            for deviceId in ["dev1", "dev2"] {
                let error = await hubError {
                    _ = try await gateway.invokeMethod(deviceId: deviceId, moduleId: nil, methodName: "m", payload: nil, timeout: .seconds(5))
                }
                #expect(error?.code == .deviceNotOnline && error?.httpStatus == 404, "\(deviceId)")
            }

            // Unsubscribing takes the capability away again.
            try await client.subscribe(to: "$iothub/methods/POST/#")
            try await client.unsubscribe(["$iothub/methods/POST/#"])
            let error = await hubError {
                _ = try await gateway.invokeMethod(deviceId: "dev1", moduleId: nil, methodName: "m", payload: nil, timeout: .seconds(5))
            }
            #expect(error?.code == .deviceNotOnline)
            await client.disconnect()
        }
    }

    @Test("a device that never answers gives GatewayTimeout (504); a late answer is ignored and the connection stays up")
    func timeout() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            let (client, inbox) = try await hub.connectedDevice("dev1", key: fixedKey(1))
            try await client.subscribe(to: "$iothub/methods/POST/#")
            let gateway = hub.gateway
            let error = await hubError {
                _ = try await gateway.invokeMethod(deviceId: "dev1", moduleId: nil, methodName: "slow", payload: nil, timeout: .seconds(1))
            }
            #expect(error?.code == .gatewayTimeout && error?.httpStatus == 504)

            let request = try await methodRequest(inbox)
            #expect(request.name == "slow" && request.payload == .null)
            try await client.publish(topic: "$iothub/methods/res/200/?$rid=\(request.requestId)", payload: Array("{}".utf8))
            #expect(client.isConnected)
            await client.disconnect()
        }
    }
}
