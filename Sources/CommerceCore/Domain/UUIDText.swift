import Foundation

/// The text form of UUIDs, by hand: every id is parsed from a path or a database row and written into
/// every response, and Foundation's `UUID(uuidString:)` and `uuidString` go through `sscanf`/`sprintf`
/// (about 3 % of an order list's CPU in the profile in Documentation/Performance.md).
enum UUIDText {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `8-4-4-4-12` hexadecimal digits in either case, as `UUID(uuidString:)` accepts; `nil` otherwise.
    static func parse(_ text: String) -> UUID? {
        let utf8 = text.utf8
        guard utf8.count == 36 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 16)
        var nibbles = 0
        for (position, character) in utf8.enumerated() {
            if position == 8 || position == 13 || position == 18 || position == 23 {
                guard character == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard let nibble = value(ofHexDigit: character) else { return nil }
            bytes[nibbles / 2] |= nibbles % 2 == 0 ? nibble << 4 : nibble
            nibbles += 1
        }
        return bytes.withUnsafeBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
    }

    /// The lower-case `8-4-4-4-12` form.
    static func format(_ uuid: UUID) -> String {
        withUnsafeBytes(of: uuid.uuid) { raw in
            var text = [UInt8]()
            text.reserveCapacity(36)
            for (index, byte) in raw.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
                text.append(hexDigits[Int(byte >> 4)])
                text.append(hexDigits[Int(byte & 0x0F)])
            }
            return String(decoding: text, as: UTF8.self)
        }
    }

    private static func value(ofHexDigit character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
