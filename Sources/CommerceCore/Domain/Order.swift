import Foundation

/// One line of an order.
public struct OrderItem: Sendable, Hashable, Codable {
    public let productId: String
    public let name: String
    public let quantity: Int
    /// The price of one unit.
    public let unitPrice: Money

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

/// An order placed by a user. The server owns `id`, `userId`, `status`, `total` and the timestamps.
public struct Order: Sendable, Hashable, Codable {
    public let id: OrderID
    public let userId: UserID
    public let items: [OrderItem]
    public let deliveryAddress: String
    public var status: OrderStatus
    public let currency: CurrencyCode
    /// The sum of every line total, in ``currency``.
    public let total: Money
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: OrderID, userId: UserID, items: [OrderItem], deliveryAddress: String, status: OrderStatus,
        currency: CurrencyCode, total: Money, createdAt: Date, updatedAt: Date
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
    }

    /// The position of this order in a user's newest-first list.
    public var cursor: OrderCursor { OrderCursor(createdAt: createdAt, id: id) }
}
