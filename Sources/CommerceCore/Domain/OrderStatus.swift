/// Where an order is in its life. New orders are always ``pending``, whatever a client sends.
public enum OrderStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pending, confirmed, shipped, delivered, cancelled
}
