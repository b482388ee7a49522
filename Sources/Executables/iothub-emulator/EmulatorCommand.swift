import ArgumentParser
import Foundation
import IoTHubProtocol

/// `iothub-emulator`: a local IoT Hub for development, CI and offline sites. Verbs follow `az iot hub` and
/// `az iot edge`.
@main
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iothub-emulator",
        abstract: "A local Azure IoT Hub: device MQTT over TLS, the service REST API, a persisted registry.",
        subcommands: [
            StartCommand.self, DeviceIdentityCommand.self, ModuleIdentityCommand.self, TwinCommand.self,
            InvokeMethodCommand.self, EdgeCommand.self, MonitorEventsCommand.self, C2DCommand.self, DPSCommand.self,
        ]
    )
}

/// Where the emulator keeps its data and where its service API listens; shared by every client verb.
struct HubOptions: ParsableArguments {
    @Option(help: "The emulator's data folder (registry, certificates, policies).")
    var dataDir = ProcessInfo.processInfo.environment["IOTHUB_EMULATOR_DATA"] ?? ".iothub-emulator"

    @Option(help: "The emulator's HTTPS port.")
    var httpsPort = Int(ProcessInfo.processInfo.environment["IOTHUB_EMULATOR_HTTPS_PORT"] ?? "") ?? 443

    @Option(help: "Output format: human or json.")
    var output = OutputFormat.human

    func client() throws -> ServiceClient { try ServiceClient(dataDirectory: dataDir, httpsPort: httpsPort) }
}

enum OutputFormat: String, ExpressibleByArgument {
    case human, json
}

/// Prints a JSON answer: pretty JSON for `--output json`, and, for humans, `key: value` lines of the top level.
func emit(_ value: JSONValue, _ format: OutputFormat) {
    switch format {
    case .json:
        print(value.jsonString)
    case .human:
        if let object = value.objectValue {
            for (key, field) in object.pairs {
                if let text = field.stringValue { print("\(key): \(text)") } else { print("\(key): \(field.jsonString)") }
            }
        } else if let array = value.arrayValue {
            for element in array { print(element.jsonString) }
        } else {
            print(value.jsonString)
        }
    }
}

/// Runs `body` with a client and shuts the client down afterwards.
func withClient(_ options: HubOptions, _ body: (ServiceClient) async throws -> Void) async throws {
    let client = try options.client()
    do {
        try await body(client)
    } catch {
        await client.shutdown()
        throw error
    }
    await client.shutdown()
}

/// Parses a JSON argument with a message naming the option.
func parseJSON(_ text: String, option: String) throws -> JSONValue {
    do {
        return try JSONValue(parsing: text)
    } catch {
        throw ValidationError("\(option) is not valid JSON: \(error)")
    }
}
