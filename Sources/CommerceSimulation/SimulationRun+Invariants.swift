import CommerceCore
import CommerceTesting
import Foundation

/// The invariants (``SimulationInvariant``), read from the stores after every step.
extension SimulationRun {
    /// Whether the deletion of the user `alias` has reached the Order service (its tombstone is there):
    /// from then on, no token of theirs may be honoured.
    func deletionDelivered(_ alias: Int) async throws -> Bool {
        guard users[alias].deleted else { return false }
        return try await harness.orderStore.isTombstoned(users[alias].id)
    }

    /// Whether every revocation of the user `alias` has been delivered to the Order service, as the User
    /// service's outbox records it (not as the Order service says: a store that loses one must be caught).
    func revocationsDelivered(_ alias: Int) async throws -> Bool {
        let pending = try await harness.userStore.pendingEvents(of: [.tokensRevoked], limit: 10_000)
        return !pending.contains { $0.userId == users[alias].id }
    }

    func checkInvariants() async throws {
        var stored: [OrderID: Order] = [:]
        for order in try await harness.orderStore.allOrders(status: nil, after: nil, limit: 10_000, token: nil) {
            stored[order.id] = order
        }
        var gone: Set<Int> = []
        for user in users.indices where try await deletionDelivered(user) { gone.insert(user) }
        var taken = Array(repeating: 0, count: Self.products.count)
        for order in orders {
            if gone.contains(order.user) {
                // Deleted: what the deletion did not put back stays taken.
                if !OrderLifecycle.returningStockOnDeletion.contains(order.status),
                    OrderLifecycle.holdingStock.contains(order.status)
                {
                    taken[order.product] += order.quantity
                }
                checkDeleted(order, stored: stored[order.id])
            } else if let current = stored[order.id] {
                if OrderLifecycle.holdingStock.contains(current.status) { taken[order.product] += order.quantity }
                checkHistory(current)
            } else {
                violate(.acknowledgedOrdersKept, "o\(order.alias) of u\(order.user) is gone")
            }
        }
        for (index, product) in Self.products.enumerated() {
            let stock = try await harness.orderStore.product(product)?.stock
            let expected = configuration.startingStock + adjustments[index] - taken[index]
            if stock != expected || (stock ?? 0) < 0 {
                violate(.stockConserved, "p\(index) holds \(stock.map(String.init) ?? "nothing"), expected \(expected)")
            }
        }
        for user in users {
            let stored = try await harness.userStore.user(id: user.id)
            if user.deleted ? stored != nil : stored?.user.username.value != user.username {
                violate(
                    .acknowledgedProfilesKept,
                    "u\(user.alias) reads \(stored.map { "as \($0.user.username.value)" } ?? "as gone")")
            }
        }
        // Each live user's own newest page, as they read it, is what the store holds of theirs: a store that
        // keeps pages between reads must have dropped those the step changed.
        let held = Dictionary(grouping: stored.values, by: \.userId)
        for user in users.indices where !gone.contains(user) {
            let expected = (held[users[user].id] ?? []).sorted { $0.cursor.precedes($1) }.prefix(100)
            let page = try await harness.orderStore.liveOrders(
                of: users[user].id, status: nil, after: nil, limit: 100, token: nil)
            if page.map({ $0[...] }) != expected {
                violate(.acknowledgedOrdersKept, "u\(users[user].alias)'s own page is not the orders stored of theirs")
            }
        }
        let deletedIds = Set(gone.map { users[$0].id })
        if let kept = stored.values.first(where: { deletedIds.contains($0.userId) }) {
            violate(.noOrderOutlivesItsUser, "\(alias(of: kept.id)) is still its deleted user's")
        }
        try await checkOrderEvents(atRest: false)
    }

