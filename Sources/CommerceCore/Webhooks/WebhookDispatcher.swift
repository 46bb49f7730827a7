import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Tracing

/// Delivers order events to webhook subscriptions: one lane per active subscription, so a failing endpoint
/// delays no other; in each lane, due deliveries claimed with a lease (several Order processes share the
/// store and never send one delivery at once), one order's events in the order they happened (the store's
/// claim sees to it), failures retried with capped exponential back-off and jitter until the retry window
/// ends, then `failed` (retryable by hand). An endpoint answering `410 Gone` turns its subscription off.
public final class WebhookDispatcher: Service {
    /// How the dispatcher paces itself.
    public struct Configuration: Sendable {
        /// How often each lane looks for due deliveries when it found none, and how often the dispatcher
        /// looks for new subscriptions.
        public var pollInterval: Duration
        /// How long a claim holds a delivery: at least twice a send's timeout. A pass starts no send once
        /// half the lease is spent, so the last send ends before the lease does and no other process sends
        /// it meanwhile.
        public var lease: Duration
        /// How long after its event a delivery is retried before it is `failed`.
        public var retryWindow: Duration
        /// The first retry's delay; each next one doubles it, up to ``maximumDelay``.
        public var firstDelay: Duration
        /// The longest delay between two attempts.
        public var maximumDelay: Duration
        /// How many deliveries a lane claims at once.
        public var batchSize: Int
        /// How many of a pass's claimed deliveries are sent at once (at least 1: one after another, in
        /// the claim's order). A claim holds at most one delivery of an order, so sends side by side never
        /// reorder one order's events; they spare the lane a wait for each answer in turn.
        public var concurrentSends: Int
        /// How long a finished (delivered or failed) delivery and its event are kept after the event, for
        /// the deliveries page and a retry by hand; then they are forgotten.
        public var retention: Duration
        /// How often the backlog gauges are refreshed.
        public var backlogInterval: Duration
        /// How often finished deliveries past the retention are forgotten: seldom, since finding them reads
        /// every finished delivery.
        public var retentionSweepInterval: Duration
        /// Whether each delay lands at random in its upper half (so many failing deliveries do not come
        /// back at once) or always at its whole length (for a run that must replay exactly).
        public var jitter: Bool
        /// Where the dispatcher's lanes run (their task executor preference); `nil`: wherever its service
        /// is run. `CommerceHTTP`'s `BackgroundEventLoop` runs them on a thread of their own at a lower
        /// scheduling priority, so that a backlog of deliveries yields a busy core to requests.
        public var executor: (any TaskExecutor)?

        /// The defaults: poll every second, a 60 s lease, 24 hours of retries from 1 s to an hour apart,
        /// passes of 16 deliveries sent 8 at a time, finished deliveries kept for 7 days and forgotten hourly,
        /// the backlog read every 10 s.
        public init(
            pollInterval: Duration = .seconds(1), lease: Duration = .seconds(60),
            retryWindow: Duration = .seconds(86_400),
            firstDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(3600), batchSize: Int = 16,
            concurrentSends: Int = 8,
            retention: Duration = .seconds(7 * 86_400), backlogInterval: Duration = .seconds(10),
            retentionSweepInterval: Duration = .seconds(3600), jitter: Bool = true,
            executor: (any TaskExecutor)? = nil
        ) {
            self.concurrentSends = concurrentSends
            self.executor = executor
            self.pollInterval = pollInterval
            self.lease = lease
            self.retryWindow = retryWindow
            self.firstDelay = firstDelay
            self.maximumDelay = maximumDelay
            self.batchSize = batchSize
            self.retention = retention
            self.backlogInterval = backlogInterval
            self.retentionSweepInterval = retentionSweepInterval
            self.jitter = jitter
        }
    }

    private let store: any WebhookStore
    private let sender: any WebhookSender
    private let clock: any CommerceClock
    private let configuration: Configuration
    private let logger: Logger
    private let metrics: CommerceMetrics
    /// A number in `0...1` for each delay's jitter: random, or fixed in tests.
    private let jitter: @Sendable () -> Double
    /// The subscriptions whose lanes run.
    private let running = Mutex<Set<WebhookSubscriptionID>>([])

    /// A dispatcher of `store`'s deliveries through `sender`.
    public init(
        store: any WebhookStore, sender: any WebhookSender, clock: any CommerceClock = SystemClock(),
        configuration: Configuration = Configuration(), logger: Logger = Logger(label: "commerce.webhooks"),
        metrics: CommerceMetrics = CommerceMetrics(),
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.metrics = metrics
        self.store = store
        self.sender = sender
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
        self.jitter = jitter
    }

