import Foundation

/// Someone outside the services who hears of order events: an endpoint, the types it takes, and the secret
/// its deliveries are signed with.
public struct WebhookSubscription: Sendable, Hashable {
    /// Its id.
    public let id: WebhookSubscriptionID
    /// Where deliveries go: an absolute `http` or `https` URL.
    public let url: URL
    /// The types of event it takes.
    public let events: Set<OrderEventType>
    /// The key of its deliveries' `X-Commerce-Signature`: shown to staff once, when it is made, and never
    /// again; a store keeps it (signing needs it) and never lists it.
    public let secret: SigningSecret
    /// Whether deliveries go out: an endpoint answering `410 Gone` turns it off.
    public var active: Bool
    /// When it was made (whole milliseconds).
    public let createdAt: Date

    /// A subscription as given.
    public init(
        id: WebhookSubscriptionID = WebhookSubscriptionID(), url: URL, events: Set<OrderEventType>,
        secret: SigningSecret, active: Bool = true, createdAt: Date
    ) {
        self.id = id
        self.url = url
        self.events = events
        self.secret = secret
        self.active = active
        self.createdAt = createdAt
    }
}

/// One event's way to one subscription: pending until the endpoint confirms it (any 2xx), retried with
/// back-off, `failed` when the retry window ends or the endpoint is gone.
public struct WebhookDelivery: Sendable, Hashable {
    /// Where a delivery is.
    public enum Status: String, Sendable, Hashable, CaseIterable, Codable {
        case pending, delivered, failed
    }

    /// Its id.
    public let id: DeliveryID
    /// The subscription it goes to.
    public let subscriptionId: WebhookSubscriptionID
    /// The event it carries.
    public let eventId: EventID
    /// The event's type.
    public let type: OrderEventType
    /// The order the event is about, if any: one order's deliveries go out in the order they were made.
    public let orderId: OrderID?
    /// When the event happened.
    public let occurredAt: Date
    /// Where it is.
    public var status: Status
    /// How many times it was sent.
    public var attempts: Int
    /// The endpoint's last HTTP status, when it answered.
    public var lastStatusCode: Int?
    /// Why the last attempt failed, when it did (never a secret).
    public var lastError: String?
    /// When it is sent next, while pending.
    public var nextAttemptAt: Date?
    /// When the endpoint confirmed it.
    public var deliveredAt: Date?

    /// A delivery as given; a new one is pending, due at once, its id beginning with `occurredAt`
    /// (``CommerceIdentifier/init(timeOrderedAt:)``).
    public init(
        id: DeliveryID? = nil, subscriptionId: WebhookSubscriptionID, eventId: EventID, type: OrderEventType,
        orderId: OrderID?, occurredAt: Date, status: Status = .pending, attempts: Int = 0,
        lastStatusCode: Int? = nil, lastError: String? = nil, nextAttemptAt: Date? = nil, deliveredAt: Date? = nil
    ) {
        self.id = id ?? DeliveryID(timeOrderedAt: occurredAt)
        self.subscriptionId = subscriptionId
        self.eventId = eventId
        self.type = type
        self.orderId = orderId
        self.occurredAt = occurredAt
        self.status = status
        self.attempts = attempts
        self.lastStatusCode = lastStatusCode
        self.lastError = lastError
        self.nextAttemptAt = nextAttemptAt ?? (status == .pending ? occurredAt : nil)
        self.deliveredAt = deliveredAt
    }

    /// The delivery for `event` to `subscription`, pending and due at once.
    public init(of event: OrderEvent, to subscription: WebhookSubscriptionID) {
        self.init(
            subscriptionId: subscription, eventId: event.id, type: event.type, orderId: event.orderId,
            occurredAt: event.occurredAt)
    }
}

/// What one attempt of a delivery came to, as the dispatcher records it.
public enum DeliveryOutcome: Sendable, Hashable {
    /// The endpoint confirmed it (a 2xx), with this status.
    case delivered(statusCode: Int)
    /// It failed (`statusCode` when the endpoint answered); try again at `nextAttemptAt`.
    case retry(statusCode: Int?, error: String, nextAttemptAt: Date)
    /// It failed and the retry window is over, or it can never succeed: `failed`, retryable by hand.
    case failed(statusCode: Int?, error: String)
    /// The endpoint answered `410 Gone`: the delivery fails and the subscription is turned off.
    case gone
}
