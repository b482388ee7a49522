import Foundation
public import NIOSSL

/// A CA, a server certificate for localhost/127.0.0.1 and a client certificate (CN=client1) made by
/// `scripts/make-test-pki.sh`, plus a self-signed "rogue" client certificate from no known CA.
public struct TestPKI: Sendable {
    public let directory: String

    public var caPEM: String { directory + "/ca.pem" }
    public var serverChainPEM: String { directory + "/server-chain.pem" }
    public var serverKey: String { directory + "/server.key" }
    public var clientPEM: String { directory + "/client1.pem" }
    public var clientKey: String { directory + "/client1.key" }
    public var roguePEM: String { directory + "/rogue.pem" }
    public var rogueKey: String { directory + "/rogue.key" }

    /// One PKI per test process (RSA key generation is slow); removed when the process exits.
    public static func shared() throws -> TestPKI { try cached.get() }

    private static let cached: Result<TestPKI, TestFailure> = {
        do {
            let pki = try make()
            if ProcessInfo.processInfo.environment["TEST_PKI_DIR"] != pki.directory {
                atexit {
                    if case .success(let pki) = TestPKI.cached { try? FileManager.default.removeItem(atPath: pki.directory) }
                }
            }
            return .success(pki)
        } catch {
            return .failure(TestFailure("\(error)"))
        }
    }()

    private static func make() throws(TestFailure) -> TestPKI {
        // scripts/test.sh makes one PKI before the tests start: generating it here blocks a thread of the small
        // cooperative pool for seconds, which starves timing-sensitive tests running in parallel.
        if let prepared = ProcessInfo.processInfo.environment["TEST_PKI_DIR"],
            FileManager.default.fileExists(atPath: prepared + "/rogue.pem")
        {
            return TestPKI(directory: prepared)
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mqtt-tests-pki-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
            .path
        let script = projectRoot().appendingPathComponent("scripts/make-test-pki.sh").path
        try runTool("/bin/bash", [script, directory])
        // Brokers started as root may drop to another user: let them read the files.
        _ = try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        return TestPKI(directory: directory)
    }

    private static func runTool(_ executable: String, _ arguments: [String]) throws(TestFailure) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw TestFailure("cannot run \(executable): \(error)")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }
}

/// The common name of a certificate's subject.
public func commonName(of certificate: NIOSSLCertificate) -> String? {
    certificate.subjectName.last { $0.type == .commonName }?.value
}
