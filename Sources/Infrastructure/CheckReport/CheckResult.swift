public import IoTHubProtocol

/// What went wrong in a check: a message that says what is wrong and how to fix it (shown in text output), and
/// lower-level causes (shown with `--verbose`, and as the further `details` in JSON).
public struct CheckMessage: Sendable, Equatable {
    public var message: String
    public var causes: [String]

    public init(_ message: String, causes: [String] = []) {
        self.message = message
        self.causes = causes
    }

    /// `details` in JSON: the message first, then its causes (the reference's error chain order).
    public var details: [String] { [message] + causes }
}

/// How a check resolved, as the reference names the kinds.
public enum CheckResult: Sendable, Equatable {
    /// The check passed.
    case ok
    /// A problem that does not stop the device from working, or not yet (`‼`).
    case warning(CheckMessage)
    /// The check does not apply here (dont-run, or nothing to check); counts as success. A note says why when
    /// the reason is not obvious (e.g. aziot-version without `--expected-aziot-version`).
    case ignored(note: String?)
    /// The check could not run because an earlier one failed (e.g. certs-read when certd is not running).
    case skipped
    /// The check failed; the others still run (`×`).
    case error(CheckMessage)
    /// The check failed so badly that nothing after it can be trusted: checking stops (`×`).
    case fatal(CheckMessage)

    /// The `result` tag in JSON.
    public var kind: String {
        switch self {
        case .ok: "ok"
        case .warning: "warning"
        case .ignored: "ignored"
        case .skipped: "skipped"
        case .error: "error"
        case .fatal: "fatal"
        }
    }

    public var message: CheckMessage? {
        switch self {
        case .warning(let message), .error(let message), .fatal(let message): message
        case .ok, .ignored, .skipped: nil
        }
    }

    /// The JSON object the reference's `CheckResultSerializable` produces: `{"result": kind, "details"?: [...]}`.
    public var json: JSONValue {
        var object: JSONObject = ["result": .string(kind)]
        if let message { object["details"] = .array(message.details.map { .string($0) }) }
        return .object(object)
    }
}

/// A check's result and the facts it gathered (the reference serializes each checker's fields as
/// `additional_info`).
public struct CheckOutcome: Sendable {
    public var result: CheckResult
    public var info: JSONObject
    /// What the check did, shown under an OK line in text output (e.g. "the image is present locally; not pulled").
    public var note: String?

    public init(_ result: CheckResult, info: JSONObject = [:]) {
        self.result = result
        self.info = info
    }

    public static let ok = CheckOutcome(.ok)

    public static func ok(note: String?, info: JSONObject = [:]) -> CheckOutcome {
        var outcome = CheckOutcome(.ok, info: info)
        outcome.note = note
        return outcome
    }
    public static let skipped = CheckOutcome(.skipped)

    public static func ignored(_ note: String? = nil, info: JSONObject = [:]) -> CheckOutcome {
        var info = info
        if let note { info["note"] = .string(note) }
        return CheckOutcome(.ignored(note: note), info: info)
    }

    public static func warning(_ message: String, causes: [String] = [], info: JSONObject = [:]) -> CheckOutcome {
        CheckOutcome(.warning(CheckMessage(message, causes: causes)), info: info)
    }

    public static func error(_ message: String, causes: [String] = [], info: JSONObject = [:]) -> CheckOutcome {
        CheckOutcome(.error(CheckMessage(message, causes: causes)), info: info)
    }

    public static func fatal(_ message: String, causes: [String] = [], info: JSONObject = [:]) -> CheckOutcome {
        CheckOutcome(.fatal(CheckMessage(message, causes: causes)), info: info)
    }
}
