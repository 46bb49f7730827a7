import CommerceCore
import Foundation

/// An order as the Order service's JSON writes it (``OrderRepresentation``), read back into an ``Order``
/// by the User service for an export. Anything that is not what the Order service writes is refused, so a
/// broken answer is never taken for an order.
struct OrderDocument: Decodable {
    struct Item: Decodable {
        let productId: String
        let name: String
        let quantity: Int
        let price: Decimal
    }

    struct Entry: Decodable {
        let status: String
        let at: String
        let by: String
        let reason: String?
    }

    let id: String
    let userId: String
    let items: [Item]
    let deliveryAddress: String
    let status: String
    let currency: String
    let total: Decimal
    let createdAt: String
    let updatedAt: String
    let history: [Entry]

    /// The order, or `nil` when a field is not what the Order service writes. The JSON has no version (it
    /// is the order's `ETag`); the history's length stands in for it, which an export does not show.
    var order: Order? {
        guard let id = OrderID(id), let userId = UserID(userId), let status = OrderStatus(rawValue: status),
            let total = Money(exactly: total), let createdAt = Timestamp.parse(createdAt),
            let updatedAt = Timestamp.parse(updatedAt)
        else { return nil }
        var lines: [OrderItem] = []
        for item in items {
            guard let price = Money(exactly: item.price) else { return nil }
            lines.append(
                OrderItem(productId: item.productId, name: item.name, quantity: item.quantity, unitPrice: price))
        }
        var entries: [OrderHistoryEntry] = []
        for entry in history {
            guard let status = OrderStatus(rawValue: entry.status), let at = Timestamp.parse(entry.at),
                let by = OrderActor(rawValue: entry.by)
            else { return nil }
            entries.append(OrderHistoryEntry(status: status, at: at, by: by, reason: entry.reason))
        }
        return Order(
            id: id, userId: userId, items: lines, deliveryAddress: deliveryAddress, status: status,
            currency: CurrencyCode(trusted: currency), total: total, createdAt: createdAt, updatedAt: updatedAt,
            history: entries, version: max(1, entries.count))
    }
}
