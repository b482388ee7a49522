import IoTHubProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes one compact JSON object per line to stdout, unbuffered (`write(2)`), so `docker logs` sees each line as
/// soon as it is made.
struct JSONLines: Sendable {
    func emit(_ object: JSONObject) {
        var bytes = JSONValue.object(object).jsonBytes
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 {
                    if written < 0 && errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
