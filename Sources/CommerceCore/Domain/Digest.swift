import Crypto

/// Hashing helpers over swift-crypto.
enum Digest {
    /// The lower-case hex SHA-256 of the UTF-8 text.
    static func sha256Hex(_ text: String) -> String {
        var text = text
        return hex(text.withUTF8 { SHA256.hash(data: $0) })
    }

    /// The lower-case hex SHA-256 of `bytes`.
    static func sha256Hex(_ bytes: [UInt8]) -> String {
        hex(bytes.withUnsafeBufferPointer { SHA256.hash(data: $0) })
    }

    /// Every placement with an `Idempotency-Key` fingerprints its request, so the hex is written into one
    /// buffer rather than joined from 32 strings, from a table that is not made anew each time.
    private static func hex(_ digest: SHA256.Digest) -> String {
        String(unsafeUninitializedCapacity: 2 * SHA256.byteCount) { hex in
            hexDigits.withUTF8Buffer { digits in
                var index = 0
                for byte in digest {
                    hex[index] = digits[Int(byte >> 4)]
                    hex[index + 1] = digits[Int(byte & 0x0F)]
                    index += 2
                }
                return index
            }
        }
    }

    private static let hexDigits: StaticString = "0123456789abcdef"
}
