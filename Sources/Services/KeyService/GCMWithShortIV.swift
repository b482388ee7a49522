import Crypto
import _CryptoExtras

/// AES-GCM (NIST SP 800-38D) for IVs shorter than 12 bytes, which OpenSSL (and so keyd) accepts but swift-crypto's
/// `AES.GCM.Nonce` refuses. Modules pass their own IVs through the workload API (a 10-byte `"0123456789"` is seen in
/// the wild), and their stored ciphertexts must keep decrypting.
///
/// Built on the AES block function; `J0 = IV ‖ 0³¹1` for 96-bit IVs, else `GHASH(IV ‖ 0-pad ‖ [len(IV)]₆₄)`.
/// Only used for short IVs: everything else goes through `AES.GCM` (the tests compare the two).
enum GCMWithShortIV {
    /// A 128-bit block as two big-endian halves.
    struct Block: Equatable {
        var high: UInt64
        var low: UInt64

        static let zero = Block(high: 0, low: 0)

        init(high: UInt64, low: UInt64) {
            self.high = high
            self.low = low
        }

        /// The first 16 bytes of `bytes` (zero-padded).
        init(_ bytes: ArraySlice<UInt8>) {
            var high: UInt64 = 0
            var low: UInt64 = 0
            for index in 0..<16 {
                let byte = UInt64(index < bytes.count ? bytes[bytes.startIndex + index] : 0)
                if index < 8 { high = high << 8 | byte } else { low = low << 8 | byte }
            }
            self.init(high: high, low: low)
        }

        var bytes: [UInt8] {
            (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        }

        static func ^ (lhs: Block, rhs: Block) -> Block { Block(high: lhs.high ^ rhs.high, low: lhs.low ^ rhs.low) }

        /// Multiplication in GF(2^128) with GCM's bit order (SP 800-38D, algorithm 1).
        static func * (x: Block, y: Block) -> Block {
            var z = Block.zero
            var v = y
            for bit in 0..<128 {
                let set = bit < 64 ? (x.high >> (63 - UInt64(bit))) & 1 : (x.low >> (127 - UInt64(bit))) & 1
                if set == 1 { z = z ^ v }
                let carry = v.low & 1
                v.low = v.low >> 1 | v.high << 63
                v.high >>= 1
                if carry == 1 { v.high ^= 0xE100_0000_0000_0000 }
            }
            return z
        }

        /// `inc32`: increments the low 32 bits, wrapping.
        var incremented: Block {
            Block(high: high, low: (low & 0xFFFF_FFFF_0000_0000) | ((low &+ 1) & 0xFFFF_FFFF))
        }
    }

    /// `(ciphertext, tag)`.
    static func seal(key: SymmetricKey, iv: [UInt8], aad: [UInt8], plaintext: [UInt8]) throws -> (ciphertext: [UInt8], tag: [UInt8]) {
        let (hashKey, j0) = try setup(key: key, iv: iv)
        let ciphertext = try counterMode(key: key, initialCounter: j0.incremented, input: plaintext)
        let tag = try encrypt(j0, key: key) ^ ghash(hashKey, aad: aad, ciphertext: ciphertext)
        return (ciphertext, tag.bytes)
    }

    /// The plaintext, or nil when the tag does not authenticate (compared in constant time).
    static func open(key: SymmetricKey, iv: [UInt8], aad: [UInt8], ciphertext: [UInt8], tag: [UInt8]) throws -> [UInt8]? {
        let (hashKey, j0) = try setup(key: key, iv: iv)
        let expected = (try encrypt(j0, key: key) ^ ghash(hashKey, aad: aad, ciphertext: ciphertext)).bytes
        guard tag.count == 16 else { return nil }
        var difference: UInt8 = 0
        for index in 0..<16 { difference |= expected[index] ^ tag[index] }
        guard difference == 0 else { return nil }
        return try counterMode(key: key, initialCounter: j0.incremented, input: ciphertext)
    }

    private static func setup(key: SymmetricKey, iv: [UInt8]) throws -> (hashKey: Block, j0: Block) {
        let hashKey = try encrypt(.zero, key: key)
        if iv.count == 12 { return (hashKey, Block(high: Block(iv[...]).high, low: Block(iv[...]).low | 1)) }
        var j0 = Block.zero
        var index = 0
        while index < iv.count {
            j0 = (j0 ^ Block(iv[index..<min(index + 16, iv.count)])) * hashKey
            index += 16
        }
        j0 = (j0 ^ Block(high: 0, low: UInt64(iv.count) * 8)) * hashKey
        return (hashKey, j0)
    }

    private static func ghash(_ hashKey: Block, aad: [UInt8], ciphertext: [UInt8]) -> Block {
        var state = Block.zero
        for data in [aad, ciphertext] {
            var index = 0
            while index < data.count {
                state = (state ^ Block(data[index..<min(index + 16, data.count)])) * hashKey
                index += 16
            }
        }
        return (state ^ Block(high: UInt64(aad.count) * 8, low: UInt64(ciphertext.count) * 8)) * hashKey
    }

    private static func counterMode(key: SymmetricKey, initialCounter: Block, input: [UInt8]) throws -> [UInt8] {
        var output = [UInt8]()
        output.reserveCapacity(input.count)
        var counter = initialCounter
        var index = 0
        while index < input.count {
            let keystream = try encrypt(counter, key: key).bytes
            for offset in 0..<min(16, input.count - index) { output.append(input[index + offset] ^ keystream[offset]) }
            counter = counter.incremented
            index += 16
        }
        return output
    }

    private static func encrypt(_ block: Block, key: SymmetricKey) throws -> Block {
        var bytes = block.bytes
        try AES.permute(&bytes, key: key)
        return Block(bytes[...])
    }
}
