import Foundation

/// Recorded by ``UserStore/delete(_:at:)`` in the same step as the deletion, and delivered to the Order
/// service by the ``DeletionPropagator`` until it succeeds.
public struct UserDeletedEvent: Sendable, Hashable, Codable {
    public let id: EventID
    public let userId: UserID
    public let occurredAt: Date

    public init(id: EventID = EventID(), userId: UserID, occurredAt: Date) {
        self.id = id
        self.userId = userId
        self.occurredAt = occurredAt
    }
}
