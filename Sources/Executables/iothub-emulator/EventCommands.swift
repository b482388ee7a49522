import ArgumentParser
import Foundation
import IoTHubProtocol
import NIOHTTP1

struct MonitorEventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "monitor-events", abstract: "Stream telemetry as it arrives.")
    @OptionGroup var hub: HubOptions
    @Option(name: [.customShort("d"), .long], help: "Only this device.") var deviceId: String?
    @Flag(help: "Start with the telemetry already stored.") var fromStart = false
    @Option(help: "Stop after this many events.") var count: Int?
    @Option(help: "Stop after this many seconds.") var timeout: Double?

    func run() async throws {
        try await withClient(hub) { client in
            var after: Int64? = fromStart ? 0 : nil
            if after == nil {
                // Start after the newest stored event.
                let stored = try await client.send(.GET, "emulator/events", query: "after=0&limit=1000000")
                after = stored.arrayValue?.last?["sequenceNumber"]?.intValue ?? 0
            }
            FileHandle.standardError.write(Data("Monitoring events after #\(after ?? 0) (Ctrl-C to stop)...\n".utf8))
            var seen = 0
            let deadline = timeout.map { Date().addingTimeInterval($0) }
            while count.map({ seen < $0 }) ?? true {
                if let deadline, Date() >= deadline { break }
                let events = try await client.send(.GET, "emulator/events", query: "after=\(after ?? 0)&limit=100&wait=5")
                for event in events.arrayValue ?? [] {
                    after = event["sequenceNumber"]?.intValue ?? after
                    if let deviceId, event["deviceId"]?.stringValue != deviceId { continue }
                    print(describe(event))
                    fflush(nil)
                    seen += 1
                    if let count, seen >= count { break }
                }
            }
        }
    }

    private func describe(_ event: JSONValue) -> String {
        if hub.output == .json { return event.jsonString }
        let origin = event["deviceId"]?.stringValue ?? "?"
        let module = event["moduleId"]?.stringValue.map { "/\($0)" } ?? ""
        let body = event["body"]?.stringValue.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let system = event["systemProperties"]?.jsonString ?? "{}"
        let application = event["applicationProperties"]?.jsonString ?? "{}"
        return "\(event["enqueuedTime"]?.stringValue ?? "") \(origin)\(module): \(body) system=\(system) properties=\(application)"
    }
}

struct C2DCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "c2d", abstract: "Cloud-to-device messages.", subcommands: [Send.self])

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a message for a device.")
        @OptionGroup var hub: HubOptions
        @Option(name: [.customShort("d"), .long]) var deviceId: String
        @Option(help: "The message body (text).") var data: String
        @Option(help: "Message id (generated when absent).") var messageId: String?
        @Option(help: "Correlation id.") var correlationId: String?
        @Option(help: "Content type.") var contentType: String?
        @Option(help: "Content encoding.") var contentEncoding: String?
        @Option(help: "Application properties as k=v&k2=v2.") var props: String?

        func run() async throws {
            var message = JSONObject()
            message["messageId"] = .string(messageId ?? UUID().uuidString.lowercased())
            message["body"] = .string(Data(data.utf8).base64EncodedString())
            if let correlationId { message["correlationId"] = .string(correlationId) }
            if let contentType { message["contentType"] = .string(contentType) }
            if let contentEncoding { message["contentEncoding"] = .string(contentEncoding) }
            if let props {
                let bag = try PropertyBag(parsing: props)
                message["properties"] = .object(JSONObject(bag.entries.map { ($0.key, $0.value.map { .string($0) } ?? .null) }))
            }
            try await withClient(hub) { client in
                try await client.send(.POST, "emulator/devices/\(deviceId)/messages/deviceBound", body: .object(message))
                if hub.output == .human { print("queued \(message["messageId"]?.stringValue ?? "") for \(deviceId)") }
            }
        }
    }
}
