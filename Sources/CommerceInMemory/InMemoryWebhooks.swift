import CommerceCore
import Foundation

/// The webhook side of ``InMemoryOrderStore``: subscriptions, events and their deliveries, as values the
/// actor changes in the same turn as the order change an event tells of.
struct InMemoryWebhooks {
    private var subscriptions: [WebhookSubscriptionID: WebhookSubscription] = [:]
    private var events: [EventID: OrderEvent] = [:]
    private var deliveries: [DeliveryID: WebhookDelivery] = [:]
    /// Every delivery's id in the order it was made: what claims and pages walk.
    private var sequence: [DeliveryID] = []
    private var leases: [DeliveryID: Date] = [:]

    /// Records `event` with a pending delivery for every active subscription that takes its type.
    mutating func record(_ event: OrderEvent) {
        let takers = subscriptions.values.filter { $0.active && $0.events.contains(event.type) }
        guard !takers.isEmpty else { return }
        events[event.id] = event
        for subscription in takers.sorted(by: { $0.id < $1.id }) {
            let delivery = WebhookDelivery(of: event, to: subscription.id)
            deliveries[delivery.id] = delivery
            sequence.append(delivery.id)
        }
    }

    /// Forgets the events of `userId`'s orders not yet delivered everywhere: their deliveries fail, so
    /// nothing of a deleted user leaves after the deletion.
    mutating func forgetOrders(of userId: UserID, at date: Date) {
        let forgotten = Set(
            events.values.compactMap { event -> EventID? in
                if case .order(let order) = event.data, order.userId == userId { event.id } else { nil }
            })
        guard !forgotten.isEmpty else { return }
        for id in sequence {
            guard let delivery = deliveries[id], forgotten.contains(delivery.eventId), delivery.status != .delivered
            else { continue }
            deliveries[id] = delivery.applying(
                .failed(statusCode: nil, error: "The order's user was deleted before it was delivered."), at: date)
            leases[id] = nil
        }
        for id in forgotten { events[id] = nil }
    }

    mutating func create(_ subscription: WebhookSubscription) { subscriptions[subscription.id] = subscription }

    func subscription(_ id: WebhookSubscriptionID) -> WebhookSubscription? { subscriptions[id] }

    func subscriptions(after: WebhookSubscriptionID?, limit: Int) -> [WebhookSubscription] {
        Array(
            subscriptions.values.filter { subscription in after.map { $0 < subscription.id } ?? true }
                .sorted { $0.id < $1.id }.prefix(max(0, limit)))
    }

    mutating func delete(_ id: WebhookSubscriptionID) -> Bool {
        guard subscriptions.removeValue(forKey: id) != nil else { return false }
        remove(Set(sequence.filter { deliveries[$0]?.subscriptionId == id }))
        return true
    }

    /// Removes these deliveries, and the events no delivery needs any more.
    private mutating func remove(_ gone: Set<DeliveryID>) {
        for id in gone {
            deliveries[id] = nil
            leases[id] = nil
        }
        sequence.removeAll { gone.contains($0) }
        let referenced = Set(deliveries.values.map(\.eventId))
        events = events.filter { referenced.contains($0.key) }
    }

    mutating func disable(_ id: WebhookSubscriptionID) { subscriptions[id]?.active = false }

    func deliveries(of subscription: WebhookSubscriptionID, after: DeliveryID?, limit: Int) -> [WebhookDelivery] {
        let newestFirst = sequence.reversed().compactMap { deliveries[$0] }.filter { $0.subscriptionId == subscription }
        let start = after.flatMap { after in newestFirst.firstIndex { $0.id == after }.map { $0 + 1 } } ?? 0
        return Array(newestFirst.dropFirst(start).prefix(max(0, limit)))
    }

    mutating func claim(of subscription: WebhookSubscriptionID, limit: Int, now: Date, leaseEnd: Date)
        -> [(delivery: WebhookDelivery, event: OrderEvent)]
    {
        guard subscriptions[subscription]?.active == true else { return [] }
        var claimed: [(delivery: WebhookDelivery, event: OrderEvent)] = []
        var waiting: Set<OrderID> = []
        for id in sequence where claimed.count < limit {
            guard let delivery = deliveries[id], delivery.subscriptionId == subscription, delivery.status == .pending
            else { continue }
            // An earlier pending delivery of the same order goes first, held or not, due or not.
            if let order = delivery.orderId {
                guard waiting.insert(order).inserted else { continue }
            }
            guard (delivery.nextAttemptAt ?? now) <= now, (leases[id] ?? .distantPast) <= now,
                let event = events[delivery.eventId]
            else { continue }
            leases[id] = leaseEnd
            claimed.append((delivery, event))
        }
        return claimed
    }

    mutating func record(_ id: DeliveryID, _ outcome: DeliveryOutcome, at date: Date) {
        guard let delivery = deliveries[id] else { return }
        deliveries[id] = delivery.applying(outcome, at: date)
        leases[id] = nil
        if case .gone = outcome { subscriptions[delivery.subscriptionId]?.active = false }
    }

    mutating func retry(_ id: DeliveryID, of subscription: WebhookSubscriptionID, at date: Date) -> Bool {
        guard var delivery = deliveries[id], delivery.subscriptionId == subscription else { return false }
        guard delivery.status == .failed else { return true }
        delivery.status = .pending
        delivery.nextAttemptAt = date
        deliveries[id] = delivery
        return true
    }

    func backlog() -> OutboxBacklog {
        let waiting = deliveries.values.filter {
            $0.status == .pending && subscriptions[$0.subscriptionId]?.active == true
        }
        return OutboxBacklog(count: waiting.count, oldestOccurredAt: waiting.map(\.occurredAt).min())
    }

    mutating func forget(before cutoff: Date) -> Int {
        let gone = Set(
            deliveries.values.filter { $0.status != .pending && $0.occurredAt < cutoff }.map(\.id))
        guard !gone.isEmpty else { return 0 }
        remove(gone)
        return gone.count
    }
}
