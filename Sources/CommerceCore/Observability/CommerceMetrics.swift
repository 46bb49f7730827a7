import CoreMetrics
import Foundation
import Synchronization

/// Where the services record their metrics, through swift-metrics.
///
/// Every metric has a fixed name and a small, fixed set of labels (never an id; `method` is `OTHER` for a
/// method HTTP does not define), so a scrape stays small however many users there are, and whatever
/// clients send:
///
/// | metric | kind | labels |
/// |---|---|---|
/// | `commerce_http_requests_total` | counter | `method`, `route` (the template, `/api/order/{id}`), `status` |
/// | `commerce_http_request_duration_seconds` | histogram | `method`, `route` |
/// | `commerce_http_requests_in_flight` | gauge | `method` |
/// | `commerce_peer_calls_total` | counter | `peer`, `outcome` (`success` or `failure`); one per attempt |
/// | `commerce_peer_retries_total` | counter | `peer` |
/// | `commerce_pending_deletions` | gauge | — |
/// | `commerce_oldest_pending_deletion_age_seconds` | gauge | — |
/// | `commerce_webhook_deliveries_total` | counter | `outcome` (`delivered`, `retry`, `failed`, `gone`) |
/// | `commerce_webhook_pending_deliveries` | gauge | — |
/// | `commerce_webhook_oldest_pending_age_seconds` | gauge | — |
/// | `commerce_idempotent_replays_total` | counter | — |
/// | `commerce_login_throttled_total` | counter | — |
public struct CommerceMetrics: Sendable {
    private let factory: any MetricsFactory
    /// The request metrics made so far, by their labels: making one through the factory (a registry
    /// lookup under its lock, labels built as strings) cost more than the rest of the request's
    /// bookkeeping, and a request's labels repeat.
    private let requestMeters: RequestMeters
    /// The webhook delivery counters made so far, by outcome, for the same reason: one is counted for
    /// every delivery a dispatcher sends.
    private let webhookAttempts: OutcomeCounters

    /// Metrics recorded by `factory`; by default whatever `MetricsSystem` was bootstrapped with (nothing,
    /// if it never was).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        self.requestMeters = RequestMeters(factory: factory)
        self.webhookAttempts = OutcomeCounters(label: "commerce_webhook_deliveries_total", factory: factory)
    }

    /// The requests being handled now, by method; the returned meter is decremented when one is answered.
    package func requestsInFlight(method: HTTPMethodLabel) -> Meter {
        requestMeters.inFlight(method: method)
    }

    /// One HTTP request answered.
    package func request(method: HTTPMethodLabel, route: String, status: Int, duration: Duration) {
        let (counter, timer) = requestMeters.answered(method: method, route: route, status: status)
        counter.increment()
        let (seconds, attoseconds) = duration.components
        timer.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Calls to the other service named `peer` (`user-service`, `order-service`).
    public func peer(_ peer: String) -> PeerCallMetrics {
        PeerCallMetrics(peer: peer, factory: factory)
    }

    /// A retried request answered with the result of its first try.
    package func idempotentReplay() {
        Counter(label: "commerce_idempotent_replays_total", factory: factory).increment()
    }

    /// One webhook delivery attempt, by its outcome (`delivered`, `retry`, `failed`, `gone`).
    package func webhookAttempt(_ outcome: String) {
        webhookAttempts.counter(outcome: outcome).increment()
    }

    /// The webhook deliveries waiting, as they are at `now`.
    package func webhookBacklog(_ backlog: OutboxBacklog, at now: Date) {
        Gauge(label: "commerce_webhook_pending_deliveries", factory: factory).record(backlog.count)
        Gauge(label: "commerce_webhook_oldest_pending_age_seconds", factory: factory)
            .record(backlog.oldestAge(at: now).timeInterval)
    }

    /// A login refused by the throttle before any password work.
    package func loginThrottled() {
        Counter(label: "commerce_login_throttled_total", factory: factory).increment()
    }

    /// The deletion backlog as it is at `now`.
    package func outboxBacklog(_ backlog: OutboxBacklog, at now: Date) {
        Gauge(label: "commerce_pending_deletions", factory: factory).record(backlog.count)
        Gauge(label: "commerce_oldest_pending_deletion_age_seconds", factory: factory)
            .record(backlog.oldestAge(at: now).timeInterval)
    }
}

