import Foundation
import GRDB
import IoTHubProtocol
import Logging
public import X509

/// The provisioning service's state, kept in the registry database beside the hub's identities so that it survives
/// restarts: individual enrollments, enrollment groups and the devices' registration records.
extension HubRegistry {
    // MARK: Individual enrollments

    /// Creates or replaces an individual enrollment, as DPS's `PUT /enrollments/{id}` does: without `ifMatch` the
    /// enrollment is written whatever exists; with `ifMatch` (an etag or `*`) it must exist and match. Keys that are
    /// not given are kept or generated, certificates that are not given are kept; the etag and times are set here.
    ///
    /// Errors: `ArgumentInvalid` (400) for bad ids, keys or certificates, `EnrollmentNotFound` (404),
    /// `PreconditionFailed` (412).
    public func createOrUpdateEnrollment(_ enrollment: IndividualEnrollment, ifMatch: String?) throws(HubError) -> IndividualEnrollment {
        try EnrollmentRules.validate(id: enrollment.registrationId, kind: "registration id")
        if let deviceId = enrollment.deviceId { try IdentityRules.validate(id: deviceId, kind: "device") }
        let time = HubTimestamp.string(from: Date())
        let saved = try write("save enrollment \(enrollment.registrationId)") { db in
            let existing = try Self.storedEnrollment(db, enrollment.registrationId)
            try Self.checkIfMatch(ifMatch, etag: existing?.etag, exists: existing != nil) {
                HubError(.enrollmentNotFound, "No individual enrollment '\(enrollment.registrationId)' to update; create it without If-Match.")
            }
            var stored = enrollment
            stored.registrationId = existing?.registrationId ?? enrollment.registrationId
            stored.attestation = try enrollment.attestation.resolved(existing: existing?.attestation)
            stored.etag = EnrollmentRules.newETag()
            stored.createdDateTimeUtc = existing?.createdDateTimeUtc ?? time
            stored.lastUpdatedDateTimeUtc = time
            try db.execute(
                sql: """
                    INSERT INTO dps_enrollments (registration_id, document) VALUES (?, ?)
                    ON CONFLICT (registration_id) DO UPDATE SET document = excluded.document
                    """,
                arguments: [stored.registrationId, stored.json(iotHubHostName: nil, includeCertificates: true).jsonString])
            return (stored, existing == nil)
        }
        logger.info(
            saved.1 ? "enrollment created" : "enrollment updated",
            metadata: ["registrationId": "\(saved.0.registrationId)", "attestation": "\(saved.0.attestation.type)"])
        return saved.0
    }

    /// The individual enrollment `registrationId` (case-insensitive); `EnrollmentNotFound` (404) if there is none.
    public func enrollment(registrationId: String) throws(HubError) -> IndividualEnrollment {
        guard let enrollment = try enrollmentIfPresent(registrationId: registrationId) else {
            throw HubError(.enrollmentNotFound, "No individual enrollment with registration id '\(registrationId)'.")
        }
        return enrollment
    }

    /// The individual enrollment `registrationId`, or nil.
    func enrollmentIfPresent(registrationId: String) throws(HubError) -> IndividualEnrollment? {
        try read("read enrollment \(registrationId)") { db in try Self.storedEnrollment(db, registrationId) }
    }

    /// Every individual enrollment, oldest first.
    public func enrollments() throws(HubError) -> [IndividualEnrollment] {
        try read("list enrollments") { db in
            try Row.fetchAll(db, sql: "SELECT registration_id, document FROM dps_enrollments ORDER BY rowid").map { row in
                try RegistryStore.decode(row["document"], table: "dps_enrollments", key: row["registration_id"], IndividualEnrollment.init(json:))
            }
        }
    }

