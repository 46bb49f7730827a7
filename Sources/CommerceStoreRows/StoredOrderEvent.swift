import CommerceCore
import CommerceSupport
import Foundation

/// How a durable store keeps an order event's data: one JSON object. An order's is its stored row —
/// `{"kind":"order", "id", "userId", "items", "deliveryAddress", "status", "currency", "totalMinorUnits",
/// "createdAt", "updatedAt", "history", "version"}`, `items` and `history` as the texts
/// ``StoredOrderItems`` and ``StoredOrderHistory`` write (PostgreSQL's `commerce_order_placed_data` builds
/// the same object with `json_build_object`) — and a purge's `{"kind":"purged", "userId", "deleted",
/// "anonymised"}`.
package enum StoredOrderEvent {
    private struct Stored: Codable {
        var kind: String
        var id: String?
        var userId: String
        var items: String?
        var deliveryAddress: String?
        var status: String?
        var currency: String?
        var totalMinorUnits: Int64?
        var createdAt: Int64?
        var updatedAt: Int64?
        var history: String?
        var version: Int?
        var deleted: Int?
        var anonymised: Int?
    }

    /// The data as stored.
    package static func encode(_ data: OrderEvent.Data) -> String {
        switch data {
        case .order(let order):
            return encode(
                order, items: StoredOrderItems.encode(order.items), history: StoredOrderHistory.encode(order.history))
        case .purged(let userId, let deleted, let anonymised):
            var writer = JSONWriter(capacity: 128)
            writer.beginObject()
            writer.member("kind", "purged")
            writer.member("userId", userId.description)
            writer.member("deleted", deleted)
            writer.member("anonymised", anonymised)
            writer.endObject()
            return String(decoding: writer.bytes, as: UTF8.self)
        }
    }

    /// An order's data as stored, with its `items` and `history` already written (the texts of its row,
    /// which a placement has made anyway: writing them again was most of an event's encoding).
    package static func encode(_ order: Order, items: String, history: String) -> String {
        var writer = JSONWriter(capacity: 256 + items.utf8.count + history.utf8.count)
        writer.beginObject()
        writer.member("kind", "order")
        writer.member("id", order.id.description)
        writer.member("userId", order.userId.description)
        writer.member("items", items)
        writer.member("deliveryAddress", order.deliveryAddress)
        writer.member("status", order.status.rawValue)
        writer.member("currency", order.currency.value)
        writer.member("totalMinorUnits", Int(order.total.minorUnits))
        writer.member("createdAt", Int(order.createdAt.millisecondsSince1970))
        writer.member("updatedAt", Int(order.updatedAt.millisecondsSince1970))
        writer.member("history", history)
        writer.member("version", order.version)
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The data a stored text holds.
    /// - Throws: ``CommerceError/Code/internalFailure`` for a text no store writes.
    package static func decode(_ text: String) throws -> OrderEvent.Data {
        let unreadable = CommerceError.internalFailure("A stored order event is not readable.")
        guard let stored = try? JSONDecoder().decode(Stored.self, from: Data(text.utf8)),
            let userId = UserID(stored.userId)
        else { throw unreadable }
        switch stored.kind {
        case "purged":
            return .purged(userId: userId, deleted: stored.deleted ?? 0, anonymised: stored.anonymised ?? 0)
        case "order":
            guard let id = stored.id.flatMap(OrderID.init), let items = stored.items,
                let address = stored.deliveryAddress, let status = stored.status, let currency = stored.currency,
                let total = stored.totalMinorUnits, let createdAt = stored.createdAt, let updatedAt = stored.updatedAt,
                let history = stored.history, let version = stored.version
            else { throw unreadable }
            return .order(
                try StoredOrderRow.order(
                    id: id, userId: userId, items: items, deliveryAddress: address, status: status, currency: currency,
                    totalMinorUnits: total, createdAt: createdAt, updatedAt: updatedAt, history: history,
                    version: version))
        default:
            throw unreadable
        }
    }
}
