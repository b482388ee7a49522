import Foundation
import HubEmulator
import IoTHubProtocol
import Logging
import Testing

/// A registry on a SQLite file in a fresh temporary directory (removed by ``remove()``).
struct RegistryFixture {
    let directory: URL
    let path: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("HubEmulatorTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("registry.sqlite").path
    }

    /// Opens (or reopens) the registry on the fixture's file.
    func open() throws -> HubRegistry {
        try HubRegistry(path: path, logger: Logger(label: "HubEmulatorTests", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs `body` with a registry on a new temporary file.
func withRegistry(_ body: (HubRegistry) async throws -> Void) async throws {
    let fixture = try RegistryFixture()
    defer { fixture.remove() }
    try await body(try fixture.open())
}

/// Runs `body`, which must throw a ``HubError``, and returns that error (recording an issue otherwise).
///
/// Call it on its own line, never inside `#expect`/`#require`: with this toolchain a closure written
/// inside those macros' arguments can share its symbol with another closure of the same test, and the
/// wrong one runs.
func hubError(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async -> HubError? {
    do {
        try await body()
        Issue.record("expected a HubError, but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as HubError {
        return error
    } catch {
        Issue.record("expected a HubError, not \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Parses JSON text, failing the test on invalid input.
func json(_ text: String) throws -> JSONValue {
    try JSONValue(parsing: text)
}

/// Re-encodes a Codable value with JSONEncoder and parses the result.
func encoded(_ value: some Encodable) throws -> JSONValue {
    try JSONValue(parsing: Array(JSONEncoder().encode(value)))
}

/// Decodes a Codable value from JSON text with JSONDecoder.
func decoded<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
    try JSONDecoder().decode(type, from: Data(text.utf8))
}

/// Whether a string is an IoT Hub timestamp with seven fractional digits.
func isHubTime(_ string: String?) -> Bool {
    guard let string else { return false }
    return string.wholeMatch(of: #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z/#) != nil
}

/// The number of bytes a base64 string decodes to (nil if it is not base64).
func base64Length(_ string: String?) -> Int? {
    string.flatMap { Data(base64Encoded: $0)?.count }
}

/// A valid SAS key (base64 of 32 bytes) that is recognisable in assertions.
func fixedKey(_ byte: UInt8) -> String {
    Data(repeating: byte, count: 32).base64EncodedString()
}

/// Collects the next `count` elements of a stream, failing after `seconds`.
func next<Element: Sendable>(_ count: Int, of stream: AsyncStream<Element>, within seconds: Double = 5) async throws -> [Element] {
    try await withThrowingTaskGroup(of: [Element]?.self) { group in
        group.addTask {
            var elements: [Element] = []
            for await element in stream {
                elements.append(element)
                if elements.count == count { break }
            }
            return elements
        }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        guard let elements = first else { throw StreamTimeout(expected: count) }
        return elements
    }
}

struct StreamTimeout: Error, CustomStringConvertible {
    var expected: Int
    var description: String { "the stream did not deliver \(expected) element(s) in time" }
}
