import ArgumentParser
import Foundation
import IoTHubProtocol
import NIOHTTP1

struct TwinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "twin", abstract: "Show and update device and module twins.", subcommands: [Show.self, Update.self])

    struct Show: AsyncParsableCommand {
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long]) var deviceId: String
        @Option(name: [.customShort("m"), .long]) var moduleId: String?
        func run() async throws {
            try await withClient(hub) { client in
                emit(try await client.send(.GET, twinPath(deviceId, moduleId)), hub.output == .human ? .json : hub.output)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long]) var deviceId: String
        @Option(name: [.customShort("m"), .long]) var moduleId: String?
        @Option(help: "Desired properties to merge, as JSON (null deletes).") var desired: String?
        @Option(help: "Tags to merge, as JSON (null deletes).") var tags: String?
        func run() async throws {
            var patch = JSONObject()
            if let desired { patch["properties"] = ["desired": try parseJSON(desired, option: "--desired")] }
            if let tags { patch["tags"] = try parseJSON(tags, option: "--tags") }
            guard !patch.isEmpty else { throw ValidationError("give --desired and/or --tags") }
            try await withClient(hub) { client in
                emit(try await client.send(.PATCH, twinPath(deviceId, moduleId), body: .object(patch)), hub.output == .human ? .json : hub.output)
            }
        }
    }
}

func twinPath(_ deviceId: String, _ moduleId: String?) -> String {
    moduleId.map { "twins/\(deviceId)/modules/\($0)" } ?? "twins/\(deviceId)"
}

struct InvokeMethodCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "invoke-method", abstract: "Invoke a direct method on a connected device or module.")
    @OptionGroup var hub: HubOptions
    @Option(name: [.customShort("d"), .long]) var deviceId: String
    @Option(name: [.customShort("m"), .long]) var moduleId: String?
    @Option(help: "Method name.") var methodName: String
    @Option(help: "Payload as JSON.") var methodPayload = "null"
    @Option(help: "Seconds to wait for the answer (5–300).") var timeout = 30
    func run() async throws {
        let body: JSONValue = ["methodName": .string(methodName), "payload": try parseJSON(methodPayload, option: "--method-payload"), "responseTimeoutInSeconds": .int(Int64(timeout))]
        try await withClient(hub) { client in
            emit(try await client.send(.POST, twinPath(deviceId, moduleId) + "/methods", body: body), hub.output)
        }
    }
}

struct EdgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "edge", abstract: "IoT Edge deployments.", subcommands: [SetModules.self])

    struct SetModules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-modules", abstract: "Apply a deployment manifest to an edge device.")
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long]) var deviceId: String
        @Option(help: "The deployment manifest (a JSON file with modulesContent).") var content: String
        func run() async throws {
            guard let data = FileManager.default.contents(atPath: content) else { throw ValidationError("cannot read \(content)") }
            let manifest = try parseJSON(String(decoding: data, as: UTF8.self), option: "--content")
            let body: JSONValue = manifest["modulesContent"] != nil ? manifest : ["modulesContent": manifest["content"]?["modulesContent"] ?? .null]
            try await withClient(hub) { client in
                try await client.send(.POST, "devices/\(deviceId)/applyConfigurationContent", body: body)
                if hub.output == .human { print("deployment applied to \(deviceId)") }
            }
        }
    }
}