    /// Runs a lane for every active subscription, starting one for each new subscription within a poll,
    /// until cancelled or the service group shuts down; on ``Configuration/executor`` when it names one.
    public func run() async throws {
        await withTaskExecutorPreference(configuration.executor) { await runLanes() }
    }

    private func runLanes() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.upkeep() }
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                do {
                    for subscription in try await activeSubscriptions()
                    where running.withLock({ $0.insert(subscription.id).inserted }) {
                        group.addTask {
                            await self.lane(subscription.id)
                            _ = self.running.withLock { $0.remove(subscription.id) }
                        }
                    }
                } catch {
                    // A read cut short by stopping (the service group cancels the dispatcher) is no failure.
                    if error is CancellationError || Task.isCancelled { break }
                    logger.error("reading webhook subscriptions failed", metadata: ["error": "\(error)"])
                }
                do { try await clock.sleep(for: configuration.pollInterval) } catch { break }
            }
            group.cancelAll()
        }
    }

    /// The backlog gauges refreshed every ``Configuration/backlogInterval``, and the finished deliveries past
    /// the retention forgotten every ``Configuration/retentionSweepInterval`` (the first time at start).
    private func upkeep() async {
        var lastSweep: Date?
        while !Task.isCancelled {
            do {
                let now = clock.now()
                if lastSweep.map({ now.timeIntervalSince($0) >= configuration.retentionSweepInterval.timeInterval })
                    ?? true
                {
                    lastSweep = now
                    try await forgetFinishedDeliveries()
                }
                try await refreshBacklog()
            } catch is CancellationError {
                return
            } catch {
                logger.error("webhook upkeep failed", metadata: ["error": "\(error)"])
            }
            do { try await clock.sleep(for: configuration.backlogInterval) } catch { return }
        }
    }

    /// Forgets the finished deliveries whose events are older than the retention; returns how many went.
    @discardableResult
    public func forgetFinishedDeliveries() async throws -> Int {
        let forgotten = try await store.forgetDeliveries(
            before: clock.now().addingTimeInterval(-configuration.retention.timeInterval))
        if forgotten > 0 {
            logger.info("forgot finished webhook deliveries", metadata: ["deliveries": "\(forgotten)"])
        }
        return forgotten
    }

    /// Reads the backlog into the gauges and returns it.
    @discardableResult
    public func refreshBacklog() async throws -> OutboxBacklog {
        let backlog = try await store.deliveryBacklog()
        metrics.webhookBacklog(backlog, at: clock.now())
        return backlog
    }

    /// One subscription's lane: passes until it is gone or turned off, sleeping when nothing is due.
    private func lane(_ id: WebhookSubscriptionID) async {
        while !Task.isCancelled {
            do {
                guard let subscription = try await store.subscription(id), subscription.active else { return }
                if try await deliverDue(to: subscription) == 0 {
                    try await clock.sleep(for: configuration.pollInterval)
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error(
                    "webhook delivery pass failed", metadata: ["subscription": "\(id)", "error": "\(error)"])
                do { try await clock.sleep(for: configuration.pollInterval) } catch { return }
            }
        }
    }

    /// One pass of one subscription: claims its due deliveries and sends each (``Configuration/concurrentSends``
    /// at a time), recording what each came to, until half the lease is spent or the endpoint is gone (the
    /// deliveries left unsent stay held until the lease ends, then are claimed again). Returns how many it
    /// sent.
    @discardableResult
    public func deliverDue(to subscription: WebhookSubscription) async throws -> Int {
        // At the stores' precision: a delivery is due at its event's time rounded to the nearest millisecond,
        // which can be up to half a millisecond after the change; rounding `now` the same way (rounding keeps
        // order) makes a delivery due on any pass that begins after its change committed.
        let now = clock.now().roundedToMilliseconds
        let claimed = try await store.claimDeliveries(
            of: subscription.id, limit: configuration.batchSize, now: now,
            leaseEnd: now.addingTimeInterval(configuration.lease.timeInterval))
        // The outcomes are recorded together, in one write: until then each delivery stays leased, so a crash
        // in between sends them again once the lease ends (at least once, as always).
        var attempts: [(id: DeliveryID, outcome: DeliveryOutcome)] = []
        let lastStart = now.addingTimeInterval(configuration.lease.timeInterval / 2)
        await withTaskGroup(of: (WebhookDelivery, DeliveryOutcome).self) { group in
            var unsent = claimed.makeIterator()
            var sending = 0
            var gone = false
            while true {
                // A send begun later could still be under way when the lease ends and another process claims
                // the delivery: sent twice, which at least once allows but a slow endpoint should not cause.
                while sending < max(1, configuration.concurrentSends), !gone, clock.now() <= lastStart,
                    let (delivery, event) = unsent.next()
                {
                    group.addTask {
                        let answer = await self.send(event, delivery: delivery, to: subscription)
                        return (delivery, self.outcome(of: answer, for: delivery, at: self.clock.now()))
                    }
                    sending += 1
                }
                guard let (delivery, outcome) = await group.next() else { break }
                sending -= 1
                attempts.append((delivery.id, outcome))
                log(outcome, of: delivery)
                if case .gone = outcome { gone = true }
            }
        }
        try await store.recordAttempts(attempts, at: clock.now())
        return attempts.count
    }

    /// Sends one delivery as a span of a trace of its own (`deliver order.placed`), linked to the trace of
    /// the request that made the change (kept with the event), whose context the request carries on.
    private func send(_ event: OrderEvent, delivery: WebhookDelivery, to subscription: WebhookSubscription) async
        -> WebhookAnswer
    {
        await withSpan("deliver \(event.type.rawValue)", ofKind: .producer) { span in
            if span.isRecording {
                span.attributes["commerce.event.id"] = event.id.description
                span.attributes["commerce.delivery.id"] = delivery.id.description
                if let cause = event.traceContext {
                    span.addLink(SpanLink(context: TraceContextText.context(cause), attributes: [:]))
                }
            }
            return await sender.send(event, delivery: delivery, to: subscription)
        }
    }

    /// Every active subscription, page by page.
    private func activeSubscriptions() async throws -> [WebhookSubscription] {
        var all: [WebhookSubscription] = []
        var after: WebhookSubscriptionID?
        while true {
            let page = try await store.subscriptions(after: after, limit: 100)
            all += page.filter(\.active)
            guard page.count == 100, let last = page.last else { return all }
            after = last.id
        }
    }

    /// What `answer` makes of `delivery`'s attempt at `now`: delivered for a 2xx, gone for a 410; otherwise
    /// a retry after the back-off, or failed when that would end after the retry window (or the address is
    /// refused).
    package func outcome(of answer: WebhookAnswer, for delivery: WebhookDelivery, at now: Date) -> DeliveryOutcome {
        let statusCode: Int?
        let error: String
        switch answer {
        case .status(let code) where (200..<300).contains(code): return .delivered(statusCode: code)
        case .status(410): return .gone
        case .status(let code):
            statusCode = code
            error = "The endpoint answered \(code)."
        case .unreachable(let reason):
            statusCode = nil
            error = reason
        case .refused(let reason):
            return .failed(statusCode: nil, error: reason)
        }
        let next = now.addingTimeInterval(delay(afterAttempts: delivery.attempts + 1).timeInterval)
        guard next <= delivery.occurredAt.addingTimeInterval(configuration.retryWindow.timeInterval) else {
            return .failed(statusCode: statusCode, error: error)
        }
        return .retry(statusCode: statusCode, error: error, nextAttemptAt: next.roundedToMilliseconds)
    }

    /// The wait after `attempts` failed attempts: the first delay doubled for each earlier failure, capped,
    /// then somewhere in its upper half (jitter, so many failing deliveries do not come back at once).
    package func delay(afterAttempts attempts: Int) -> Duration {
        let doubled = configuration.firstDelay.timeInterval * pow(2, Double(min(max(attempts - 1, 0), 40)))
        let capped = min(doubled, configuration.maximumDelay.timeInterval)
        let spread = configuration.jitter ? min(max(jitter(), 0), 1) : 1
        return .interval(capped / 2 + capped / 2 * spread)
    }

    private func log(_ outcome: DeliveryOutcome, of delivery: WebhookDelivery) {
        // The metadata is built only for a message the logger writes: at the `error` level a shop's busy
        // dispatcher logs no delivery, and five ids formatted as text for each would be most of its log work.
        func metadata(_ more: Logger.Metadata = [:]) -> Logger.Metadata {
            [
                "deliveryId": "\(delivery.id)", "subscription": "\(delivery.subscriptionId)",
                "eventId": "\(delivery.eventId)", "type": "\(delivery.type.rawValue)",
                "attempt": "\(delivery.attempts + 1)",
            ].merging(more) { _, more in more }
        }
        switch outcome {
        case .delivered:
            metrics.webhookAttempt("delivered")
            logger.info("webhook delivered", metadata: metadata())
        case .retry(_, let error, let next):
            metrics.webhookAttempt("retry")
            logger.warning(
                "webhook delivery failed; will retry",
                metadata: metadata(["error": "\(error)", "nextAttemptAt": "\(next)"]))
        case .failed(_, let error):
            metrics.webhookAttempt("failed")
            logger.error("webhook delivery failed for good", metadata: metadata(["error": "\(error)"]))
        case .gone:
            metrics.webhookAttempt("gone")
            logger.warning("webhook endpoint gone; subscription turned off", metadata: metadata())
        }
    }
}
