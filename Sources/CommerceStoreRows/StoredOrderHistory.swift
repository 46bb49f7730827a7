import CommerceCore
import CommerceSupport
import Foundation

/// How a durable store keeps an order's history: one JSON text, an array of `{status, at, by, reason?}`
/// with `at` in integer milliseconds. Its own shape, like ``StoredOrderItems``.
package enum StoredOrderHistory {
    private struct Entry: Decodable {
        var status: String
        var at: Int64
        var by: String
        var reason: String?
    }

    /// Decoded histories by their text: a pure function of it, so a remembered answer is always right.
    private static let decoded = TextMemo<[OrderHistoryEntry]>(capacity: 4096)

    /// The history as the stored JSON text: `[{"status", "at", "by", "reason"?}]`, written by ``JSONWriter``
    /// rather than `JSONEncoder`, which showed in a placement's profile.
    package static func encode(_ history: [OrderHistoryEntry]) -> String {
        var writer = JSONWriter(capacity: 2 + 64 * history.count)
        writer.beginArray()
        for entry in history {
            writer.beginObject()
            writer.member("status", entry.status.rawValue)
            writer.member("at", Int(entry.at.millisecondsSince1970))
            writer.member("by", entry.by.rawValue)
            writer.member("reason", entry.reason)
            writer.endObject()
        }
        writer.endArray()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The history in stored JSON text.
    /// - Throws: ``CommerceError/Code/internalFailure`` when the text is not what ``encode(_:)`` writes.
    package static func decode(_ text: String) throws(CommerceError) -> [OrderHistoryEntry] {
        try decoded.value(for: text) { () throws(CommerceError) in try decodeAnew(text) }
    }

    /// ``decode(_:)`` of the text's UTF-8 bytes, as a database row holds them.
    package static func decode(utf8: UnsafeBufferPointer<UInt8>) throws(CommerceError) -> [OrderHistoryEntry] {
        try decoded.value(forUTF8: utf8) { text throws(CommerceError) in try decodeAnew(text) }
    }

    private static func decodeAnew(_ text: String) throws(CommerceError) -> [OrderHistoryEntry] {
        let malformed = CommerceError.internalFailure("A stored order's history is malformed.")
        guard let entries = try? JSONDecoder().decode([Entry].self, from: Data(text.utf8)) else { throw malformed }
        return try entries.map { entry throws(CommerceError) in
            guard let status = OrderStatus(rawValue: entry.status), let by = OrderActor(rawValue: entry.by) else {
                throw malformed
            }
            return OrderHistoryEntry(
                status: status, at: Date(millisecondsSince1970: entry.at), by: by, reason: entry.reason)
        }
    }
}
