import Foundation
import HubEmulator
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// What a registration does to the hub: the device it creates or updates and the registration state it answers.
@Suite("DPS assignment")
struct AssignmentTests {
    @Test("a group registration creates an edge device with the derived keys and the initial twin, and echoes the payload")
    func groupAssignment() async throws {
        try await withProvisioning { registry, provisioning in
            var group = EnrollmentGroup(
                enrollmentGroupId: "edge-fleet", attestation: .symmetricKey(primaryKey: fixedKey(5), secondaryKey: fixedKey(6)),
                capabilities: .init(iotEdge: true))
            group.initialTwin = ["tags": ["site": "lab"], "properties": ["desired": ["interval": 30]]]
            _ = try await registry.createOrUpdateEnrollmentGroup(group, ifMatch: nil)
            let primary = try #require(GroupKeyDerivation.deviceKey(groupKey: fixedKey(5), registrationId: "edge-01"))
            let secondary = try #require(GroupKeyDerivation.deviceKey(groupKey: fixedKey(6), registrationId: "edge-01"))
            let credentials = DeviceProvisioning.Credentials(authorization: try registrationToken("edge-01", key: primary))
            let payload: JSONValue = ["modelId": "dtmi:example;1", "nested": ["list": [1, 2, 3]]]
            let operation = try await provisioning.register(
                idScope: testIdScope, registrationId: "edge-01", body: ["registrationId": "edge-01", "payload": payload], credentials: credentials)
            let status = try await provisioning.operationStatus(
                idScope: testIdScope, registrationId: "edge-01", operationId: operation.operationId, credentials: credentials)
            let state = try #require(status.registrationState)
            #expect(status.status == "assigned")
            #expect(state.assignedHub == testHubName)
            #expect(state.deviceId == "edge-01")
            #expect(state.substatus == "initialAssignment")
            #expect(state.payload == payload)
            #expect(state.json["symmetricKey"]?["enrollmentGroupId"]?.stringValue == "edge-fleet")
            #expect(status.json["registrationState"]?["registrationId"]?.stringValue == "edge-01")

            let device = try await registry.device("edge-01")
            #expect(device.capabilities.iotEdge)
            #expect(device.authentication.type == .sas)
            #expect(device.authentication.symmetricKey.primaryKey == primary)
            #expect(device.authentication.symmetricKey.secondaryKey == secondary)
            #expect(try await registry.modules(deviceId: "edge-01").map(\.moduleId) == ["$edgeAgent", "$edgeHub"])
            let twin = try await registry.twin(deviceId: "edge-01", moduleId: nil).json
            #expect(twin["tags"]?["site"]?.stringValue == "lab")
            #expect(twin["properties"]?["desired"]?["interval"]?.intValue == 30)
        }
    }

    @Test("registering again reuses the device (twin kept, credentials brought in line) and keeps the creation time")
    func reRegistration() async throws {
        try await withProvisioning { registry, provisioning in
            _ = try await registry.createOrUpdateEnrollment(
                IndividualEnrollment(
                    registrationId: "dev-1", deviceId: "device-one", attestation: .symmetricKey(primaryKey: fixedKey(1), secondaryKey: fixedKey(2)),
                    initialTwin: ["properties": ["desired": ["mode": "initial"]]]),
                ifMatch: nil)
            let credentials = DeviceProvisioning.Credentials(authorization: try registrationToken("dev-1", key: fixedKey(1)))
            let first = try await provisioning.register(idScope: testIdScope, registrationId: "dev-1", body: [:], credentials: credentials)
            let firstState = try #require(try await registry.registrationState(registrationId: "dev-1"))
            _ = try await registry.updateTwin(
                deviceId: "device-one", moduleId: nil, patch: ["properties": ["desired": ["mode": "changed"]]], ifMatch: "*")
            // The operator rotates the enrollment's keys; the device registers again with the new one.
            _ = try await registry.createOrUpdateEnrollment(
                IndividualEnrollment(
                    registrationId: "dev-1", deviceId: "device-one", attestation: .symmetricKey(primaryKey: fixedKey(3), secondaryKey: fixedKey(4))),
                ifMatch: nil)
            let second = try await provisioning.register(
                idScope: testIdScope, registrationId: "dev-1", body: [:],
                credentials: .init(authorization: try registrationToken("dev-1", key: fixedKey(3))))
            #expect(second.operationId != first.operationId)
            let secondState = try #require(try await registry.registrationState(registrationId: "dev-1"))
            #expect(secondState.createdDateTimeUtc == firstState.createdDateTimeUtc)
            #expect(secondState.etag != firstState.etag)
            #expect(secondState.payload == nil)
            let device = try await registry.device("device-one")
            #expect(device.authentication.symmetricKey.primaryKey == fixedKey(3))
            #expect(device.authentication.symmetricKey.secondaryKey == fixedKey(4))
            let twin = try await registry.twin(deviceId: "device-one", moduleId: nil).json
            #expect(twin["properties"]?["desired"]?["mode"]?.stringValue == "changed")
            #expect(await registry.devices(top: nil).count == 1)
        }
    }

