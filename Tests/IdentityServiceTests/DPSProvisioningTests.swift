import NIOHTTP1
import Foundation
import HubEmulator
import HubEmulatorTestSupport
@testable import IdentityService
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// An emulator, a mock DPS that assigns devices to it (creating them there), and a fixture.
struct DPSSetup {
    let fixture: IdentityFixture
    let emulator: EmulatorHarness
    let dps: MockDPS
    let certd: TestCertd?

    static let scope = "0ne00TEST1"

    static func run(x509: Bool = false, _ body: (DPSSetup) async throws -> Void) async throws {
        let fixture = try IdentityFixture()
        defer { fixture.remove() }
        let emulator = try await EmulatorHarness.start(dataDirectory: fixture.directory + "/emulator")
        var certd: TestCertd?
        var dps: MockDPS?
        do {
            if x509 { certd = try await TestCertd.start(in: fixture.directory, localCAIds: ["device-id"]) }
            dps = try await MockDPS.start(
                serverChainPath: emulator.server.pki.serverChainPath, serverKeyPath: emulator.server.pki.serverKeyPath, clientCAPath: certd?.caPEMPath
            ) { _, enrollment in
                if (try? await emulator.registry.device(enrollment.deviceId)) == nil {
                    if let key = enrollment.key {
                        try await emulator.addDevice(enrollment.deviceId, key: key)
                    } else {
                        _ = try await emulator.registry.createOrUpdateDevice(DeviceIdentity(deviceId: enrollment.deviceId, authentication: .certificateAuthority), ifMatch: nil)
                    }
                }
            }
            try await body(DPSSetup(fixture: fixture, emulator: emulator, dps: try #require(dps), certd: certd))
        } catch {
            await dps?.stop()
            await certd?.stop()
            await emulator.stop()
            throw error
        }
        await dps?.stop()
        await certd?.stop()
        await emulator.stop()
    }

    /// Enrolls `registrationId` with a fresh key, stored in the key store as `dps-key`.
    @discardableResult
    func enrollSymmetricKey(_ registrationId: String, deviceId: String) -> [UInt8] {
        let key = (0..<32).map { _ in UInt8.random(in: 0...255) }
        fixture.keys.setKey("dps-key", key)
        dps.enroll(registrationId, .init(deviceId: deviceId, key: key, assignedHub: "localhost"))
        return key
    }

    func configuration(registrationId: String = "reg1", scope: String = DPSSetup.scope, payloadPath: String? = nil, principals: [String] = ["mod1"]) throws -> IdentitydConfiguration {
        try fixture.configuration(
            """
            [provisioning]
            source = "dps"
            global_endpoint = "\(dps.endpoint)"
            scope_id = "\(scope)"
            \(payloadPath.map { "payload = { uri = \"file://\($0)\" }" } ?? "")

            [provisioning.attestation]
            method = "symmetric_key"
            registration_id = "\(registrationId)"
            symmetric_key = "dps-key"

            \(IdentityFixture.modulePrincipals(principals))
            """)
    }

    func service(_ configuration: IdentitydConfiguration, certs: (any IdentityCertClient)? = nil) -> IdentityService {
        fixture.service(configuration, options: fixture.options(emulator: emulator), certs: certs ?? certd?.client ?? NoCertd())
    }
}

@Suite("DPS provisioning against a mock DPS and the IoT Hub emulator (§4.4)")
struct DPSProvisioningTests {
    @Test("symmetric key: register with SAS and payload, poll, then reconcile with the assigned hub")
    func symmetricKey() async throws {
        try await DPSSetup.run { setup in
            setup.enrollSymmetricKey("reg1", deviceId: "dps-device-1")
            setup.dps.setPollsBeforeAssigned(2)
            let payloadPath = setup.fixture.directory + "/payload.json"
            try #"{"modelId":"dtmi:contoso:edge;1","nested":{"list":[1,2,{"x":null}]}}"#.write(toFile: payloadPath, atomically: true, encoding: .utf8)
            let service = setup.service(try setup.configuration(payloadPath: payloadPath))
            try await service.start()

            #expect(setup.dps.refusals.isEmpty, "\(setup.dps.refusals)")
            #expect(setup.dps.registrations.count == 1)
            let body = try #require(setup.dps.registrations.first?.body)
            #expect(body == ["registrationId": "reg1", "payload": ["modelId": "dtmi:contoso:edge;1", "nested": ["list": [1, 2, ["x": nil]]]]])
            let device = try #require(try await service.deviceIdentity(uid: 0).aziot)
            #expect(device.deviceId == "dps-device-1" && device.hubName == "localhost" && device.gatewayHost == "localhost")
            let handle = try #require(device.auth?.keyHandle)
            #expect(device.auth?.type == "sas" && setup.fixture.keys.reference(of: handle) == .key("dps-key"))
            #expect(try await setup.emulator.moduleIds("dps-device-1") == ["mod1"])
            #expect(setup.fixture.store.readFingerprint() == ProvisioningFingerprint.of(try setup.configuration(payloadPath: payloadPath).provisioning))
        }
    }

    @Test("restart with a valid backup does not register again; changed provisioning settings do (our improvement)")
    func backupReuse() async throws {
        try await DPSSetup.run { setup in
            setup.enrollSymmetricKey("reg1", deviceId: "dps-device-1")
            try await setup.service(try setup.configuration()).start()
            #expect(setup.dps.registrations.count == 1)

            let restarted = setup.service(try setup.configuration())
            try await restarted.start()
            #expect(setup.dps.registrations.count == 1, "the backup was used")
            #expect(try await restarted.deviceIdentity(uid: 0).aziot?.deviceId == "dps-device-1")

            // A new ID scope: the reference would keep the old registration; we register again.
            try await setup.service(try setup.configuration(scope: "0ne00TEST2")).start()
            #expect(setup.dps.registrations.count == 2)

            // A backup the reference wrote (no fingerprint file) is adopted as it is.
            try FileManager.default.removeItem(atPath: setup.fixture.store.fingerprintPath)
            try await setup.service(try setup.configuration(scope: "0ne00TEST2")).start()
            #expect(setup.dps.registrations.count == 2)
            #expect(setup.fixture.store.readFingerprint() != nil, "the next reconciliation writes the fingerprint")
        }
    }

    @Test("the reprovision API registers again even with a backup, and drops the module backups first")
    func apiReprovision() async throws {
        try await DPSSetup.run { setup in
            setup.enrollSymmetricKey("reg1", deviceId: "dps-device-1")
            let service = setup.service(try setup.configuration())
            try await service.start()
            // DPS now assigns the registration to another device id.
            setup.dps.enroll("reg1", .init(deviceId: "dps-device-2", key: setup.fixture.keys.key("dps-key"), assignedHub: "localhost"))
            try await service.reprovisionDevice(uid: 0)
            #expect(setup.dps.registrations.count == 2)
            #expect(try await service.deviceIdentity(uid: 0).aziot?.deviceId == "dps-device-2")
            #expect(try await setup.emulator.moduleIds("dps-device-2") == ["mod1"])
            #expect(!FileManager.default.fileExists(atPath: setup.fixture.store.deviceDirectory(hub: "localhost", deviceId: "dps-device-1")))
            // Only root, the daemon and no host process may reprovision.
            let denied = await thrownError { try await service.reprovisionDevice(uid: 2001) }
            #expect((denied as? IdentityServiceError)?.message == "authorization error")
        }
    }

    @Test("429 from DPS: identityd waits the throttle backoff and tries again, independently of cloud_retries")
    func throttled() async throws {
        try await DPSSetup.run { setup in
            setup.enrollSymmetricKey("reg1", deviceId: "dps-device-1")
            setup.dps.throttleNext(1)
            let service = setup.service(try setup.configuration())
            try await service.start()
            #expect(setup.dps.throttled == 1)
            #expect(setup.dps.registrations.count == 1)
            #expect(try await service.deviceIdentity(uid: 0).aziot?.deviceId == "dps-device-1")
            // More 429s than backoff steps (the test options have one): the answer is an error.
            setup.dps.throttleNext(2)
            let error = await thrownError { try await service.reprovisionDevice(uid: 0) }
            guard case .dpsClient(let cause)? = error as? IdentityServiceError else {
                Issue.record("expected a DPS client error, got \(String(describing: error))")
                return
            }
            #expect(cause.status == 429)
        }
    }

    @Test("a failed registration and an unreachable DPS stop the start when there is no backup")
    func failures() async throws {
        try await DPSSetup.run { setup in
            setup.enrollSymmetricKey("reg1", deviceId: "dps-device-1")
            setup.dps.failRegistrations(code: 401002, message: "The device is not enrolled")
            let failed = await thrownError { try await setup.service(try setup.configuration()).start() }
            guard case .dpsClient(let cause)? = failed as? IdentityServiceError else {
                Issue.record("expected a DPS client error, got \(String(describing: failed))")
                return
            }
            #expect(cause.message == "The device is not enrolled" && !cause.isNetwork)
            #expect((failed as? IdentityServiceError)?.status == .notFound)
            // A wrong key: DPS refuses the SAS token.
            setup.fixture.keys.setKey("dps-key", Array(repeating: 1, count: 32))
            let refused = await thrownError { try await setup.service(try setup.configuration()).start() }
            #expect((refused as? IdentityServiceError).map { if case .dpsClient(let e) = $0 { e.status == 401 } else { false } } == true)
            #expect(setup.dps.refusals.last == "bad signature")
        }
        // No DPS at all.
        let fixture = try IdentityFixture()
        defer { fixture.remove() }
        let port = try await freePort()
        let config = try fixture.configuration(
            "[provisioning]\nsource = \"dps\"\nglobal_endpoint = \"https://127.0.0.1:\(port)\"\nscope_id = \"s\"\n[provisioning.attestation]\nmethod = \"symmetric_key\"\nregistration_id = \"r\"\nsymmetric_key = \"k\"\n")
        fixture.keys.setKey("k", Array(repeating: 3, count: 32))
        let unreachable = await thrownError { try await fixture.service(config, options: fixture.options(emulator: nil)).start() }
        #expect((unreachable as? IdentityServiceError)?.isNetwork == true)
        // DPS in nested mode is refused.
        let nested = try fixture.configuration(
            "[provisioning]\nsource = \"dps\"\nlocal_gateway_hostname = \"parent\"\nglobal_endpoint = \"https://g\"\nscope_id = \"s\"\n[provisioning.attestation]\nmethod = \"symmetric_key\"\nregistration_id = \"r\"\nsymmetric_key = \"k\"\n")
        let nestedError = await thrownError { try await fixture.service(nested, options: fixture.options(emulator: nil)).start() }
        #expect((nestedError as? IdentityServiceError)?.message == "DPS provisioning is not supported in nested mode")
    }

    @Test("X.509: certd issues the identity certificate from a CSR signed through keyd; DPS sees the client certificate (mutual TLS)")
    func x509() async throws {
        try await DPSSetup.run(x509: true) { setup in
            setup.dps.enroll("x509-reg", .init(deviceId: "x509-reg", key: nil, assignedHub: "localhost"))
            // X.509 CA authentication: the certificate's common name is the device id. The hub knows the device as CA-authenticated and trusts certd's local CA (through an X.509 enrollment
            // group), so identityd manages its modules with the device certificate over mutual TLS.
            let caPEM = try String(contentsOfFile: setup.certd!.caPEMPath, encoding: .utf8)
            _ = try await setup.emulator.registry.createOrUpdateEnrollmentGroup(
                EnrollmentGroup(enrollmentGroupId: "local-ca", attestation: .x509(primary: caPEM, secondary: nil)), ifMatch: nil
            )
            _ = try await setup.emulator.registry.createOrUpdateDevice(
                DeviceIdentity(deviceId: "x509-reg", authentication: .certificateAuthority), ifMatch: nil
            )
            let config = try setup.fixture.configuration(
                """
                [provisioning]
                source = "dps"
                global_endpoint = "\(setup.dps.endpoint)"
                scope_id = "\(DPSSetup.scope)"

                [provisioning.attestation]
                method = "x509"
                registration_id = { CN = "x509-reg", O = "Contoso" }
                identity_cert = "device-id"
                identity_pk = "device-id"
                """)
            let service = setup.service(config)
            try await service.start()
            #expect(setup.dps.registrations.map(\.registrationId) == ["x509-reg"])
            #expect(setup.dps.registrations.first?.authorization == nil, "X.509 registrations carry no SAS token")
            let device = try #require(try await service.deviceIdentity(uid: 0).aziot)
            #expect(device.deviceId == "x509-reg" && device.auth?.type == "x509" && device.auth?.certId == "device-id")
            // The key pair is RSA-2048 in keyd, the certificate is certd's, for the registration id's subject.
            guard case .rsa? = setup.fixture.keys.keyPair("device-id") else {
                Issue.record("the identity key is not RSA")
                return
            }
            let pem = try await setup.certd!.client.getCertificate(id: "device-id")
            #expect(try IdentityService.commonName(ofLeafIn: pem) == "x509-reg")

            // Without a configured registration id, the certificate's common name is used.
            let bare = try setup.fixture.configuration(
                "[provisioning]\nsource = \"dps\"\nglobal_endpoint = \"\(setup.dps.endpoint)\"\nscope_id = \"\(DPSSetup.scope)\"\n[provisioning.attestation]\nmethod = \"x509\"\nidentity_cert = \"device-id\"\nidentity_pk = \"device-id\"\n")
            let info = try await setup.service(bare).provisioningInfo()
            #expect(info == .dps(auth: "x509", endpoint: setup.dps.endpoint + "/", scopeId: DPSSetup.scope, registrationId: "x509-reg", payload: nil))
        }
    }
}

@Suite("offline operation from backups (§4.7, §10)")
struct OfflineTests {
    @Test("with the hub and DPS unreachable and a valid backup, identityd starts and serves device and module identities")
    func offlineStart() async throws {
        try await DPSSetup.run { setup in
            setup.enrollSymmetricKey("reg1", deviceId: "dps-device-1")
            try await setup.service(try setup.configuration(principals: ["mod1", "mod2"])).start()
            let generation = try await setup.emulator.registry.module(deviceId: "dps-device-1", moduleId: "mod1").generationId
            let hubPort = setup.emulator.httpsPort
            await setup.dps.stop()
            await setup.emulator.stop()

            let service = setup.fixture.service(
                try setup.configuration(principals: ["mod1", "mod2"]), options: setup.fixture.options(emulator: setup.emulator, hubPort: hubPort))
            try await service.start()
            #expect(try await service.deviceIdentity(uid: 0).aziot?.deviceId == "dps-device-1")
            let module = try #require(try await service.moduleIdentity(uid: 0, type: "aziot", moduleId: "mod1").aziot)
            #expect(module.genId == generation && module.auth?.keyHandle != nil)
            // The module's own process gets it too.
            #expect(try await service.callerIdentity(uid: 2001).aziot?.moduleId == "mod1")
            #expect(try await service.moduleIdentities(uid: 0, type: "aziot").compactMap { $0.aziot?.moduleId }.sorted() == ["mod1", "mod2"])
            // A module with no backup cannot be served: Hub client error (404), as the reference.
            let missing = await thrownError { _ = try await service.moduleIdentity(uid: 0, type: "aziot", moduleId: "never") }
            #expect((missing as? IdentityServiceError)?.status == .notFound)
            #expect((missing as? IdentityServiceError)?.isNetwork == true)
        }
    }

    @Test("nested mode: the identities name the parent as gateway, the hub stays the hub")
    func nested() async throws {
        let fixture = try IdentityFixture()
        defer { fixture.remove() }
        fixture.keys.setKey("device-id", Array(repeating: 4, count: 32))
        let config = try fixture.configuration(
            "[provisioning]\nsource = \"manual\"\nlocal_gateway_hostname = \"127.0.0.1\"\niothub_hostname = \"myhub.azure-devices.net\"\ndevice_id = \"child\"\n[provisioning.authentication]\nmethod = \"sas\"\ndevice_id_pk = \"device-id\"\n")
        let port = try await freePort()
        let service = fixture.service(config, options: fixture.options(emulator: nil, hubPort: port))
        try await service.start()
        let identity = try #require(try await service.deviceIdentity(uid: 0).aziot)
        #expect(identity.hubName == "myhub.azure-devices.net" && identity.gatewayHost == "127.0.0.1" && identity.deviceId == "child")
    }

    @Test("manual provisioning starts offline (nothing to back up but the modules)")
    func manualOffline() async throws {
        let fixture = try IdentityFixture()
        defer { fixture.remove() }
        fixture.keys.setKey("device-id", Array(repeating: 4, count: 32))
        let port = try await freePort()
        let service = fixture.service(try fixture.manualConfiguration(principals: IdentityFixture.modulePrincipals(["m"])), options: fixture.options(emulator: nil, hubPort: port))
        try await service.start()
        #expect(try await service.deviceIdentity(uid: 0).aziot?.deviceId == "device1")
        #expect(fixture.store.readDeviceInfo() == nil, "device_info is written only after a reconciliation")
    }
}
