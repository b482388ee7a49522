import Foundation

/// Builds SubjectPublicKeyInfo PEMs from keyd's `/parameters` values, independently of the service, for openssl.
enum PublicKeyPEM {
    static func ec(curveOIDDER: Data, point: Data) -> String {
        let algorithm = der(0x30, Data([0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]) + curveOIDDER)
        return pem(der(0x30, algorithm + der(0x03, Data([0x00]) + point)))
    }

    static func rsa(modulus: Data, exponent: Data) -> String {
        let algorithm = der(0x30, Data([0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00]))
        let publicKey = der(0x30, integer(modulus) + integer(exponent))
        return pem(der(0x30, algorithm + der(0x03, Data([0x00]) + publicKey)))
    }

    static func integer(_ bigEndian: Data) -> Data {
        var bytes = Data(bigEndian.drop { $0 == 0 })
        if bytes.isEmpty || bytes.first! & 0x80 != 0 { bytes.insert(0, at: 0) }
        return der(0x02, bytes)
    }

    static func der(_ tag: UInt8, _ content: Data) -> Data {
        var length = Data()
        if content.count < 0x80 {
            length.append(UInt8(content.count))
        } else {
            var count = content.count
            var bytes: [UInt8] = []
            while count > 0 {
                bytes.insert(UInt8(count & 0xFF), at: 0)
                count >>= 8
            }
            length.append(0x80 | UInt8(bytes.count))
            length.append(contentsOf: bytes)
        }
        return Data([tag]) + length + content
    }

    static func pem(_ der: Data) -> String {
        let base64 = der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN PUBLIC KEY-----\n\(base64)\n-----END PUBLIC KEY-----\n"
    }
}
