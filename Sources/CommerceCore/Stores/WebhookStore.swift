import Foundation

/// Where the Order service keeps webhook subscriptions and the deliveries of order events to them: both
/// concerns, as one store implements them.
///
/// Order events are written by the store's ``OrderRecordStore`` side, in the same step as the change they
/// tell of: an ``OrderRecordStore/insert(_:idempotency:now:token:pricing:)`` that creates an order records
/// `order.placed`; a ``OrderRecordStore/transition(_:to:)`` that moves one records the event of the status
/// it reached; a ``OrderRecordStore/purge(_:at:)`` or ``OrderRecordStore/anonymise(_:as:at:)`` records
/// `orders.purged`. Each event gets one pending delivery for every active subscription that takes its type
/// (none when none does). A change that does not commit leaves no event; one that commits leaves its event.
/// A user's first purge or anonymisation also fails the deliveries of their orders' events not yet made
/// and forgets those events, so nothing of a deleted user leaves after the deletion.
public typealias WebhookStore = WebhookSubscriptionStore & WebhookDeliveryStore

/// Webhook subscriptions: who hears which order events.
///
/// Contract (checked by `WebhookConformance` in CommerceTesting; every implementation must pass it):
/// - ``createSubscription(_:)`` stores a subscription as given; ``subscription(_:)`` reads it back (its
///   secret too, for signing); ``subscriptions(after:limit:)`` lists them by id ascending.
/// - ``deleteSubscription(_:)`` removes it and its deliveries; `false` when there was none.
/// - ``disableSubscription(_:)`` turns it off: it takes no new event, and its pending deliveries are not
///   claimed.
/// - Backend failures are thrown as ``CommerceError``, never as a driver's own error type.
public protocol WebhookSubscriptionStore: Sendable {
    /// Stores a new subscription.
    func createSubscription(_ subscription: WebhookSubscription) async throws
    /// The subscription with this id, or `nil`.
    func subscription(_ id: WebhookSubscriptionID) async throws -> WebhookSubscription?
    /// Up to `limit` subscriptions by id ascending, strictly after `after`.
    func subscriptions(after: WebhookSubscriptionID?, limit: Int) async throws -> [WebhookSubscription]
    /// Removes a subscription and its deliveries; `false` when there was none.
    func deleteSubscription(_ id: WebhookSubscriptionID) async throws -> Bool
    /// Turns a subscription off.
    func disableSubscription(_ id: WebhookSubscriptionID) async throws
}

/// The deliveries of order events to subscriptions: what a dispatcher claims, sends and records, and what
/// an operator reads, retries and watches.
///
/// Contract (checked by `WebhookConformance` in CommerceTesting; every implementation must pass it):
/// - ``deliveries(of:after:limit:)`` pages a subscription's deliveries, newest first by when they were made.
/// - ``claimDeliveries(of:limit:now:leaseEnd:)`` returns an active subscription's pending deliveries that
///   are due (`nextAttemptAt <= now`), with their events, oldest first, holding each until `leaseEnd` (no
///   other claim returns it meanwhile, in any process). A delivery is not claimed while an earlier pending
///   delivery of the same order to the same subscription exists: one order's events reach a subscriber in
///   the order they happened. Of N racing claims, each delivery goes to at most one.
/// - ``recordAttempts(_:at:)`` applies each attempt's outcome, all in one atomic step: delivered (status,
///   `deliveredAt`), a retry (`nextAttemptAt`), failed, or gone (failed, and the subscription disabled);
///   each adds one attempt and ends the hold. An unknown id is not an error. An attempt recorded after its
///   lease ended, while another claim holds the delivery, is applied as well: the delivery was sent twice,
///   which at least once allows; each send counts as an attempt.
/// - ``retryDelivery(_:of:at:)`` makes a failed delivery of that subscription pending and due at `at`;
///   `false` when there is no such delivery. A pending one stays as it is (`true`).
/// - ``deliveryBacklog()`` counts the pending deliveries of active subscriptions and names the oldest of
///   their events' times (a turned-off subscription's deliveries wait for nobody, so they do not count).
/// - ``forgetDeliveries(before:)`` deletes every delivery no longer pending (delivered or failed) whose
///   event happened before the cutoff, and every event left with no delivery, in one atomic step; it
///   returns how many deliveries went. Pending deliveries and their events stay, however old. Racing
///   callers each delete what is left; the total is the same.
/// - Backend failures are thrown as ``CommerceError``, never as a driver's own error type.
public protocol WebhookDeliveryStore: Sendable {
    /// Up to `limit` of a subscription's deliveries, newest first, strictly after `after`.
    func deliveries(of subscription: WebhookSubscriptionID, after: DeliveryID?, limit: Int) async throws
        -> [WebhookDelivery]
    /// Up to `limit` due deliveries of the subscription nobody holds, with their events, oldest first, held
    /// until `leaseEnd`.
    func claimDeliveries(of subscription: WebhookSubscriptionID, limit: Int, now: Date, leaseEnd: Date)
        async throws -> [(delivery: WebhookDelivery, event: OrderEvent)]
    /// Records what each attempt of a pass came to, in one step.
    func recordAttempts(_ attempts: [(id: DeliveryID, outcome: DeliveryOutcome)], at date: Date) async throws
    /// Makes a failed delivery pending again, due at `date`.
    func retryDelivery(_ id: DeliveryID, of subscription: WebhookSubscriptionID, at date: Date) async throws -> Bool
    /// The active subscriptions' pending deliveries: how many, and the oldest event's time.
    func deliveryBacklog() async throws -> OutboxBacklog
    /// Deletes the finished deliveries of events before `cutoff`, and the events no delivery needs; returns
    /// how many deliveries went.
    func forgetDeliveries(before cutoff: Date) async throws -> Int
}

extension WebhookDeliveryStore {
    /// ``recordAttempts(_:at:)`` of one attempt.
    public func recordAttempt(_ id: DeliveryID, _ outcome: DeliveryOutcome, at date: Date) async throws {
        try await recordAttempts([(id, outcome)], at: date)
    }
}

extension WebhookDelivery {
    /// This delivery after an attempt that came to `outcome` at `date`, as ``WebhookDeliveryStore/recordAttempts(_:at:)``
    /// stores it.
    public func applying(_ outcome: DeliveryOutcome, at date: Date) -> WebhookDelivery {
        var next = self
        next.attempts += 1
        switch outcome {
        case .delivered(let statusCode):
            next.status = .delivered
            next.lastStatusCode = statusCode
            next.lastError = nil
            next.nextAttemptAt = nil
            next.deliveredAt = date
        case .retry(let statusCode, let error, let nextAttemptAt):
            next.status = .pending
            next.lastStatusCode = statusCode
            next.lastError = error
            next.nextAttemptAt = nextAttemptAt
        case .failed(let statusCode, let error):
            next.status = .failed
            next.lastStatusCode = statusCode
            next.lastError = error
            next.nextAttemptAt = nil
        case .gone:
            next.status = .failed
            next.lastStatusCode = 410
            next.lastError = "The endpoint answered 410 Gone; the subscription is turned off."
            next.nextAttemptAt = nil
        }
        return next
    }
}
