import Foundation

/// How many outbox events (deletions, revocations) wait to be delivered, and since when: what an operator
/// watches to see a stuck Order service.
public struct OutboxBacklog: Sendable, Hashable, Codable {
    /// Pending ``OutboxEvent``s.
    public let count: Int
    /// When the oldest pending deletion happened; `nil` when none is pending.
    public let oldestOccurredAt: Date?

    /// A backlog of `count` events, the oldest of them from `oldestOccurredAt`.
    public init(count: Int, oldestOccurredAt: Date?) {
        self.count = count
        self.oldestOccurredAt = oldestOccurredAt
    }

    /// Nothing waiting.
    public static let empty = OutboxBacklog(count: 0, oldestOccurredAt: nil)

    /// How long the oldest pending deletion has waited at `now`; zero when none is pending.
    public func oldestAge(at now: Date) -> Duration {
        guard let oldestOccurredAt else { return .zero }
        return .interval(max(0, now.timeIntervalSince(oldestOccurredAt)))
    }
}