/// The metrics of calls to one peer service: each attempt and each retry. Handed to
/// ``RetryPolicy/run(clock:retryingEverything:logger:metrics:operation:)``, which records them.
public struct PeerCallMetrics: Sendable {
    let peer: String
    let factory: any MetricsFactory

    /// One attempt, which succeeded or failed.
    package func attempt(succeeded: Bool) {
        Counter(
            label: "commerce_peer_calls_total",
            dimensions: [("peer", peer), ("outcome", succeeded ? "success" : "failure")],
            factory: factory
        ).increment()
    }

    /// A failed attempt about to be tried again.
    package func retry() {
        Counter(label: "commerce_peer_retries_total", dimensions: [("peer", peer)], factory: factory).increment()
    }
}

/// The `method` label of the request metrics: the methods HTTP defines, and `OTHER` for any other token a
/// client sends, so a client cannot add label values (and series) at will.
package struct HTTPMethodLabel: Sendable, Hashable {
    /// The label's value.
    package let value: String

    private static let known: Set<String> = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
    ]

    /// The label for a request's method.
    package init(_ method: String) {
        value = Self.known.contains(method) ? method : "OTHER"
    }
}

/// The request metrics made so far, by label. Their number is bounded: methods are ``HTTPMethodLabel``s,
/// routes the templates a router serves (or `unmatched`), statuses three digits.
private final class RequestMeters: Sendable {
    private struct Answered: Hashable {
        let method: HTTPMethodLabel
        let route: String
        let status: Int
    }

    private struct State {
        var inFlight: [HTTPMethodLabel: Meter] = [:]
        var answered: [Answered: (CoreMetrics.Counter, CoreMetrics.Timer)] = [:]
    }

    private let factory: any MetricsFactory
    private let state = Mutex(State())

    init(factory: any MetricsFactory) { self.factory = factory }

    func inFlight(method: HTTPMethodLabel) -> Meter {
        state.withLock { state in
            if let meter = state.inFlight[method] { return meter }
            let meter = Meter(
                label: "commerce_http_requests_in_flight", dimensions: [("method", method.value)], factory: factory)
            state.inFlight[method] = meter
            return meter
        }
    }

    func answered(method: HTTPMethodLabel, route: String, status: Int) -> (CoreMetrics.Counter, CoreMetrics.Timer) {
        let key = Answered(method: method, route: route, status: status)
        return state.withLock { state in
            if let meters = state.answered[key] { return meters }
            let meters = (
                CoreMetrics.Counter(
                    label: "commerce_http_requests_total",
                    dimensions: [("method", method.value), ("route", route), ("status", String(status))],
                    factory: factory),
                CoreMetrics.Timer(
                    label: "commerce_http_request_duration_seconds",
                    dimensions: [("method", method.value), ("route", route)], factory: factory)
            )
            state.answered[key] = meters
            return meters
        }
    }
}

/// The counters of one metric with an `outcome` label, by outcome: a few fixed values, made once each.
private final class OutcomeCounters: Sendable {
    private let label: String
    private let factory: any MetricsFactory
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])

    init(label: String, factory: any MetricsFactory) {
        self.label = label
        self.factory = factory
    }

    func counter(outcome: String) -> CoreMetrics.Counter {
        counters.withLock { counters in
            if let counter = counters[outcome] { return counter }
            let counter = CoreMetrics.Counter(label: label, dimensions: [("outcome", outcome)], factory: factory)
            counters[outcome] = counter
            return counter
        }
    }
}
