import Foundation
import MQTTTestSupport

/// A minimal HTTP CONNECT proxy (python3, in a child process) on a free port of 127.0.0.1: it prints each request's
/// head to its standard output and relays the bytes both ways.
struct ConnectProxy {
    let process: ChildProcess
    let port: Int

    static let script = #"""
        import socket, sys, threading
        def relay(a, b):
            try:
                while True:
                    data = a.recv(65536)
                    if not data: break
                    b.sendall(data)
            except OSError: pass
            finally:
                for s in (a, b):
                    try: s.shutdown(socket.SHUT_RDWR)
                    except OSError: pass
        def handle(client):
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk: return
                head += chunk
            print(head.decode(errors="replace").replace("\r\n", " | "), flush=True)
            target = head.split(b" ")[1].decode()
            host, port = target.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)))
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            threading.Thread(target=relay, args=(client, upstream), daemon=True).start()
            relay(upstream, client)
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", int(sys.argv[1])))
        server.listen(16)
        print("listening", flush=True)
        while True:
            conn, _ = server.accept()
            threading.Thread(target=handle, args=(conn,), daemon=True).start()
        """#

    static func start(directory: String) async throws -> ConnectProxy {
        let path = "\(directory)/connect-proxy.py"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        for _ in 0..<5 {
            let port = try await freePort()
            let child = try ChildProcess("/usr/bin/python3", [path, String(port)])
            let ready = await eventually(timeout: .seconds(15)) { !child.isRunning || child.stdout.contains("listening") }
            if ready, child.isRunning { return ConnectProxy(process: child, port: port) }
            child.terminate()
        }
        throw TestFailure("the CONNECT proxy did not start")
    }

    var log: String { process.stdout }

    func stop() async {
        process.terminate()
        _ = try? await process.waitForExit(timeout: .seconds(10))
    }
}
