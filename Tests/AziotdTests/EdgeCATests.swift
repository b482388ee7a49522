import AziotClients
import AziotConfig
import CertService
import Foundation
import Logging
import MQTTTestSupport
import NIOHTTP1
import Testing
import X509

@Suite("Edge CA quickstart through real keyd and certd processes")
struct EdgeCATests {
    static let certdIssuance = """
        [cert_issuance]
        aziot-edged-ca = { method = "self_signed", expiry_days = 90 }
        aziot-edged-ca-temp = { method = "self_signed", expiry_days = 90 }
        """

    @Test("created once (90 days, CA:TRUE pathlen 0, RSA-2048), kept while valid, renewed with a new key when due")
    func quickstartAndRenewal() async throws {
        let device = try AziotDevice()
        defer { Task { await device.shutdown() } }
        try device.writeKeydConfig()
        try device.writeCertdConfig(Self.certdIssuance)
        try await device.start("keyd")
        try await device.start("certd")
        let logger = Logger(label: "edge-ca") { _ in SwiftLogNoOpLogHandler() }
        let edgeCA = try EdgeCA(deviceId: "my-device", keys: device.keyClient, certs: device.certClient, logger: logger)

        let (created, changed) = try await edgeCA.ensure()
        #expect(changed)
        let lifetime = created.certificate.notValidAfter.timeIntervalSince(created.certificate.notValidBefore)
        #expect(abs(lifetime - 90 * 86_400) < 5)
        try device.write("\(device.root)/ca.pem", created.chainPEM)
        let text = try await openssl(["x509", "-in", "\(device.root)/ca.pem", "-noout", "-text"])
        #expect(text.contains("Subject: CN = aziot-edge CA my-device"))
        #expect(text.contains("Issuer: CN = aziot-edge CA my-device"))
        #expect(text.contains("CA:TRUE, pathlen:0"))
        #expect(text.contains("Digital Signature, Certificate Sign"))
        #expect(text.contains("Public-Key: (2048 bit)"))
        #expect(try await openssl(["verify", "-CAfile", "\(device.root)/ca.pem", "\(device.root)/ca.pem"]).contains("OK"))
        // 80% of 90 days from now.
        let due = edgeCA.nextRenewal(of: created.certificate).timeIntervalSince(created.certificate.notValidBefore)
        #expect(abs(due - 72 * 86_400) < 5)

        let (kept, changedAgain) = try await edgeCA.ensure()
        #expect(!changedAgain)
        #expect(kept.chainPEM == created.chainPEM)

        // A policy under which the CA is already due: renewal issues a new certificate for a new key.
        var dueNow = edgeCA
        dueNow.renewal = AutoRenewConfig(rotateKey: true, threshold: .time(seconds: 91 * 86_400))
        let (renewed, renewedChanged) = try await dueNow.ensure()
        #expect(renewedChanged)
        #expect(renewed.certificate.serialNumber != created.certificate.serialNumber)
        #expect(renewed.certificate.publicKey != created.certificate.publicKey)
        #expect(try await device.certClient.getCertificate(id: "aziot-edged-ca") == renewed.chainPEM)
        // The temporary certificate is gone and the temporary key was moved over the real one.
        let tempCert = await failureStatus { _ = try await device.certClient.getCertificate(id: "aziot-edged-ca-temp") }
        #expect(tempCert == 400)
        let tempKey = await failureStatus { _ = try await device.keyClient.loadKeyPair(id: "aziot-edged-ca-temp") }
        #expect(tempKey == 400)
        let current = try await KeydPrivateKey.load(handle: try await device.keyClient.loadKeyPair(id: "aziot-edged-ca"), client: device.keyClient)
        #expect(current.publicKey == renewed.certificate.publicKey)
        try device.write("\(device.root)/renewed.pem", renewed.chainPEM)
        #expect(try await openssl(["verify", "-CAfile", "\(device.root)/renewed.pem", "\(device.root)/renewed.pem"]).contains("OK"))
    }
}

/// The HTTP status of the client error `body` throws, or nil.
func failureStatus(_ body: () async throws -> Void) async -> UInt? {
    do {
        try await body()
        return nil
    } catch let error as KeyClientError {
        return error.status.code
    } catch let error as CertClientError {
        return error.status.code
    } catch {
        return 0
    }
}