    /// Deletes an individual enrollment and the registration record of its device (the hub device stays, as in
    /// DPS). `ifMatch` nil or `*` deletes unconditionally. Errors: `EnrollmentNotFound` (404), `PreconditionFailed` (412).
    public func deleteEnrollment(registrationId: String, ifMatch: String?) throws(HubError) {
        try write("delete enrollment \(registrationId)") { db in
            guard let existing = try Self.storedEnrollment(db, registrationId) else {
                throw HubError(.enrollmentNotFound, "No individual enrollment with registration id '\(registrationId)'.")
            }
            try Self.checkIfMatch(ifMatch, etag: existing.etag, exists: true) { HubError(.enrollmentNotFound, "") }
            try db.execute(sql: "DELETE FROM dps_enrollments WHERE registration_id = ?", arguments: [registrationId])
            try db.execute(sql: "DELETE FROM dps_registrations WHERE registration_id = ?", arguments: [registrationId])
        }
        logger.info("enrollment deleted", metadata: ["registrationId": "\(registrationId)"])
    }

    // MARK: Enrollment groups

    /// Creates or replaces an enrollment group, as DPS's `PUT /enrollmentGroups/{id}` does (rules as for
    /// ``createOrUpdateEnrollment(_:ifMatch:)``). Errors: `ArgumentInvalid` (400), `EnrollmentGroupNotFound` (404),
    /// `PreconditionFailed` (412).
    public func createOrUpdateEnrollmentGroup(_ group: EnrollmentGroup, ifMatch: String?) throws(HubError) -> EnrollmentGroup {
        try EnrollmentRules.validate(id: group.enrollmentGroupId, kind: "enrollment group id")
        let time = HubTimestamp.string(from: Date())
        let saved = try write("save enrollment group \(group.enrollmentGroupId)") { db in
            let existing = try Self.storedGroup(db, group.enrollmentGroupId)
            try Self.checkIfMatch(ifMatch, etag: existing?.etag, exists: existing != nil) {
                HubError(.enrollmentGroupNotFound, "No enrollment group '\(group.enrollmentGroupId)' to update; create it without If-Match.")
            }
            var stored = group
            stored.enrollmentGroupId = existing?.enrollmentGroupId ?? group.enrollmentGroupId
            stored.attestation = try group.attestation.resolved(existing: existing?.attestation)
            stored.etag = EnrollmentRules.newETag()
            stored.createdDateTimeUtc = existing?.createdDateTimeUtc ?? time
            stored.lastUpdatedDateTimeUtc = time
            try db.execute(
                sql: """
                    INSERT INTO dps_enrollment_groups (enrollment_group_id, attestation_type, document) VALUES (?, ?, ?)
                    ON CONFLICT (enrollment_group_id) DO UPDATE SET
                        attestation_type = excluded.attestation_type, document = excluded.document
                    """,
                arguments: [
                    stored.enrollmentGroupId, stored.attestation.type, stored.json(iotHubHostName: nil, includeCertificates: true).jsonString,
                ])
            return (stored, existing == nil)
        }
        logger.info(
            saved.1 ? "enrollment group created" : "enrollment group updated",
            metadata: ["enrollmentGroupId": "\(saved.0.enrollmentGroupId)", "attestation": "\(saved.0.attestation.type)"])
        return saved.0
    }

    /// The enrollment group `enrollmentGroupId` (case-insensitive); `EnrollmentGroupNotFound` (404) if there is none.
    public func enrollmentGroup(_ enrollmentGroupId: String) throws(HubError) -> EnrollmentGroup {
        let group = try read("read enrollment group \(enrollmentGroupId)") { db in try Self.storedGroup(db, enrollmentGroupId) }
        guard let group else {
            throw HubError(.enrollmentGroupNotFound, "No enrollment group with id '\(enrollmentGroupId)'.")
        }
        return group
    }

    /// Every enrollment group, oldest first; only those using `attestationType` (`symmetricKey` or `x509`) if given.
    public func enrollmentGroups(attestationType: String? = nil) throws(HubError) -> [EnrollmentGroup] {
        try read("list enrollment groups") { db in
            let rows =
                if let attestationType {
                    try Row.fetchAll(
                        db, sql: "SELECT enrollment_group_id, document FROM dps_enrollment_groups WHERE attestation_type = ? ORDER BY rowid",
                        arguments: [attestationType])
                } else {
                    try Row.fetchAll(db, sql: "SELECT enrollment_group_id, document FROM dps_enrollment_groups ORDER BY rowid")
                }
            return try rows.map { row in
                try RegistryStore.decode(
                    row["document"], table: "dps_enrollment_groups", key: row["enrollment_group_id"], EnrollmentGroup.init(json:))
            }
        }
    }

