import Foundation
import HubEmulator
import IoTHubProtocol
import MQTTTestSupport
import Testing
import X509

/// Attestation outcomes of ``DeviceProvisioning``, called directly (the HTTP layer is tested separately).
@Suite("DPS attestation")
struct AttestationTests {
    /// Registers and expects DPS's 401 (`Unauthorized`, 401002) with `reason` in the message.
    private func expectRefused(
        _ provisioning: DeviceProvisioning, _ registrationId: String, _ credentials: DeviceProvisioning.Credentials, scope: String = testIdScope,
        reason: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        let error = await hubError(sourceLocation: sourceLocation) {
            _ = try await provisioning.register(idScope: scope, registrationId: registrationId, body: [:], credentials: credentials)
        }
        #expect(error?.code == .provisioningUnauthorized, sourceLocation: sourceLocation)
        #expect(error?.code.number == 401_002, sourceLocation: sourceLocation)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "no error")", sourceLocation: sourceLocation)
    }

    @Test("an individual enrollment's primary or secondary key signs the token")
    func individualKeys() async throws {
        try await withProvisioning { registry, provisioning in
            _ = try await registry.createOrUpdateEnrollment(
                IndividualEnrollment(registrationId: "dev-1", attestation: .symmetricKey(primaryKey: fixedKey(1), secondaryKey: fixedKey(2))),
                ifMatch: nil)
            for key in [fixedKey(1), fixedKey(2)] {
                let operation = try await provisioning.register(
                    idScope: testIdScope, registrationId: "dev-1", body: ["registrationId": "dev-1"],
                    credentials: .init(authorization: try registrationToken("dev-1", key: key)))
                #expect(operation.status == "assigning")
                #expect(operation.operationId.hasPrefix("4."))
            }
            await expectRefused(provisioning, "dev-1", .init(authorization: try registrationToken("dev-1", key: fixedKey(3))), reason: "signature")
        }
    }

    @Test("a group device signs with the key derived from the group's primary or secondary key, not with the group key")
    func groupDerivedKeys() async throws {
        try await withProvisioning { registry, provisioning in
            let group = try await registry.createOrUpdateEnrollmentGroup(
                EnrollmentGroup(enrollmentGroupId: "fleet", attestation: .symmetricKey(primaryKey: nil, secondaryKey: nil)), ifMatch: nil)
            guard case .symmetricKey(let primary?, let secondary?) = group.attestation else { throw TestFailure("no group keys") }
            for groupKey in [primary, secondary] {
                let deviceKey = try #require(GroupKeyDerivation.deviceKey(groupKey: groupKey, registrationId: "unit-42"))
                _ = try await provisioning.register(
                    idScope: testIdScope, registrationId: "unit-42", body: [:],
                    credentials: .init(authorization: try registrationToken("unit-42", key: deviceKey)))
            }
            await expectRefused(
                provisioning, "unit-42", .init(authorization: try registrationToken("unit-42", key: primary)), reason: "no individual enrollment")
            // Another device's derived key does not sign for this one.
            let otherKey = try #require(GroupKeyDerivation.deviceKey(groupKey: primary, registrationId: "unit-43"))
            await expectRefused(provisioning, "unit-42", .init(authorization: try registrationToken("unit-42", key: otherKey)), reason: "derived key")
        }
    }

    @Test("refusals: wrong id scope, token for another registration, expired token, wrong skn, malformed token, unknown registration, no credentials")
    func tokenRefusals() async throws {
        try await withProvisioning { registry, provisioning in
            _ = try await registry.createOrUpdateEnrollment(
                IndividualEnrollment(registrationId: "dev-1", attestation: .symmetricKey(primaryKey: fixedKey(1), secondaryKey: fixedKey(2))),
                ifMatch: nil)
            let good = try registrationToken("dev-1", key: fixedKey(1))
            await expectRefused(provisioning, "dev-1", .init(authorization: good), scope: "0ne99999999", reason: "id scope")
            await expectRefused(
                provisioning, "dev-1", .init(authorization: try registrationToken("dev-1", key: fixedKey(1), scope: "0ne99999999")), reason: "not '")
            await expectRefused(provisioning, "dev-1", .init(authorization: try registrationToken("dev-2", key: fixedKey(1))), reason: "not '")
            await expectRefused(
                provisioning, "dev-1", .init(authorization: try registrationToken("dev-1", key: fixedKey(1), lifetime: -600)), reason: "expired")
            await expectRefused(
                provisioning, "dev-1", .init(authorization: try registrationToken("dev-1", key: fixedKey(1), keyName: "iothubowner")), reason: "skn")
            await expectRefused(provisioning, "dev-1", .init(authorization: "SharedAccessSignature nonsense"), reason: "SAS token refused")
            await expectRefused(
                provisioning, "dev-9", .init(authorization: try registrationToken("dev-9", key: fixedKey(1))), reason: "no individual enrollment")
            await expectRefused(provisioning, "dev-1", .init(authorization: nil), reason: "neither a SAS token")
            // The audience is compared case-insensitively (identityd lower-cases it).
            _ = try await provisioning.register(
                idScope: testIdScope.uppercased(), registrationId: "DEV-1", body: [:],
                credentials: .init(authorization: try registrationToken("dev-1", key: fixedKey(1), scope: testIdScope.lowercased())))
        }
    }

