import CommerceCore
import CommerceSupport
import Foundation

/// How a durable store keeps an order's items: one JSON text, an array of
/// `{productId, name, quantity, unitPriceMinorUnits}`. Its own shape, so the stored format never follows
/// the domain type's `Codable` by accident; the SQLite and PostgreSQL stores share it.
package enum StoredOrderItems {
    private struct Item: Decodable {
        var productId: String
        var name: String
        var quantity: Int
        var unitPriceMinorUnits: Int64
    }

    private static let decoder = JSONDecoder()

    /// Decoded items by their text. Decoding is a pure function of the text, so a remembered answer is
    /// always right; it spares the JSON decoding (about 3.4 µs an order, the largest cost of a list in the
    /// profile in Documentation/PerformanceLog.md) when the same orders are read again, as a user's recent
    /// orders are.
    private static let decoded = TextMemo<[OrderItem]>(capacity: 4096)

    /// The items as the stored JSON text: `[{"productId", "name", "quantity", "unitPriceMinorUnits"}]`,
    /// written by ``JSONWriter`` rather than `JSONEncoder`, which showed in a placement's profile.
    package static func encode(_ items: [OrderItem]) -> String {
        var writer = JSONWriter(capacity: 2 + 96 * items.count)
        writer.beginArray()
        for item in items {
            writer.beginObject()
            writer.member("productId", item.productId)
            writer.member("name", item.name)
            writer.member("quantity", item.quantity)
            writer.member("unitPriceMinorUnits", Int(item.unitPrice.minorUnits))
            writer.endObject()
        }
        writer.endArray()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The items in stored JSON text.
    /// - Throws: ``CommerceError/Code/internalFailure`` when the text is not what ``encode(_:)`` writes.
    package static func decode(_ text: String) throws(CommerceError) -> [OrderItem] {
        try decoded.value(for: text) { () throws(CommerceError) in try decodeAnew(text) }
    }

    /// ``decode(_:)`` of the text's UTF-8 bytes, as a database row holds them.
    package static func decode(utf8: UnsafeBufferPointer<UInt8>) throws(CommerceError) -> [OrderItem] {
        try decoded.value(forUTF8: utf8) { text throws(CommerceError) in try decodeAnew(text) }
    }

    private static func decodeAnew(_ text: String) throws(CommerceError) -> [OrderItem] {
        let stored: [Item]
        do {
            stored = try decoder.decode([Item].self, from: Data(text.utf8))
        } catch {
            throw CommerceError.internalFailure("A stored order's items are malformed.")
        }
        return stored.map {
            OrderItem(
                productId: $0.productId, name: $0.name, quantity: $0.quantity,
                unitPrice: Money(minorUnits: $0.unitPriceMinorUnits))
        }
    }
}