    /// Deletes an enrollment group (its devices' registrations and hub identities stay, as in DPS). Errors:
    /// `EnrollmentGroupNotFound` (404), `PreconditionFailed` (412).
    public func deleteEnrollmentGroup(_ enrollmentGroupId: String, ifMatch: String?) throws(HubError) {
        try write("delete enrollment group \(enrollmentGroupId)") { db in
            guard let existing = try Self.storedGroup(db, enrollmentGroupId) else {
                throw HubError(.enrollmentGroupNotFound, "No enrollment group with id '\(enrollmentGroupId)'.")
            }
            try Self.checkIfMatch(ifMatch, etag: existing.etag, exists: true) { HubError(.enrollmentGroupNotFound, "") }
            try db.execute(sql: "DELETE FROM dps_enrollment_groups WHERE enrollment_group_id = ?", arguments: [enrollmentGroupId])
        }
        logger.info("enrollment group deleted", metadata: ["enrollmentGroupId": "\(enrollmentGroupId)"])
    }

    /// The signing certificates of every X.509 enrollment group. The device gateway and the service API trust them
    /// for CA-authenticated devices, as a hub trusts the CAs verified for it (a device DPS provisioned through a
    /// group can then connect with the certificate it registered with).
    public func enrollmentGroupCertificates() -> [Certificate] {
        ((try? enrollmentGroups(attestationType: "x509")) ?? []).flatMap(\.attestation.certificates)
    }

    // MARK: Registrations

    /// The registration record of `registrationId`, or nil when the device has not registered.
    public func registrationState(registrationId: String) throws(HubError) -> DeviceRegistrationState? {
        try read("read registration \(registrationId)") { db in
            guard
                let text = try String.fetchOne(
                    db, sql: "SELECT document FROM dps_registrations WHERE registration_id = ?", arguments: [registrationId])
            else { return nil }
            return try RegistryStore.decode(text, table: "dps_registrations", key: registrationId, DeviceRegistrationState.init(stored:))
        }
    }

    /// Stores a device's registration record (replacing the previous one).
    func saveRegistrationState(_ state: DeviceRegistrationState) throws(HubError) {
        try write("save registration \(state.registrationId)") { db in
            try db.execute(
                sql: """
                    INSERT INTO dps_registrations (registration_id, document) VALUES (?, ?)
                    ON CONFLICT (registration_id) DO UPDATE SET document = excluded.document
                    """,
                arguments: [state.registrationId, state.storedJSON.jsonString])
        }
    }

    // MARK: Rows

    private static func storedEnrollment(_ db: Database, _ registrationId: String) throws -> IndividualEnrollment? {
        guard
            let text = try String.fetchOne(db, sql: "SELECT document FROM dps_enrollments WHERE registration_id = ?", arguments: [registrationId])
        else { return nil }
        return try RegistryStore.decode(text, table: "dps_enrollments", key: registrationId, IndividualEnrollment.init(json:))
    }

    private static func storedGroup(_ db: Database, _ enrollmentGroupId: String) throws -> EnrollmentGroup? {
        guard
            let text = try String.fetchOne(
                db, sql: "SELECT document FROM dps_enrollment_groups WHERE enrollment_group_id = ?", arguments: [enrollmentGroupId])
        else { return nil }
        return try RegistryStore.decode(text, table: "dps_enrollment_groups", key: enrollmentGroupId, EnrollmentGroup.init(json:))
    }

    /// DPS's `If-Match` rules: nil always passes; otherwise the record must exist (`notFound`) and match (412).
    private static func checkIfMatch(_ ifMatch: String?, etag: String?, exists: Bool, notFound: () -> HubError) throws(HubError) {
        guard let ifMatch else { return }
        guard exists else { throw notFound() }
        guard IdentityRules.matches(ifMatch: ifMatch, etag: etag) else {
            throw HubError(.preconditionFailed, "Precondition failed: the etag '\(ifMatch)' does not match the current one.")
        }
    }
}