    /// An order of a user whose deletion has arrived: gone with `purge`; with `anonymise`, kept with nothing
    /// of the person — another owner, the address and item names redacted.
    func checkDeleted(_ order: SimOrder, stored: Order?) {
        switch (deletionPolicy, stored) {
        case (.purge, nil): return
        case (.purge, .some):
            violate(.noOrderOutlivesItsUser, "o\(order.alias) outlived u\(order.user)'s deletion")
        case (.anonymise, nil):
            violate(.acknowledgedOrdersKept, "o\(order.alias) of u\(order.user) is gone, not anonymised")
        case (.anonymise, .some(let kept)):
            let owners = Set(users.map(\.id))
            if owners.contains(kept.userId) || kept.deliveryAddress != Order.redacted
                || kept.items.contains(where: { $0.name != Order.redacted })
            {
                violate(.noOrderOutlivesItsUser, "o\(order.alias) of deleted u\(order.user) still points to a person")
            }
        }
    }

    /// What the endpoint heard of each order is, in order, what the order was acknowledged to go through — a
    /// beginning of it until the run is at rest, all of it then (a deleted user's undelivered events are
    /// forgotten with them, so theirs stays a beginning) — and nothing of an order that was never
    /// acknowledged.
    func checkOrderEvents(atRest: Bool) async throws {
        var heard: [OrderID: [OrderStatus]] = [:]
        var seen: Set<EventID> = []
        for event in try await events(at: Self.endpoint) where seen.insert(event.id).inserted {
            guard case .order(let order) = event.data else { continue }
            heard[order.id, default: []].append(order.status)
        }
        try await checkChurnEvents()
        for order in orders {
            let told = heard.removeValue(forKey: order.id) ?? []
            let whole = atRest && !users[order.user].deleted
            if whole ? told != order.statuses : !order.statuses.starts(with: told) {
                violate(
                    .orderEventsDelivered,
                    "o\(order.alias) went \(order.statuses.map(\.rawValue)), the endpoint heard \(told.map(\.rawValue))"
                )
            }
        }
        if !heard.isEmpty {
            violate(.orderEventsDelivered, "\(heard.count) orders never acknowledged were told of")
        }
    }

    /// Every order event `url` took, through crashes too.
    func events(at url: String) async throws -> [OrderEvent] {
        (heardBeforeCrashes[url] ?? []) + (await harness.webhooks.events(at: url))
    }

    /// What the second subscription's endpoint heard of each order — subscriptions to it made and ended
    /// along the way — is some of what the order was acknowledged to go through, in order, and nothing of
    /// an order never acknowledged.
    func checkChurnEvents() async throws {
        var heard: [OrderID: [OrderStatus]] = [:]
        var seen: Set<EventID> = []
        for event in try await events(at: Self.churnEndpoint) where seen.insert(event.id).inserted {
            guard case .order(let order) = event.data else { continue }
            heard[order.id, default: []].append(order.status)
        }
        for order in orders {
            var rest = order.statuses[...]
            for status in heard.removeValue(forKey: order.id) ?? [] {
                guard let found = rest.firstIndex(of: status) else {
                    violate(.orderEventsDelivered, "the second subscriber heard o\(order.alias) out of order")
                    break
                }
                rest = rest[(found + 1)...]
            }
        }
        if !heard.isEmpty {
            violate(.orderEventsDelivered, "the second subscriber was told of \(heard.count) orders never acknowledged")
        }
    }

    /// A history starts `pending`, takes only steps the lifecycle table allows, ends at the order's status,
    /// and its version counts its steps.
    func checkHistory(_ order: Order) {
        let history = order.history
        guard let first = history.first, first.status == .pending else {
            return violate(.legalHistory, "\(alias(of: order.id)) does not start pending")
        }
        for (previous, next) in zip(history, history.dropFirst()) {
            let allowed = OrderAction.allCases.contains { action in
                action.target == next.status
                    && OrderLifecycle.decide(action, from: previous.status, by: next.by) == .move(to: next.status)
            }
            if !allowed {
                violate(
                    .legalHistory,
                    "\(alias(of: order.id)): \(previous.status.rawValue) to \(next.status.rawValue) by \(next.by)")
            }
        }
        if history.last?.status != order.status {
            violate(
                .legalHistory,
                "\(alias(of: order.id)) is \(order.status.rawValue), its history ends \(history.last!.status.rawValue)")
        }
        if order.version != history.count {
            violate(.legalHistory, "\(alias(of: order.id)) is at version \(order.version) after \(history.count) steps")
        }
    }
}
