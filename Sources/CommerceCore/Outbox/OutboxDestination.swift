import Foundation
import Logging

/// Somewhere outbox events go: the other service, a mail webhook, a subscriber. The ``OutboxPropagator``
/// gives each destination a lane of its own, which claims only the destination's topics from the store and
/// delivers them in order, so a slow or dead destination delays no other.
///
/// Contract: ``deliver(_:using:)`` is idempotent (an event may be delivered more than once: a prompt try
/// racing the loop, a crash before the event is marked delivered), and throws when the destination did not
/// confirm, so that the event stays pending.
public protocol OutboxDestination: Sendable {
    /// What the logs and metrics call it.
    var name: String { get }
    /// The kinds of event that go here.
    var topics: Set<OutboxEvent.Topic> { get }
    /// Delivers `event`, running each call to the outside through `call` (the retry policy of the pass);
    /// what the log line of a delivered event says of it.
    func deliver(_ event: OutboxEvent, using call: OutboxDelivery) async throws -> Logger.Metadata
}

extension OutboxDestination {
    /// Whether events of `kind` go here.
    public func takes(_ kind: OutboxEvent.Kind) -> Bool { topics.contains(kind.topic) }
}

/// How one delivery calls out: under the retry policy of its pass (one quick try while a request waits, or
/// the background loop's patient retries), with the propagator's clock, logger and metrics.
public struct OutboxDelivery: Sendable {
    let policy: RetryPolicy
    let retryingEverything: Bool
    let clock: any CommerceClock
    let logger: Logger
    let metrics: CommerceMetrics

    /// Runs `operation` under the policy, counting its attempts against `peer` in the metrics.
    public func run<Result: Sendable>(
        peer: String, _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await policy.run(
            clock: clock, retryingEverything: retryingEverything, logger: logger, metrics: metrics.peer(peer),
            operation: operation)
    }
}

/// The Order service, through its peer: a deletion becomes a purge of the user's orders, a revocation the
/// Order service's mark of the user's void tokens.
public struct OrderServiceDestination: OutboxDestination {
    private let orders: any OrderServicePeer

    /// Delivers to the Order service through `orders`.
    public init(orders: any OrderServicePeer) { self.orders = orders }

    /// `order-service`.
    public var name: String { "order-service" }

    /// Deletions and revocations.
    public var topics: Set<OutboxEvent.Topic> { [.userDeleted, .tokensRevoked] }

    /// Purges the user's orders, or marks their tokens void, in the Order service.
    public func deliver(_ event: OutboxEvent, using call: OutboxDelivery) async throws -> Logger.Metadata {
        guard let userId = event.userId else {
            throw CommerceError.internalFailure("An outbox event for the Order service names no user.")
        }
        let orders = orders
        switch event.kind {
        case .userDeleted:
            let deleted = try await call.run(peer: name) { try await orders.purgeOrders(of: userId) }
            return ["ordersRemoved": "\(deleted)"]
        case .tokensRevoked(let issuedBefore):
            try await call.run(peer: name) { try await orders.revokeTokens(of: userId, issuedBefore: issuedBefore) }
            return [:]
        case .passwordResetRequested:
            throw CommerceError.internalFailure("A password reset is not the Order service's.")
        }
    }
}

/// The user's inbox, through the ``Notifier``: a password-reset request becomes a reset token, issued in
/// the store and sent.
public struct PasswordResetMailDestination: OutboxDestination {
    private let notifier: any Notifier
    private let resets: any PasswordResetStore
    private let lifetime: Duration
    private let clock: any CommerceClock

    /// Issues tokens valid for `lifetime` in `resets` and sends them through `notifier`.
    public init(
        notifier: any Notifier, resets: any PasswordResetStore, lifetime: Duration, clock: any CommerceClock
    ) {
        self.notifier = notifier
        self.resets = resets
        self.lifetime = lifetime
        self.clock = clock
    }

    /// `notifier`.
    public var name: String { "notifier" }

    /// Password-reset requests.
    public var topics: Set<OutboxEvent.Topic> { [.passwordResetRequested] }

    /// Issues a reset token to the user with the event's email, if any, and sends it. The token is made once
    /// per delivery and only its hash is stored; a retry of the sending sends the same one. An unknown
    /// email sends nothing, and nothing says so to whoever asked.
    public func deliver(_ event: OutboxEvent, using call: OutboxDelivery) async throws -> Logger.Metadata {
        guard case .passwordResetRequested(let email) = event.kind else {
            throw CommerceError.internalFailure("Only password resets are mailed.")
        }
        let token = OpaqueToken()
        let now = clock.now().roundedToMilliseconds
        let expiresAt = now.addingTimeInterval(lifetime.timeInterval)
        guard
            try await resets.issueResetToken(hash: token.hash, forEmail: email, issuedAt: now, expiresAt: expiresAt)
                != nil
        else { return ["sent": "false"] }
        let notice = Notice.passwordReset(
            PasswordResetNotice(email: email, token: token.value, expiresAt: expiresAt, eventId: event.id))
        let notifier = notifier
        try await call.run(peer: name) { try await notifier.send(notice) }
        return ["sent": "true"]
    }
}
