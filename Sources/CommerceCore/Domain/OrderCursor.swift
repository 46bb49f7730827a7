import Foundation

/// A position in a user's newest-first order list: orders strictly after it are older, or as old with a
/// smaller id. Its text form is opaque to clients.
public struct OrderCursor: Sendable, Hashable, CustomStringConvertible {
    /// The creation time of the last order of the previous page.
    public let createdAt: Date
    /// The id of the last order of the previous page, to break ties of equal times.
    public let id: OrderID

    /// The position just after the order created at `createdAt` with `id`.
    public init(createdAt: Date, id: OrderID) {
        self.createdAt = createdAt
        self.id = id
    }

    /// Parses the text form, `<1–15 digits>_<UUID>`; `nil` when the text is not a cursor this library made.
    public init?(_ text: String) {
        let parts = text.split(separator: "_", maxSplits: 1)
        guard parts.count == 2, (1...15).contains(parts[0].utf8.count),
            parts[0].utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let millis = Int64(parts[0]), let id = OrderID(String(parts[1]))
        else { return nil }
        self.init(createdAt: Date(millisecondsSince1970: millis), id: id)
    }

    /// `<milliseconds>_<order id>`.
    public var description: String { "\(createdAt.millisecondsSince1970)_\(id)" }

    /// Whether `order` comes after this cursor in newest-first order.
    public func precedes(_ order: Order) -> Bool {
        order.createdAt < createdAt || (order.createdAt == createdAt && order.id < id)
    }
}

/// One page of a user's orders, newest first.
public struct OrderPage: Sendable, Hashable {
    /// The page's orders, newest first.
    public let orders: [Order]
    /// Where the next page starts, when there is one.
    public let next: OrderCursor?

    /// A page, and where the next one starts if there is one.
    public init(orders: [Order], next: OrderCursor?) {
        self.orders = orders
        self.next = next
    }
}
