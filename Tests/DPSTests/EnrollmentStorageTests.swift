import Foundation
import HubEmulator
import IoTHubProtocol
import Testing

@Suite("Enrollment storage")
struct EnrollmentStorageTests {
    @Test("an individual enrollment is stored with generated keys, an etag and times, and read back case-insensitively")
    func individualCreate() async throws {
        try await withProvisioning { registry, _ in
            let saved = try await registry.createOrUpdateEnrollment(
                IndividualEnrollment(
                    registrationId: "Sensor-1", deviceId: "sensor-one", attestation: .symmetricKey(primaryKey: nil, secondaryKey: nil),
                    capabilities: DeviceCapabilities(iotEdge: true)),
                ifMatch: nil)
            guard case .symmetricKey(let primary?, let secondary?) = saved.attestation else {
                Issue.record("keys were not generated: \(saved.attestation)")
                return
            }
            #expect(Data(base64Encoded: primary)?.count == 32)
            #expect(Data(base64Encoded: secondary)?.count == 32)
            #expect(primary != secondary)
            #expect(saved.etag != nil)
            #expect(saved.createdDateTimeUtc != nil)
            let read = try await registry.enrollment(registrationId: "sensor-1")
            #expect(read == saved)
            #expect(read.assignedDeviceId == "sensor-one")
        }
    }

    @Test("an update keeps keys and certificates not given, changes the etag and keeps the creation time")
    func individualUpdate() async throws {
        try await withProvisioning { registry, _ in
            let first = try await registry.createOrUpdateEnrollment(
                IndividualEnrollment(registrationId: "dev", attestation: .symmetricKey(primaryKey: fixedKey(1), secondaryKey: nil)), ifMatch: nil)
            var change = IndividualEnrollment(registrationId: "dev", attestation: .symmetricKey(primaryKey: nil, secondaryKey: nil))
            change.provisioningStatus = .disabled
            let second = try await registry.createOrUpdateEnrollment(change, ifMatch: first.etag)
            #expect(second.attestation == first.attestation)
            #expect(second.provisioningStatus == .disabled)
            #expect(second.etag != first.etag)
            #expect(second.createdDateTimeUtc == first.createdDateTimeUtc)

            let device = try TestCertificate.device("x509-dev")
            let x509 = try await registry.createOrUpdateEnrollment(
                IndividualEnrollment(registrationId: "x509-dev", attestation: .x509(primary: device.pem, secondary: nil)), ifMatch: nil)
            let kept = try await registry.createOrUpdateEnrollment(
                IndividualEnrollment(
                    registrationId: "x509-dev", attestation: .x509(primary: nil, secondary: nil), capabilities: .init(iotEdge: true)),
                ifMatch: "*")
            #expect(kept.attestation == x509.attestation)
            #expect(kept.capabilities.iotEdge)
        }
    }

    @Test("If-Match: a stale etag is 412, a missing enrollment is 404, none overwrites")
    func ifMatchRules() async throws {
        try await withProvisioning { registry, _ in
            let enrollment = IndividualEnrollment(registrationId: "dev", attestation: .symmetricKey(primaryKey: nil, secondaryKey: nil))
            let missing = await hubError { _ = try await registry.createOrUpdateEnrollment(enrollment, ifMatch: "*") }
            #expect(missing?.code == .enrollmentNotFound)
            #expect(missing?.httpStatus == 404)
            let saved = try await registry.createOrUpdateEnrollment(enrollment, ifMatch: nil)
            let stale = await hubError { _ = try await registry.createOrUpdateEnrollment(enrollment, ifMatch: "\"not-the-etag\"") }
            #expect(stale?.httpStatus == 412)
            let overwritten = try await registry.createOrUpdateEnrollment(enrollment, ifMatch: nil)
            #expect(overwritten.etag != saved.etag)
            let staleDelete = await hubError { try await registry.deleteEnrollment(registrationId: "dev", ifMatch: saved.etag) }
            #expect(staleDelete?.httpStatus == 412)
            try await registry.deleteEnrollment(registrationId: "DEV", ifMatch: overwritten.etag)
            let gone = await hubError { _ = try await registry.enrollment(registrationId: "dev") }
            #expect(gone?.code == .enrollmentNotFound)
            let deleteAgain = await hubError { try await registry.deleteEnrollment(registrationId: "dev", ifMatch: nil) }
            #expect(deleteAgain?.httpStatus == 404)
        }
    }