    @Test("X.509: an individual enrollment gives a thumbprint device, a group a CA-authenticated one")
    func x509Assignment() async throws {
        try await withProvisioning { registry, provisioning in
            let camera = try TestCertificate.device("cam-7")
            _ = try await registry.createOrUpdateEnrollment(
                IndividualEnrollment(registrationId: "cam-7", attestation: .x509(primary: camera.pem, secondary: nil)), ifMatch: nil)
            _ = try await provisioning.register(
                idScope: testIdScope, registrationId: "cam-7", body: [:], credentials: .init(authorization: nil, certificates: [camera.certificate]))
            let cameraDevice = try await registry.device("cam-7")
            #expect(cameraDevice.authentication.type == .selfSigned)
            #expect(cameraDevice.authentication.x509Thumbprint.primaryThumbprint == camera.sha256Thumbprint)
            #expect(try await registry.registrationState(registrationId: "cam-7")?.attestationType == "x509")

            let ca = try TestCertificate.authority("Fleet CA")
            _ = try await registry.createOrUpdateEnrollmentGroup(
                EnrollmentGroup(enrollmentGroupId: "fleet", attestation: .x509(primary: ca.pem, secondary: nil), capabilities: .init(iotEdge: true)),
                ifMatch: nil)
            let edge = try TestCertificate.device("edge-9", issuer: ca)
            _ = try await provisioning.register(
                idScope: testIdScope, registrationId: "edge-9", body: [:], credentials: .init(authorization: nil, certificates: [edge.certificate]))
            let edgeDevice = try await registry.device("edge-9")
            #expect(edgeDevice.authentication.type == .certificateAuthority)
            #expect(edgeDevice.capabilities.iotEdge)
            let state = try #require(try await registry.registrationState(registrationId: "edge-9"))
            #expect(state.json["x509"]?["enrollmentGroupId"]?.stringValue == "fleet")
        }
    }

    @Test("deleting an individual enrollment removes its registration but not the hub device")
    func deleteEnrollment() async throws {
        try await withProvisioning { registry, provisioning in
            _ = try await registry.createOrUpdateEnrollment(
                IndividualEnrollment(registrationId: "dev-1", attestation: .symmetricKey(primaryKey: fixedKey(1), secondaryKey: fixedKey(2))),
                ifMatch: nil)
            _ = try await provisioning.register(
                idScope: testIdScope, registrationId: "dev-1", body: [:],
                credentials: .init(authorization: try registrationToken("dev-1", key: fixedKey(1))))
            try await registry.deleteEnrollment(registrationId: "dev-1", ifMatch: nil)
            #expect(try await registry.registrationState(registrationId: "dev-1") == nil)
            #expect(try await registry.device("dev-1").deviceId == "dev-1")
        }
    }

    @Test("a body naming another registration, or TPM attestation, is a 400")
    func badBodies() async throws {
        try await withProvisioning { registry, provisioning in
            _ = try await registry.createOrUpdateEnrollment(
                IndividualEnrollment(registrationId: "dev-1", attestation: .symmetricKey(primaryKey: fixedKey(1), secondaryKey: fixedKey(2))),
                ifMatch: nil)
            let credentials = DeviceProvisioning.Credentials(authorization: try registrationToken("dev-1", key: fixedKey(1)))
            let other = await hubError {
                _ = try await provisioning.register(
                    idScope: testIdScope, registrationId: "dev-1", body: ["registrationId": "dev-2"], credentials: credentials)
            }
            #expect(other?.httpStatus == 400)
            let tpm = await hubError {
                _ = try await provisioning.register(
                    idScope: testIdScope, registrationId: "dev-1", body: ["registrationId": "dev-1", "tpm": ["endorsementKey": "AA=="]],
                    credentials: credentials)
            }
            #expect(tpm?.httpStatus == 400)
            #expect(await registry.devices(top: nil).isEmpty)
        }
    }
}
