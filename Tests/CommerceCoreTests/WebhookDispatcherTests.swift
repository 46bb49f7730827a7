import CommerceCore
import CommerceInMemory
import CommerceTesting
import CoreMetrics
import Foundation
import Logging
import MetricsTestKit
import Synchronization
import Testing

/// The dispatcher's decisions: what each answer makes of a delivery, the back-off, and lanes that do not
/// wait for each other.
@Suite("Webhook dispatcher")
struct WebhookDispatcherTests {
    /// An endpoint per URL host, answering what the test says, and recording what it got.
    final class Endpoints: WebhookSender {
        let answers = Mutex<[String: WebhookAnswer]>([:])
        let received = Mutex<[String: [OrderEventType]]>([:])

        func send(_ event: OrderEvent, delivery: WebhookDelivery, to subscription: WebhookSubscription) async
            -> WebhookAnswer
        {
            let host = subscription.url.host() ?? ""
            let answer = answers.withLock { $0[host] } ?? .status(200)
            if case .status(200) = answer { received.withLock { $0[host, default: []].append(event.type) } }
            return answer
        }
    }

    static let secret = try! SigningSecret(String(repeating: "k", count: 32), field: "secret")

    /// A new pending order of one tea, made at `date`.
    static func order(at date: Date) -> Order {
        Order(
            id: OrderID(), userId: UserID(),
            items: [OrderItem(productId: "tea", name: "Tea", quantity: 1, unitPrice: Money(minorUnits: 250))],
            deliveryAddress: "1 Main St", status: .pending, currency: .usd, total: Money(minorUnits: 250),
            createdAt: date, updatedAt: date)
    }

    static func subscribe(_ store: InMemoryOrderStore, host: String, at date: Date) async -> WebhookSubscription {
        let subscription = WebhookSubscription(
            url: URL(string: "https://\(host)/hooks")!, events: Set(OrderEventType.allCases), secret: secret,
            createdAt: date)
        await store.createSubscription(subscription)
        return subscription
    }

    /// A store with two subscriptions, to `healthy.example` and to `failing.example`, whose endpoint answers
    /// `answer`.
    static func healthyAndFailing(answering answer: WebhookAnswer) async -> (
        TestClock, InMemoryOrderStore, Endpoints, healthy: WebhookSubscription, failing: WebhookSubscription
    ) {
        let clock = TestClock()
        let store = InMemoryOrderStore()
        let endpoints = Endpoints()
        let healthy = await subscribe(store, host: "healthy.example", at: clock.now())
        let failing = await subscribe(store, host: "failing.example", at: clock.now())
        endpoints.answers.withLock { $0["failing.example"] = answer }
        return (clock, store, endpoints, healthy, failing)
    }

