public import IoTHubProtocol

/// Writes `check`'s results as they come, in the reference's text, JSON or JSON-stream form, and counts them.
/// Shared by `aziotctl check` and `iotedge check`, which print the same shapes.
public struct CheckReporter {
    public enum Format: String, CaseIterable, Sendable {
        case text
        case json
        case jsonStream = "json-stream"
    }

    public let format: Format
    public let verbose: Bool
    public let warningsAsErrors: Bool
    public let color: Bool
    /// Where the text goes (standard output for the tools, a buffer in tests).
    public let output: CheckOutput

    public private(set) var succeeded = 0
    public private(set) var warnings = 0
    public private(set) var skipped = 0
    public private(set) var errors = 0
    public private(set) var fatal = 0
    private var checks: [(id: String, value: JSONValue)] = []

    public init(format: Format, verbose: Bool, warningsAsErrors: Bool, color: Bool, output: CheckOutput = .standardOutput) {
        self.format = format
        self.verbose = verbose
        self.warningsAsErrors = warningsAsErrors
        self.color = color
        self.output = output
    }

    /// Whether the run failed: any error or fatal result (warnings count as errors with `--warnings-as-errors`).
    public var failed: Bool { errors + fatal > 0 }

    public mutating func beginSection(_ name: String) {
        switch format {
        case .text:
            write(name)
            write(String(repeating: "-", count: name.count))
        case .jsonStream:
            emit(.object(["kind": .string("section"), "name": .string(name)]))
        case .json:
            break
        }
    }

    public mutating func endSection() {
        if format == .text { write("") }
    }

    /// Records one check; returns the result as counted (a warning becomes an error with `--warnings-as-errors`).
    @discardableResult
    public mutating func report(id: String, description: String, _ outcome: CheckOutcome) -> CheckResult {
        var result = outcome.result
        if warningsAsErrors, case .warning(let message) = result { result = .error(message) }
        switch result {
        case .ok:
            succeeded += 1
            text("\u{221A} \(description) - OK", .green)
            if let note = outcome.note {
                for line in note.split(separator: "\n", omittingEmptySubsequences: false) { text("    \(line)", nil) }
            }
        case .warning(let message):
            warnings += 1
            text("\u{203C} \(description) - Warning", .yellow)
            lines(message, .yellow)
        case .ignored(let note):
            if let note {
                text("- \(description) - Ignored", nil)
                for line in note.split(separator: "\n", omittingEmptySubsequences: false) { text("    \(line)", nil) }
            }
        case .skipped:
            skipped += 1
            if verbose {
                text("\u{203C} \(description) - Warning", .yellow)
                text("    skipping because of previous failures", .yellow)
            }
        case .error(let message), .fatal(let message):
            if case .fatal = result { fatal += 1 } else { errors += 1 }
            text("\u{00D7} \(description) - Error", .red)
            lines(message, .red)
        }
        let output: JSONObject = ["result": result.json, "additional_info": .object(outcome.info)]
        switch format {
        case .json:
            checks.append((id, .object(output)))
        case .jsonStream:
            var object: JSONObject = ["kind": .string("check"), "id": .string(id), "description": .string(description)]
            for (key, value) in output { object[key] = value }
            emit(.object(object))
        case .text:
            break
        }
        return result
    }

    /// The summary (text), or the whole document (JSON) / the trailing `additional_info` object (JSON stream).
    public mutating func finish(additionalInfo: JSONObject) {
        let hint = verbose ? "" : " Re-run with --verbose for more details."
        text("\(succeeded) check(s) succeeded.", .green)
        if warnings > 0 { text("\(warnings) check(s) raised warnings.\(hint)", .yellow) }
        if errors + fatal > 0 { text("\(errors + fatal) check(s) raised errors.\(hint)", .red) }
        if skipped > 0 { text("\(skipped) check(s) were skipped due to errors from other checks.\(hint)", .yellow) }
        switch format {
        case .json:
            let sorted = checks.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
            let document: JSONObject = ["additional_info": .object(additionalInfo), "checks": .object(JSONObject(sorted.map { ($0.id, $0.value) }))]
            output.write(JSONValue.object(document).jsonString)
        case .jsonStream:
            var object: JSONObject = ["kind": .string("additional_info")]
            for (key, value) in additionalInfo { object[key] = value }
            emit(.object(object))
        case .text:
            break
        }
        output.write("\n")
    }

    // MARK: Output

    public enum Color: String, Sendable {
        case green = "32"
        case yellow = "33"
        case red = "31"
    }

    private func text(_ line: String, _ color: Color?) {
        guard format == .text else { return }
        if self.color, let color {
            write("\u{1B}[\(color.rawValue)m\(line)\u{1B}[0m")
        } else {
            write(line)
        }
    }

    /// A failure's message, indented; with `--verbose` its causes too.
    private func lines(_ message: CheckMessage, _ color: Color) {
        for line in message.message.split(separator: "\n", omittingEmptySubsequences: false) { text("    \(line)", color) }
        guard verbose else { return }
        for cause in message.causes {
            for (index, line) in cause.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                text((index == 0 ? "        caused by: " : "                   ") + line, color)
            }
        }
    }

    private func write(_ line: String) {
        output.write(line + "\n")
    }

    /// One JSON-stream object per line, flushed so a reader sees each check as it finishes.
    private func emit(_ value: JSONValue) {
        output.write(value.jsonString + "\n")
    }
}
