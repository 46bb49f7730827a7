import Crypto

/// Hashing helpers over swift-crypto.
enum Digest {
    /// The lower-case hex SHA-256 of the UTF-8 text.
    ///
    /// Every placement with an `Idempotency-Key` fingerprints its request with this, so the hex is written
    /// into one buffer rather than joined from 32 strings.
    static func sha256Hex(_ text: String) -> String {
        var text = text
        let digest = text.withUTF8 { SHA256.hash(data: $0) }
        let hexDigits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 2 * SHA256.byteCount) { hex in
            var index = 0
            for byte in digest {
                hex[index] = hexDigits[Int(byte >> 4)]
                hex[index + 1] = hexDigits[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }
}
