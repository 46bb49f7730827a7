import CommerceCore
import CommerceTesting
import Foundation

/// The faults and the background work: the Order service and the subscriber's endpoint going down and
/// coming back, answers lost after the work was done, crashes, the outbox's and the dispatcher's passes,
/// and the rest at the end.
extension SimulationRun {
    func toggleOrderService() async {
        orderServiceDown.toggle()
        if orderServiceDown { await harness.orderPeer.plan.goDown() } else { await harness.orderPeer.plan.heal() }
        record("order service \(orderServiceDown ? "down" : "up")")
    }

    func toggleEndpoint() async {
        endpointDown.toggle()
        if endpointDown {
            await harness.webhooks.goDown(Self.endpoint)
        } else {
            await harness.webhooks.heal(Self.endpoint)
        }
        record("endpoint \(endpointDown ? "down" : "up")")
    }

    /// The next answers of the Order service (to the outbox) or of the subscriber's endpoint (to the
    /// dispatcher) are lost after the work was done: what was delivered is delivered again. Or the next calls
    /// to the Order service are slow on their way: the outbox sees them time out and tries again, and they
    /// arrive later (``deliverDelayedCalls()``), after the retry and whatever was sent since.
    func loseAnswers() async {
        let count = Int.random(in: 1...3, using: &random)
        switch Int.random(in: 0..<3, using: &random) {
        case 0:
            await harness.orderPeer.plan.failNext(count, with: .lostAnswer)
            record("order service loses \(count) answers")
        case 1:
            await harness.orderPeer.plan.failNext(count, with: .delayed)
            record("order service delays \(count) calls")
        default:
            await harness.webhooks.loseNextAnswers(count, at: Self.endpoint)
            record("endpoint loses \(count) answers")
        }
    }

    /// The calls to the Order service that were slow on their way arrive, in the order they were made.
    func deliverDelayedCalls() async {
        let arrived = await harness.orderPeer.plan.deliverDelayed()
        if arrived > 0 { record("\(arrived) delayed calls arrive") }
    }

    /// Both services stop — half the time with a placement in flight whose answer is lost — and start again
    /// over the same stores: nothing they held only in memory survives (caches, scripted faults, the
    /// endpoint's and the notifier's records, which the run keeps aside).
    func crash() async throws {
        let unanswered = random.chance(50) ? try await placeUnanswered() : nil
        // Calls still on their way arrive at the Order service as it goes down.
        await deliverDelayedCalls()
        for url in [Self.endpoint, Self.churnEndpoint] {
            heardBeforeCrashes[url, default: []] += await harness.webhooks.events(at: url)
        }
        harness = try await Self.services(
            clock: clock, userStore: harness.userStore, orderStore: harness.orderStore,
            deletionPolicy: deletionPolicy)
        if orderServiceDown { await harness.orderPeer.plan.goDown() }
        if endpointDown { await harness.webhooks.goDown(Self.endpoint) }
        record("crash\(unanswered.map { " during \($0.label)" } ?? "")")
        if let unanswered { try await settle(unanswered) }
    }

    /// The second subscription made (to every event), ended, or its lane passed once.
    func churnSubscription() async throws {
        let token = try await harness.callerToken(of: staff.token)
        guard let subscription = churn else {
            churn = try await harness.orders.subscribe(
                WebhookForm(url: Self.churnEndpoint, events: OrderEventType.allCases.map(\.rawValue)),
                as: .staff(staff.id), token: token)
            return record("churn subscribed")
        }
        if random.chance(40) {
            try await harness.orders.unsubscribe(subscription.id, as: .staff(staff.id), token: token)
            churn = nil
            return record("churn unsubscribed")
        }
        let sent = try await harness.webhookDispatcher?.deliverDue(to: subscription) ?? 0
        record("churn events \(sent)")
    }

    /// One pass of the subscription's lane, as the dispatcher's loop makes them.
    func deliverOrderEvents() async throws {
        let sent = try await harness.webhookDispatcher?.deliverDue(to: subscription) ?? 0
        record("order events \(sent)")
    }

    /// One pass of the outbox, its lanes one after another in an order the seed chooses (each lane keeps
    /// its own events' order; between lanes the contract promises none), or one lane alone.
    func deliverOutbox() async throws {
        var topics = OutboxEvent.Topic.allCases.shuffled(using: &random)
        if random.chance(30) { topics = [topics[0]] }
        var delivered: [String] = []
        for topic in topics {
            delivered.append("\(topic.rawValue) \(try await harness.propagator.deliverPending(inLaneOf: topic))")
        }
        record("deliver \(delivered.joined(separator: ", "))")
    }

    /// Every lane of the outbox, one after another.
    func deliverWholeOutbox() async throws -> Int {
        var delivered = 0
        for topic in OutboxEvent.Topic.allCases {
            delivered += try await harness.propagator.deliverPending(inLaneOf: topic)
        }
        return delivered
    }

    /// Heals every fault and delivers the outbox until nothing is left, then checks once more, with the
    /// checks that hold only at rest.
    func quiesce() async throws {
        orderServiceDown = false
        await harness.orderPeer.plan.heal()
        await harness.userPeer.plan.heal()
        await harness.webhooks.heal(Self.endpoint)
        endpointDown = false
        for _ in 0..<10 {
            guard try await deliverWholeOutbox() > 0 else { break }
        }
        // Failed sends wait out their back-off (at most the dispatcher's longest delay) before the next pass.
        for _ in 0..<50 {
            clock.advance(by: .seconds(1))
            guard try await harness.webhookDispatcher?.deliverDue(to: subscription) ?? 0 > 0 else { break }
        }
        record("quiesced")
        try await checkInvariants()
        try await checkOrderEvents(atRest: true)
        for user in users where user.deleted {
            if try await !deletionDelivered(user.alias) {
                violate(.noOrderOutlivesItsUser, "u\(user.alias)'s deletion never reached the Order service")
            }
        }
    }
}
