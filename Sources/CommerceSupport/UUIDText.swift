import Foundation

/// The text form of UUIDs, by hand: every id is parsed from a path or a database row and written into
/// every response, and Foundation's `UUID(uuidString:)` and `uuidString` go through `sscanf`/`sprintf`
/// (a visible share of `GET /api/order/{userId}` under `scripts/bench`; Documentation/PerformanceLog.md).
package enum UUIDText {
    /// The length of the text form.
    package static let length = 36

    /// `8-4-4-4-12` hexadecimal digits in either case, as `UUID(uuidString:)` accepts; `nil` otherwise.
    package static func parse(_ text: String) -> UUID? {
        var text = text
        return text.withUTF8 { parse(utf8: $0) }
    }

    /// ``parse(_:)`` of UTF-8 bytes, for a caller that holds them already (a database row), so that no
    /// `String` is made for a text that is parsed at once.
    package static func parse(utf8: UnsafeBufferPointer<UInt8>) -> UUID? {
        guard utf8.count == length else { return nil }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &uuid) { bytes -> Bool in
            var position = 0
            for index in 0..<16 {
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    guard utf8[position] == UInt8(ascii: "-") else { return false }
                    position += 1
                }
                guard let high = value(ofHexDigit: utf8[position]), let low = value(ofHexDigit: utf8[position + 1])
                else { return false }
                bytes[index] = high << 4 | low
                position += 2
            }
            return true
        }
        return parsed ? UUID(uuid: uuid) : nil
    }

    /// The lower-case `8-4-4-4-12` form.
    package static func format(_ uuid: UUID) -> String {
        String(unsafeUninitializedCapacity: length) { text in write(uuid, into: text) }
    }

    /// Appends ``format(_:)``'s text to `bytes`, for a writer of JSON that would only copy the `String`.
    package static func append(_ uuid: UUID, to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length) { text in
            _ = write(uuid, into: text)
            bytes.append(contentsOf: text)
        }
    }

    /// Writes the lower-case text into the first ``length`` bytes of `text`; answers ``length``.
    private static func write(_ uuid: UUID, into text: UnsafeMutableBufferPointer<UInt8>) -> Int {
        withUnsafeBytes(of: uuid.uuid) { raw in
            var position = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    text[position] = UInt8(ascii: "-")
                    position += 1
                }
                text[position] = hexDigit(raw[index] >> 4)
                text[position + 1] = hexDigit(raw[index] & 0x0F)
                position += 2
            }
            return position
        }
    }

    /// The lower-case hexadecimal digit of `nibble` (0–15).
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
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
