import ArgumentParser
import Foundation
import HubEmulator
import IoTHubProtocol
import NIOHTTP1

/// `iothub-emulator dps …`: the emulator's Device Provisioning Service (verbs follow `az iot dps`).
struct DPSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dps",
        abstract: "The Device Provisioning Service: id scope, enrollments and enrollment groups.",
        subcommands: [Show.self, EnrollmentCommand.self, EnrollmentGroupCommand.self]
    )

    /// DPS's service API version.
    static let apiVersion = "2021-06-01"

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the id scope and the global endpoint devices register with.")
        @OptionGroup var hub: HubOptions
        func run() async throws {
            try await withClient(hub) { client in emit(try await client.send(.GET, "emulator/dps"), hub.output) }
        }
    }
}

/// How an enrollment's devices attest.
enum AttestationOption: String, ExpressibleByArgument {
    case symmetricKey = "symmetric-key"
    case x509
}

/// Options shared by `enrollment create` and `enrollment-group create`.
struct EnrollmentOptions: ParsableArguments {
    @Option(help: "Attestation: symmetric-key or x509.") var attestation: AttestationOption
    @Option(help: "Primary symmetric key, base64 (generated when absent).") var primaryKey: String?
    @Option(help: "Secondary symmetric key, base64 (generated when absent).") var secondaryKey: String?
    @Flag(help: "Devices are IoT Edge devices.") var edge = false
    @Option(help: "Initial twin as JSON: {\"tags\": {…}, \"properties\": {\"desired\": {…}}}.") var initialTwin: String?
    @Option(help: "Provisioning status: enabled or disabled.") var provisioningStatus = "enabled"

    /// The common members of the request body, with the attestation given.
    func body(attestation: JSONValue) throws -> JSONObject {
        var body: JSONObject = [
            "attestation": attestation,
            "capabilities": ["iotEdge": .bool(edge)],
            "provisioningStatus": .string(provisioningStatus),
        ]
        if let initialTwin { body["initialTwin"] = try parseJSON(initialTwin, option: "--initial-twin") }
        return body
    }

    /// `{"type":"symmetricKey",…}`, refusing certificate options.
    func symmetricKeyAttestation() -> JSONValue {
        [
            "type": "symmetricKey",
            "symmetricKey": ["primaryKey": primaryKey.map { .string($0) } ?? .null, "secondaryKey": secondaryKey.map { .string($0) } ?? .null],
        ]
    }

    /// `{"type":"x509","x509":{member:{"primary":{"certificate":…},…}}}` from PEM files.
    static func x509Attestation(member: String, primary: String?, secondary: String?, option: String) throws -> JSONValue {
        guard let primary else { throw ValidationError("--attestation x509 needs \(option)") }
        var certificates: JSONObject = ["primary": ["certificate": .string(try readPEM(primary))]]
        if let secondary { certificates["secondary"] = ["certificate": .string(try readPEM(secondary))] }
        return ["type": "x509", "x509": .object([member: .object(certificates)])]
    }

    static func readPEM(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
        return String(decoding: data, as: UTF8.self)
    }
}

