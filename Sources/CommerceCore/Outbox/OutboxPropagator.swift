import Foundation
import Logging
import ServiceLifecycle

/// Delivers every pending ``OutboxEvent`` to the Order service until it succeeds: at least once,
/// forever, resuming after restarts (the events live in the ``UserStore``). A deletion becomes a purge of
/// the user's orders, a revocation the Order service's mark of the user's void tokens.
///
/// Run it as a swift-service-lifecycle `Service` next to the User service. The ``UserService`` also asks it
/// for one prompt delivery of each event it records, so that a healthy Order service has purged, or
/// refuses the voided tokens, before the request answers. Delivery may happen more than once (a prompt
/// delivery racing the loop, a crash before the event is marked); both deliveries are idempotent, so that
/// is harmless.
public struct OutboxPropagator: Service {
    /// How deliveries are paced.
    public struct Configuration: Sendable {
        /// Retries of the background loop; every failure is retried, without end by default.
        public var retry: RetryPolicy
        /// The one quick try made while `DELETE` waits: one attempt, 2 s at most, by default.
        public var prompt: RetryPolicy
        /// How often the loop looks for pending events when there are none.
        public var pollInterval: Duration
        /// How many events one look fetches.
        public var batchSize: Int
        /// How often the backlog is checked, to log when it grows.
        public var backlogCheckInterval: Duration
        /// The longest a pending deletion may wait before the User service reports itself not ready
        /// (`GET /ready`); `nil` never does.
        public var readinessBacklogAgeLimit: Duration?
        /// How long a claimed batch is held for this process (``UserStore/claimPendingEvents(limit:now:leaseEnd:)``).
        /// Each event is tried for at most half of it, so a delivery always ends while its lease holds.
        public var lease: Duration

        /// Pacing with the defaults production uses (each parameter documented on its property).
        public init(
            retry: RetryPolicy = .background,
            prompt: RetryPolicy = RetryPolicy(
                maxAttempts: 1, baseDelay: .zero, maxDelay: .zero, attemptTimeout: .seconds(2), deadline: .seconds(2)),
            pollInterval: Duration = .seconds(1), batchSize: Int = 100, backlogCheckInterval: Duration = .seconds(10),
            readinessBacklogAgeLimit: Duration? = .seconds(900), lease: Duration = .seconds(60)
        ) {
            self.lease = lease
            self.retry = retry
            self.prompt = prompt
            self.pollInterval = pollInterval
            self.batchSize = batchSize
            self.backlogCheckInterval = backlogCheckInterval
            self.readinessBacklogAgeLimit = readinessBacklogAgeLimit
        }
    }

    private let events: any UserStore
    private let orders: any OrderServicePeer
    /// How this propagator paces deliveries and judges its backlog.
    public let configuration: Configuration
    private let clock: any CommerceClock
    private let logger: Logger
    private let metrics: CommerceMetrics

    /// A propagator reading pending events from `events` and purging through `orders`.
    public init(
        events: any UserStore, orders: any OrderServicePeer, configuration: Configuration = Configuration(),
        clock: any CommerceClock = SystemClock(), logger: Logger = Logger(label: "commerce.deletion-propagator"),
        metrics: CommerceMetrics = CommerceMetrics()
    ) {
        self.events = events
        self.orders = orders
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
    }

    /// One quick delivery of `event` under the prompt policy; `true` when the Order service confirmed and
    /// the event is marked delivered. Never throws: a failure releases the event to the loop at once
    /// (``UserStore/releaseClaim(_:)``).
    public func deliverPromptly(_ event: OutboxEvent) async -> Bool {
        do {
            try await deliver(event, policy: configuration.prompt, retryingEverything: false)
            return true
        } catch {
            logger.notice(
                "\(event.kind.name) not yet propagated; will retry",
                metadata: ["userId": "\(event.userId)", "eventId": "\(event.id)", "error": "\(error)"])
            // A store with leases holds a new event for this prompt try; it failed, so hand the event to the
            // background loops (this process's or another replica's) now, rather than when the hold ends.
            try? await events.releaseClaim(event.id)
            return false
        }
    }

