import Foundation
import HubEmulator
import IoTHubProtocol
import MQTTClient
import MQTTProtocol
import MQTTTestSupport
import Testing

/// Runs `body` with a gateway on a fresh registry file, then stops the server and removes the file.
func withHarness(trustingTestCA: Bool = false, _ body: (GatewayHarness) async throws -> Void) async throws {
    let file = try RegistryFile()
    defer { file.remove() }
    let hub = try await GatewayHarness.start(on: file, trustingTestCA: trustingTestCA)
    do {
        try await body(hub)
    } catch {
        await hub.stop()
        throw error
    }
    await hub.stop()
}

/// Whether the registry shows `deviceId[/moduleId]` in `state`, waiting for the gateway to record it.
func shows(_ hub: GatewayHarness, _ deviceId: String, moduleId: String? = nil, _ state: ConnectionState) async -> Bool {
    await eventually {
        if let moduleId {
            return (try? await hub.registry.module(deviceId: deviceId, moduleId: moduleId).connectionState) == state
        }
        return (try? await hub.registry.device(deviceId).connectionState) == state
    }
}

@Suite("Device gateway: authentication")
struct AuthenticationTests {
    @Test("a registered SAS device connects with a token signed by its primary or its secondary key")
    func sasDeviceConnects() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1), secondaryKey: fixedKey(2))
            for key in [fixedKey(1), fixedKey(2)] {
                let client = try hub.sasClient(deviceId: "dev1", key: key)
                let connack = try await client.connect()
                #expect(connack.returnCode == .accepted)
                #expect(await shows(hub, "dev1", .connected))
                await client.disconnect()
                #expect(await shows(hub, "dev1", .disconnected))
            }
        }
    }

    @Test("a token that expired less than 5 minutes ago is still accepted (clock-skew allowance)")
    func clockSkew() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            let client = try hub.client(
                clientID: "dev1", username: sdkUsername(clientID: "dev1"),
                password: try sasToken(deviceId: "dev1", key: fixedKey(1), lifetime: -120))
            try await client.connect()
            await client.disconnect()
        }
    }

    @Test("a module connects with its own token and with its device's token")
    func moduleConnects() async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            _ = try await hub.registry.createOrUpdateModule(
                ModuleIdentity(moduleId: "mod1", deviceId: "dev1", authentication: .sas(primaryKey: fixedKey(3), secondaryKey: fixedKey(4))),
                ifMatch: nil)

            let own = try hub.sasClient(deviceId: "dev1", moduleId: "mod1", key: fixedKey(3))
            try await own.connect()
            #expect(await shows(hub, "dev1", moduleId: "mod1", .connected))
            #expect(try await hub.registry.device("dev1").connectionState == .disconnected, "the module connected, not its device")
            await own.disconnect()
            #expect(await shows(hub, "dev1", moduleId: "mod1", .disconnected))

            let withDeviceToken = try hub.client(
                clientID: "dev1/mod1", username: sdkUsername(clientID: "dev1/mod1"),
                password: try sasToken(deviceId: "dev1", key: fixedKey(1)))
            try await withDeviceToken.connect()
            #expect(await shows(hub, "dev1", moduleId: "mod1", .connected))
            await withDeviceToken.disconnect()

            // The device token must be signed with the device's key, not the module's.
            let wrongKey = try hub.client(
                clientID: "dev1/mod1", username: sdkUsername(clientID: "dev1/mod1"),
                password: try sasToken(deviceId: "dev1", key: fixedKey(3)))
            #expect(await refusal(of: wrongKey) == .notAuthorized)
        }
    }

    enum Refusal: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case wrongKey, expiredToken, disabledDevice, unknownDevice, tokenForAnotherDevice, userNameNamesAnotherDevice,
            moduleTokenForAnotherModule, noCredentials
        var testDescription: String { rawValue }
    }

    @Test("refused with CONNACK 5", arguments: Refusal.allCases)
    func refused(_ reason: Refusal) async throws {
        try await withHarness { hub in
            try await hub.addDevice("dev1", primaryKey: fixedKey(1))
            try await hub.addDevice("dev2", primaryKey: fixedKey(2))
            try await hub.addDevice("off", primaryKey: fixedKey(3), status: .disabled)
            _ = try await hub.registry.createOrUpdateModule(
                ModuleIdentity(moduleId: "mod1", deviceId: "dev1", authentication: .sas(primaryKey: fixedKey(4))), ifMatch: nil)
            _ = try await hub.registry.createOrUpdateModule(
                ModuleIdentity(moduleId: "mod2", deviceId: "dev1", authentication: .sas(primaryKey: fixedKey(5))), ifMatch: nil)
            let client: MQTTClient
            switch reason {
            case .wrongKey:
                client = try hub.sasClient(deviceId: "dev1", key: fixedKey(9))
            case .expiredToken:
                client = try hub.client(
                    clientID: "dev1", username: sdkUsername(clientID: "dev1"),
                    password: try sasToken(deviceId: "dev1", key: fixedKey(1), lifetime: -600))
            case .disabledDevice:
                client = try hub.sasClient(deviceId: "off", key: fixedKey(3))
            case .unknownDevice:
                client = try hub.sasClient(deviceId: "ghost", key: fixedKey(1))
            case .tokenForAnotherDevice:
                client = try hub.client(
                    clientID: "dev1", username: sdkUsername(clientID: "dev1"), password: try sasToken(deviceId: "dev2", key: fixedKey(2)))
            case .userNameNamesAnotherDevice:
                client = try hub.client(
                    clientID: "dev1", username: sdkUsername(clientID: "dev2"), password: try sasToken(deviceId: "dev1", key: fixedKey(1)))
            case .moduleTokenForAnotherModule:
                client = try hub.client(
                    clientID: "dev1/mod1", username: sdkUsername(clientID: "dev1/mod1"),
                    password: try sasToken(deviceId: "dev1", moduleId: "mod2", key: fixedKey(5)))
            case .noCredentials:
                client = try hub.client(clientID: "dev1", username: sdkUsername(clientID: "dev1"), password: nil)
            }
            #expect(await refusal(of: client) == .notAuthorized)
            #expect(try await hub.registry.device("dev1").connectionState == .disconnected)
        }
    }

    @Test("X.509 self-signed: a device registered with its certificate's thumbprint connects presenting it", arguments: ["SHA-1", "SHA-256"])
    func thumbprint(_ algorithm: String) async throws {
        try await withHarness { hub in
            // Registered in lower case: thumbprints compare case-insensitively.
            let thumbprint = try fingerprint(ofPEM: hub.pki.clientPEM, sha256: algorithm == "SHA-256").lowercased()
            _ = try await hub.registry.createOrUpdateDevice(
                DeviceIdentity(deviceId: "cert-dev", authentication: .selfSigned(primaryThumbprint: thumbprint)), ifMatch: nil)
            let client = try hub.client(
                clientID: "cert-dev", username: sdkUsername(clientID: "cert-dev"), password: nil,
                certificate: (hub.pki.clientPEM, hub.pki.clientKey))
            try await client.connect()
            #expect(await shows(hub, "cert-dev", .connected))
            await client.disconnect()
        }
    }

    @Test("X.509 CA: a certificate chaining to a trusted CA with the device id as common name connects; other names and chains are refused")
    func certificateAuthority() async throws {
        try await withHarness(trustingTestCA: true) { hub in
            for deviceId in ["client1", "other-dev", "rogue"] {
                _ = try await hub.registry.createOrUpdateDevice(DeviceIdentity(deviceId: deviceId, authentication: .certificateAuthority), ifMatch: nil)
            }
            // client1.pem: CN=client1, issued by the test CA.
            let good = try hub.client(
                clientID: "client1", username: sdkUsername(clientID: "client1"), password: nil, certificate: (hub.pki.clientPEM, hub.pki.clientKey))
            try await good.connect()
            #expect(await shows(hub, "client1", .connected))
            await good.disconnect()

            let wrongName = try hub.client(
                clientID: "other-dev", username: sdkUsername(clientID: "other-dev"), password: nil, certificate: (hub.pki.clientPEM, hub.pki.clientKey))
            #expect(await refusal(of: wrongName) == .notAuthorized)

            // rogue.pem: CN=rogue, self-signed, so it chains to no trusted CA.
            let untrusted = try hub.client(
                clientID: "rogue", username: sdkUsername(clientID: "rogue"), password: nil, certificate: (hub.pki.roguePEM, hub.pki.rogueKey))
            #expect(await refusal(of: untrusted) == .notAuthorized)
        }
    }

    @Test("X.509 CA: without a trusted CA, CA-authenticated devices are refused")
    func certificateAuthorityWithoutTrust() async throws {
        try await withHarness { hub in
            _ = try await hub.registry.createOrUpdateDevice(DeviceIdentity(deviceId: "client1", authentication: .certificateAuthority), ifMatch: nil)
            let client = try hub.client(
                clientID: "client1", username: sdkUsername(clientID: "client1"), password: nil, certificate: (hub.pki.clientPEM, hub.pki.clientKey))
            #expect(await refusal(of: client) == .notAuthorized)
        }
    }

    @Test("X.509: a certificate whose thumbprint is not registered is refused, and so is a SAS device presenting a certificate")
    func rogueCertificate() async throws {
        try await withHarness { hub in
            _ = try await hub.registry.createOrUpdateDevice(
                DeviceIdentity(
                    deviceId: "cert-dev",
                    authentication: .selfSigned(
                        primaryThumbprint: try fingerprint(ofPEM: hub.pki.clientPEM, sha256: false),
                        secondaryThumbprint: try fingerprint(ofPEM: hub.pki.clientPEM, sha256: true))),
                ifMatch: nil)
            let rogue = try hub.client(
                clientID: "cert-dev", username: sdkUsername(clientID: "cert-dev"), password: nil,
                certificate: (hub.pki.roguePEM, hub.pki.rogueKey))
            #expect(await refusal(of: rogue) == .notAuthorized)

            try await hub.addDevice("sas-dev", primaryKey: fixedKey(1))
            let sasWithCertificate = try hub.client(
                clientID: "sas-dev", username: sdkUsername(clientID: "sas-dev"), password: nil,
                certificate: (hub.pki.clientPEM, hub.pki.clientKey))
            #expect(await refusal(of: sasWithCertificate) == .notAuthorized)

            // The registered certificate itself is accepted on the same server.
            let genuine = try hub.client(
                clientID: "cert-dev", username: sdkUsername(clientID: "cert-dev"), password: nil,
                certificate: (hub.pki.clientPEM, hub.pki.clientKey))
            try await genuine.connect()
            await genuine.disconnect()
        }
    }
}
