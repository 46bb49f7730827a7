import Foundation

/// One line of an order.
public struct OrderItem: Sendable, Hashable, Codable {
    /// The product's id in the client's catalogue (1–64 characters).
    public let productId: String
    /// The product's name (1–200 characters).
    public let name: String
    /// How many units (1–10 000).
    public let quantity: Int
    /// The price of one unit.
    public let unitPrice: Money

    /// A validated order line.
    public init(productId: String, name: String, quantity: Int, unitPrice: Money) {
        self.productId = productId
        self.name = name
        self.quantity = quantity
        self.unitPrice = unitPrice
    }

    /// `quantity × unitPrice`, checked.
    public func lineTotal() throws(CommerceError) -> Money {
        try unitPrice.multiplied(by: Int64(quantity))
    }
}

/// An order placed by a user. The server owns `id`, `userId`, `status`, `total`, the history, the version
/// and the timestamps.
public struct Order: Sendable, Hashable, Codable {
    /// The server-assigned id.
    public let id: OrderID
    /// The user who placed the order.
    public let userId: UserID
    /// The lines, 1–100.
    public let items: [OrderItem]
    /// Where to deliver (1–500 characters).
    public let deliveryAddress: String
    /// Where the order is in its life; `pending` when placed.
    public var status: OrderStatus
    /// The currency of every price and the total.
    public let currency: CurrencyCode
    /// The sum of every line total, in ``currency``.
    public let total: Money
    /// When the order was placed (whole milliseconds).
    public let createdAt: Date
    /// When the order last changed (whole milliseconds).
    public var updatedAt: Date
    /// Every status it reached, oldest first; placement is the first entry.
    public var history: [OrderHistoryEntry]
    /// Counts the order's changes: 1 when placed, one more with each transition (its `ETag`).
    public var version: Int

    /// An order as a store holds it.
    public init(
        id: OrderID, userId: UserID, items: [OrderItem], deliveryAddress: String, status: OrderStatus,
        currency: CurrencyCode, total: Money, createdAt: Date, updatedAt: Date,
        history: [OrderHistoryEntry]? = nil, version: Int = 1
    ) {
        self.id = id
        self.userId = userId
        self.items = items
        self.deliveryAddress = deliveryAddress
        self.status = status
        self.currency = currency
        self.total = total
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.history = history ?? [OrderHistoryEntry(status: status, at: createdAt, by: .customer)]
        self.version = version
    }

    /// The order after moving to `entry`'s status: status, history, version and `updatedAt` follow.
    public func moved(to entry: OrderHistoryEntry) -> Order {
        var moved = self
        moved.status = entry.status
        moved.history.append(entry)
        moved.version += 1
        moved.updatedAt = entry.at
        return moved
    }

    /// The position of this order in a user's newest-first list.
    public var cursor: OrderCursor { OrderCursor(createdAt: createdAt, id: id) }
}
