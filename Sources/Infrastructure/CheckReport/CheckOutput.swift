import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a check report's text goes: standard output (flushed after each piece, so a reader of the JSON stream sees
/// every check as it finishes) or, in tests, a ``CheckOutputBuffer``.
public struct CheckOutput: Sendable {
    public let write: @Sendable (String) -> Void

    public init(_ write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    public static let standardOutput = CheckOutput { text in
        print(text, terminator: "")
        fflush(nil)
    }
}

/// Collects a report's text in memory.
public final class CheckOutputBuffer: Sendable {
    private let storage = Mutex("")

    public init() {}

    public var output: CheckOutput {
        CheckOutput { text in self.storage.withLock { $0 += text } }
    }

    public var text: String { storage.withLock { $0 } }
}
