import Foundation

/// A service's outbox: the events its changes must tell someone about, recorded in the same transaction
/// as the change and kept until they are delivered (by the ``OutboxPropagator``).
///
/// The changes that record events (a deletion, a revocation) belong to other concerns of the same store;
/// this concern is what the delivery loop needs, and the one way to record an event that changes nothing
/// else.
///
/// Contract (checked by `OutboxConformance` in CommerceTesting; every implementation must pass it):
/// - ``recordEvent(_:)`` records a pending event exactly as given, its request id and trace context included.
/// - ``pendingEvents(of:limit:)`` returns undelivered events of the given topics oldest first, and keeps
///   returning an event (across restarts, for a durable store) until ``markDelivered(_:)`` is called with
///   its id. Events of other topics neither appear nor count toward `limit`, so one destination's backlog
///   never hides another's events.
/// - ``claimPendingEvents(of:limit:now:leaseEnd:)`` returns pending events of the given topics oldest first
///   and holds each for the caller until `leaseEnd`: until then no other claim returns it, so several
///   processes sharing the store never deliver one event at once; an event still pending after its lease
///   is offered again. Of N racing claims, each pending event goes to at most one. The default, for a
///   store used by one process, is ``pendingEvents(of:limit:)`` (no lease is needed).
/// - ``releaseClaim(_:)`` ends the caller's hold on a pending event at once, so the next claim (any
///   process's) may take it; the event stays pending. The default does nothing (a store without leases).
/// - ``markDelivered(_:)`` is idempotent; an unknown id is not an error.
/// - ``outboxBacklog()`` counts the pending events and reports the oldest one's time.
/// - Backend failures are thrown as ``CommerceError``, never as a driver's own error type.
public protocol OutboxStore: Sendable {
    /// Records a pending event as given.
    func recordEvent(_ event: OutboxEvent) async throws
    /// Up to `limit` undelivered events of `topics`, oldest first.
    func pendingEvents(of topics: Set<OutboxEvent.Topic>, limit: Int) async throws -> [OutboxEvent]
    /// Up to `limit` pending events of `topics` nobody holds, oldest first, held for the caller until
    /// `leaseEnd`.
    func claimPendingEvents(of topics: Set<OutboxEvent.Topic>, limit: Int, now: Date, leaseEnd: Date) async throws
        -> [OutboxEvent]
    /// Gives up the caller's hold on a pending event, so that the next claim may take it at once.
    func releaseClaim(_ id: EventID) async throws
    /// Marks an event delivered so it is not returned again. Idempotent.
    func markDelivered(_ id: EventID) async throws
    /// How many events are pending, and when the oldest happened.
    func outboxBacklog() async throws -> OutboxBacklog
}

extension OutboxStore {
    /// ``pendingEvents(of:limit:)``: one process needs no lease.
    public func claimPendingEvents(of topics: Set<OutboxEvent.Topic>, limit: Int, now: Date, leaseEnd: Date)
        async throws -> [OutboxEvent]
    {
        try await pendingEvents(of: topics, limit: limit)
    }

    /// Up to `limit` undelivered events of every topic, oldest first.
    public func pendingEvents(limit: Int) async throws -> [OutboxEvent] {
        try await pendingEvents(of: OutboxEvent.Topic.all, limit: limit)
    }

    /// Up to `limit` pending events of every topic nobody holds, oldest first, held until `leaseEnd`.
    public func claimPendingEvents(limit: Int, now: Date, leaseEnd: Date) async throws -> [OutboxEvent] {
        try await claimPendingEvents(of: OutboxEvent.Topic.all, limit: limit, now: now, leaseEnd: leaseEnd)
    }

    /// Nothing: without leases, every pending event is offered to every claim.
    public func releaseClaim(_ id: EventID) async throws {}
}
