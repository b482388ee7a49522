import Foundation
import Testing
import WorkloadAPI

@Suite("Strict standard base64 (the reference's decoder: canonical padding, no stray bits)")
struct StrictBase64Tests {
    @Test("RFC 4648 vectors round-trip, and agree with Foundation")
    func vectors() throws {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(StrictBase64.encode(Array(plain.utf8)) == encoded)
            #expect(try StrictBase64.decode(encoded) == Array(plain.utf8))
        }
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
        for length in [0, 1, 2, 3, 31, 32, 33, 299] {
            let slice = Array(bytes.prefix(length))
            #expect(StrictBase64.encode(slice) == Data(slice).base64EncodedString())
            #expect(try StrictBase64.decode(Data(slice).base64EncodedString()) == slice)
        }
    }

    @Test(
        "invalid input is refused with the reference decoder's message",
        arguments: [
            ("~", "Invalid symbol 126, offset 0."),
            ("Zm9v YmFy", "Invalid symbol 32, offset 4."),
            ("Zm9vYmFy\n", "Invalid symbol 10, offset 8."),
            ("Zm9-", "Invalid symbol 45, offset 3."),
            ("Zg", "Invalid padding"),
            ("Zg=", "Invalid padding"),
            ("Zg===", "Invalid padding"),
            ("Zm9v=", "Invalid padding"),
            ("Z===", "Invalid input length: 1"),
            ("Zm9vY", "Invalid input length: 5"),
            ("Zg=a", "Invalid symbol 61, offset 2."),
            ("Zh==", "Invalid last symbol 104, offset 1."),
            ("Zm9=", "Invalid last symbol 57, offset 2."),
        ]
    )
    func invalid(input: String, message: String) {
        do {
            let decoded = try StrictBase64.decode(input)
            Issue.record("\(input) decoded to \(decoded)")
        } catch {
            #expect(error.description == message)
        }
    }
}
