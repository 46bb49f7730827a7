import CommerceCore
import Foundation

/// The ``WebhookStore`` contract as runnable checks, for an order store that keeps webhooks: the events
/// written with the changes they tell of, and the deliveries' claims, order and outcomes.
public enum WebhookConformance {
    /// A store of orders that keeps webhooks.
    public typealias Store = any OrderStore & WebhookStore

    /// Runs every check, each on a fresh store from `makeStore`.
    public static func run(makeStore: () async throws -> Store) async throws {
        try await runAll(checks, makeStore: makeStore)
    }

    /// Each check on its own, for one test case per check.
    public static let checks: [ConformanceCheck<Store>] = [
        ConformanceCheck("subscriptions read back, list by id, turn off and go") { store in
            let first = subscription(takes: [.placed])
            let second = subscription(takes: Set(OrderEventType.allCases))
            try await store.createSubscription(first)
            try await store.createSubscription(second)
            try require(try await store.subscription(first.id) == first, "a subscription did not read back")
            let listed = try await store.subscriptions(after: nil, limit: 10).map(\.id)
            try require(listed == [first.id, second.id].sorted(), "not listed by id: \(listed)")
            let next = try await store.subscriptions(after: listed[0], limit: 10).map(\.id)
            try require(next == [listed[1]], "the page after the first: \(next)")
            try await store.disableSubscription(first.id)
            try require(try await store.subscription(first.id)?.active == false, "a disabled subscription is active")
            try require(try await store.deleteSubscription(first.id), "a deletion found nothing")
            try require(try await store.subscription(first.id) == nil, "a deleted subscription read back")
            try require(!(try await store.deleteSubscription(first.id)), "a second deletion found something")
        },
        ConformanceCheck("each change records its event for every active subscriber that takes it") { store in
            let placedOnly = subscription(takes: [.placed])
            let everything = subscription(takes: Set(OrderEventType.allCases))
            let off = subscription(takes: Set(OrderEventType.allCases))
            for subscription in [placedOnly, everything, off] { try await store.createSubscription(subscription) }
            try await store.disableSubscription(off.id)
            let userId = UserID()
            let order = try await place(store, for: userId)
            _ = try required(try await store.transition(order, to: entry(.confirmed)), "not confirmed")
            _ = try await store.purge(UserID(), at: Fixtures.epoch)
            try require(
                try await types(store, placedOnly) == [.placed], "the placed-only subscriber's deliveries")
            try require(
                try await types(store, everything) == [.placed, .confirmed, .purged],
                "every event for the subscriber of everything")
            try require(try await types(store, off).isEmpty, "a disabled subscription got deliveries")
        },
        ConformanceCheck(
            "a subscription hears only what happens after it; a user's deletion fails what was not yet sent to it"
        ) { store in
            let early = subscription(takes: [.placed])
            try await store.createSubscription(early)
            let deleted = UserID()
            _ = try await place(store, for: deleted)
            let late = subscription(takes: Set(OrderEventType.allCases))
            try await store.createSubscription(late)
            let kept = try await place(store, for: UserID())
            _ = try await store.purge(deleted, at: Fixtures.epoch)
            try require(
                try await types(store, late) == [.placed, .purged], "a subscription heard an event from before it")
            let earlyOnes = try await store.deliveries(of: early.id, after: nil, limit: 10)
            try require(earlyOnes.count == 2, "the earlier subscription's deliveries: \(earlyOnes.count)")
            try require(
                earlyOnes.first { $0.orderId != kept.id }?.status == .failed,
                "a deleted user's order event not yet sent was not failed")
            // Deleting one subscription leaves the events another still has to send.
            try require(try await store.deleteSubscription(early.id), "the earlier subscription was not deleted")
            let claimed = try await store.claimDeliveries(
                of: late.id, limit: 10, now: Fixtures.epoch, leaseEnd: Fixtures.hourLater)
            try require(
                claimed.map(\.event.type) == [.placed, .purged] && claimed.first?.event.orderId == kept.id,
                "the later subscription's events did not outlive the other's deletion")
        },
        ConformanceCheck("a deleted user's order event, failed and then retried by hand, is not sent") { store in
            let placed = subscription(takes: [.placed])
            try await store.createSubscription(placed)
            let deleted = UserID()
            _ = try await place(store, for: deleted)
            _ = try await store.anonymise(deleted, as: UserID(), at: Fixtures.epoch)
            let failed = try required(
                try await store.deliveries(of: placed.id, after: nil, limit: 10).first, "no delivery was recorded")
            try require(failed.status == .failed, "the deleted user's order event was \(failed.status), not failed")
            try require(
                try await store.retryDelivery(failed.id, of: placed.id, at: Fixtures.epoch),
                "the failed delivery was not found to retry")
            let claimed = try await store.claimDeliveries(
                of: placed.id, limit: 10, now: Fixtures.hourLater, leaseEnd: Fixtures.hourLater)
            try require(claimed.isEmpty, "a deleted user's order was claimed to be sent after a retry")
        },
        ConformanceCheck("a change that does not commit records nothing") { store in
            let everything = subscription(takes: Set(OrderEventType.allCases))
            try await store.createSubscription(everything)
            let order = try await place(store, for: UserID())
            _ = try await store.transition(order, to: entry(.confirmed))
            // The same move again, from a version that is gone: the compare fails, nothing moves.
            _ = try await store.transition(order, to: entry(.cancelled))
            let tombstoned = UserID()
            _ = try await store.purge(tombstoned, at: Fixtures.epoch)
            _ = try? await store.insert(Fixtures.order(for: tombstoned), idempotency: nil, now: Fixtures.epoch)
            _ = try await store.purge(tombstoned, at: Fixtures.epoch)
            try require(
                try await types(store, everything) == [.placed, .confirmed, .purged],
                "a lost compare, a refused insert or a repeated purge recorded an event")
        },
        ConformanceCheck("one order's events are claimed in the order they happened") { store in
            let everything = subscription(takes: Set(OrderEventType.allCases))
            try await store.createSubscription(everything)
            let first = try await place(store, for: UserID())
            let confirmed = try required(try await store.transition(first, to: entry(.confirmed)), "confirm")
            _ = try required(try await store.transition(confirmed, to: entry(.cancelled)), "cancel")
            _ = try await place(store, for: UserID())  // another order, claimed beside the first
            var seen: [String] = []
            for _ in 0..<4 {
                let claimed = try await store.claimDeliveries(
                    of: everything.id, limit: 10, now: Fixtures.epoch, leaseEnd: Fixtures.hourLater)
                for (delivery, event) in claimed {
                    seen.append("\(event.orderId == first.id ? "first" : "second") \(delivery.type.rawValue)")
                }
                // A pass's outcomes, recorded together.
                try await store.recordAttempts(
                    claimed.map { ($0.delivery.id, DeliveryOutcome.delivered(statusCode: 200)) }, at: Fixtures.epoch)
                seen.append("|")
            }
            try require(
                seen == [
                    "first order.placed", "second order.placed", "|", "first order.confirmed", "|",
                    "first order.cancelled", "|", "|",
                ], "claimed out of order: \(seen)")
        },
        ConformanceCheck("a claim takes the oldest due deliveries, at most its limit, each with its event") { store in
            let placed = subscription(takes: [.placed])
            try await store.createSubscription(placed)
            var orders: [Order] = []
            for _ in 0..<5 { orders.append(try await place(store, for: UserID())) }
            var passes: [[Order]] = []
            for _ in 0..<4 {
                let claimed = try await store.claimDeliveries(
                    of: placed.id, limit: 2, now: Fixtures.epoch, leaseEnd: Fixtures.hourLater)
                passes.append(
                    claimed.compactMap { if case .order(let order) = $0.event.data { order } else { nil } })
                try await store.recordAttempts(
                    claimed.map { ($0.delivery.id, DeliveryOutcome.delivered(statusCode: 200)) }, at: Fixtures.epoch)
            }
            try require(
                passes.map { $0.map(\.id) } == [
                    [orders[0].id, orders[1].id], [orders[2].id, orders[3].id], [orders[4].id], [],
                ],
                "passes of two did not take the deliveries oldest first: \(passes.map(\.count))")
            try require(passes.joined().elementsEqual(orders), "a claimed event's data is not the order as placed")
        },
        ConformanceCheck("each event tells of its order as it was then, however far the order has moved since") {
            store in
            let everything = subscription(takes: Set(OrderEventType.allCases))
            try await store.createSubscription(everything)
            let placed = try await place(store, for: UserID())
            let confirmed = try required(try await store.transition(placed, to: entry(.confirmed)), "not confirmed")
            let later = Fixtures.hourLater
            let shipped = try required(
                try await store.transition(confirmed, to: OrderHistoryEntry(status: .shipped, at: later, by: .staff)),
                "not shipped")
            var told: [Order] = []
            for _ in 0..<3 {  // one order's events, one a pass
                let claimed = try await store.claimDeliveries(
                    of: everything.id, limit: 10, now: later, leaseEnd: later.addingTimeInterval(60))
                told += claimed.compactMap { if case .order(let order) = $0.event.data { order } else { nil } }
                try await store.recordAttempts(
                    claimed.map { ($0.delivery.id, DeliveryOutcome.delivered(statusCode: 204)) }, at: later)
            }
            try require(
                told.map(\.status) == [.pending, .confirmed, .shipped], "the events told: \(told.map(\.status))")
            try require(told == [placed, confirmed, shipped], "an event's order is not the order as it was then")
        },
        ConformanceCheck("a claim holds its deliveries until the lease ends; racing claims share none") { store in
            let everything = subscription(takes: Set(OrderEventType.allCases))
            try await store.createSubscription(everything)
            for _ in 0..<12 { _ = try await place(store, for: UserID()) }
            let leaseEnd = Fixtures.epoch.addingTimeInterval(60)
            let claims = try await withThrowingTaskGroup(of: [DeliveryID].self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await store.claimDeliveries(
                            of: everything.id, limit: 3, now: Fixtures.epoch, leaseEnd: leaseEnd
                        ).map(\.delivery.id)
                    }
                }
                return try await group.reduce(into: [DeliveryID]()) { $0 += $1 }
            }
            try require(claims.count == 12 && Set(claims).count == 12, "6 racing claims of 3 shared or missed some")
            let held = try await store.claimDeliveries(
                of: everything.id, limit: 20, now: Fixtures.epoch.addingTimeInterval(30), leaseEnd: leaseEnd)
            try require(held.isEmpty, "a held delivery was claimed again within its lease")
            let again = try await store.claimDeliveries(
                of: everything.id, limit: 20, now: leaseEnd, leaseEnd: leaseEnd.addingTimeInterval(60))
            try require(again.count == 12, "deliveries whose lease ended were not offered again: \(again.count)")
        },
        ConformanceCheck("outcomes: a retry waits until due, failed is retried by hand, gone turns off") { store in
            let everything = subscription(takes: Set(OrderEventType.allCases))
            try await store.createSubscription(everything)
            _ = try await place(store, for: UserID())
            let soon = Fixtures.epoch.addingTimeInterval(10)
            let delivery = try required(
                try await store.claimDeliveries(of: everything.id, limit: 1, now: Fixtures.epoch, leaseEnd: soon)
                    .first?.delivery, "nothing to claim")
            try await store.recordAttempt(
                delivery.id, .retry(statusCode: 503, error: "The endpoint answered 503.", nextAttemptAt: soon),
                at: Fixtures.epoch)
            let early = try await store.claimDeliveries(
                of: everything.id, limit: 1, now: soon.addingTimeInterval(-1), leaseEnd: soon)
            try require(early.isEmpty, "a retry was claimed before it was due")
            let due = try await store.claimDeliveries(
                of: everything.id, limit: 1, now: soon, leaseEnd: soon.addingTimeInterval(60))
            try require(due.first?.delivery.attempts == 1, "the retry was not claimed when due, with one attempt")
            try await store.recordAttempt(delivery.id, .failed(statusCode: 500, error: "gave up"), at: soon)
            let failed = try await store.deliveries(of: everything.id, after: nil, limit: 10)
            try require(
                failed.first?.status == .failed && failed.first?.attempts == 2 && failed.first?.lastStatusCode == 500,
                "the failure was not recorded: \(failed)")
            try require(
                try await store.retryDelivery(delivery.id, of: everything.id, at: soon),
                "a failed delivery could not be retried")
            let retried = try await store.claimDeliveries(
                of: everything.id, limit: 1, now: soon, leaseEnd: soon.addingTimeInterval(60))
            try require(retried.count == 1, "a delivery retried by hand was not claimed")
            try await store.recordAttempt(delivery.id, .gone, at: soon)
            try require(
                try await store.subscription(everything.id)?.active == false, "410 Gone left the subscription on")
            try require(
                !(try await store.retryDelivery(DeliveryID(), of: everything.id, at: soon)),
                "an unknown delivery was retried")
        },
        ConformanceCheck("the backlog counts active lanes' pending deliveries; finished ones go after a retention") {
            store in
            let kept = subscription(takes: [.placed])
            let off = subscription(takes: [.placed])
            for subscription in [kept, off] { try await store.createSubscription(subscription) }
            let later = Fixtures.hourLater
            for date in [Fixtures.epoch, later] {
                guard
                    case .created = try await store.insert(
                        Fixtures.order(for: UserID(), at: date), idempotency: nil, now: date)
                else { throw ConformanceFailure("an order was not placed") }
            }
            var backlog = try await store.deliveryBacklog()
            try require(
                backlog == OutboxBacklog(count: 4, oldestOccurredAt: Fixtures.epoch), "the backlog: \(backlog)")
            try await store.disableSubscription(off.id)
            backlog = try await store.deliveryBacklog()
            try require(backlog.count == 2, "a turned-off subscription's deliveries counted: \(backlog)")
            let claimed = try await store.claimDeliveries(
                of: kept.id, limit: 10, now: later, leaseEnd: later.addingTimeInterval(60))
            try require(claimed.count == 2, "both orders' deliveries were not claimed")
            let early = try required(claimed.first { $0.event.occurredAt == Fixtures.epoch }, "the first event")
            let late = try required(claimed.first { $0.event.occurredAt == later }, "the second event")
            try await store.recordAttempts(
                [
                    (early.delivery.id, .delivered(statusCode: 204)),
                    (late.delivery.id, .retry(statusCode: 503, error: "busy", nextAttemptAt: later)),
                ], at: later)
            let recorded = try await store.deliveries(of: kept.id, after: nil, limit: 10)
            try require(
                recorded.first { $0.id == early.delivery.id }
                    == early.delivery.applying(.delivered(statusCode: 204), at: later)
                    && recorded.first { $0.id == late.delivery.id }
                        == late.delivery.applying(
                            .retry(statusCode: 503, error: "busy", nextAttemptAt: later), at: later),
                "a pass's outcomes were not each recorded as applying(_:at:) makes them")
            backlog = try await store.deliveryBacklog()
            try require(
                backlog == OutboxBacklog(count: 1, oldestOccurredAt: later), "after one delivered: \(backlog)")
            // Three racing sweeps share the one finished delivery before the cutoff.
            let cutoff = Fixtures.epoch.addingTimeInterval(1800)
            let forgotten = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<3 { group.addTask { try await store.forgetDeliveries(before: cutoff) } }
                return try await group.reduce(0, +)
            }
            try require(forgotten == 1, "racing sweeps forgot \(forgotten) deliveries, not 1")
            let left = try await store.deliveries(of: kept.id, after: nil, limit: 10).map(\.id)
            try require(left == [late.delivery.id], "the delivered one did not go, or the pending one went")
            try await store.recordAttempt(late.delivery.id, .failed(statusCode: 500, error: "gave up"), at: later)
            try require(
                try await store.forgetDeliveries(before: later) == 0, "a delivery of an event at the cutoff went")
            try require(
                try await store.forgetDeliveries(before: later.addingTimeInterval(1)) == 1,
                "a failed delivery past the retention stayed")
            try require(
                try await store.deliveries(of: off.id, after: nil, limit: 10).count == 2,
                "pending deliveries went with the retention")
        },
    ]

    private static func subscription(takes events: Set<OrderEventType>) -> WebhookSubscription {
        WebhookSubscription(
            url: URL(string: "https://hooks.example.com/orders")!, events: events,
            secret: try! SigningSecret(String(repeating: "s", count: 32), field: "secret"), createdAt: Fixtures.epoch)
    }

    private static func entry(_ status: OrderStatus) -> OrderHistoryEntry {
        OrderHistoryEntry(status: status, at: Fixtures.epoch, by: .staff)
    }

    private static func place(_ store: Store, for userId: UserID) async throws -> Order {
        guard
            case .created(let order) = try await store.insert(
                Fixtures.order(for: userId), idempotency: nil, now: Fixtures.epoch)
        else { throw ConformanceFailure("an order was not placed") }
        return order
    }

    /// The types of a subscription's deliveries, oldest first.
    private static func types(_ store: Store, _ subscription: WebhookSubscription) async throws -> [OrderEventType] {
        try await store.deliveries(of: subscription.id, after: nil, limit: 100).reversed().map(\.type)
    }
}
