import CommerceCore
import CommerceSupport
import Foundation

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

extension JSONWriter {
    /// A timestamp member: ISO 8601 in UTC with milliseconds, written in place (no character of it needs
    /// escaping).
    mutating func member(_ name: StaticString, _ value: Date) {
        key(name)
        raw { bytes in
            bytes.append(UInt8(ascii: "\""))
            Timestamp.append(value, to: &bytes)
            bytes.append(UInt8(ascii: "\""))
        }
    }

    /// A member whose value is written by `value` itself.
    mutating func member(_ name: StaticString, _ value: some JSONWritable) {
        key(name)
        value.write(to: &self)
    }
}
