import CoreMetrics
import Foundation

/// Where the services record their metrics, through swift-metrics.
///
/// Every metric has a fixed name and a small, fixed set of labels (never an id), so a scrape stays small
/// however many users there are:
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
/// | `commerce_idempotent_replays_total` | counter | — |
/// | `commerce_login_throttled_total` | counter | — |
public struct CommerceMetrics: Sendable {
    private let factory: any MetricsFactory

    /// Metrics recorded by `factory`; by default whatever `MetricsSystem` was bootstrapped with (nothing,
    /// if it never was).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// The requests being handled now, by method; the returned meter is decremented when one is answered.
    package func requestsInFlight(method: String) -> Meter {
        Meter(label: "commerce_http_requests_in_flight", dimensions: [("method", method)], factory: factory)
    }

    /// One HTTP request answered.
    package func request(method: String, route: String, status: Int, duration: Duration) {
        Counter(
            label: "commerce_http_requests_total",
            dimensions: [("method", method), ("route", route), ("status", String(status))], factory: factory
        ).increment()
        let (seconds, attoseconds) = duration.components
        Timer(
            label: "commerce_http_request_duration_seconds", dimensions: [("method", method), ("route", route)],
            factory: factory
        ).recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Calls to the other service named `peer` (`user-service`, `order-service`).
    public func peer(_ peer: String) -> PeerCallMetrics {
        PeerCallMetrics(peer: peer, factory: factory)
    }

    /// A retried request answered with the result of its first try.
    package func idempotentReplay() {
        Counter(label: "commerce_idempotent_replays_total", factory: factory).increment()
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
