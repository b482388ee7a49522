import HubEmulatorTestSupport
import NIOHTTP1
import _CryptoExtras
import Crypto
import Foundation
@testable import IdentityService
import IoTHubProtocol
import MQTTTestSupport
import SwiftASN1
import Testing
import X509

@Suite("identityd's cloud protocol pieces: SAS tokens, URLs, keyd-held keys, failure classification")
struct CloudProtocolTests {
    @Test("SAS tokens for DPS and Hub: lower-cased audience, path encoding, form-encoded signature, skn for DPS, 30 s")
    func sasTokens() async throws {
        let key: [UInt8] = Array(repeating: 7, count: 32)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let dps = try await CloudSASToken.make(audience: .registration(scopeId: "0ne00ABC", registrationId: "My Device=1"), now: now) { message in
            hmacSHA256(key: key, String(decoding: message, as: UTF8.self))
        }
        let expectedResource = "0ne00abc/registrations/my%20device%3D1"
        let signature = Data(hmacSHA256(key: key, "\(expectedResource)\n1700000030")).base64EncodedString()
        let encodedSignature = signature.replacingOccurrences(of: "+", with: "%2B").replacingOccurrences(of: "/", with: "%2F").replacingOccurrences(of: "=", with: "%3D")
        #expect(dps == "SharedAccessSignature sr=\(expectedResource)&sig=\(encodedSignature)&se=1700000030&skn=registration")
        // Our own SAS parser (as IoT Hub checks tokens) accepts it.
        let parsed = try SharedAccessSignature(parsing: dps)
        #expect(parsed.keyName == "registration")
        #expect(parsed.signature == signature)

        let hub = try await CloudSASToken.make(audience: .hub(hostname: "Hub.Azure-Devices.net", deviceId: "Dev1"), now: now) { message in
            hmacSHA256(key: key, String(decoding: message, as: UTF8.self))
        }
        #expect(hub.hasPrefix("SharedAccessSignature sr=hub.azure-devices.net/devices/dev1&sig="))
        #expect(!hub.contains("skn="))
        #expect(try SharedAccessSignature(parsing: hub).isSignatureValid(keyBytes: key))
    }

    @Test("the path encoding set: controls, non-ASCII, space \" # < > ? ` { } and =; not / or %")
    func pathEncoding() {
        #expect(CloudSASToken.pathSegmentEncode("a b\"#<>?`{}=/%é\u{1}") == "a%20b%22%23%3C%3E%3F%60%7B%7D%3D/%%C3%A9%01")
        #expect(CloudSASToken.formEncode("a+b/c=d e*-._") == "a%2Bb%2Fc%3Dd+e*-._")
    }

    @Test("Hub module URLs: gateway host, port only when not 443, encoded ids, api-version")
    func hubURLs() {
        let device = ProvisionedDevice(hubName: "hub", gatewayHost: "parent", deviceId: "dev 1", credentials: .sharedPrivateKey(keyId: "k"))
        let http = CloudHTTPClient(options: CloudClientOptions(), timeout: .seconds(70), retries: 1, logger: makeTestLogger(label: "t"))
        let client = HubModuleClient(http: http, device: device, keys: InTestKeyStore(), port: 443)
        #expect(client.url(moduleId: nil) == "https://parent/devices/dev%201/modules?api-version=2017-11-08-preview")
        #expect(client.url(moduleId: "m=1") == "https://parent/devices/dev%201/modules/m%3D1?api-version=2017-11-08-preview")
        let emulator = HubModuleClient(http: http, device: device, keys: InTestKeyStore(), port: 8443)
        #expect(emulator.url(moduleId: "m") == "https://parent:8443/devices/dev%201/modules/m?api-version=2017-11-08-preview")
        #expect(IdentityService.normalizedURL("HTTPS://Global.Azure-Devices-Provisioning.net") == "https://global.azure-devices-provisioning.net/")
        #expect(IdentityService.normalizedURL("https://localhost:8443/x") == "https://localhost:8443/x")
    }

    @Test("keyd-held EC and RSA keys sign what swift-crypto verifies: ECDSA, PKCS#1 v1.5 and PSS (padded here)")
    func keydSignatures() async throws {
        let keys = InTestKeyStore()
        let data = Array("the bytes TLS signs".utf8)

        let ecHandle = try await keys.createKeyPairIfNotExists(id: "ec", preferredAlgorithms: "ec-p256:*")
        let ec = try await KeydKeyPair.load(handle: ecHandle, keys: keys)
        #expect(ec.kind == .p256)
        let ecSignature = try await ec.sign(data, hash: .sha256, pss: false)
        let ecPublic = try #require(P256.Signing.PublicKey(ec.publicKey))
        #expect(ecPublic.isValidSignature(try P256.Signing.ECDSASignature(derRepresentation: ecSignature), for: data))

        let rsaHandle = try await keys.createKeyPairIfNotExists(id: "rsa", preferredAlgorithms: "rsa-2048:*")
        let rsa = try await KeydKeyPair.load(handle: rsaHandle, keys: keys)
        #expect(rsa.kind == .rsa(modulusBits: 2048))
        let rsaPublic = try #require(_RSA.Signing.PublicKey(rsa.publicKey))
        let pkcs1 = try await rsa.sign(data, hash: .sha256, pss: false)
        #expect(rsaPublic.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: pkcs1), for: data, padding: .insecurePKCS1v1_5))
        let pss = try await rsa.sign(data, hash: .sha256, pss: true)
        #expect(rsaPublic.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: pss), for: data, padding: .PSS))
        #expect(!rsaPublic.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: pss), for: Array("other".utf8), padding: .PSS))
        #expect(keys.operations.contains("encryptRSA") && keys.operations.contains("signECDSA"))
    }