struct EnrollmentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrollment", abstract: "Individual enrollments.", subcommands: [Create.self, Show.self, Delete.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or replace an individual enrollment.")
        @OptionGroup var hub: HubOptions
        @Option(help: "Registration id (for X.509, the certificate's common name).") var registrationId: String
        @Option(help: "Device id in the hub (the registration id when absent).") var deviceId: String?
        @OptionGroup var enrollment: EnrollmentOptions
        @Option(help: "The device's certificate (PEM file), for x509.") var certificate: String?
        @Option(help: "A secondary device certificate (PEM file), for x509.") var secondaryCertificate: String?

        func run() async throws {
            let attestation: JSONValue
            switch enrollment.attestation {
            case .symmetricKey:
                guard certificate == nil, secondaryCertificate == nil else { throw ValidationError("--certificate is for --attestation x509") }
                attestation = enrollment.symmetricKeyAttestation()
            case .x509:
                attestation = try EnrollmentOptions.x509Attestation(
                    member: "clientCertificates", primary: certificate, secondary: secondaryCertificate, option: "--certificate")
            }
            var body = try enrollment.body(attestation: attestation)
            body["registrationId"] = .string(registrationId)
            if let deviceId { body["deviceId"] = .string(deviceId) }
            try await withClient(hub) { client in
                emit(
                    try await client.send(
                        .PUT, "enrollments/\(PercentEncoding.encode(registrationId))", body: .object(body), apiVersion: DPSCommand.apiVersion),
                    hub.output)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        @OptionGroup var hub: HubOptions
        @Option var registrationId: String
        func run() async throws {
            try await withClient(hub) { client in
                emit(
                    try await client.send(.GET, "enrollments/\(PercentEncoding.encode(registrationId))", apiVersion: DPSCommand.apiVersion),
                    hub.output)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        @OptionGroup var hub: HubOptions
        @Option var registrationId: String
        func run() async throws {
            try await withClient(hub) { client in
                try await client.send(.DELETE, "enrollments/\(PercentEncoding.encode(registrationId))", apiVersion: DPSCommand.apiVersion)
            }
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var hub: HubOptions
        func run() async throws {
            try await withClient(hub) { client in
                let enrollments = try await client.send(.POST, "enrollments/query", body: ["query": "*"], apiVersion: DPSCommand.apiVersion)
                if hub.output == .json { return emit(enrollments, .json) }
                for enrollment in enrollments.arrayValue ?? [] {
                    let edge = enrollment["capabilities"]?["iotEdge"]?.boolValue == true ? " (edge)" : ""
                    let id = enrollment["registrationId"]?.stringValue ?? "?"
                    let attestation = enrollment["attestation"]?["type"]?.stringValue ?? ""
                    print("\(id)\(edge) \(attestation) \(enrollment["provisioningStatus"]?.stringValue ?? "")")
                }
            }
        }
    }
}

struct EnrollmentGroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrollment-group", abstract: "Enrollment groups.",
        subcommands: [Create.self, Show.self, Delete.self, List.self, ComputeDeviceKey.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or replace an enrollment group.")
        @OptionGroup var hub: HubOptions
        @Option(name: [.customLong("group-id"), .customLong("enrollment-id")], help: "Enrollment group id.") var groupId: String
        @OptionGroup var enrollment: EnrollmentOptions
        @Option(help: "The CA (or intermediate) certificate the devices' certificates chain to (PEM file), for x509.")
        var caCertificate: String?
        @Option(help: "A secondary CA certificate (PEM file), for x509.") var secondaryCaCertificate: String?

        func run() async throws {
            let attestation: JSONValue
            switch enrollment.attestation {
            case .symmetricKey:
                guard caCertificate == nil, secondaryCaCertificate == nil else { throw ValidationError("--ca-certificate is for --attestation x509") }
                attestation = enrollment.symmetricKeyAttestation()
            case .x509:
                attestation = try EnrollmentOptions.x509Attestation(
                    member: "signingCertificates", primary: caCertificate, secondary: secondaryCaCertificate, option: "--ca-certificate")
            }
            var body = try enrollment.body(attestation: attestation)
            body["enrollmentGroupId"] = .string(groupId)
            try await withClient(hub) { client in
                let group = try await client.send(
                    .PUT, "enrollmentGroups/\(PercentEncoding.encode(groupId))", body: .object(body), apiVersion: DPSCommand.apiVersion)
                emit(group, hub.output)
                if hub.output == .human, enrollment.attestation == .symmetricKey {
                    print("device keys: iothub-emulator dps enrollment-group compute-device-key --group-id \(groupId) --registration-id <id>")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        @OptionGroup var hub: HubOptions
        @Option(name: [.customLong("group-id"), .customLong("enrollment-id")]) var groupId: String
        func run() async throws {
            try await withClient(hub) { client in
                emit(
                    try await client.send(.GET, "enrollmentGroups/\(PercentEncoding.encode(groupId))", apiVersion: DPSCommand.apiVersion), hub.output)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        @OptionGroup var hub: HubOptions
        @Option(name: [.customLong("group-id"), .customLong("enrollment-id")]) var groupId: String
        func run() async throws {
            try await withClient(hub) { client in
                try await client.send(.DELETE, "enrollmentGroups/\(PercentEncoding.encode(groupId))", apiVersion: DPSCommand.apiVersion)
            }
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var hub: HubOptions
        func run() async throws {
            try await withClient(hub) { client in
                let groups = try await client.send(.POST, "enrollmentGroups/query", body: ["query": "*"], apiVersion: DPSCommand.apiVersion)
                if hub.output == .json { return emit(groups, .json) }
                for group in groups.arrayValue ?? [] {
                    let edge = group["capabilities"]?["iotEdge"]?.boolValue == true ? " (edge)" : ""
                    let id = group["enrollmentGroupId"]?.stringValue ?? "?"
                    let attestation = group["attestation"]?["type"]?.stringValue ?? ""
                    print("\(id)\(edge) \(attestation) \(group["provisioningStatus"]?.stringValue ?? "")")
                }
            }
        }
    }

    struct ComputeDeviceKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compute-device-key",
            abstract: "Print a device's key under a symmetric-key group: base64(HMAC-SHA256(group key, registration id)).")
        @OptionGroup var hub: HubOptions
        @Option(name: [.customLong("group-id"), .customLong("enrollment-id")]) var groupId: String
        @Option var registrationId: String
        @Flag(help: "Derive from the group's secondary key.") var secondary = false
        func run() async throws {
            try await withClient(hub) { client in
                let group = try await client.send(.GET, "enrollmentGroups/\(PercentEncoding.encode(groupId))", apiVersion: DPSCommand.apiVersion)
                guard let groupKey = group["attestation"]?["symmetricKey"]?[secondary ? "secondaryKey" : "primaryKey"]?.stringValue,
                    let deviceKey = GroupKeyDerivation.deviceKey(groupKey: groupKey, registrationId: registrationId)
                else { throw CLIError("enrollment group \(groupId) has no symmetric key") }
                if hub.output == .json { return emit(["registrationId": .string(registrationId), "deviceKey": .string(deviceKey)], .json) }
                print(deviceKey)
            }
        }
    }
}
