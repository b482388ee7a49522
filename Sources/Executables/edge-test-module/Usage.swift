#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Usage errors: the message on stderr, exit status 2.
enum Usage {
    static func fail(_ message: String) -> Never {
        let bytes = Array((message + "\n").utf8)
        bytes.withUnsafeBufferPointer { _ = write(2, $0.baseAddress, $0.count) }
        exit(2)
    }
}

/// The version the module reports (the project's release).
enum TestModuleVersion {
    static let current = "1.6.0"
}
