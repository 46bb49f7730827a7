import CommerceCore
import Foundation

/// Writes JSON bytes directly, for the representations every hot route answers with (users and orders).
///
/// the profile in Documentation/Performance.md of `GET /api/order/{userId}` put a third of its CPU time in `JSONEncoder` and in the
/// `Decimal` arithmetic of encoding prices; this writer produces the same text (keys in the same sorted
/// order, slashes unescaped, money as the shortest exact decimal) from integers and strings alone.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Whether the next member or element needs a comma before it.
    private var needsComma = false

    init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    mutating func beginObject() { open(UInt8(ascii: "{")) }
    mutating func endObject() { close(UInt8(ascii: "}")) }
    mutating func beginArray() { open(UInt8(ascii: "[")) }
    mutating func endArray() { close(UInt8(ascii: "]")) }

    /// A member's key; its value comes next. Keys are ASCII names that need no escaping.
    mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// A string, escaped as RFC 8259 requires: quotation mark, reverse solidus and control characters.
    mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        // Most text needs no escaping: copy it whole (scanned as the contiguous bytes a native string holds).
        var text = value
        let copied = text.withUTF8 { utf8 in
            for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return false
            }
            bytes.append(contentsOf: utf8)
            return true
        }
        if copied {
            bytes.append(UInt8(ascii: "\""))
            needsComma = true
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(contentsOf: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    mutating func int(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    /// An amount in major units, exactly and as short as it goes: 1999 cents is `19.99`, 150 is `1.5`,
    /// 500 is `5`.
    mutating func money(_ value: Money) {
        separate()
        if value.minorUnits < 0 { bytes.append(UInt8(ascii: "-")) }
        let (major, minor) = value.minorUnits.magnitude.quotientAndRemainder(
            dividingBy: UInt64(Money.minorUnitsPerMajor))
        bytes.append(contentsOf: String(major).utf8)
        if minor != 0 {
            bytes.append(UInt8(ascii: "."))
            bytes.append(UInt8(ascii: "0") + UInt8(minor / 10))
            if minor % 10 != 0 { bytes.append(UInt8(ascii: "0") + UInt8(minor % 10)) }
        }
        needsComma = true
    }

    /// A member: its key, then its value.
    mutating func member(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
    }

    mutating func member(_ name: StaticString, _ value: Int) {
        key(name)
        int(value)
    }

    mutating func member(_ name: StaticString, _ value: Money) {
        key(name)
        money(value)
    }

    mutating func member(_ name: StaticString, _ value: Bool) {
        key(name)
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    /// A timestamp member: ISO 8601 in UTC with milliseconds, written in place (no character of it needs
    /// escaping).
    mutating func member(_ name: StaticString, _ value: Date) {
        key(name)
        bytes.append(UInt8(ascii: "\""))
        Timestamp.append(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// An identifier member: its lower-case UUID text, written in place.
    mutating func member(_ name: StaticString, _ value: some CommerceIdentifier) {
        key(name)
        bytes.append(UInt8(ascii: "\""))
        UUIDText.append(value.uuid, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// An optional member: nothing at all when `value` is `nil` (absent, never `null`).
    mutating func member(_ name: StaticString, _ value: String?) {
        if let value { member(name, value) }
    }

    /// An optional member: nothing at all when `value` is `nil`.
    mutating func member(_ name: StaticString, _ value: Int?) {
        if let value { member(name, value) }
    }

    /// A member whose value is written by `value` itself.
    mutating func member(_ name: StaticString, _ value: some JSONWritable) {
        key(name)
        value.write(to: &self)
    }

    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.append(bracket)
        needsComma = false
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }
}

/// A representation that writes itself with ``JSONWriter``.
protocol JSONWritable {
    func write(to writer: inout JSONWriter)
    /// About how many bytes ``write(to:)`` writes, so the writer's buffer is made once, not regrown.
    var estimatedByteCount: Int { get }
}

extension JSONWritable {
    var estimatedByteCount: Int { 512 }
}

extension Array: JSONWritable where Element: JSONWritable {
    var estimatedByteCount: Int { reduce(2) { $0 + $1.estimatedByteCount } }

    func write(to writer: inout JSONWriter) {
        writer.beginArray()
        for element in self { element.write(to: &writer) }
        writer.endArray()
    }
}