    @Test("a CSR signed through keyd verifies with its own public key (as certd checks it)")
    func csrThroughKeyd() async throws {
        let keys = InTestKeyStore()
        for algorithm in ["rsa-2048:*", "ec-p256"] {
            let handle = try await keys.createKeyPairIfNotExists(id: algorithm, preferredAlgorithms: algorithm)
            let key = try await KeydKeyPair.load(handle: handle, keys: keys)
            let csr = try await CertificateSigningRequest(
                version: .v1, subject: try DistinguishedName { CommonName("reg1") }, asyncPrivateKey: Certificate.PrivateKey(key),
                attributes: CertificateSigningRequest.Attributes(), signatureAlgorithm: key.defaultSignatureAlgorithm)
            let reparsed = try CertificateSigningRequest(pemEncoded: try csr.serializeAsPEM().pemString)
            #expect(reparsed.publicKey.isValidSignature(reparsed.signature, for: reparsed))
            #expect(reparsed.publicKey == key.publicKey)
        }
    }

    @Test("a service that cannot be reached is a network error, after cloud_retries more attempts")
    func networkErrors() async throws {
        let port = try await freePort()
        let http = CloudHTTPClient(
            options: CloudClientOptions(retryDelay: .milliseconds(10)), timeout: .seconds(70), retries: 2, logger: makeTestLogger(label: "t"))
        let clock = ContinuousClock()
        let started = clock.now
        let error = await thrownError { _ = try await http.send(.init(method: .GET, url: "https://127.0.0.1:\(port)/x")) }
        let cloud = try #require(error as? CloudError)
        #expect(cloud.isNetwork, "\(cloud)")
        // Three attempts, two pauses: the client did not give up at the first refusal.
        #expect(clock.now - started >= .milliseconds(20))
        let invalid = await thrownError { _ = try await http.send(.init(method: .GET, url: "not a url")) }
        #expect((invalid as? CloudError)?.isNetwork == false)
    }

    @Test("Hub error bodies: networkError or 500 are network errors, others keep their status")
    func hubErrorClassification() throws {
        let body500 = try JSONDecoder().decode(HubErrorBody.self, from: Data(#"{"Message":"parent offline"}"#.utf8))
        #expect(body500.message == "parent offline")
        let nested = try JSONDecoder().decode(HubErrorBody.self, from: Data(#"{"errorMessage":"x","networkError":true}"#.utf8))
        #expect(nested.message == "x" && nested.networkError == true)
        #expect(IdentityServiceError.hubClient(CloudError(.network, "x")).isNetwork)
        #expect(!IdentityServiceError.hubClient(CloudError(.service(status: 401), "x")).isNetwork)
        #expect(IdentityServiceError.hubClient(CloudError(.service(status: 401), "bad token")).message == "Hub client error\ncaused by: bad token")
        #expect(IdentityServiceError.hubClient(CloudError(.network, "x")).status == .notFound)
        #expect(IdentityServiceError.moduleNotFound.status == .badRequest)
        #expect(IdentityServiceError.internal("secret").message == "internal error")
    }

    @Test("proxy settings from HTTPS_PROXY, with credentials; emulator settings from the environment")
    func environment() {
        let options = CloudClientOptions.from(environment: [
            "HTTPS_PROXY": "http://user:p%40ss@proxy.local:3128", "AZIOT_IDENTITYD_TRUSTED_CA": "/a.pem:/b.pem", "AZIOT_IDENTITYD_HUB_PORT": "8443",
        ])
        #expect(options.proxy == CloudClientOptions.Proxy(parsing: "http://user:p%40ss@proxy.local:3128"))
        #expect(options.proxy?.password == "p@ss" && options.proxy?.port == 3128 && options.proxy?.host == "proxy.local")
        #expect(options.additionalTrustedCAFiles == ["/a.pem", "/b.pem"])
        #expect(options.hubPort == 8443)
        let defaults = CloudClientOptions.from(environment: [:])
        #expect(defaults.hubPort == 443 && defaults.proxy == nil && defaults.additionalTrustedCAFiles.isEmpty)
        #expect(defaults.retryDelay == .seconds(3) && defaults.dpsPollInterval == .seconds(5))
    }
}
