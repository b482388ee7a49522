import Crypto
import Foundation

/// A digest the caller computed (keyd's ECDSA signs a digest it is handed, of any length; the curve code truncates
/// digests longer than the group order). swift-crypto's ECDSA signs the bytes of any `Digest`.
struct RawDigest: Digest {
    let bytes: [UInt8]

    /// Not used by signing (which reads the bytes); a `Digest` must name one.
    static var byteCount: Int { 32 }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes(body)
    }

    func makeIterator() -> IndexingIterator<[UInt8]> { bytes.makeIterator() }

    var description: String { "RawDigest(\(bytes.count) bytes)" }
}