    @Test func answersBecomeOutcomesAndTheBackOffDoublesUpToItsCapWithinTheWindow() {
        let dispatcher = WebhookDispatcher(
            store: InMemoryOrderStore(), sender: Endpoints(),
            configuration: .init(
                retryWindow: .seconds(100), firstDelay: .seconds(2), maximumDelay: .seconds(10)),
            jitter: { 1 })
        let start = Date(timeIntervalSince1970: 1_767_225_600)
        let delivery = WebhookDelivery(
            subscriptionId: WebhookSubscriptionID(), eventId: EventID(), type: .placed, orderId: OrderID(),
            occurredAt: start)
        #expect(dispatcher.outcome(of: .status(204), for: delivery, at: start) == .delivered(statusCode: 204))
        #expect(dispatcher.outcome(of: .status(410), for: delivery, at: start) == .gone)
        #expect(
            dispatcher.outcome(of: .refused("a private address"), for: delivery, at: start)
                == .failed(statusCode: nil, error: "a private address"))
        #expect(
            dispatcher.outcome(of: .status(503), for: delivery, at: start)
                == .retry(
                    statusCode: 503, error: "The endpoint answered 503.", nextAttemptAt: start.addingTimeInterval(2)))
        #expect(
            [1, 2, 3, 4, 5].map { dispatcher.delay(afterAttempts: $0) } == [2, 4, 8, 10, 10].map(Duration.seconds))
        var late = delivery
        late.attempts = 9
        #expect(
            dispatcher.outcome(of: .unreachable("timed out"), for: late, at: start.addingTimeInterval(95))
                == .failed(statusCode: nil, error: "timed out"), "a retry after the window is a failure")
        let halfJitter = WebhookDispatcher(
            store: InMemoryOrderStore(), sender: Endpoints(),
            configuration: .init(firstDelay: .seconds(8)), jitter: { 0 })
        #expect(halfJitter.delay(afterAttempts: 1) == .seconds(4), "jitter keeps the upper half")
        let noJitter = WebhookDispatcher(
            store: InMemoryOrderStore(), sender: Endpoints(),
            configuration: .init(firstDelay: .seconds(8), jitter: false), jitter: { 0 })
        #expect(noJitter.delay(afterAttempts: 1) == .seconds(8), "without jitter a delay is its whole length")
    }

    /// A metrics factory that counts the counters asked of it, recording through `TestMetrics`.
    final class CountingFactory: MetricsFactory {
        let recorded = TestMetrics()
        let countersMade = Mutex(0)

        func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
            countersMade.withLock { $0 += 1 }
            return recorded.makeCounter(label: label, dimensions: dimensions)
        }
        func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
            recorded.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
        }
        func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
            recorded.makeTimer(label: label, dimensions: dimensions)
        }
        func destroyCounter(_ handler: any CounterHandler) {}
        func destroyRecorder(_ handler: any RecorderHandler) {}
        func destroyTimer(_ handler: any TimerHandler) {}
    }

    @Test func everyAttemptIsCountedByItsOutcomeThroughOneCounterEach() async throws {
        let (clock, store, endpoints, healthy, failing) = await Self.healthyAndFailing(answering: .status(503))
        let factory = CountingFactory()
        let dispatcher = WebhookDispatcher(
            store: store, sender: endpoints, clock: clock, metrics: CommerceMetrics(factory: factory))
        for _ in 0..<3 { _ = try await store.insert(Self.order(at: clock.now()), idempotency: nil, now: clock.now()) }

        #expect(try await dispatcher.deliverDue(to: healthy) == 3)
        #expect(try await dispatcher.deliverDue(to: failing) == 3)

        let label = "commerce_webhook_deliveries_total"
        #expect(try factory.recorded.expectCounter(label, [("outcome", "delivered")]).totalValue == 3)
        #expect(try factory.recorded.expectCounter(label, [("outcome", "retry")]).totalValue == 3)
        #expect(factory.countersMade.withLock { $0 } == 2, "one counter made for each outcome, not each attempt")
    }

    @Test func aFailingEndpointDelaysNoOtherAndGetsEverythingInOrderOnceItRecovers() async throws {
        let (clock, store, endpoints, healthy, failing) = await Self.healthyAndFailing(answering: .status(500))
        let dispatcher = WebhookDispatcher(
            store: store, sender: endpoints, clock: clock, configuration: .init(firstDelay: .seconds(1)),
            jitter: { 1 })
        let order = Self.order(at: clock.now())
        guard case .created(let placed) = try await store.insert(order, idempotency: nil, now: clock.now()) else {
            Issue.record("not placed")
            return
        }
        _ = try await store.transition(
            placed, to: OrderHistoryEntry(status: .cancelled, at: clock.now(), by: .customer))

        // One order's events go one pass at a time: the cancel is claimed once the placement is delivered.
        #expect(try await dispatcher.deliverDue(to: healthy) == 1)
        #expect(try await dispatcher.deliverDue(to: healthy) == 1)
        #expect(endpoints.received.withLock { $0["healthy.example"] } == [.placed, .cancelled])
        #expect(try await dispatcher.deliverDue(to: failing) == 1, "the cancel waits for the placement")
        clock.advance(by: .seconds(1))
        endpoints.answers.withLock { $0["failing.example"] = nil }
        #expect(try await dispatcher.deliverDue(to: failing) == 1)
        #expect(try await dispatcher.deliverDue(to: failing) == 1)
        #expect(endpoints.received.withLock { $0["failing.example"] } == [.placed, .cancelled])
        let deliveries = await store.deliveries(of: failing.id, after: nil, limit: 10)
        #expect(deliveries.map(\.status) == [.delivered, .delivered])
        #expect(deliveries.map(\.attempts) == [1, 2], "the placement took two attempts, the cancel one")
    }

    /// An endpoint that takes 20 s to answer each delivery, on the test's clock.
    final class SlowEndpoint: WebhookSender {
        let clock: TestClock
        let sent = Mutex(0)

        init(clock: TestClock) { self.clock = clock }

        func send(_ event: OrderEvent, delivery: WebhookDelivery, to subscription: WebhookSubscription) async
            -> WebhookAnswer
        {
            clock.advance(by: .seconds(20))
            sent.withLock { $0 += 1 }
            return .status(204)
        }
    }

    @Test func aPassStartsNoSendOnceHalfItsLeaseIsSpent() async throws {
        let clock = TestClock()
        let store = InMemoryOrderStore()
        let endpoint = SlowEndpoint(clock: clock)
        let subscription = await Self.subscribe(store, host: "slow.example", at: clock.now())
        let dispatcher = WebhookDispatcher(
            store: store, sender: endpoint, clock: clock,
            configuration: .init(lease: .seconds(60), batchSize: 16, concurrentSends: 1))
        for _ in 0..<5 {
            let order = Self.order(at: clock.now())
            _ = try await store.insert(order, idempotency: nil, now: clock.now())
        }

        // Sends start at 0 s and 20 s; at 40 s half the 60 s lease is spent.
        #expect(try await dispatcher.deliverDue(to: subscription) == 2)
        #expect(try await dispatcher.deliverDue(to: subscription) == 0, "the rest are held until the lease ends")
        clock.advance(by: .seconds(20))
        #expect(try await dispatcher.deliverDue(to: subscription) == 2)
        clock.advance(by: .seconds(20))
        #expect(try await dispatcher.deliverDue(to: subscription) == 1)
        #expect(endpoint.sent.withLock { $0 } == 5, "each delivery sent once")
        let deliveries = await store.deliveries(of: subscription.id, after: nil, limit: 10)
        #expect(deliveries.map(\.status) == Array(repeating: .delivered, count: 5))
        #expect(deliveries.map(\.attempts) == Array(repeating: 1, count: 5))
    }

    /// An endpoint that answers a send only once `together` sends are under way at once (204), or after
    /// five seconds without (503).
    final class GatheringEndpoint: WebhookSender {
        let together: Int
        let underWay = Mutex((now: 0, most: 0))

        init(together: Int) { self.together = together }

        func send(_ event: OrderEvent, delivery: WebhookDelivery, to subscription: WebhookSubscription) async
            -> WebhookAnswer
        {
            underWay.withLock { underWay in
                underWay.now += 1
                underWay.most = max(underWay.most, underWay.now)
            }
            defer { underWay.withLock { $0.now -= 1 } }
            let deadline = ContinuousClock.now + .seconds(5)
            while underWay.withLock({ $0.most }) < together, ContinuousClock.now < deadline { await Task.yield() }
            return underWay.withLock { $0.most } >= together ? .status(204) : .status(503)
        }
    }

    @Test func aPassSendsItsDeliveriesSideBySideUpToItsLimit() async throws {
        let clock = TestClock()
        let store = InMemoryOrderStore()
        let endpoint = GatheringEndpoint(together: 3)
        let subscription = await Self.subscribe(store, host: "shop.example", at: clock.now())
        let dispatcher = WebhookDispatcher(
            store: store, sender: endpoint, clock: clock, configuration: .init(concurrentSends: 3))
        for _ in 0..<7 { _ = try await store.insert(Self.order(at: clock.now()), idempotency: nil, now: clock.now()) }

        #expect(try await dispatcher.deliverDue(to: subscription) == 7)
        #expect(endpoint.underWay.withLock { $0.most } == 3, "never more than the limit at once")
        let deliveries = await store.deliveries(of: subscription.id, after: nil, limit: 10)
        #expect(deliveries.map(\.status) == Array(repeating: .delivered, count: 7))
    }

    @Test func aPassStartsNoSendOnceItsEndpointIsGoneAndTheSubscriptionTurnsOff() async throws {
        let (clock, store, endpoints, _, gone) = await Self.healthyAndFailing(answering: .status(410))
        let dispatcher = WebhookDispatcher(
            store: store, sender: endpoints, clock: clock, configuration: .init(concurrentSends: 1))
        for _ in 0..<3 { _ = try await store.insert(Self.order(at: clock.now()), idempotency: nil, now: clock.now()) }

        #expect(try await dispatcher.deliverDue(to: gone) == 1, "the first 410 ends the pass")
        #expect(await store.subscription(gone.id)?.active == false)
        let deliveries = await store.deliveries(of: gone.id, after: nil, limit: 10)
        #expect(deliveries.map(\.attempts).sorted() == [0, 0, 1], "the other two were never sent")
    }

    @Test func aChangeMadeWithinTheSameMillisecondIsDueAtOnce() async throws {
        // 0.6 ms into a millisecond: the change's time is kept rounded up to the next one.
        let clock = TestClock()
        clock.advance(by: .microseconds(600))
        let store = InMemoryOrderStore()
        let endpoints = Endpoints()
        let subscription = await Self.subscribe(store, host: "shop.example", at: clock.now().roundedToMilliseconds)
        let dispatcher = WebhookDispatcher(store: store, sender: endpoints, clock: clock)
        let order = Self.order(at: clock.now().roundedToMilliseconds)
        _ = try await store.insert(order, idempotency: nil, now: clock.now())
        clock.advance(by: .microseconds(100))
        #expect(try await dispatcher.deliverDue(to: subscription) == 1, "a pass after the change sends it")
        #expect(endpoints.received.withLock { $0["shop.example"] } == [.placed])
    }

    @Test func upkeepReportsTheBacklogAndForgetsFinishedDeliveriesAfterTheRetention() async throws {
        let clock = TestClock()
        let store = InMemoryOrderStore()
        let endpoints = Endpoints()
        let subscription = await Self.subscribe(store, host: "shop.example", at: clock.now())
        let dispatcher = WebhookDispatcher(
            store: store, sender: endpoints, clock: clock, configuration: .init(retention: .seconds(3600)))
        let order = Self.order(at: clock.now())
        _ = try await store.insert(order, idempotency: nil, now: clock.now())
        clock.advance(by: .seconds(30))
        let waiting = try await dispatcher.refreshBacklog()
        #expect(waiting.count == 1 && waiting.oldestAge(at: clock.now()) == .seconds(30))
        #expect(try await dispatcher.deliverDue(to: subscription) == 1)
        #expect(try await dispatcher.refreshBacklog() == .empty)
        #expect(try await dispatcher.forgetFinishedDeliveries() == 0, "kept within the retention")
        clock.advance(by: .seconds(3600))
        #expect(try await dispatcher.forgetFinishedDeliveries() == 1)
        #expect(await store.deliveries(of: subscription.id, after: nil, limit: 10).isEmpty)
    }

    /// A webhook store whose subscription reads wait until their task is cancelled (as a read does that
    /// the service group's shutdown cuts short) and say when one has begun; everything else is `inner`'s.
    struct SubscriptionReadsUntilCancelled: WebhookStore {
        let inner: InMemoryOrderStore
        let began: AsyncStream<Void>.Continuation

        func subscriptions(after: WebhookSubscriptionID?, limit: Int) async throws -> [WebhookSubscription] {
            began.yield()
            try await Task.sleep(for: .seconds(3_600))
            return []
        }

        func createSubscription(_ subscription: WebhookSubscription) async throws {
            try await inner.createSubscription(subscription)
        }
        func subscription(_ id: WebhookSubscriptionID) async throws -> WebhookSubscription? {
            try await inner.subscription(id)
        }
        func deleteSubscription(_ id: WebhookSubscriptionID) async throws -> Bool {
            try await inner.deleteSubscription(id)
        }
        func disableSubscription(_ id: WebhookSubscriptionID) async throws {
            try await inner.disableSubscription(id)
        }
        func deliveries(of subscription: WebhookSubscriptionID, after: DeliveryID?, limit: Int) async throws
            -> [WebhookDelivery]
        {
            try await inner.deliveries(of: subscription, after: after, limit: limit)
        }
        func claimDeliveries(of subscription: WebhookSubscriptionID, limit: Int, now: Date, leaseEnd: Date)
            async throws -> [(delivery: WebhookDelivery, event: OrderEvent)]
        {
            try await inner.claimDeliveries(of: subscription, limit: limit, now: now, leaseEnd: leaseEnd)
        }
        func recordAttempts(_ attempts: [(id: DeliveryID, outcome: DeliveryOutcome)], at date: Date) async throws {
            try await inner.recordAttempts(attempts, at: date)
        }
        func retryDelivery(_ id: DeliveryID, of subscription: WebhookSubscriptionID, at date: Date) async throws
            -> Bool
        {
            try await inner.retryDelivery(id, of: subscription, at: date)
        }
        func deliveryBacklog() async throws -> OutboxBacklog { try await inner.deliveryBacklog() }
        func forgetDeliveries(before cutoff: Date) async throws -> Int {
            try await inner.forgetDeliveries(before: cutoff)
        }
    }

    @Test func aDispatcherStoppedDuringItsSubscriptionReadLogsNoFailure() async throws {
        let (began, beginning) = AsyncStream.makeStream(of: Void.self)
        let recorder = LogRecorder()
        let dispatcher = WebhookDispatcher(
            store: SubscriptionReadsUntilCancelled(inner: InMemoryOrderStore(), began: beginning),
            sender: Endpoints(), clock: TestClock(), logger: Logger(label: "test", factory: recorder.handler))
        let running = Task { try await dispatcher.run() }
        var reads = began.makeAsyncIterator()
        _ = await reads.next()
        running.cancel()
        try await running.value
        #expect(recorder.entriesSoFar.filter { $0.level >= .error }.map(\.message) == [])
    }
}