    @Test("invalid ids, keys, certificates and TPM attestation are refused with 400")
    func validation() async throws {
        try await withProvisioning { registry, _ in
            for id in ["", "-leading", "trailing.", "has space", "slash/", String(repeating: "a", count: 129)] {
                let error = await hubError {
                    _ = try await registry.createOrUpdateEnrollment(
                        IndividualEnrollment(registrationId: id, attestation: .symmetricKey(primaryKey: nil, secondaryKey: nil)), ifMatch: nil)
                }
                #expect(error?.httpStatus == 400, "registration id \"\(id)\"")
            }
            let shortKey = await hubError {
                _ = try await registry.createOrUpdateEnrollment(
                    IndividualEnrollment(registrationId: "dev", attestation: .symmetricKey(primaryKey: "c2hvcnQ=", secondaryKey: nil)), ifMatch: nil)
            }
            #expect(shortKey?.httpStatus == 400)
            let noCertificate = await hubError {
                _ = try await registry.createOrUpdateEnrollmentGroup(
                    EnrollmentGroup(enrollmentGroupId: "group", attestation: .x509(primary: nil, secondary: nil)), ifMatch: nil)
            }
            #expect(noCertificate?.httpStatus == 400)
            let badPEM = await hubError {
                _ = try await registry.createOrUpdateEnrollmentGroup(
                    EnrollmentGroup(enrollmentGroupId: "group", attestation: .x509(primary: "not a certificate", secondary: nil)), ifMatch: nil)
            }
            #expect(badPEM?.httpStatus == 400)
            let tpm = await hubError {
                _ = try IndividualEnrollment(json: ["registrationId": "dev", "attestation": ["type": "tpm", "tpm": ["endorsementKey": "AA=="]]])
            }
            #expect(tpm?.message.contains("TPM") == true)
            let noAttestation = await hubError { _ = try IndividualEnrollment(json: ["registrationId": "dev"]) }
            #expect(noAttestation?.httpStatus == 400)
        }
    }

    @Test("enrollments and groups survive a restart; list in creation order")
    func persistence() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let ca = try TestCertificate.authority("Fleet CA")
        var group = EnrollmentGroup(
            enrollmentGroupId: "fleet", attestation: .x509(primary: ca.pem, secondary: nil), capabilities: .init(iotEdge: true))
        group.initialTwin = ["tags": ["site": "lab"], "properties": ["desired": ["interval": 5]]]
        do {
            let registry = try fixture.open()
            _ = try await registry.createOrUpdateEnrollment(
                IndividualEnrollment(registrationId: "b-dev", attestation: .symmetricKey(primaryKey: fixedKey(2), secondaryKey: fixedKey(3))),
                ifMatch: nil)
            _ = try await registry.createOrUpdateEnrollment(
                IndividualEnrollment(registrationId: "a-dev", attestation: .symmetricKey(primaryKey: nil, secondaryKey: nil)), ifMatch: nil)
            _ = try await registry.createOrUpdateEnrollmentGroup(group, ifMatch: nil)
            _ = try await registry.createOrUpdateEnrollmentGroup(
                EnrollmentGroup(enrollmentGroupId: "keys", attestation: .symmetricKey(primaryKey: nil, secondaryKey: nil)), ifMatch: nil)
        }
        let reopened = try fixture.open()
        #expect(try await reopened.enrollments().map(\.registrationId) == ["b-dev", "a-dev"])
        #expect(
            try await reopened.enrollment(registrationId: "b-dev").attestation == .symmetricKey(primaryKey: fixedKey(2), secondaryKey: fixedKey(3)))
        #expect(try await reopened.enrollmentGroups().map(\.enrollmentGroupId) == ["fleet", "keys"])
        #expect(try await reopened.enrollmentGroups(attestationType: "x509").map(\.enrollmentGroupId) == ["fleet"])
        let fleet = try await reopened.enrollmentGroup("FLEET")
        #expect(fleet.attestation == .x509(primary: ca.pem, secondary: nil))
        #expect(fleet.capabilities.iotEdge)
        #expect(fleet.initialTwin == group.initialTwin)
        #expect(await reopened.enrollmentGroupCertificates() == [ca.certificate])
        try await reopened.deleteEnrollmentGroup("fleet", ifMatch: "*")
        #expect(await reopened.enrollmentGroupCertificates().isEmpty)
    }

    @Test("the service JSON shows certificate info instead of the certificate, names the hub, and reads back")
    func jsonShape() async throws {
        let device = try TestCertificate.device("cam-7")
        var enrollment = IndividualEnrollment(registrationId: "cam-7", attestation: .x509(primary: device.pem, secondary: nil))
        enrollment.etag = "etag"
        let json = enrollment.json(iotHubHostName: testHubName)
        let primary = json["attestation"]?["x509"]?["clientCertificates"]?["primary"]
        #expect(primary?["certificate"] == nil)
        #expect(primary?["info"]?["sha256Thumbprint"]?.stringValue == device.sha256Thumbprint)
        #expect(primary?["info"]?["subjectName"]?.stringValue == "CN=cam-7")
        #expect(json["iotHubHostName"]?.stringValue == testHubName)
        #expect(json["provisioningStatus"]?.stringValue == "enabled")
        #expect(json["capabilities"]?["iotEdge"]?.boolValue == false)
        let stored = enrollment.json(iotHubHostName: nil, includeCertificates: true)
        #expect(try IndividualEnrollment(json: stored) == enrollment)
        let keys = EnrollmentGroup(enrollmentGroupId: "g", attestation: .symmetricKey(primaryKey: fixedKey(1), secondaryKey: fixedKey(2)))
            .json(iotHubHostName: testHubName)
        #expect(keys["attestation"]?["type"]?.stringValue == "symmetricKey")
        #expect(keys["attestation"]?["symmetricKey"]?["primaryKey"]?.stringValue == fixedKey(1))
    }
}
