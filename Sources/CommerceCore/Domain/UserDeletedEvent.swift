import Foundation

/// Recorded by ``UserStore/delete(_:at:)`` in the same step as the deletion, and delivered to the Order
/// service by the ``DeletionPropagator`` until it succeeds.
public struct UserDeletedEvent: Sendable, Hashable, Codable {
    /// Identifies this event, so its delivery can be marked done.
    public let id: EventID
    /// The deleted user.
    public let userId: UserID
    /// When the user was deleted.
    public let occurredAt: Date

    /// An event for the deletion of `userId`.
    public init(id: EventID = EventID(), userId: UserID, occurredAt: Date) {
        self.id = id
        self.userId = userId
        self.occurredAt = occurredAt
    }
}
