import Foundation
import Logging
import ServiceLifecycle
import Tracing

/// Delivers every pending ``OutboxEvent`` to its ``OutboxDestination`` until it succeeds: at least once,
/// forever, resuming after restarts (the events live in an ``OutboxStore``), one lane per destination: each
/// lane claims only its destination's topics and runs its own loop, so a slow or dead destination delays no
/// other (a dead Order service holds up no password-reset mail, a dead mail service no deletion). For
/// the User service, a deletion becomes a purge of the user's orders, a revocation the Order service's mark
/// of the user's void tokens (``OrderServiceDestination``), a reset request a mail
/// (``PasswordResetMailDestination``).
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
        /// How long a claimed batch is held for this process (``OutboxStore/claimPendingEvents(limit:now:leaseEnd:)``).
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

    /// One destination and the topics its lane claims.
    private struct Lane: Sendable {
        let destination: any OutboxDestination
        let topics: Set<OutboxEvent.Topic>
    }

    private let events: any OutboxStore
    private let lanes: [Lane]
    /// How this propagator paces deliveries and judges its backlog.
    public let configuration: Configuration
    private let clock: any CommerceClock
    private let logger: Logger
    private let metrics: CommerceMetrics

    /// A propagator reading pending events from `events` and handing each to the one of `destinations` that
    /// takes its kind (the first, if several do).
    public init(
        events: any OutboxStore, destinations: [any OutboxDestination], configuration: Configuration = Configuration(),
        clock: any CommerceClock = SystemClock(), logger: Logger = Logger(label: "commerce.outbox-propagator"),
        metrics: CommerceMetrics = CommerceMetrics()
    ) {
        self.events = events
        var taken: Set<OutboxEvent.Topic> = []
        var lanes: [Lane] = []
        for destination in destinations {
            let topics = destination.topics.subtracting(taken)
            taken.formUnion(topics)
            if !topics.isEmpty { lanes.append(Lane(destination: destination, topics: topics)) }
        }
        self.lanes = lanes
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
    }

    /// Whether some destination takes events of `kind` (a password reset needs a mail destination).
    public func delivers(_ kind: OutboxEvent.Kind) -> Bool {
        lanes.contains { $0.topics.contains(kind.topic) }
    }

    /// One quick delivery of `event` under the prompt policy; `true` when its destination confirmed and the
    /// event is marked delivered. Never throws: a failure releases the event to the loop at once
    /// (``OutboxStore/releaseClaim(_:)``).
    public func deliverPromptly(_ event: OutboxEvent) async -> Bool {
        do {
            try await deliver(event, policy: configuration.prompt, retryingEverything: false)
            return true
        } catch {
            logger.notice("\(event.kind.name) not yet propagated; will retry", metadata: failure(of: event, error))
            // A store with leases holds a new event for this prompt try; it failed, so hand the event to the
            // background loops (this process's or another replica's) now, rather than when the hold ends.
            try? await events.releaseClaim(event.id)
            return false
        }
    }

    /// Delivers what is pending now in the one lane that takes `topic` (nothing when none does), as
    /// ``deliverPending()`` delivers each lane: for a caller that decides in which order the lanes go — the
    /// simulator, whose seed orders them. Lanes share nothing, so any order is one the contract allows.
    @discardableResult
    public func deliverPending(inLaneOf topic: OutboxEvent.Topic) async throws -> Int {
        guard let lane = lanes.first(where: { $0.topics.contains(topic) }) else { return 0 }
        return try await deliverPending(in: lane)
    }

    /// Delivers everything pending now, every lane at once; returns how many events were delivered. Each
    /// lane claims a batch of its destination's topics (held for ``Configuration/lease``) and delivers it
    /// in order, each event under the background policy for at most half the lease, until nothing of its
    /// topics is left or an event fails; then that lane stops and releases the rest of its batch at once
    /// (they stay pending for a later pass, of this process or another's). Events of a topic no destination
    /// takes stay pending. Stops with `CancellationError` when cancelled.
    @discardableResult
    public func deliverPending() async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for lane in lanes { group.addTask { try await deliverPending(in: lane) } }
            return try await group.reduce(0, +)
        }
    }

    /// One lane's pass: batches of its topics until one is short or an event fails; how many were delivered.
    @discardableResult
    private func deliverPending(in lane: Lane) async throws -> Int {
        var delivered = 0
        let window = configuration.lease / 2
        var retry = configuration.retry
        retry.deadline = min(retry.deadline ?? window, window)
        while true {
            let now = clock.now()
            let batch = try await events.claimPendingEvents(
                of: lane.topics, limit: configuration.batchSize, now: now,
                leaseEnd: now.addingTimeInterval(configuration.lease.timeInterval))
            let (count, stalled) = try await deliver(batch, policy: retry)
            delivered += count
            // A full batch may hide more; but a store without leases offers undelivered events again, so a
            // pass that left some stops here rather than fetching them once more.
            if batch.count < configuration.batchSize || stalled { return delivered }
        }
    }

    /// `batch`'s events in order until one fails; how many were delivered, and whether one failed.
    private func deliver(_ batch: [OutboxEvent], policy: RetryPolicy) async throws -> (Int, Bool) {
        for (index, event) in batch.enumerated() {
            do {
                try await deliver(event, policy: policy, retryingEverything: true)
            } catch let error as CancellationError {
                throw error
            } catch {
                logger.warning(
                    "\(event.kind.name) not delivered in this pass; will retry", metadata: failure(of: event, error))
                for held in batch[(index + 1)...] { try? await events.releaseClaim(held.id) }
                return (index, true)
            }
        }
        return (batch.count, false)
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

    /// The loops, one per lane: deliver what is pending, wait a poll interval, again, until graceful shutdown
    /// or cancellation. Beside them, the backlog is checked every ``Configuration/backlogCheckInterval`` and a `warning` is
    /// logged whenever it has grown, so a stuck Order service shows in the logs.
    public func run() async throws {
        logger.info("outbox propagator started")
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for lane in lanes { group.addTask { try await deliverForever(in: lane) } }
                    group.addTask { try await watchBacklog() }
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch is CancellationError {}
        logger.info("outbox propagator stopped")
    }

    private func deliverForever(in lane: Lane) async throws {
        while true {
            do {
                try await deliverPending(in: lane)
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

    /// What a log line says of a delivery that failed.
    private func failure(of event: OutboxEvent, _ error: any Error) -> Logger.Metadata {
        ["userId": "\(event.userId.map(\.description) ?? "none")", "eventId": "\(event.id)", "error": "\(error)"]
    }

    /// Delivers under the id of the request that made the change (kept with the event), so what the
    /// destination does about it is logged under that id too; as a span (`deliver userDeleted`) linked to
    /// that request's trace, whose context the destination's calls carry on.
    private func deliver(_ event: OutboxEvent, policy: RetryPolicy, retryingEverything: Bool) async throws {
        guard let destination = lanes.first(where: { $0.topics.contains(event.kind.topic) })?.destination else {
            throw CommerceError.unavailable("Nothing is configured to deliver a \(event.kind.name).")
        }
        try await withSpan("deliver \(event.kind.topic.rawValue)", ofKind: .producer) { span in
            if span.isRecording {
                span.attributes["commerce.event.id"] = event.id.description
                if let cause = event.traceContext {
                    span.addLink(SpanLink(context: TraceContextText.context(cause), attributes: [:]))
                }
            }
            try await deliver(event, to: destination, policy: policy, retryingEverything: retryingEverything)
        }
    }

    private func deliver(
        _ event: OutboxEvent, to destination: any OutboxDestination, policy: RetryPolicy, retryingEverything: Bool
    ) async throws {
        try await RequestID.$current.withValue(event.requestID ?? RequestID.current) {
            let call = OutboxDelivery(
                policy: policy, retryingEverything: retryingEverything, clock: clock, logger: logger, metrics: metrics)
            var outcome = try await destination.deliver(event, using: call)
            try await events.markDelivered(event.id)
            outcome["eventId"] = "\(event.id)"
            if let userId = event.userId { outcome["userId"] = "\(userId)" }
            logger.info("\(event.kind.name) propagated", metadata: outcome)
        }
    }
}
