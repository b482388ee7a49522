import DockerClient
import EdgeDaemon
import EdgeTestSupport
import Foundation
import IoTHubProtocol
import MQTTTestSupport
import Testing

@Suite("Image pull with registry credentials (§4.3)")
struct RegistryAuthTests {
    /// A stand-in registry on 127.0.0.1 that wants basic authentication and knows no image: it records the
    /// `Authorization` header of every request Docker makes.
    static let registry = #"""
        import http.server, sys
        port, log = int(sys.argv[1]), sys.argv[2]
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with open(log, "a") as f:
                    f.write(f"{self.command} {self.path} {self.headers.get('Authorization', '-')}\n")
                if self.headers.get("Authorization") is None:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="test"')
                    self.send_header("Docker-Distribution-API-Version", "registry/2.0")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}' if self.path != "/v2/" else b"{}"
                self.send_response(404 if self.path != "/v2/" else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Docker-Distribution-API-Version", "registry/2.0")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            do_HEAD = do_GET
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
        """#

    @Test("the module's settings.auth reaches the registry through X-Registry-Auth; the pull failure is the create answer")
    func credentials() async throws {
        try await withEdgeDevice { device in
            let port = try await freePort()
            try Self.registry.write(toFile: "\(device.root)/registry.py", atomically: true, encoding: .utf8)
            let log = "\(device.root)/registry.log"
            let registry = try ChildProcess("python3", ["\(device.root)/registry.py", String(port), log])
            defer { registry.terminate() }
            #expect(await eventually { await canConnect(port: port) })

            try device.writeEdgedConfig()
            try await device.startEdged()
            _ = try await device.waitForAgentRunning()
            let name = device.moduleName("private")
            let image = "localhost:\(port)/private/app:1"
            let spec = #"{"name":"\#(name)","type":"docker","config":{"settings":{"image":"\#(image)","auth":{"username":"user","password":"secret","serveraddress":"localhost:\#(port)"}}}}"#
            let answer = try await device.asAgent("POST", "/modules?api-version=2020-07-07", json: spec)
            #expect(answer.status >= 400)
            let message = try json(answer.body)["message"]?.stringValue ?? ""
            #expect(message.hasPrefix("could not pull image \(image)"), "\(answer.status) \(answer.body)")
            let requests = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let expected = "Basic " + Data("user:secret".utf8).base64EncodedString()
            #expect(requests.contains("/v2/private/app/manifests/1 \(expected)"), "\(requests)")
            #expect((try? await device.docker.inspectContainer(name)) == nil)
        }
    }
}
