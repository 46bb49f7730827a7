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
    /// Where password-reset tokens go; `nil` when this deployment sends none.
    let notifier: (any Notifier)?
    /// How long a password-reset token works.
    private let resetLifetime: Duration
    /// How this propagator paces deliveries and judges its backlog.
    public let configuration: Configuration
    private let clock: any CommerceClock
    private let logger: Logger
    private let metrics: CommerceMetrics

    /// A propagator reading pending events from `events`, delivering deletions and revocations to `orders`
    /// and password-reset tokens (valid for `resetLifetime`, 30 minutes by default) to `notifier`.
    public init(
        events: any UserStore, orders: any OrderServicePeer, notifier: (any Notifier)? = nil,
        resetLifetime: Duration = .seconds(30 * 60), configuration: Configuration = Configuration(),
        clock: any CommerceClock = SystemClock(), logger: Logger = Logger(label: "commerce.outbox-propagator"),
        metrics: CommerceMetrics = CommerceMetrics()
    ) {
        self.events = events
        self.orders = orders
        self.notifier = notifier
        self.resetLifetime = resetLifetime
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
                metadata: [
                    "userId": "\(event.userId.map(\.description) ?? "none")", "eventId": "\(event.id)",
                    "error": "\(error)",
                ])
            // A store with leases holds a new event for this prompt try; it failed, so hand the event to the
            // background loops (this process's or another replica's) now, rather than when the hold ends.
            try? await events.releaseClaim(event.id)
            return false
        }
    }

    /// Delivers everything pending now: claims a batch (held for ``Configuration/lease``) and tries each
    /// event under the background policy for at most half the lease. An event that still fails stays
    /// pending for a later pass (of this process or, once its lease ends, another's), and so do the rest of
    /// the pass's events bound where it was (released at once): a dead Order service holds up no password
    /// reset, and a dead mail service no deletion. Returns how many events were delivered. Stops with
    /// `CancellationError` when cancelled.
    @discardableResult
    public func deliverPending() async throws -> Int {
        var delivered = 0
        var policy = configuration.retry
        let window = configuration.lease / 2
        policy.deadline = min(policy.deadline ?? window, window)
        var unreachable: Set<Destination> = []
        while true {
            let now = clock.now()
            let batch = try await events.claimPendingEvents(
                limit: configuration.batchSize, now: now,
                leaseEnd: now.addingTimeInterval(configuration.lease.timeInterval))
            for event in batch {
                let destination = Destination(event.kind)
                if unreachable.contains(destination) {
                    try? await events.releaseClaim(event.id)
                    continue
                }
                do {
                    try await deliver(event, policy: policy, retryingEverything: true)
                    delivered += 1
                } catch let error as CancellationError {
                    throw error
                } catch {
                    unreachable.insert(destination)
                    logger.warning(
                        "\(event.kind.name) not delivered in this pass; will retry",
                        metadata: [
                            "userId": "\(event.userId.map(\.description) ?? "none")", "eventId": "\(event.id)",
                            "error": "\(error)",
                        ])
                }
            }
            // A full batch may hide more; but a store without leases offers undelivered events again, so a
            // pass that left some stops here rather than fetching them once more.
            if batch.count < configuration.batchSize || !unreachable.isEmpty { return delivered }
        }
    }

    /// Where an event goes.
    private enum Destination: Hashable {
        case orderService, notifier

        init(_ kind: OutboxEvent.Kind) {
            switch kind {
            case .userDeleted, .tokensRevoked: self = .orderService
            case .passwordResetRequested: self = .notifier
            }
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

    /// Delivers under the id of the request that made the change (kept with the event), so what the Order
    /// service does about it is logged under that id too.
    private func deliver(_ event: OutboxEvent, policy: RetryPolicy, retryingEverything: Bool) async throws {
        try await RequestID.$current.withValue(event.requestID ?? RequestID.current) {
            var outcome: Logger.Metadata = ["eventId": "\(event.id)"]
            switch (event.kind, event.userId) {
            case (.userDeleted, let userId?):
                let orders = orders
                let deleted = try await run(policy, retryingEverything, peer: "order-service") {
                    try await orders.purgeOrders(of: userId)
                }
                outcome["ordersRemoved"] = "\(deleted)"
            case (.tokensRevoked(let issuedBefore), let userId?):
                let orders = orders
                try await run(policy, retryingEverything, peer: "order-service") {
                    try await orders.revokeTokens(of: userId, issuedBefore: issuedBefore)
                }
            case (.passwordResetRequested(let email), _):
                outcome["sent"] = try await sendReset(to: email, for: event, policy, retryingEverything)
            case (.userDeleted, nil), (.tokensRevoked, nil):
                throw CommerceError.internalFailure("An outbox event for the Order service names no user.")
            }
            try await events.markDelivered(event.id)
            if let userId = event.userId { outcome["userId"] = "\(userId)" }
            logger.info("\(event.kind.name) propagated", metadata: outcome)
        }
    }

    /// Issues a reset token to the user with `email`, if any, and sends it; whether one was sent. The token
    /// is made once per pass and only its hash is stored; a retry of the sending sends the same one.
    private func sendReset(
        to email: EmailAddress, for event: OutboxEvent, _ policy: RetryPolicy, _ retryingEverything: Bool
    ) async throws -> Logger.MetadataValue {
        guard let notifier else { throw CommerceError.unavailable("No notifier is configured for password resets.") }
        let token = OpaqueToken()
        let now = clock.now().roundedToMilliseconds
        let expiresAt = now.addingTimeInterval(resetLifetime.timeInterval)
        // An unknown email: nothing to send, and nothing that says so to whoever asked.
        guard
            try await events.issueResetToken(hash: token.hash, forEmail: email, issuedAt: now, expiresAt: expiresAt)
                != nil
        else { return "false" }
        let notice = Notice.passwordReset(
            PasswordResetNotice(email: email, token: token.value, expiresAt: expiresAt, eventId: event.id))
        try await run(policy, retryingEverything, peer: "notifier") { try await notifier.send(notice) }
        return "true"
    }

    private func run<Result: Sendable>(
        _ policy: RetryPolicy, _ retryingEverything: Bool, peer: String,
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await policy.run(
            clock: clock, retryingEverything: retryingEverything, logger: logger, metrics: metrics.peer(peer),
            operation: operation)
    }
}