    @Test("a disabled individual enrollment or group is refused, and enabling it again admits the device")
    func disabled() async throws {
        try await withProvisioning { registry, provisioning in
            var enrollment = IndividualEnrollment(
                registrationId: "dev-1", attestation: .symmetricKey(primaryKey: fixedKey(1), secondaryKey: fixedKey(2)))
            enrollment.provisioningStatus = .disabled
            _ = try await registry.createOrUpdateEnrollment(enrollment, ifMatch: nil)
            let token = try registrationToken("dev-1", key: fixedKey(1))
            await expectRefused(provisioning, "dev-1", .init(authorization: token), reason: "disabled")
            enrollment.provisioningStatus = .enabled
            _ = try await registry.createOrUpdateEnrollment(enrollment, ifMatch: "*")
            _ = try await provisioning.register(idScope: testIdScope, registrationId: "dev-1", body: [:], credentials: .init(authorization: token))

            var group = EnrollmentGroup(enrollmentGroupId: "fleet", attestation: .symmetricKey(primaryKey: fixedKey(5), secondaryKey: fixedKey(6)))
            group.provisioningStatus = .disabled
            _ = try await registry.createOrUpdateEnrollmentGroup(group, ifMatch: nil)
            let deviceKey = try #require(GroupKeyDerivation.deviceKey(groupKey: fixedKey(5), registrationId: "unit-1"))
            await expectRefused(provisioning, "unit-1", .init(authorization: try registrationToken("unit-1", key: deviceKey)), reason: "disabled")
        }
    }

    @Test("an individual enrollment takes precedence: its own keys, not a group's derived key")
    func individualPrecedence() async throws {
        try await withProvisioning { registry, provisioning in
            _ = try await registry.createOrUpdateEnrollmentGroup(
                EnrollmentGroup(enrollmentGroupId: "fleet", attestation: .symmetricKey(primaryKey: fixedKey(5), secondaryKey: fixedKey(6))),
                ifMatch: nil)
            _ = try await registry.createOrUpdateEnrollment(
                IndividualEnrollment(registrationId: "unit-1", attestation: .symmetricKey(primaryKey: fixedKey(1), secondaryKey: fixedKey(2))),
                ifMatch: nil)
            let derived = try #require(GroupKeyDerivation.deviceKey(groupKey: fixedKey(5), registrationId: "unit-1"))
            await expectRefused(provisioning, "unit-1", .init(authorization: try registrationToken("unit-1", key: derived)), reason: "signature")
        }
    }

    @Test("X.509 individual enrollment: the registered certificate is accepted; another certificate, a token or a wrong common name are not")
    func x509Individual() async throws {
        try await withProvisioning { registry, provisioning in
            let device = try TestCertificate.device("cam-7")
            let impostor = try TestCertificate.device("cam-7")
            _ = try await registry.createOrUpdateEnrollment(
                IndividualEnrollment(registrationId: "cam-7", attestation: .x509(primary: device.pem, secondary: nil)), ifMatch: nil)
            _ = try await provisioning.register(
                idScope: testIdScope, registrationId: "cam-7", body: [:], credentials: .init(authorization: nil, certificates: [device.certificate]))
            await expectRefused(
                provisioning, "cam-7", .init(authorization: nil, certificates: [impostor.certificate]), reason: "not one of the enrollment")
            await expectRefused(provisioning, "cam-7", .init(authorization: try registrationToken("cam-7", key: fixedKey(1))), reason: "uses X.509")
            let other = try TestCertificate.device("cam-8")
            await expectRefused(provisioning, "cam-7", .init(authorization: nil, certificates: [other.certificate]), reason: "is for 'cam-8'")
            let expired = try TestCertificate.device("cam-7", validFor: -1)
            _ = try await registry.createOrUpdateEnrollment(
                IndividualEnrollment(registrationId: "cam-7", attestation: .x509(primary: expired.pem, secondary: nil)), ifMatch: nil)
            await expectRefused(provisioning, "cam-7", .init(authorization: nil, certificates: [expired.certificate]), reason: "validity period")
        }
    }

