import Foundation
import IoTHubProtocol

/// DPS's rules for enrollment members shared by individual enrollments and enrollment groups.
enum EnrollmentRules {
    /// Checks a registration or enrollment group id: 1 to 128 ASCII letters, digits or `-._:`, not starting or
    /// ending with punctuation (DPS's rule; ids are compared case-insensitively).
    static func validate(id: String, kind: String) throws(HubError) {
        guard !id.isEmpty, id.utf8.count <= 128 else {
            throw HubError(.argumentInvalid, "the \(kind) must have 1 to 128 characters")
        }
        let punctuation = Set("-._:")
        for character in id where !(character.isASCII && (character.isLetter || character.isNumber) || punctuation.contains(character)) {
            throw HubError(.argumentInvalid, "the \(kind) \"\(id)\" contains \"\(character)\"; use ASCII letters, digits and -._:")
        }
        if let first = id.first, let last = id.last, punctuation.contains(first) || punctuation.contains(last) {
            throw HubError(.argumentInvalid, "the \(kind) \"\(id)\" must not start or end with -._:")
        }
    }

    /// Reads `initialTwin`: `{"tags"?: {…}, "properties"?: {"desired"?: {…}}}`, returned in the shape
    /// `HubRegistry.replaceTwin` takes.
    static func initialTwin(_ fields: JSONFields) throws(HubError) -> JSONValue? {
        guard let twin = try fields.object("initialTwin") else { return nil }
        let tags = try twin.object("tags")
        let desired = try twin.object("properties")?.object("desired")
        return ["tags": .object(tags?.object ?? [:]), "properties": ["desired": .object(desired?.object ?? [:])]]
    }

    /// The `provisioningStatus` member (enabled when absent).
    static func provisioningStatus(_ fields: JSONFields) throws(HubError) -> ProvisioningStatus {
        try fields.enumeration("provisioningStatus", as: ProvisioningStatus.self) ?? .enabled
    }

    /// DPS's `reprovisionPolicy`, as the emulator applies it (the device keeps its hub and data).
    static let reprovisionPolicy: JSONValue = ["updateHubAssignment": true, "migrateDeviceData": true]

    /// A new enrollment etag: base64 of a quoted random UUID, as DPS's look.
    static func newETag() -> String {
        Base64.encode(Array("\"\(UUID().uuidString.lowercased())\"".utf8))
    }
}
