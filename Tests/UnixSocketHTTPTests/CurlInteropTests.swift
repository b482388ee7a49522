import Foundation
import MQTTTestSupport
import Testing

@Suite("An independent client (curl) against the server")
struct CurlInteropTests {
    @Test func curlGetsJSONAndErrors() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let ok = try await ChildProcess.run(
            "curl",
            ["-sS", "--unix-socket", server.socketPath, "-w", "\n%{http_code}", "http://localhost/echo/curl%20test?api-version=2020-09-01"]
        )
        #expect(ok.status == 0, "\(ok.stderr)")
        let lines = ok.stdout.split(separator: "\n").map(String.init)
        #expect(lines.last == "200")
        let echo = try JSONDecoder().decode(TestServer.Echo.self, from: Data(try #require(lines.first).utf8))
        #expect(echo.name == "curl test")
        #expect(echo.uid == getuid())
        #expect(echo.pid != getpid())

        let missing = try await ChildProcess.run(
            "curl",
            ["-sS", "--unix-socket", server.socketPath, "-w", "\n%{http_code}", "-X", "POST", "http://localhost/echo/x"]
        )
        #expect(missing.stdout == "{\"message\":\"api-version not specified\"}\n400")
    }
}

extension CurlInteropTests {
    @Test func curlReusesAKeepAliveConnectionForTwoRequests() async throws {
        let server = try await TestServer.start(maxConnectionsPerUID: 1)
        defer { Task { await server.stop() } }
        let url = "http://localhost/echo/k?api-version=2020-09-01"
        let result = try await ChildProcess.run(
            "curl",
            ["-sS", "-v", "--unix-socket", server.socketPath, "-w", "\n%{http_code}\n", url, url]
        )
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.components(separatedBy: "\n200\n").count == 3, "\(result.stdout)")
        #expect(result.stderr.contains("Re-using existing connection") || result.stderr.contains("Reusing existing connection"), "\(result.stderr)")
    }
}