    @Test("X.509 group: a leaf signed by the group's CA, directly or through a presented intermediate, is accepted; a foreign chain is not")
    func x509Group() async throws {
        try await withProvisioning { registry, provisioning in
            let root = try TestCertificate.authority("Fleet Root")
            let intermediate = try TestCertificate.authority("Fleet Intermediate", issuer: root)
            let foreign = try TestCertificate.authority("Foreign CA")
            _ = try await registry.createOrUpdateEnrollmentGroup(
                EnrollmentGroup(enrollmentGroupId: "fleet", attestation: .x509(primary: root.pem, secondary: nil)), ifMatch: nil)
            let direct = try TestCertificate.device("edge-a", issuer: root)
            _ = try await provisioning.register(
                idScope: testIdScope, registrationId: "edge-a", body: [:], credentials: .init(authorization: nil, certificates: [direct.certificate]))
            let chained = try TestCertificate.device("edge-b", issuer: intermediate)
            _ = try await provisioning.register(
                idScope: testIdScope, registrationId: "edge-b", body: [:],
                credentials: .init(authorization: nil, certificates: [chained.certificate, intermediate.certificate]))
            await expectRefused(provisioning, "edge-b", .init(authorization: nil, certificates: [chained.certificate]), reason: "chains to")
            let stranger = try TestCertificate.device("edge-c", issuer: foreign)
            await expectRefused(provisioning, "edge-c", .init(authorization: nil, certificates: [stranger.certificate]), reason: "chains to")
            let selfSigned = try TestCertificate.device("edge-d")
            await expectRefused(provisioning, "edge-d", .init(authorization: nil, certificates: [selfSigned.certificate]), reason: "chains to")
        }
    }

    @Test("polling needs the same attestation and the current operation id; the status lookup needs a registration")
    func operationsAndLookup() async throws {
        try await withProvisioning { registry, provisioning in
            _ = try await registry.createOrUpdateEnrollment(
                IndividualEnrollment(registrationId: "dev-1", attestation: .symmetricKey(primaryKey: fixedKey(1), secondaryKey: fixedKey(2))),
                ifMatch: nil)
            let credentials = DeviceProvisioning.Credentials(authorization: try registrationToken("dev-1", key: fixedKey(1)))
            let notYet = await hubError {
                _ = try await provisioning.registrationStatus(idScope: testIdScope, registrationId: "dev-1", credentials: credentials)
            }
            #expect(notYet?.code == .registrationNotFound)
            let first = try await provisioning.register(idScope: testIdScope, registrationId: "dev-1", body: [:], credentials: credentials)
            let second = try await provisioning.register(idScope: testIdScope, registrationId: "dev-1", body: [:], credentials: credentials)
            #expect(first.operationId != second.operationId)
            let status = try await provisioning.operationStatus(
                idScope: testIdScope, registrationId: "dev-1", operationId: second.operationId, credentials: credentials)
            #expect(status.status == "assigned")
            #expect(status.registrationState?.deviceId == "dev-1")
            let stale = await hubError {
                _ = try await provisioning.operationStatus(
                    idScope: testIdScope, registrationId: "dev-1", operationId: first.operationId, credentials: credentials)
            }
            #expect(stale?.code == .operationNotFound)
            #expect(stale?.httpStatus == 404)
            let unauthenticated = await hubError {
                _ = try await provisioning.operationStatus(
                    idScope: testIdScope, registrationId: "dev-1", operationId: second.operationId,
                    credentials: .init(authorization: try registrationToken("dev-1", key: fixedKey(9))))
            }
            #expect(unauthenticated?.httpStatus == 401)
            let lookup = try await provisioning.registrationStatus(idScope: testIdScope, registrationId: "dev-1", credentials: credentials)
            #expect(lookup.operationId == second.operationId)
        }
    }
}
