import Crypto

/// Hashing helpers over swift-crypto.
enum Digest {
    /// The lower-case hex SHA-256 of the UTF-8 text.
    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