    /// Delivers everything pending now: claims a batch (held for ``Configuration/lease``) and tries each
    /// event under the background policy for at most half the lease. An event that still fails stays
    /// pending for a later pass (of this process or, once its lease ends, another's). Returns how many
    /// events were delivered. Stops with `CancellationError` when cancelled.
    @discardableResult
    public func deliverPending() async throws -> Int {
        var delivered = 0
        var policy = configuration.retry
        let window = configuration.lease / 2
        policy.deadline = min(policy.deadline ?? window, window)
        while true {
            let now = clock.now()
            let batch = try await events.claimPendingEvents(
                limit: configuration.batchSize, now: now,
                leaseEnd: now.addingTimeInterval(configuration.lease.timeInterval))
            for event in batch {
                do {
                    try await deliver(event, policy: policy, retryingEverything: true)
                    delivered += 1
                } catch let error as CancellationError {
                    throw error
                } catch {
                    logger.warning(
                        "\(event.kind.name) not delivered in this pass; will retry",
                        metadata: ["userId": "\(event.userId)", "eventId": "\(event.id)", "error": "\(error)"])
                }
            }
            if batch.count < configuration.batchSize { return delivered }
        }
    }

    /// The pending deletions now: how many, and how old the oldest is. Also recorded in the metrics.
    public func backlog() async throws -> OutboxBacklog {
        let backlog = try await events.outboxBacklog()
        metrics.outboxBacklog(backlog, at: clock.now())
        return backlog
    }

    /// Whether `backlog`'s oldest deletion has waited no longer than
    /// ``Configuration/readinessBacklogAgeLimit`` (always, without a limit).
    public func isWithinReadinessLimit(_ backlog: OutboxBacklog) -> Bool {
        guard let limit = configuration.readinessBacklogAgeLimit else { return true }
        return backlog.oldestAge(at: clock.now()) <= limit
    }

    /// How long the oldest of `backlog`'s deletions has waited, by this propagator's clock.
    public func age(of backlog: OutboxBacklog) -> Duration {
        backlog.oldestAge(at: clock.now())
    }

    /// The loop: deliver what is pending, wait a poll interval, again, until graceful shutdown or cancellation.
    /// Beside it, the backlog is checked every ``Configuration/backlogCheckInterval`` and a `warning` is
    /// logged whenever it has grown, so a stuck Order service shows in the logs.
    public func run() async throws {
        logger.info("outbox propagator started")
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await deliverForever() }
                    group.addTask { try await watchBacklog() }
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch is CancellationError {}
        logger.info("outbox propagator stopped")
    }

    private func deliverForever() async throws {
        while true {
            do {
                try await deliverPending()
            } catch let error as CancellationError {
                throw error
            } catch {
                logger.error("reading pending outbox events failed", metadata: ["error": "\(error)"])
            }
            try await clock.sleep(for: configuration.pollInterval)
        }
    }

    private func watchBacklog() async throws {
        var lastCount = 0
        while true {
            if let backlog = try? await backlog() {
                if backlog.count > lastCount {
                    logger.warning(
                        "outbox events are waiting for the Order service",
                        metadata: [
                            "pendingEvents": "\(backlog.count)",
                            "oldestPendingAgeSeconds": "\(Int(backlog.oldestAge(at: clock.now()).timeInterval))",
                        ])
                }
                lastCount = backlog.count
            }
            try await clock.sleep(for: configuration.backlogCheckInterval)
        }
    }

    /// Delivers under the id of the request that made the change (kept with the event), so the Order
    /// service logs what it does about it under that id too.
    private func deliver(_ event: OutboxEvent, policy: RetryPolicy, retryingEverything: Bool) async throws {
        try await RequestID.$current.withValue(event.requestID ?? RequestID.current) {
            let orders = orders
            let userId = event.userId
            let kind = event.kind
            let outcome = try await policy.run(
                clock: clock, retryingEverything: retryingEverything, logger: logger,
                metrics: metrics.peer("order-service")
            ) { () async throws -> Logger.Metadata in
                switch kind {
                case .userDeleted:
                    return ["ordersDeleted": "\(try await orders.purgeOrders(of: userId))"]
                case .tokensRevoked(let issuedBefore):
                    try await orders.revokeTokens(of: userId, issuedBefore: issuedBefore)
                    return [:]
                }
            }
            try await events.markDelivered(event.id)
            logger.info(
                "\(event.kind.name) propagated",
                metadata: outcome.merging(["userId": "\(event.userId)", "eventId": "\(event.id)"]) { $1 })
        }
    }
}
