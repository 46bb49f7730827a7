import Foundation

/// How many user deletions wait to be propagated to the Order service, and since when: what an operator
/// watches to see a stuck Order service.
public struct DeletionBacklog: Sendable, Hashable, Codable {
    /// Pending ``UserDeletedEvent``s.
    public let count: Int
    /// When the oldest pending deletion happened; `nil` when none is pending.
    public let oldestOccurredAt: Date?

    /// A backlog of `count` events, the oldest of them from `oldestOccurredAt`.
    public init(count: Int, oldestOccurredAt: Date?) {
        self.count = count
        self.oldestOccurredAt = oldestOccurredAt
    }

    /// Nothing waiting.
    public static let empty = DeletionBacklog(count: 0, oldestOccurredAt: nil)

    /// How long the oldest pending deletion has waited at `now`; zero when none is pending.
    public func oldestAge(at now: Date) -> Duration {
        guard let oldestOccurredAt else { return .zero }
        return .interval(max(0, now.timeIntervalSince(oldestOccurredAt)))
    }
}
