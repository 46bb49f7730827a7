import CommerceCore
import CommerceSupport
import Foundation

/// How a durable store keeps what an order's placement took from the catalog's stock, to put it back once
/// (a cancel, or a deleted user's unshipped order): one JSON object, product id to quantity, `NULL` when
/// the order holds none (nothing tracked was ordered, or it was put back). PostgreSQL's `commerce_place_order`
/// writes the same shape with `jsonb_object_agg`, and reads it back with `jsonb_each_text`.
package enum StoredStockTaken {
    private static let decoder = JSONDecoder()

    /// The quantities as stored, `nil` for none.
    package static func encode(_ taken: [String: Int]) -> String? {
        guard !taken.isEmpty else { return nil }
        var writer = JSONWriter(capacity: 2 + 48 * taken.count)
        writer.beginObject()
        for (productId, quantity) in taken.sorted(by: { $0.key < $1.key }) {
            writer.key(text: productId)
            writer.int(quantity)
        }
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The quantities a stored text holds; none for `nil`.
    package static func decode(_ text: String?) throws -> [String: Int] {
        guard let text else { return [:] }
        do {
            return try decoder.decode([String: Int].self, from: Data(text.utf8))
        } catch {
            throw CommerceError.internalFailure("An order's stored stock is not readable.")
        }
    }
}
