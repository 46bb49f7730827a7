import Foundation

/// What happened to orders, as subscribers hear of it: the type names of `X-Commerce-Event-Type`.
public enum OrderEventType: String, Sendable, Hashable, CaseIterable, Codable {
    case placed = "order.placed"
    case confirmed = "order.confirmed"
    case shipped = "order.shipped"
    case delivered = "order.delivered"
    case cancelled = "order.cancelled"
    /// A deleted user's orders were purged or anonymised.
    case purged = "orders.purged"

    /// The event an order reaching `status` makes.
    public init(reaching status: OrderStatus) {
        switch status {
        case .pending: self = .placed
        case .confirmed: self = .confirmed
        case .shipped: self = .shipped
        case .delivered: self = .delivered
        case .cancelled: self = .cancelled
        }
    }
}

/// An order event, recorded by the store in the same transaction as the change it tells of, so there is
/// one for every change that committed and none for one that did not.
public struct OrderEvent: Sendable, Hashable {
    /// What an event carries.
    public enum Data: Sendable, Hashable {
        /// The order as the change left it.
        case order(Order)
        /// A deleted user's orders: how many were deleted and how many kept anonymised.
        case purged(userId: UserID, deleted: Int, anonymised: Int)
    }

    /// The event's id, `X-Commerce-Event-Id`: the same on every delivery of it, so receivers drop repeats.
    public let id: EventID
    /// What happened.
    public let type: OrderEventType
    /// When (whole milliseconds).
    public let occurredAt: Date
    /// What it carries.
    public let data: Data
    /// The trace context of the request whose change it tells of (``TraceContextText``), kept so that its
    /// deliveries link back to that request; `nil` outside a trace.
    public let traceContext: String?

    /// An event of `type` carrying `data`, caused within `traceContext`; a new id begins with `occurredAt`
    /// (``CommerceIdentifier/init(timeOrderedAt:)``).
    public init(
        id: EventID? = nil, type: OrderEventType, occurredAt: Date, data: Data, traceContext: String? = nil
    ) {
        self.id = id ?? EventID(timeOrderedAt: occurredAt)
        self.type = type
        self.occurredAt = occurredAt
        self.data = data
        self.traceContext = traceContext
    }

    /// The order it is about, when it is about one: what orders its deliveries (one order's events reach a
    /// subscriber in the order they happened).
    public var orderId: OrderID? {
        if case .order(let order) = data { order.id } else { nil }
    }

    /// The event of `order`'s latest step: placed, or the status its last transition reached.
    public static func step(of order: Order, traceContext: String? = nil) -> OrderEvent {
        OrderEvent(
            type: OrderEventType(reaching: order.status), occurredAt: order.updatedAt, data: .order(order),
            traceContext: traceContext)
    }
}
