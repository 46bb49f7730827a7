/// Where an order is in its life. New orders are always ``pending``, whatever a client sends.
public enum OrderStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Placed, not yet confirmed: every new order.
    case pending
    /// Accepted for fulfilment.
    case confirmed
    /// On its way.
    case shipped
    /// Arrived.
    case delivered
    /// Will not be fulfilled.
    case cancelled
}
