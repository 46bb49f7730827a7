import Foundation

/// A change the User service must tell someone about — the Order service, or a user through the
/// ``Notifier`` — recorded by the ``UserStore`` in the same step as the change itself and delivered by the
/// ``OutboxPropagator`` until it succeeds: the outbox.
public struct OutboxEvent: Sendable, Hashable {
    /// What happened, and what delivering it does.
    public enum Kind: Sendable, Hashable {
        /// The user was deleted: the Order service purges their orders.
        case userDeleted
        /// Every access token of the user issued before this time is void (log out everywhere, a password
        /// change or reset): the Order service refuses them from then on.
        case tokensRevoked(issuedBefore: Date)
        /// Someone asked for a password reset for this email. Delivering it issues a reset token to the
        /// email's user, if there is one, and sends it through the ``Notifier``; for an unknown email it does
        /// nothing. Recorded alike either way, so the request answers alike.
        case passwordResetRequested(email: EmailAddress)

        /// What the logs call it.
        public var name: String {
            switch self {
            case .userDeleted: "user deletion"
            case .tokensRevoked: "token revocation"
            case .passwordResetRequested: "password reset"
            }
        }

        /// Its topic: the kind without its data.
        public var topic: Topic {
            switch self {
            case .userDeleted: .userDeleted
            case .tokensRevoked: .tokensRevoked
            case .passwordResetRequested: .passwordResetRequested
            }
        }
    }

    /// A kind of event without its data: what an ``OutboxDestination`` takes, and what one lane of the
    /// ``OutboxPropagator`` claims (``OutboxStore/claimPendingEvents(of:limit:now:leaseEnd:)``). The raw value
    /// is the name a durable store keeps.
    public enum Topic: String, Sendable, Hashable, CaseIterable {
        /// ``Kind/userDeleted``.
        case userDeleted
        /// ``Kind/tokensRevoked(issuedBefore:)``.
        case tokensRevoked
        /// ``Kind/passwordResetRequested(email:)``.
        case passwordResetRequested

        /// Every topic.
        public static let all = Set(allCases)
    }

    /// Identifies this event, so its delivery can be marked done.
    public let id: EventID
    /// The user it concerns; `nil` for a password-reset request (its email may belong to no one).
    public let userId: UserID?
    /// What happened.
    public let kind: Kind
    /// When it happened.
    public let occurredAt: Date
    /// The id of the request that made the change, passed on with every delivery so that what the Order
    /// service does about it carries it in its log too.
    public let requestID: RequestID?
    /// The trace context of the request that made the change (``TraceContextText``), so that its
    /// delivery's span links back to that request's trace. A store keeps it with the event.
    public let traceContext: String?

    /// An event of `kind` about `userId`, made by the request `requestID` in the trace `traceContext`; a new
    /// id begins with `occurredAt` (``CommerceIdentifier/init(timeOrderedAt:)``).
    public init(
        id: EventID? = nil, userId: UserID?, kind: Kind = .userDeleted, occurredAt: Date,
        requestID: RequestID? = nil, traceContext: String? = nil
    ) {
        self.id = id ?? EventID(timeOrderedAt: occurredAt)
        self.userId = userId
        self.kind = kind
        self.occurredAt = occurredAt
        self.requestID = requestID
        self.traceContext = traceContext
    }
}
