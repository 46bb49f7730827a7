import Foundation

/// What the Order service does with a deleted user's orders.
public enum DeletionPolicy: String, Sendable, Hashable, CaseIterable {
    /// Deletes them (the seed system's behaviour, and the default).
    case purge
    /// Keeps them for the books, with nothing that points to the person (``Order/anonymised(as:at:)``).
    case anonymise
}

/// What a deletion did to a user's orders.
public struct OrderRemoval: Sendable, Hashable {
    /// Orders deleted.
    public let deleted: Int
    /// Orders kept, anonymised.
    public let anonymised: Int

    /// A removal of `deleted` and `anonymised` orders.
    public init(deleted: Int, anonymised: Int) {
        self.deleted = deleted
        self.anonymised = anonymised
    }
}

extension Order {
    /// What replaces a deleted user's personal text in an order kept for the books.
    public static let redacted = "[redacted]"

    /// This order as the books keep it once its user is deleted: under `anonymous` (an id that belongs to no
    /// user and is not derived from the person's), the delivery address and every item name redacted, the
    /// history without reasons (free text the customer may have written); products, quantities, prices,
    /// total, status and times stay. `updatedAt` becomes `date` and the version moves on, as for any change.
    public func anonymised(as anonymous: UserID, at date: Date) -> Order {
        Order(
            id: id, userId: anonymous,
            items: items.map {
                OrderItem(productId: $0.productId, name: Self.redacted, quantity: $0.quantity, unitPrice: $0.unitPrice)
            },
            deliveryAddress: Self.redacted, status: status, currency: currency, total: total, createdAt: createdAt,
            updatedAt: max(date, updatedAt),
            history: history.map { OrderHistoryEntry(status: $0.status, at: $0.at, by: $0.by) },
            version: version + 1)
    }
}
