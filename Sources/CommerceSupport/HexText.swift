/// Bytes as lowercase hexadecimal text: digests and signatures (`X-Commerce-Signature`, a session token's
/// stored hash). Written digit by digit: `String(format: "%02x")` for each byte made a formatted string
/// per byte, 2 % of a placement's time while its event's delivery was being signed (scripts/bench).
public enum HexText {
    /// `bytes` as two lowercase hexadecimal digits each.
    @inlinable
    public static func of(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digit(byte >> 4))
            text.append(digit(byte & 0x0F))
        }
        return String(decoding: text, as: UTF8.self)
    }

    @inlinable
    static func digit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
