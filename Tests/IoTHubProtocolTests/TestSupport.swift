import Foundation

/// A deterministic random number generator (SplitMix64) so property-style tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Fixtures {
    /// Loads `Fixtures/<name>` from the test bundle.
    static func data(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try Data(contentsOf: url)
    }
}

/// Characters IoT Hub allows in device and module ids besides ASCII letters and digits.
let idPunctuation: [Character] = ["-", ".", ":", "%", "_", "*", "?", "!", "(", ")", ",", "=", "@", ";", "$", "'"]

extension RandomNumberGenerator {
    /// A random IoT Hub-valid id of 1...24 characters.
    mutating func iotHubId() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") + idPunctuation
        let length = Int.random(in: 1...24, using: &self)
        return String((0..<length).map { _ in alphabet.randomElement(using: &self)! })
    }

    /// A random string mixing ASCII, reserved characters, whitespace and non-ASCII scalars.
    mutating func anyText(maxLength: Int = 16, allowEmpty: Bool = true) -> String {
        let pool: [Character] = Array("abcXYZ019 -._~!*'();:@&=+$,/?#[]%\"<>\\^`{|}\t\n") + ["é", "ü", "日", "本", "😀", "\u{0}", "\u{7F}"]
        let length = Int.random(in: (allowEmpty ? 0 : 1)...maxLength, using: &self)
        return String((0..<length).map { _ in pool.randomElement(using: &self)! })
    }
}
