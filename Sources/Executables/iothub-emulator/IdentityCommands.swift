import ArgumentParser
import IoTHubProtocol
import NIOHTTP1

struct DeviceIdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device-identity",
        abstract: "Create, list, show and delete devices.",
        subcommands: [Create.self, List.self, Show.self, Delete.self, ConnectionString.self]
    )

    struct Create: AsyncParsableCommand {
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long], help: "Device id.") var deviceId: String
        @Flag(help: "Make it an IoT Edge device.") var edgeEnabled = false
        @Option(help: "Primary key (generated when absent).") var primaryKey: String?
        @Option(help: "Secondary key (generated when absent).") var secondaryKey: String?
        @Option(help: "Authentication: shared_private_key or x509_thumbprint.") var authMethod = "shared_private_key"
        @Option(help: "Primary thumbprint for x509_thumbprint.") var primaryThumbprint: String?
        @Option(help: "Secondary thumbprint for x509_thumbprint.") var secondaryThumbprint: String?
        @Option(help: "Status: enabled or disabled.") var status = "enabled"

        func run() async throws {
            var authentication: JSONValue = ["type": "sas", "symmetricKey": ["primaryKey": primaryKey.map { .string($0) } ?? .null, "secondaryKey": secondaryKey.map { .string($0) } ?? .null]]
            if authMethod == "x509_thumbprint" {
                guard let primaryThumbprint else { throw ValidationError("x509_thumbprint needs --primary-thumbprint") }
                authentication = ["type": "selfSigned", "x509Thumbprint": ["primaryThumbprint": .string(primaryThumbprint), "secondaryThumbprint": secondaryThumbprint.map { .string($0) } ?? .null]]
            } else if authMethod != "shared_private_key" {
                throw ValidationError("--auth-method must be shared_private_key or x509_thumbprint")
            }
            let body: JSONValue = ["deviceId": .string(deviceId), "status": .string(status), "authentication": authentication, "capabilities": ["iotEdge": .bool(edgeEnabled)]]
            try await withClient(hub) { client in
                let device = try await client.send(.PUT, "devices/\(deviceId)", body: body)
                emit(device, hub.output)
                if hub.output == .human, let key = device["authentication"]?["symmetricKey"]?["primaryKey"]?.stringValue {
                    print("connectionString: HostName=\(client.hostName);DeviceId=\(deviceId);SharedAccessKey=\(key)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var hub: HubOptions
        func run() async throws {
            try await withClient(hub) { client in
                let devices = try await client.send(.GET, "devices")
                if hub.output == .json { return emit(devices, .json) }
                for device in devices.arrayValue ?? [] {
                    let edge = device["capabilities"]?["iotEdge"]?.boolValue == true ? " (edge)" : ""
                    print("\(device["deviceId"]?.stringValue ?? "?")\(edge) \(device["status"]?.stringValue ?? "") \(device["connectionState"]?.stringValue ?? "")")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long]) var deviceId: String
        func run() async throws {
            try await withClient(hub) { client in emit(try await client.send(.GET, "devices/\(deviceId)"), hub.output) }
        }
    }

    struct Delete: AsyncParsableCommand {
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long]) var deviceId: String
        func run() async throws {
            try await withClient(hub) { client in try await client.send(.DELETE, "devices/\(deviceId)") }
        }
    }

    struct ConnectionString: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "connection-string", abstract: "Print a device's connection string.")
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long]) var deviceId: String
        func run() async throws {
            try await withClient(hub) { client in
                let device = try await client.send(.GET, "devices/\(deviceId)")
                guard let key = device["authentication"]?["symmetricKey"]?["primaryKey"]?.stringValue else {
                    throw CLIError("\(deviceId) has no symmetric key")
                }
                print("HostName=\(client.hostName);DeviceId=\(deviceId);SharedAccessKey=\(key)")
            }
        }
    }
}

struct ModuleIdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "module-identity",
        abstract: "Create and list module identities.",
        subcommands: [Create.self, List.self]
    )

    struct Create: AsyncParsableCommand {
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long]) var deviceId: String
        @Option(name: [.customShort("m"), .long]) var moduleId: String
        func run() async throws {
            try await withClient(hub) { client in
                let module = try await client.send(.PUT, "devices/\(deviceId)/modules/\(moduleId)", body: ["moduleId": .string(moduleId), "deviceId": .string(deviceId)])
                emit(module, hub.output)
                if hub.output == .human, let key = module["authentication"]?["symmetricKey"]?["primaryKey"]?.stringValue {
                    print("connectionString: HostName=\(client.hostName);DeviceId=\(deviceId);ModuleId=\(moduleId);SharedAccessKey=\(key)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long]) var deviceId: String
        func run() async throws {
            try await withClient(hub) { client in
                let modules = try await client.send(.GET, "devices/\(deviceId)/modules")
                if hub.output == .json { return emit(modules, .json) }
                for module in modules.arrayValue ?? [] { print(module["moduleId"]?.stringValue ?? "?") }
            }
        }
    }
}
