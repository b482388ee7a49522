/// A failure of an `iotedge` command: what failed, then why, outermost first. Printed as the message and one
/// `\tcaused by: …` line per cause on standard error, with exit status 1 (as the reference prints its error chain).
struct IotedgeError: Error, CustomStringConvertible {
    var message: String
    var causes: [String]

    init(_ message: String, causes: [String] = []) {
        self.message = message
        self.causes = causes
    }

    /// `message`, caused by `error` (whose own chain follows when it is an ``IotedgeError``).
    init(_ message: String, cause error: any Error) {
        self.message = message
        if let inner = error as? IotedgeError {
            causes = [inner.message] + inner.causes
        } else {
            causes = ["\(error)"]
        }
    }

    /// The text printed on standard error.
    var chain: String {
        ([message] + causes.map { "\tcaused by: \($0)" }).joined(separator: "\n")
    }

    var description: String { chain }
}
