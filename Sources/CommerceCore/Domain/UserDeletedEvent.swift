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
    /// The id of the request that deleted the user, passed on with every delivery so that the purge in the
    /// Order service's log carries it too.
    public let requestID: RequestID?

    /// An event for the deletion of `userId`, made by the request `requestID`.
    public init(id: EventID = EventID(), userId: UserID, occurredAt: Date, requestID: RequestID? = nil) {
        self.id = id
        self.userId = userId
        self.occurredAt = occurredAt
        self.requestID = requestID
    }
}
