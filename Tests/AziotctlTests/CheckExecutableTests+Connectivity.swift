import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MQTTTestSupport
import Testing

/// `aziotctl check`'s connectivity checks and `check-list`.
extension CheckExecutableTests {
    @Test("connectivity: DPS endpoint and hub from identityd's identity; refused, untrusted and silent servers fail with the fix; HTTP proxy")
    func connectivity() async throws {
        let device = try CheckDevice()
        defer { device.shutdown() }
        let pki = try await device.makeServerPKI()
        let tlsPort = try await device.startTLSServer(cert: pki.cert, key: pki.key)
        try device.writeIdentityd(provisioning: """
            [provisioning]
            source = "dps"
            global_endpoint = "https://localhost:\(tlsPort)/"
            scope_id = "0ne00000000"

            [provisioning.attestation]
            method = "symmetric_key"
            registration_id = "dev-1"
            symmetric_key = "device-id"
            """)
        try await device.startIdentityd(hub: "localhost")
        let connectivity = ["host-connect-iothub-amqp", "host-connect-iothub-https", "host-connect-iothub-mqtt", "host-connect-dps-endpoint"]
        let only = ["--dont-run", ReferenceCheckIDs.all.filter { !connectivity.contains($0) && $0 != "identityd-config-well-formed" }.joined(separator: " ")]
        let ports = ["AZIOTCTL_IOTHUB_AMQP_PORT": "\(tlsPort)", "AZIOTCTL_IOTHUB_HTTPS_PORT": "\(tlsPort)", "AZIOTCTL_IOTHUB_MQTT_PORT": "\(tlsPort)"]
        let (status, passing) = try await device.checkJSON(only, extra: ports.merging(["SSL_CERT_FILE": pki.ca]) { $1 })
        for id in connectivity { #expect(passing.result(id) == "ok", "\(id): \(passing.details(id))") }
        #expect(status == 0)
        #expect(passing.info("host-connect-dps-endpoint")["dps_hostname"] as? String == "localhost")
        #expect(passing.info("host-connect-iothub-https")["iothub_hostname"] as? String == "localhost")

        // A closed port, an untrusted certificate (no SSL_CERT_FILE), a listener that never answers the handshake.
        let closed = try await freePort()
        let silent = try SilentListener()
        defer { silent.close() }
        let failing = ["AZIOTCTL_IOTHUB_AMQP_PORT": "\(closed)", "AZIOTCTL_IOTHUB_HTTPS_PORT": "\(tlsPort)", "AZIOTCTL_IOTHUB_MQTT_PORT": "\(silent.port)",
                       "AZIOTCTL_CONNECT_TIMEOUT_SEC": "3"]
        let (failStatus, failed) = try await device.checkJSON(only, extra: failing)
        #expect(failStatus == 1)
        #expect(failed.result("host-connect-iothub-amqp") == "error")
        #expect(failed.details("host-connect-iothub-amqp").contains("Could not connect to localhost : could not connect to localhost:\(closed)"))
        #expect(failed.details("host-connect-iothub-amqp").contains("allowed by the firewall"))
        #expect(failed.result("host-connect-iothub-https") == "error")
        #expect(failed.details("host-connect-iothub-https").contains("could not complete TLS handshake"))
        #expect(failed.details("host-connect-iothub-https").contains("update-ca-certificates"))
        #expect(failed.result("host-connect-iothub-mqtt") == "error")
        #expect(failed.details("host-connect-iothub-mqtt").contains("Failed to do TLS Handshake, Connection Attempt Timed out in 3 Seconds"))
        #expect(failed.result("host-connect-dps-endpoint") == "error")

        // Through an HTTP proxy: HTTPS and DPS use it, AMQP and MQTT do not; a proxy that refuses CONNECT fails HTTPS.
        let proxy = try ConnectProxy()
        defer { proxy.stop() }
        let proxied = ports.merging(["SSL_CERT_FILE": pki.ca, "AZIOTCTL_IOTHUB_AMQP_PORT": "\(closed)"]) { $1 }
        let (_, viaProxy) = try await device.checkJSON(only + ["--proxy-uri", "http://127.0.0.1:\(proxy.port)"], extra: proxied)
        #expect(viaProxy.result("host-connect-iothub-https") == "ok", "\(viaProxy.details("host-connect-iothub-https"))")
        #expect(viaProxy.result("host-connect-dps-endpoint") == "ok", "\(viaProxy.details("host-connect-dps-endpoint"))")
        #expect(viaProxy.result("host-connect-iothub-amqp") == "error")
        #expect(viaProxy.info("host-connect-iothub-https")["proxy"] as? String == "http://127.0.0.1:\(proxy.port)")
        #expect(proxy.targets.sorted() == ["localhost:\(tlsPort)", "localhost:\(tlsPort)"])
        let refusing = try ConnectProxy(status: 407)
        defer { refusing.stop() }
        let (_, refused) = try await device.checkJSON(only + ["--proxy-uri", "127.0.0.1:\(refusing.port)"], extra: proxied)
        #expect(refused.result("host-connect-iothub-https") == "error")
        #expect(refused.details("host-connect-iothub-https").contains("the proxy refused CONNECT localhost:\(tlsPort): HTTP/1.1 407 Refused"))

        // --iothub-hostname wins over identityd.
        let (_, named) = try await device.checkJSON(only + ["--iothub-hostname", "127.0.0.1"], extra: ports.merging(["SSL_CERT_FILE": pki.ca]) { $1 })
        #expect(named.result("host-connect-iothub-mqtt") == "ok", "\(named.details("host-connect-iothub-mqtt"))")
        #expect(named.info("host-connect-iothub-mqtt")["iothub_hostname"] as? String == "127.0.0.1")
    }

    @Test("check-list: the 24 ids by section as JSON, and a text table")
    func checkList() async throws {
        let device = try CheckDevice()
        defer { device.shutdown() }
        let json = try await device.aziotctl(["check-list", "-o", "json"])
        #expect(json.status == 0)
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: [[String: String]]] ?? [:]
        #expect(document.keys.sorted() == ["Configuration checks", "Connectivity checks"])
        #expect(document["Configuration checks"]?.compactMap { $0["id"] } == Array(ReferenceCheckIDs.all.prefix(20)))
        #expect(document["Connectivity checks"]?.compactMap { $0["id"] } == Array(ReferenceCheckIDs.all.suffix(4)))
        #expect(document["Connectivity checks"]?.first?["description"] == "host can connect to and perform TLS handshake with iothub AMQP port")
        let text = try await device.aziotctl(["check-list"])
        #expect(text.stdout.hasPrefix("CATEGORY             ID                                            DESCRIPTION\n\n"))
        #expect(text.stdout.contains("Connectivity checks  host-connect-dps-endpoint                     host can connect to and perform TLS handshake with DPS endpoint\n"))
    }
}

/// The reference's check ids in order, written out independently of the implementation.
enum ReferenceCheckIDs {
    static let all = [
        "keyd-config-well-formed", "certd-config-well-formed", "tpmd-config-well-formed", "identityd-config-well-formed", "configs-up-to-date",
        "hostname", "aziot-version", "host-local-time", "identity-certificate-expiry", "est-identity-and-bootstrap-certificate-expiry",
        "local-ca-certificate-expiry", "certs-preloaded", "keyd-running", "certd-running", "tpmd-running", "identityd-running", "certs-read",
        "key-pairs-read", "est-server-https", "certs-match-private-keys",
        "host-connect-iothub-amqp", "host-connect-iothub-https", "host-connect-iothub-mqtt", "host-connect-dps-endpoint",
    ]
}

/// A TCP listener on 127.0.0.1 that never accepts: connections complete, but no TLS handshake ever answers.
final class SilentListener: @unchecked Sendable {
    let port: Int
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 16) == 0 else { throw TestFailure("cannot listen: \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(fd) }
}
