import Foundation

/// A service's outbox: the events its changes must tell someone about, recorded in the same transaction
/// as the change and kept until they are delivered (by the ``OutboxPropagator``).
///
/// The changes that record events (a deletion, a revocation) belong to other concerns of the same store;
/// this concern is what the delivery loop needs, and the one way to record an event that changes nothing
/// else.
///
/// Contract (checked by `OutboxConformance` in CommerceTesting; every implementation must pass it):
/// - ``recordEvent(_:)`` records a pending event exactly as given.
/// - ``pendingEvents(limit:)`` returns undelivered events oldest first, and keeps returning an event
///   (across restarts, for a durable store) until ``markDelivered(_:)`` is called with its id.
/// - ``claimPendingEvents(limit:now:leaseEnd:)`` returns pending events oldest first and holds each for
///   the caller until `leaseEnd`: until then no other claim returns it, so several processes sharing the
///   store never deliver one event at once; an event still pending after its lease is offered again. Of N
///   racing claims, each pending event goes to at most one. The default, for a store used by one process,
///   is ``pendingEvents(limit:)`` (no lease is needed).
/// - ``releaseClaim(_:)`` ends the caller's hold on a pending event at once, so the next claim (any
///   process's) may take it; the event stays pending. The default does nothing (a store without leases).
/// - ``markDelivered(_:)`` is idempotent; an unknown id is not an error.
/// - ``outboxBacklog()`` counts the pending events and reports the oldest one's time.
/// - Backend failures are thrown as ``CommerceError``, never as a driver's own error type.
public protocol OutboxStore: Sendable {
    /// Records a pending event as given.
    func recordEvent(_ event: OutboxEvent) async throws
    /// Up to `limit` undelivered events, oldest first.
    func pendingEvents(limit: Int) async throws -> [OutboxEvent]
    /// Up to `limit` pending events nobody holds, oldest first, held for the caller until `leaseEnd`.
    func claimPendingEvents(limit: Int, now: Date, leaseEnd: Date) async throws -> [OutboxEvent]
    /// Gives up the caller's hold on a pending event, so that the next claim may take it at once.
    func releaseClaim(_ id: EventID) async throws
    /// Marks an event delivered so it is not returned again. Idempotent.
    func markDelivered(_ id: EventID) async throws
    /// How many events are pending, and when the oldest happened.
    func outboxBacklog() async throws -> OutboxBacklog
}

extension OutboxStore {
    /// ``pendingEvents(limit:)``: one process needs no lease.
    public func claimPendingEvents(limit: Int, now: Date, leaseEnd: Date) async throws -> [OutboxEvent] {
        try await pendingEvents(limit: limit)
    }

    /// Nothing: without leases, every pending event is offered to every claim.
    public func releaseClaim(_ id: EventID) async throws {}
}
