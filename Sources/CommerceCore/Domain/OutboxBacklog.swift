import Foundation

/// How many events wait to be delivered, and since when: what an operator watches to see a stuck peer or
/// endpoint. The User service's outbox (deletions, revocations, reset mails) and the Order service's
/// webhook deliveries each report one.
public struct OutboxBacklog: Sendable, Hashable, Codable {
    /// Pending events.
    public let count: Int
    /// When the oldest pending event happened; `nil` when none is pending.
    public let oldestOccurredAt: Date?

    /// A backlog of `count` events, the oldest of them from `oldestOccurredAt`.
    public init(count: Int, oldestOccurredAt: Date?) {
        self.count = count
        self.oldestOccurredAt = oldestOccurredAt
    }

    /// Nothing waiting.
    public static let empty = OutboxBacklog(count: 0, oldestOccurredAt: nil)

    /// How long the oldest pending event has waited at `now`; zero when none is pending.
    public func oldestAge(at now: Date) -> Duration {
        guard let oldestOccurredAt else { return .zero }
        return .interval(max(0, now.timeIntervalSince(oldestOccurredAt)))
    }
}
